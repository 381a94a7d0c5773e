// The picture explains itself (issue #10): NetworkPolicies as the engine decides
// them, what-if state you can trust, drops you cannot miss, and find.
import { test, expect } from '@playwright/test';
import { App, steadyBox } from './app.page.mjs';

/** The local-lb sample, its flows at half the default load: a slow rise of drops. */
async function openLocalLb(page) {
  const app = new App(page);
  await app.openSample('local-lb', 'svc:default/echo');
  await page.getByTestId('load').fill('0.5');
  return app;
}

/** The key (place and reason) of the drop marker that has the focus, or null. */
const focusedDropMarker = (page) => page.evaluate(() => document.activeElement?.closest('[data-testid="drop-marker"]')?.dataset.key ?? null);

/** Tabs from the graph's Fit button until a drop marker has the focus; its key. */
async function tabToDropMarker(page) {
  await page.getByRole('button', { name: 'Fit' }).focus();
  for (let tabs = 0; tabs < 80 && (await focusedDropMarker(page)) === null; tabs += 1) await page.keyboard.press('Tab');
  const key = await focusedDropMarker(page);
  expect(key, 'Tab from the graph\'s controls reaches a drop marker').toMatch(/^node .+: /);
  return key;
}

test('policies: selecting a policy shows what it selects and allows; isolation and denied connections are listed', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  const policies = page.getByTestId('policies');
  await expect(policies.getByTestId('policy')).toHaveCount(13);
  await policies.locator('[data-policy="default/cartservice"] button.link').click();
  const detail = page.getByTestId('policy-detail');
  await expect(detail).toHaveAttribute('data-policy', 'default/cartservice');
  await expect(detail.getByTestId('policy-selects')).toHaveText(['Deployment/default/cartservice']);
  const allows = detail.getByTestId('policy-allows');
  await expect(allows.locator('[data-from="frontend"][data-to="cartservice"][data-port="7070"]')).toHaveCount(1);
  await expect(allows.locator('[data-from="checkoutservice"][data-to="cartservice"][data-port="7070"]')).toHaveCount(1);
  await expect(allows.locator('[data-from="loadgenerator"][data-to="cartservice"]')).toHaveCount(0);
  const denies = detail.getByTestId('policy-denies');
  await expect(denies.locator('[data-from="loadgenerator"][data-to="cartservice"][data-port="7070"]')).toContainText('denied by policy default/cartservice, default/deny-all');
  // deny-all selects every workload: all are isolated.
  await page.getByTestId('policy-isolation').locator('summary').click();
  await expect(page.locator('[data-testid="isolation"][data-isolated="true"]')).toHaveCount(12);
  await page.getByTestId('policy-allowed').locator('summary').click();
  await expect(page.getByTestId('policy-allowed').locator('[data-testid="policy-connection"][data-from="loadgenerator"][data-to="frontend"]')).toHaveCount(1);
  await app.screenshot('explain-policies');
  // Disabling deny-all as a what-if: the graph follows, loadgenerator's pods are less isolated.
  await page.getByRole('button', { name: 'Disable policy default/deny-all' }).click();
  await expect(policies.getByTestId('policy')).toHaveCount(12);
  await expect(page.locator('[data-testid="isolation"][data-workload="Deployment/default/loadgenerator"]')).toContainText('egress by loadgenerator');
  await app.assertClean();
});

test('state: each what-if edit can be undone; scaling to 0 speaks of the edit; a sample clears edits, trace and counters', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  // Edit 1: cordon a node. Edit 2: scale cartservice to 0.
  await app.select('node:node-3');
  await page.getByTestId('cordon-node').click();
  await page.locator('.graph .shape.workload-group[data-id$=":default/Deployment/cartservice"]').first().click({ position: { x: 30, y: 6 } });
  await expect(page.getByTestId('details-title')).toHaveText('Deployment/cartservice');
  await page.getByTestId('scale-down').click();
  const edits = page.getByTestId('edits').getByTestId('edit');
  await expect(edits).toHaveCount(2);
  // The Service's diagnostics blame the edit, not the YAML.
  await app.select('svc:default/cartservice');
  await expect(page.getByTestId('details')).toContainText('After you scaled Deployment/cartservice in default to 0, Service default/cartservice has no ready endpoints');
  await expect(page.getByTestId('details')).not.toContainText('service-selects-no-pods');
  await page.getByTestId('trace-service').click();
  await expect(page.getByTestId('trace-verdict')).toContainText('rejected');
  await app.screenshot('explain-whatif-scaled');
  // Undo the first edit only: the scale stays.
  await edits.first().getByTestId('undo-edit').click();
  await expect(edits).toHaveCount(1);
  await expect(edits.first()).toContainText('scaled from 1 to 0');
  await expect(page.locator('.graph .shape.pod[data-id^="pod:default/cartservice-"]')).toHaveCount(0);
  await expect(page.getByTestId('traffic-message')).toContainText('Undid: node node-3 cordoned');
  // Undo the scale too: cartservice has its pod again.
  await edits.first().getByTestId('undo-edit').click();
  await expect(edits).toHaveCount(0);
  await expect(page.locator('.graph .shape.pod[data-id^="pod:default/cartservice-"]')).toHaveCount(1);
  // A sample replaces everything: no edits, no trace, fresh counters.
  await app.select('svc:default/cartservice');
  await page.getByTestId('trace-service').click();
  await expect(page.getByTestId('trace-verdict')).toBeVisible();
  await app.select(await page.locator('.graph .shape.pod[data-id^="pod:default/redis-cart-"]').getAttribute('data-id'));
  await page.getByTestId('kill-pod').click();
  await expect(edits).toHaveCount(1);
  await page.getByTestId('samples').selectOption('guestbook');
  await expect(app.shape('svc:default/frontend')).toBeVisible();
  await expect(edits).toHaveCount(0);
  await expect(page.getByTestId('trace-verdict')).toHaveCount(0);
  await expect(page.locator('[data-testid="service-counter"][data-key^="default/cartservice"]')).toHaveCount(0);
  await app.screenshot('explain-sample-clean');
  await app.assertClean();
});

test('drops: local-lb sends to every NodePort and the LB; counters per node and Service, labelled markers, click a flow to trace it', async ({ page }) => {
  const app = await openLocalLb(page);
  const echo = page.locator('[data-testid="service-counter"][data-key="default/echo"]');
  await expect.poll(async () => Number(await echo.getAttribute('data-dropped')), { timeout: 20_000 }).toBeGreaterThan(0);
  await expect.poll(async () => Number(await echo.getAttribute('data-delivered')), { timeout: 20_000 }).toBeGreaterThan(0);
  // The node without an echo pod drops; the nodes with one deliver.
  const unhealthy = (await page.locator('.graph .edge.node-port.unhealthy').getAttribute('data-to')).replace('node:', '');
  const dropping = page.locator(`[data-testid="node-counter"][data-key="${unhealthy}"]`);
  await expect.poll(async () => Number(await dropping.getAttribute('data-dropped')), { timeout: 20_000 }).toBeGreaterThan(0);
  await expect(dropping).toHaveAttribute('data-delivered', '0');
  // A labelled marker where it happens.
  const marker = page.locator('[data-testid="drop-marker"][data-label="no local endpoint"]').first();
  await expect(marker).toBeAttached();
  await expect(marker.locator('text')).toContainText('no local endpoint');
  // It stands beside the node's box, not on the node's name.
  const ring = await steadyBox(marker.locator('circle'));
  const name = await page.locator(`.graph .shape[data-id="node:${unhealthy}"] text`).first().boundingBox();
  const nodeBox = await page.locator(`.graph .shape[data-id="node:${unhealthy}"] rect`).first().boundingBox();
  expect(ring.x + ring.width).toBeLessThanOrEqual(Math.min(name.x, nodeBox.x) + 1);
  expect(ring.y).toBeLessThan(name.y + name.height);
  expect(ring.y + ring.height).toBeGreaterThan(name.y);
  // The flow list: click a dropped connection to see its trace.
  const row = page.locator('[data-testid="flow-row"][data-verdict="dropped"]').first();
  await expect(row).toBeVisible();
  await expect(row).toContainText('no local endpoint');
  await app.screenshot('explain-drops');
  // The list holds still under the pointer while the traffic goes on, so the row
  // clicked is the row seen: the list is refreshed a few times a second.
  const flows = page.getByTestId('flows');
  await flows.hover();
  const held = await flows.innerText();
  const delivered = Number(await echo.getAttribute('data-delivered'));
  await expect.poll(async () => Number(await echo.getAttribute('data-delivered')), { timeout: 20_000 }).toBeGreaterThan(delivered);
  expect(await flows.innerText(), 'the flow list changed under the pointer').toBe(held);
  await expect(row).toContainText('no local endpoint');
  await row.click();
  await expect(page.getByTestId('trace-verdict')).toContainText('dropped');
  await expect(page.getByTestId('trace-verdict')).toContainText('ETP=Local');
  await expect(page.getByTestId('trace-hops').locator('li[data-action="drop"]')).toHaveCount(1);
  // The drops' reasons and the trace's badges and verdict keep apart.
  await expect(page.getByTestId('trace-layer').getByTestId('trace-badge')).not.toHaveCount(0);
  const overlaps = await page.evaluate(() => {
    const boxes = (selector) => [...document.querySelectorAll(selector)].map((e) => e.getBoundingClientRect());
    const marks = boxes('.trace-layer [data-testid="trace-badge"] rect, .trace-layer [data-testid="trace-verdict-mark"] rect');
    return boxes('[data-testid="drop-marker"] text.drop-label').filter((label) => marks.some((m) =>
      label.left < m.right - 1 && m.left < label.right - 1 && label.top < m.bottom - 1 && m.top < label.bottom - 1)).length;
  });
  expect(overlaps).toBe(0);
  await app.screenshot('explain-drop-traced');
  // Zoomed out, the marker and its reason keep their size on screen.
  const labelHeight = async () => (await steadyBox(marker.locator('text'))).height;
  const before = await labelHeight();
  expect(before).toBeGreaterThan(10);
  for (let i = 0; i < 4; i++) await page.getByRole('button', { name: 'Zoom out' }).click();
  await expect.poll(labelHeight).toBeCloseTo(before, 0);
  expect((await steadyBox(marker.locator('circle'))).width).toBeGreaterThan(16);
  // Still beside its own box: the other nodes are above and below it, not to
  // its left, so the marker has no reason to step inside.
  const ringOut = await steadyBox(marker.locator('circle'));
  const boxOut = await page.locator(`.graph .shape[data-id="node:${unhealthy}"] rect`).first().boundingBox();
  expect(ringOut.x + ringOut.width).toBeLessThanOrEqual(boxOut.x + 1);
  await app.screenshot('explain-drops-zoomed-out');
  // The marker is a button to the keyboard too (issue #10): Tab reaches it, it
  // names its place and reason, and Enter shows the trace of its newest
  // connection there, with the focus kept on it while the markers are redrawn.
  await page.getByTestId('clear-trace').click();
  await expect(page.getByTestId('trace-verdict')).toHaveCount(0);
  await expect(marker).toHaveAttribute('role', 'button');
  await expect(marker).toHaveAttribute('aria-label', new RegExp(`^dropped ×\\d+ at node ${unhealthy}: .*Local.*Click for its trace\\.$`));
  const focusedMarker = () => focusedDropMarker(page);
  const key = await tabToDropMarker(page);
  expect(await page.evaluate(() => document.activeElement.matches(':focus-visible'))).toBe(true);
  await app.screenshot('explain-drop-marker-focused');
  const focusedLabel = () => page.evaluate(() => document.activeElement.getAttribute('aria-label'));
  const firstLabel = await focusedLabel();
  await page.evaluate(() => { window.focusedMarker = document.activeElement; });
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('trace-verdict')).toContainText('dropped');
  await expect(page.getByTestId('trace-verdict')).toContainText('ETP=Local');
  await expect(page.getByTestId('trace-hops').locator('li[data-action="drop"]')).toHaveCount(1);
  // The trace's badges moved the reasons, which redrew the markers: the focus is
  // back on the same one.
  await expect.poll(focusedMarker).toBe(key);
  // Its count goes on rising, and it stays the same element: a redraw updates
  // the focused marker in place, so neither the focus nor a screen reader's
  // place moves.
  await expect.poll(focusedLabel, { timeout: 20_000 }).not.toBe(firstLabel);
  expect(await page.evaluate(() => document.activeElement === window.focusedMarker)).toBe(true);
  // A click on the ring is the marker's alone: it traces, and the graph under it
  // keeps the user's selection.
  await page.getByTestId('clear-trace').click();
  await page.locator(`.graph .shape[data-id="node:${unhealthy}"] rect`).first().click();
  await expect(page.locator('.graph .shape[data-selected]')).toHaveCount(1);
  await marker.locator('circle').click({ position: { x: 1, y: 9 } });
  await expect(page.getByTestId('trace-verdict')).toContainText('ETP=Local');
  await expect(page.locator(`.graph .shape[data-selected][data-id="node:${unhealthy}"]`)).toHaveCount(1);
  // A drag that starts and ends on the ring pans the view and traces nothing.
  await page.getByTestId('clear-trace').click();
  await expect(page.getByTestId('trace-verdict')).toHaveCount(0);
  const start = await steadyBox(marker.locator('circle'));
  const [x0, y0] = [start.x + 1.5, start.y + start.height / 2];
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  for (let i = 1; i <= 6; i += 1) await page.mouse.move(x0 + 6 * i, y0 + 3 * i);
  await expect.poll(async () => (await steadyBox(marker.locator('circle'))).x).toBeCloseTo(start.x + 36, 0);
  const end = await steadyBox(marker.locator('circle'));
  expect(await page.evaluate(([x, y]) => !!document.elementFromPoint(x, y)?.closest('[data-testid="drop-marker"]'), [end.x + 1.5, end.y + end.height / 2])).toBe(true);
  await page.mouse.move(end.x + 1.5, end.y + end.height / 2);
  await page.mouse.up();
  await page.waitForTimeout(300);
  await expect(page.getByTestId('trace-verdict')).toHaveCount(0);
  await app.assertClean();
});

test('drops at 1024x768: Tab reaches a marker, its ring and reason are whole in the graph, and a resize keeps its focus', async ({ page }) => {
  await page.setViewportSize({ width: 1024, height: 768 });
  const app = await openLocalLb(page);
  const marker = page.locator('[data-testid="drop-marker"][data-label="no local endpoint"]').first();
  await expect(marker).toBeAttached({ timeout: 20_000 });
  const focusedMarker = () => focusedDropMarker(page);
  const key = await tabToDropMarker(page);
  const focused = page.locator('[data-testid="drop-marker"]:focus');
  expect(await focused.locator('circle').evaluate((c) => getComputedStyle(c).stroke)).toBe('rgb(37, 99, 235)');
  const graph = await page.locator('.graph').boundingBox();
  for (const part of ['circle', 'text']) {
    const box = await steadyBox(focused.locator(part));
    expect(box.x).toBeGreaterThanOrEqual(graph.x);
    expect(box.y).toBeGreaterThanOrEqual(graph.y);
    expect(box.x + box.width).toBeLessThanOrEqual(graph.x + graph.width);
    expect(box.y + box.height).toBeLessThanOrEqual(graph.y + graph.height);
  }
  await app.screenshot('explain-drop-marker-focused-1024x768');
  // A resize redraws the markers; the focused one is the same element after it.
  await page.evaluate(() => { window.focusedMarker = document.activeElement; });
  await page.setViewportSize({ width: 1100, height: 768 });
  await expect.poll(focusedMarker).toBe(key);
  expect(await page.evaluate(() => document.activeElement === window.focusedMarker)).toBe(true);
  await app.assertClean();
});

test('find: Enter goes to the Service before a pod of the same name and zooms to fit it', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  const search = page.getByTestId('search');
  await search.fill('cartservice');
  await search.press('Enter');
  await expect(page.getByTestId('details-title')).toHaveText('Service default/cartservice');
  const box = await app.shape('svc:default/cartservice').boundingBox();
  expect(box.width).toBeGreaterThan(150);
  await app.screenshot('explain-find');
  await app.assertClean();
});

test('drops: a connection a NetworkPolicy denies is marked where it happens, with the policies that deny it', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await page.getByTestId('load').fill('0.5');
  // Without the policy that lets frontend reach cartservice, deny-all isolates it.
  await page.getByRole('button', { name: 'Disable policy default/cartservice' }).click();
  const marker = page.locator('[data-testid="drop-marker"][data-label^="denied by policy"]').first();
  await expect(marker).toBeAttached({ timeout: 20_000 });
  await expect(marker).toHaveAttribute('data-label', /^denied by policy .*deny-all/);
  await expect(marker.locator('text.drop-label')).toContainText(/denied by policy .*×\d+/);
  // The ring is a ring, not a packet: larger than any packet dot, with a cross.
  const ring = await steadyBox(marker.locator('circle'));
  expect(ring.width).toBeGreaterThanOrEqual(16);
  await expect(marker.locator('path')).toHaveCount(1);
  const cart = page.locator('[data-testid="service-counter"][data-key="default/cartservice"]');
  await expect.poll(async () => Number(await cart.getAttribute('data-dropped')), { timeout: 20_000 }).toBeGreaterThan(0);
  await app.screenshot('explain-drops-denied');
  await app.assertClean();
});
