import { test, expect } from '@playwright/test';
import { App, steadyBox } from './app.page.mjs';

const delivered = async (page, endpointPrefix) => {
  const cells = page.locator(`[data-testid="endpoint-counter"][data-endpoint^="${endpointPrefix}"] td[data-count]`);
  if ((await cells.count()) === 0) return 0;
  return Number(await cells.first().getAttribute('data-count'));
};

test('packets animate along real paths and are counted per endpoint', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await expect.poll(async () => Number(await page.getByTestId('packets').getAttribute('data-packets'))).toBeGreaterThan(0);
  await expect.poll(() => delivered(page, 'default/frontend-')).toBeGreaterThan(0);
  await page.getByTestId('play').click();
  await expect(page.getByTestId('play')).toHaveText('Play');
  await app.screenshot('traffic');
  await app.assertClean();
});

test('what-if: a killed pod is replaced by its controller, and its counter goes with it', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  // Let traffic reach cartservice's only pod first.
  await page.getByTestId('load').fill('0.5');
  await expect.poll(() => delivered(page, 'default/cartservice-'), { timeout: 15_000 }).toBeGreaterThan(3);
  const podId = await page.locator('.graph .shape.pod[data-id^="pod:default/cartservice-"]').getAttribute('data-id');
  const podKey = podId.replace('pod:', '');
  await app.select(podId);
  await page.getByTestId('kill-pod').click();
  await expect(page.getByTestId('edits')).toContainText(podKey.split('/')[1]);
  await expect(page.getByTestId('edits')).toContainText('its controller creates');
  // The ReplicaSet's replacement, under a new name, is the endpoint now.
  await expect(app.shape(podId)).toHaveCount(0);
  await expect(page.locator('.graph .shape.pod[data-id^="pod:default/cartservice-"]')).toHaveCount(1);
  await app.select('svc:default/cartservice');
  await expect(page.getByTestId('endpoints')).not.toContainText(podKey.split('/')[1]);
  await expect(page.getByTestId('endpoint-row')).toHaveCount(1);
  // The killed pod's counter is gone; the replacement gets the traffic.
  await expect.poll(() => delivered(page, podKey)).toBe(0);
  await expect.poll(() => delivered(page, 'default/cartservice-'), { timeout: 15_000 }).toBeGreaterThan(0);
  await app.screenshot('whatif-kill');
  // Reset restores the manifests' state.
  await page.getByTestId('reset').click();
  await expect(page.getByTestId('edits')).toBeEmpty();
  await expect(app.shape(podId)).toHaveCount(1);
  await app.assertClean();
});

test('externalTrafficPolicy Local: NodePort traffic to a node without a local endpoint is dropped', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await page.getByTestId('samples').selectOption('local-lb');
  await expect(app.shape('svc:default/echo')).toBeVisible();
  // The node without an echo pod is drawn as unhealthy for the load balancer.
  await expect(page.locator('.graph .edge.node-port.unhealthy')).toHaveCount(1);
  const node = (await page.locator('.graph .edge.node-port.unhealthy').getAttribute('data-to')).replace('node:', '');
  await app.select(`node:${node}`);
  const nodeIp = (await page.locator('.facts dd').nth(1).textContent()).trim();
  await app.select('svc:default/echo');
  const nodePort = (await page.getByTestId('service-ports').locator('tbody td').nth(3).textContent()).trim();
  await page.getByTestId('trace-from').selectOption('external');
  await page.getByTestId('trace-to').fill(`${nodeIp}:${nodePort}`);
  await page.getByTestId('run-trace').click();
  await expect(page.getByTestId('trace-verdict')).toContainText('dropped');
  await expect(page.getByTestId('trace-hops').locator('li[data-action="drop"]')).toHaveCount(1);
  // Animate it: the drop shows on the graph, with its reason on hover.
  await page.getByTestId('add-flow').click();
  const marker = page.locator('[data-testid="drop-marker"][data-verdict="dropped"]').first();
  await expect(marker).toBeAttached({ timeout: 15_000 });
  await expect(marker.locator('title')).toContainText(/Local/);
  await app.screenshot('etp-local-drop');
  // Without the trace's badges, which stand over it here: the ring's line takes
  // the pointer (its title is the tooltip there); inside, the pointer goes through.
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('trace-layer').getByTestId('trace-badge')).toHaveCount(0);
  const ring = await steadyBox(marker.locator('circle'));
  const hits = await page.evaluate(({ x, y, r }) => [x + r, x - r, x].map((at) =>
    Boolean(document.elementFromPoint(at, y)?.closest('[data-testid="drop-marker"]'))), { x: ring.x + ring.width / 2, y: ring.y + ring.height / 2, r: 8.5 });
  expect(hits).toEqual([true, true, false]);
  // A click on the ring shows the trace of the newest connection dropped there.
  await page.mouse.click(ring.x + ring.width / 2 + 8.5, ring.y + ring.height / 2);
  await expect(page.getByTestId('trace-verdict')).toContainText('dropped');
  await expect(page.getByTestId('trace-verdict')).toContainText('ETP=Local');
  await app.assertClean();
});

test('trace panel: frontend to cartservice shows DNS, DNAT and delivery', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await app.select('svc:default/cartservice');
  await page.getByTestId('trace-service').click();
  await expect(page.getByTestId('trace-verdict')).toContainText('delivered');
  const hops = page.getByTestId('trace-hops');
  await expect(hops.locator('li[data-action="dns"]')).not.toHaveCount(0);
  await expect(hops.locator('li[data-action="dnat"]')).not.toHaveCount(0);
  await app.screenshot('trace');
  await app.assertClean();
});

test('what-if from the graph: node failure, scaling, service type and policies', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await app.select('node:node-2');
  await page.getByTestId('fail-node').click();
  await expect(app.shape('node:node-2')).toHaveClass(/failed/);
  await page.locator('.graph .shape.workload-group[data-id$=":default/Deployment/frontend"]').first().click({ position: { x: 30, y: 6 } });
  await expect(page.getByTestId('details-title')).toHaveText('Deployment/frontend');
  await page.getByTestId('scale-up').click();
  await expect(page.locator('.graph .shape.pod[data-id^="pod:default/frontend-"]')).toHaveCount(2);
  await app.select('svc:default/cartservice');
  await page.getByTestId('whatif-service-type').selectOption('NodePort');
  await expect(app.shape('svc:default/cartservice')).toHaveClass(/node-port-type/);
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Disable policy default/deny-all' }).click();
  await expect(page.getByTestId('policies')).not.toContainText('default/deny-all');
  await expect(page.getByTestId('edits').locator('li')).toHaveCount(4);
  await app.assertClean();
});

test('what-if: edits made faster than their pictures are drawn all count, and a reset right after an edit stays reset', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  const frontendPods = page.locator('.graph .shape.pod[data-id^="pod:default/frontend-"]');
  await expect(frontendPods).toHaveCount(1);
  await page.locator('.graph .shape.workload-group[data-id$=":default/Deployment/frontend"]').first().click({ position: { x: 30, y: 6 } });
  await expect(page.getByTestId('details-title')).toHaveText('Deployment/frontend');
  // Two clicks in one task: the second comes before the first edit's picture is
  // installed, and still counts from the first one's replicas.
  await page.evaluate(() => {
    const button = document.querySelector('[data-testid="scale-up"]');
    button.click();
    button.click();
  });
  await expect(frontendPods).toHaveCount(3);
  await expect(page.getByTestId('edits').locator('li')).toHaveCount(2);
  await expect(page.getByTestId('workload-pods')).toHaveText('3/3 ready');
  // An edit, then Reset in the same task: the edit's picture, laid out after the
  // reset, is not installed over it.
  await page.evaluate(() => {
    document.querySelector('[data-testid="scale-up"]').click();
    document.querySelector('[data-testid="reset"]').click();
  });
  await expect(page.getByTestId('edits')).toBeEmpty();
  await expect(frontendPods).toHaveCount(1);
  await page.waitForTimeout(500);
  await expect(frontendPods).toHaveCount(1);
  await expect(page.getByTestId('workload-pods')).toHaveText('1/1 ready');
  await app.screenshot('whatif-quick-edits');
  await app.assertClean();
});

test('clicks queued while an edit is worked out each apply to the edits before them: two quick Scale +1 add two replicas', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await page.getByTestId('play').click();
  await page.locator('.graph .shape.workload-group[data-id$=":default/Deployment/cartservice"]').first().click({ position: { x: 30, y: 6 } });
  await expect(page.getByTestId('details-title')).toHaveText('Deployment/cartservice');
  const before = Number((await page.getByTestId('workload-pods').textContent()).split('/')[1].split(' ')[0]);
  // Both clicks in one task: the second is queued before the first is worked out.
  await page.getByTestId('scale-up').evaluate((button) => { button.click(); button.click(); });
  const edits = page.getByTestId('edits').locator('li');
  await expect(edits).toHaveCount(2);
  await expect(edits.nth(0)).toContainText(`scaled from ${before} to ${before + 1} replicas`);
  await expect(edits.nth(1)).toContainText(`scaled from ${before + 1} to ${before + 2} replicas`);
  await expect(page.getByTestId('workload-pods')).toContainText(`/${before + 2} ready`);
  await app.assertClean();
});
