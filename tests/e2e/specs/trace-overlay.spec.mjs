// Traces on the picture (issue #10, point 1): a trace is drawn on the graph as a lit
// path with numbered hop badges and its verdict where it happens; the trace panel at
// the top of the details pane and the picture stay in step; Esc or Clear remove it.
// Works in the SVG picture, the logical view and the canvas of large scenes.
import { test, expect } from '@playwright/test';
import { App } from './app.page.mjs';

const layer = (page) => page.getByTestId('trace-layer');
const badges = (page) => layer(page).getByTestId('trace-badge');

/** Every badge at least this many screen pixels tall, and inside the graph area. */
async function expectLegibleBadges(page) {
  const area = await page.locator('.graph').boundingBox();
  const count = await badges(page).count();
  expect(count).toBeGreaterThan(0);
  for (let i = 0; i < count; i++) {
    const box = await badges(page).nth(i).boundingBox();
    expect(box.height).toBeGreaterThanOrEqual(18);
    expect(box.x).toBeGreaterThanOrEqual(area.x - 1);
    expect(box.x + box.width).toBeLessThanOrEqual(area.x + area.width + 1);
  }
  const fontSize = await badges(page).first().locator('text').last().evaluate((t) => parseFloat(getComputedStyle(t).fontSize));
  expect(fontSize).toBeGreaterThanOrEqual(11);
}

test('Trace to this Service draws the path, numbered badges and the verdict; hover links panel and picture; Esc clears', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await page.getByTestId('play').click();
  await app.select('svc:default/cartservice');
  await page.getByTestId('trace-service').click();
  await expect(page.getByTestId('trace-verdict')).toContainText('delivered');
  // The panel opens at the top of the details pane, without scrolling.
  await expect(page.getByTestId('trace-panel')).toBeInViewport({ ratio: 1 });
  expect((await page.getByTestId('trace-panel').boundingBox()).height).toBeGreaterThan(100);
  const hops = page.getByTestId('trace-hops').locator('li');
  const nHops = await hops.count();
  // One badge per hop, numbered as the panel numbers them: DNS, node, DNAT, policy, pod.
  await expect(badges(page)).toHaveCount(nHops);
  for (const action of ['dns', 'capture', 'dnat', 'policy-egress', 'policy-ingress', 'deliver']) {
    await expect(layer(page).locator(`[data-testid="trace-badge"][data-action="${action}"]`)).toHaveCount(1);
  }
  await expect(badges(page).first()).toHaveAttribute('data-step', '1');
  await expect(badges(page).first()).toContainText('DNS');
  const verdict = layer(page).getByTestId('trace-verdict-mark');
  await expect(verdict).toContainText(/delivered to default\/cartservice-/);
  expect(await verdict.evaluate((g) => parseFloat(getComputedStyle(g.querySelector('text')).fontSize))).toBeGreaterThanOrEqual(16);
  // The path is lit, the rest faded.
  await expect(page.locator('.graph')).toHaveClass(/has-focus/);
  await expect(page.locator('.graph .shape[data-lit][data-id="svc:default/cartservice"]')).toHaveCount(1);
  await expect(page.locator('.graph .shape[data-lit][data-id^="pod:default/cartservice-"]')).toHaveCount(1);
  await expect(page.locator('.graph .shape[data-lit][data-id="svc:default/redis-cart"]')).toHaveCount(0);
  await expect(page.locator('.graph .edge[data-lit][data-from="svc:default/cartservice"]')).toHaveCount(1);
  await expectLegibleBadges(page);
  await app.screenshot('trace-overlay-1440');
  // Hovering a hop in the panel outlines its badge and its shape.
  await hops.nth(3).hover();
  await expect(layer(page).locator('[data-testid="trace-badge"][data-step="4"]')).toHaveClass(/hovered/);
  await expect(layer(page).locator('.trace-focus')).toHaveCount(1);
  // Hovering a badge marks its hop in the panel.
  await layer(page).locator('[data-testid="trace-badge"][data-step="1"]').hover();
  await expect(hops.nth(0)).toHaveClass(/hovered/);
  await app.screenshot('trace-overlay-hover');
  // From the keyboard: a focused hop marks its badge, Tab moves to the next hop and
  // its badge, and leaving the hops unmarks them.
  await page.mouse.move(0, 0);
  await hops.nth(2).focus();
  await expect(layer(page).locator('[data-testid="trace-badge"][data-step="3"]')).toHaveClass(/hovered/);
  await expect(hops.nth(2)).toHaveClass(/hovered/);
  await page.keyboard.press('Tab');
  await expect(hops.nth(3)).toBeFocused();
  await expect(layer(page).locator('[data-testid="trace-badge"][data-step="4"]')).toHaveClass(/hovered/);
  await expect(layer(page).locator('[data-testid="trace-badge"][data-step="3"]')).not.toHaveClass(/hovered/);
  await hops.nth(3).evaluate((hop) => hop.blur());
  await expect(layer(page).locator('[data-testid="trace-badge"].hovered')).toHaveCount(0);
  // Esc removes it from the picture and the panel.
  await page.keyboard.press('Escape');
  await expect(badges(page)).toHaveCount(0);
  await expect(page.getByTestId('trace-panel')).toHaveCount(0);
  await expect(page.locator('.graph .shape[data-lit]')).toHaveCount(0);
  await app.assertClean();
});

test('at 1024x768 the drop is written large where it happens, and Clear removes it', async ({ page }) => {
  await page.setViewportSize({ width: 1024, height: 768 });
  const app = new App(page);
  await app.openFresh();
  await page.getByTestId('play').click();
  await page.getByTestId('samples').selectOption('local-lb');
  await expect(app.shape('svc:default/echo')).toBeVisible();
  // The node that runs no echo pod fails the health check: its NodePort drops.
  const node = (await page.locator('.graph .edge.node-port.unhealthy').getAttribute('data-to')).replace('node:', '');
  await app.select('svc:default/echo');
  const nodePort = (await page.getByTestId('service-ports').locator('tbody tr').first().locator('td').nth(3).textContent()).trim();
  await app.select(`node:${node}`);
  const address = await page.getByTestId('details').locator('dd', { hasText: /^\d+\.\d+\.\d+\.\d+$/ }).first().textContent();
  await page.getByTestId('trace-to').fill(`${address.trim()}:${nodePort}`);
  await page.getByTestId('run-trace').click();
  await expect(page.getByTestId('trace-verdict')).toContainText('dropped');
  await expect(page.getByTestId('trace-panel')).toBeInViewport({ ratio: 1 });
  // The panel spans the whole narrow pane: nothing scrolling under it shows beside it.
  const [panelBox, paneBox] = [await page.getByTestId('trace-panel').boundingBox(), await page.getByTestId('details').boundingBox()];
  expect(panelBox.x).toBeCloseTo(paneBox.x, 0);
  expect(panelBox.x + panelBox.width).toBeGreaterThanOrEqual(paneBox.x + paneBox.width - 16);
  const verdict = layer(page).getByTestId('trace-verdict-mark');
  await expect(verdict).toHaveText(`dropped: no local endpoint on ${node}`);
  await expect(verdict).toBeInViewport({ ratio: 1 });
  // The verdict sits at the node that dropped it (moved left only as far as it
  // must to stay inside the graph).
  const nodeBox = await app.shape(`node:${node}`).boundingBox();
  const verdictBox = await verdict.boundingBox();
  expect(verdictBox.x).toBeLessThan(nodeBox.x + nodeBox.width + 30);
  // It reaches the node's box, but for the gap it keeps from the drop marker's ring.
  expect(verdictBox.x + verdictBox.width).toBeGreaterThan(nodeBox.x - 4);
  expect(verdictBox.y).toBeGreaterThan(nodeBox.y - 10);
  expect(verdictBox.y).toBeLessThan(nodeBox.y + nodeBox.height + 70);
  await expect(layer(page).locator('[data-testid="trace-badge"][data-action="drop"]')).toHaveCount(1);
  await expectLegibleBadges(page);
  await app.screenshot('trace-overlay-1024-drop');
  await page.getByTestId('clear-trace').click();
  await expect(badges(page)).toHaveCount(0);
  await expect(page.getByTestId('trace-verdict')).toHaveCount(0);
  await app.assertClean();
});

test('the logical view draws the same trace: node hops at the Service, pods at their workloads', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await page.getByTestId('play').click();
  await app.select('svc:default/cartservice');
  await page.getByTestId('trace-service').click();
  await expect(page.getByTestId('trace-verdict')).toContainText('delivered');
  await page.getByTestId('view-logical').click();
  await expect(page.locator('.graph .shape[data-id="wl:default/Deployment/cartservice"]')).toBeVisible();
  const nHops = await page.getByTestId('trace-hops').locator('li').count();
  await expect(badges(page)).toHaveCount(nHops);
  await expect(page.locator('.graph .shape[data-lit][data-id="wl:default/Deployment/cartservice"]')).toHaveCount(1);
  // kube-proxy's capture sits at the Service box (once the view switch has settled).
  await page.waitForFunction(() => document.getAnimations().filter((a) => a.animationName?.startsWith('kt-')).length === 0);
  const capture = await layer(page).locator('[data-testid="trace-badge"][data-action="capture"]').boundingBox();
  const service = await app.shape('svc:default/cartservice').boundingBox();
  expect(Math.abs(capture.y + capture.height / 2 - (service.y + service.height / 2))).toBeLessThan(20);
  await expectLegibleBadges(page);
  await app.screenshot('trace-overlay-logical');
  await app.assertClean();
});

/** The synthetic cluster of scale.spec, small: over 2,500 shapes, so on the canvas. */
function synthetic(nDeployments, replicas, nNodes) {
  const parts = [];
  for (let node = 0; node < nNodes; node++) {
    const name = `node-${String(node).padStart(4, '0')}`;
    parts.push(`apiVersion: v1\nkind: Node\nmetadata:\n  name: ${name}\nstatus:\n  addresses:\n  - type: InternalIP\n    address: 172.16.0.${node + 1}\n  conditions:\n  - type: Ready\n    status: "True"\n`);
  }
  for (let index = 0; index < nDeployments; index++) {
    const name = `app-${String(index).padStart(4, '0')}`;
    parts.push(`apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  namespace: big\nspec:\n  replicas: ${replicas}\n  selector:\n    matchLabels:\n      app: ${name}\n  template:\n    metadata:\n      labels:\n        app: ${name}\n    spec:\n      containers:\n      - name: main\n        image: example/app:1\n        ports:\n        - name: http\n          containerPort: 8080\n`);
    parts.push(`apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  namespace: big\nspec:\n  selector:\n    app: ${name}\n  ports:\n  - name: http\n    port: 8080\n    targetPort: http\n`);
  }
  return parts.map((part) => `---\n${part}`).join('');
}

test('on the canvas of a large scene the trace is drawn the same way', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await page.getByTestId('play').click();
  await app.paste(synthetic(500, 4, 20));
  await expect(app.graph).toHaveAttribute('data-pods', '2000', { timeout: 30_000 });
  await expect(app.graph).toHaveAttribute('data-large', 'true');
  const from = page.getByTestId('trace-from');
  const source = await from.locator('option[value^="pod/big/app-0001-"]').first().getAttribute('value');
  await from.selectOption(source);
  await page.getByTestId('trace-to').fill('app-0002.big:8080');
  await page.getByTestId('run-trace').click();
  await expect(page.getByTestId('trace-verdict')).toContainText('delivered');
  const nHops = await page.getByTestId('trace-hops').locator('li').count();
  await expect(badges(page)).toHaveCount(nHops);
  await expect(layer(page).getByTestId('trace-verdict-mark')).toContainText('delivered to big/app-0002-');
  // No DOM per shape: the overlay adds only its badges, the path and the verdict.
  expect(await page.locator('.graph .shape').count()).toBe(0);
  await expect(page.locator('.graph')).toHaveClass(/has-focus/);
  await app.screenshot('trace-overlay-canvas');
  await page.keyboard.press('Escape');
  await expect(badges(page)).toHaveCount(0);
  await app.assertClean();
});

/** Badges (and the verdict) whose box covers a drawn title, by the real text boxes. */
async function badgesOnTitles(page) {
  return page.evaluate(() => {
    const marks = [...document.querySelectorAll('.trace-layer [data-testid="trace-badge"], .trace-layer [data-testid="trace-verdict-mark"]')]
      .map((g) => ({ name: g.dataset.action ?? 'verdict', box: g.querySelector('rect').getBoundingClientRect() }));
    const titles = [...document.querySelectorAll('.graph svg.scene .shape > text.label, .graph svg.scene .shape > text.group-label')]
      .map((t) => ({ name: t.textContent, box: t.getBoundingClientRect() }))
      .filter((t) => t.box.width > 0);
    const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    const found = [];
    for (const mark of marks) for (const title of titles) if (hit(mark.box, title.box)) found.push(`${mark.name} on "${title.name}"`);
    return { n_marks: marks.length, n_titles: titles.length, found };
  });
}

test('badges never cover a title: the node badge sits under the node\'s name, at any zoom', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await page.getByTestId('play').click();
  await app.select('svc:default/cartservice');
  await page.getByTestId('trace-service').click();
  await expect(badges(page).first()).toBeVisible();
  const check = async () => {
    const { n_marks, n_titles, found } = await badgesOnTitles(page);
    expect(n_marks).toBeGreaterThan(4);
    // At the demo's first zoom the boxes' titles are drawn (18), compact, and the
    // workload groups' smaller titles are not (§13.2: nothing under 9 px).
    expect(n_titles).toBeGreaterThan(15);
    expect(found).toEqual([]);
  };
  await check();
  // The node badge is tied to the node's corner by a leader, under the title.
  const node = layer(page).locator('[data-testid="trace-badge"][data-action="capture"]');
  await expect(node).toHaveCount(1);
  await expect(layer(page).locator('.trace-leader')).not.toHaveCount(0);
  await app.screenshot('trace-badges-clear-of-titles');
  for (const button of ['Zoom in', 'Zoom in', 'Zoom out', 'Zoom out', 'Zoom out']) {
    await page.getByRole('button', { name: button }).click();
    await check();
  }
  // Close up on the node the badge belongs to.
  await page.getByTestId('fit').click();
  for (let i = 0; i < 3; i++) await page.getByRole('button', { name: 'Zoom in' }).click();
  await check();
  await app.screenshot('trace-badges-clear-of-titles-zoomed');
  await app.assertClean();
});
