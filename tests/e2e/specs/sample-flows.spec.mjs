// Each sample's default flows demonstrate its point (issue #10). The simulator's
// default flows (`default_flows` in src/engine/sim.rs) are what a visitor sees
// without touching anything: an external client to each exposed Service (each LB
// IP, or the nodePort; under externalTrafficPolicy Local every node's nodePort
// too), each Ingress route, each plain path match of an HTTPRoute, and each
// dependency inferred from env values and arguments. Here, per sample, the
// counters, the drop markers and a connection traced from the flow list show
// what the sample is about.
//
// local-lb is covered by explain.spec.mjs ("drops: local-lb sends to every
// NodePort and the LB"); the boutique demo's traffic by traffic.spec.mjs.
//
// The guestbook's pods only say GET_HOSTS_FROM=dns, and its PHP app finds Redis by
// name, so the sample declares those calls with the `kubetopo.dev/calls`
// annotation (samples/guestbook-declared-calls.yaml, §6.1), and its flows reach the
// Redis tier as the app does.
//
// The statefulset client's `curl http://web-0.nginx:80/` names one member's own
// DNS record, so its flow reaches web-0 alone (§6).
//
// The boutique's NetworkPolicies allow exactly its inferred call graph, so the
// default flows add a few connections the policies deny (`denied_flows`, §8.5).
import { test, expect } from '@playwright/test';
import { App, steadyBox } from './app.page.mjs';

const POLL = { timeout: 20_000 };

/** Every row of a counter table (`service-counter`, `node-counter`), by its key. */
const counterRows = (page, testId) => page.evaluate((id) => Object.fromEntries(
  [...document.querySelectorAll(`[data-testid="${id}"]`)].map((row) => [row.dataset.key, {
    delivered: Number(row.dataset.delivered),
    dropped: Number(row.dataset.dropped),
    rejected: Number(row.dataset.rejected),
    redirected: Number(row.dataset.redirected),
  }])), testId);

/** One Service's counters; zeros until the Service has a row. */
const serviceCounts = async (page, key) =>
  (await counterRows(page, 'service-counter'))[key] ?? { delivered: 0, dropped: 0, rejected: 0, redirected: 0 };

/** Delivered connections per endpoint (`namespace/pod`). */
const endpointCounts = (page) => page.evaluate(() => Object.fromEntries(
  [...document.querySelectorAll('[data-testid="endpoint-counter"]')].map((row) =>
    [row.dataset.endpoint, Number(row.querySelector('td[data-count]').dataset.count)])));

/** The sum of the endpoint counts whose key passes `keep`. */
const deliveredTo = async (page, keep) =>
  Object.entries(await endpointCounts(page)).filter(([key]) => keep(key)).reduce((sum, [, n]) => sum + n, 0);

/**
 * Clicks a recent connection of the flow list whose text matches `text` and whose
 * verdict is `verdict`, to trace it. The list holds still under the pointer; when
 * the held list has no such row, the pointer leaves so the list refreshes, and the
 * search starts again.
 */
async function traceFromFlowList(page, text, verdict) {
  const flows = page.getByTestId('flows');
  const row = flows.locator(`[data-testid="flow-row"][data-verdict="${verdict}"]`).filter({ hasText: text }).first();
  await expect(async () => {
    await page.mouse.move(1, 1);
    await flows.scrollIntoViewIfNeeded({ timeout: 1_000 });
    await flows.hover({ timeout: 1_000 });
    await row.click({ timeout: 1_000 });
  }).toPass(POLL);
  await page.mouse.move(1, 1);
  await expect(page.getByTestId('trace-verdict')).toContainText(verdict);
}

const hops = (page, action) => page.getByTestId('trace-hops').locator(`li[data-action="${action}"]`);
const badges = (page, action) => page.getByTestId('trace-layer').locator(`[data-testid="trace-badge"][data-action="${action}"]`);

/**
 * The drop labels not whole and readable on the graph: the text of each that
 * meets a control over the graph (the Legend button, or a large scene's minimap),
 * or a badge or the verdict of the trace (by more than a pixel), or leaves the
 * graph.
 */
const unreadableDropLabels = (page) => page.evaluate(() => {
  const boxes = (selector) => [...document.querySelectorAll(selector)].map((e) => e.getBoundingClientRect());
  const graph = document.querySelector('.graph').getBoundingClientRect();
  const controls = boxes('.graph > .legend, [data-testid="legend-toggle"], .graph > .minimap:not([hidden])');
  const marks = boxes('.trace-layer [data-testid="trace-badge"] rect, .trace-layer [data-testid="trace-verdict-mark"] rect');
  const meet = (a, b, by = 0) => a.left < b.right - by && b.left < a.right - by && a.top < b.bottom - by && b.top < a.bottom - by;
  return [...document.querySelectorAll('[data-testid="drop-marker"] text.drop-label')]
    .filter((label) => {
      const box = label.getBoundingClientRect();
      const inside = box.left >= graph.left && box.right <= graph.right && box.top >= graph.top && box.bottom <= graph.bottom;
      return !inside || controls.some((control) => meet(box, control)) || marks.some((mark) => meet(box, mark, 1));
    })
    .map((label) => label.textContent);
});

/**
 * Every drop label is readable, a few times over while the counts change (each
 * change places the labels again); at least `n` labels are drawn.
 */
async function expectDropLabelsReadable(page, n) {
  await expect.poll(() => page.locator('[data-testid="drop-marker"] text.drop-label').count(), POLL).toBeGreaterThanOrEqual(n);
  await expect.poll(() => unreadableDropLabels(page), POLL).toEqual([]);
  for (let i = 0; i < 5; i++) {
    await page.waitForTimeout(200);
    expect(await unreadableDropLabels(page), 'drop labels under a control or outside the graph').toEqual([]);
  }
}

async function openSample(page, id, shape) {
  const app = new App(page);
  await app.openSample(id, shape);
  return app;
}

test('gateway-canary: the Gateway splits /cart 90/10 between stable and canary, sends /pay across namespaces, redirects /basket, and the rejected Route gets nothing', async ({ page }) => {
  const app = await openSample(page, 'gateway-canary', 'gw:shop/web');
  await page.getByTestId('load').fill('2');
  const canary = (key) => key.startsWith('shop/cart-canary-');
  const stable = (key) => key.startsWith('shop/cart-') && !canary(key);
  // Enough /cart connections for the weights to show.
  await expect.poll(async () => (await deliveredTo(page, stable)) + (await deliveredTo(page, canary)), POLL).toBeGreaterThan(300);
  const counts = await endpointCounts(page);
  const toStable = await deliveredTo(page, stable);
  const toCanary = await deliveredTo(page, canary);
  console.log(`/cart: stable ${toStable}, canary ${toCanary}`);
  // Both tracks get traffic, the stable one (weight 90) far more than the canary (10).
  expect(toCanary, 'connections to the canary').toBeGreaterThan(0);
  expect(toStable, 'stable against 4 × canary').toBeGreaterThan(4 * toCanary);
  // Every pod of both tracks takes a share: cart has 3 replicas, cart-canary 2.
  expect(Object.keys(counts).filter(stable)).toHaveLength(3);
  expect(Object.keys(counts).filter(canary)).toHaveLength(2);
  // /pay reaches payments in its own namespace (the ReferenceGrant allows it);
  // the default rule reaches frontend.
  expect(await deliveredTo(page, (key) => key.startsWith('payments/payments-'))).toBeGreaterThan(0);
  expect(await deliveredTo(page, (key) => key.startsWith('shop/frontend-'))).toBeGreaterThan(0);
  // The rejected Route (NotAllowedByListeners) carries nothing to legacy.
  expect(Object.keys(counts).filter((key) => key.startsWith('legacy/'))).toEqual([]);
  // The requests all count under the Gateway's Service, /basket as redirected.
  await expect.poll(async () => (await serviceCounts(page, 'shop/web-kubetopo')).redirected, POLL).toBeGreaterThan(0);
  const gateway = await serviceCounts(page, 'shop/web-kubetopo');
  expect(gateway.delivered).toBeGreaterThan(0);
  expect(gateway.dropped).toBe(0);
  expect(gateway.rejected).toBe(0);
  await expect(page.locator('[data-testid="drop-marker"]')).toHaveCount(0);
  // A /cart request traced from the flow list: the Gateway's listener, Route and
  // weighted backend choice are hops, and badges on the picture.
  await traceFromFlowList(page, 'HTTPRoute shop/storefront http://shop.example.com/cart', 'delivered');
  await expect(page.getByTestId('trace-verdict')).toContainText(/delivered to shop\/cart-/);
  await expect(hops(page, 'gateway-listener')).toHaveCount(1);
  await expect(hops(page, 'gateway-route')).toContainText('storefront');
  await expect(hops(page, 'gateway-backend')).toHaveCount(1);
  await expect(hops(page, 'gateway-backend')).toContainText('cart');
  for (const action of ['gateway-listener', 'gateway-route', 'gateway-backend']) {
    await expect(badges(page, action)).toHaveCount(1);
    await expect(badges(page, action)).toContainText('gateway');
  }
  await app.screenshot('sample-flows-gateway-canary');
  await app.assertClean();
});

test('ingress-nginx: traffic enters through the cloud load balancer to the controller, which avoids the NodePort drops of externalTrafficPolicy Local and proxies each Ingress path to its own Service', async ({ page }) => {
  const app = await openSample(page, 'ingress-nginx', 'svc:ingress-nginx/ingress-nginx-controller');
  await page.getByTestId('load').fill('2');
  const key = 'ingress-nginx/ingress-nginx-controller';
  await expect.poll(async () => (await serviceCounts(page, key)).delivered, POLL).toBeGreaterThan(20);
  // What comes in reaches the controller's pods, and, through the Ingress
  // shop/shop, the pods of the Service of each path: `/` the storefront, `/api`
  // the orders API. Nothing else receives anything.
  await expect.poll(() => deliveredTo(page, (e) => e.startsWith('shop/storefront-')), POLL).toBeGreaterThan(0);
  await expect.poll(() => deliveredTo(page, (e) => e.startsWith('shop/orders-api-')), POLL).toBeGreaterThan(0);
  const endpoints = Object.keys(await endpointCounts(page));
  expect(endpoints.filter((e) => !/^(ingress-nginx\/ingress-nginx-controller-|shop\/storefront-|shop\/orders-api-)/.test(e))).toEqual([]);
  // NodePort traffic to a node without the controller is dropped (Local); the load
  // balancer's health check sends only to a node with one.
  await expect.poll(async () => (await serviceCounts(page, key)).dropped, POLL).toBeGreaterThan(0);
  await expect(page.locator('[data-testid="drop-marker"][data-label="no local endpoint"]').first()).toBeAttached(POLL);
  const flows = page.getByTestId('flows');
  await flows.scrollIntoViewIfNeeded();
  await flows.hover();
  const lbRows = await flows.locator('[data-testid="flow-row"]').evaluateAll((rows) => rows
    .filter((row) => / LB \d/.test(row.textContent))
    .map((row) => row.dataset.verdict));
  expect(lbRows.length, 'connections through the LB in the flow list').toBeGreaterThan(0);
  expect(lbRows.filter((v) => v !== 'delivered'), 'LB connections not delivered').toEqual([]);
  await page.mouse.move(1, 1);
  // One connection through the LB, traced from the flow list: an LB badge on the picture.
  await traceFromFlowList(page, /ingress-nginx-controller LB \d/, 'delivered');
  await expect(page.getByTestId('trace-verdict')).toContainText(/delivered to ingress-nginx\/ingress-nginx-controller-/);
  await expect(hops(page, 'load-balancer')).toHaveCount(1);
  await expect(hops(page, 'drop')).toHaveCount(0);
  await expect(badges(page, 'load-balancer')).toHaveCount(1);
  await expect(badges(page, 'load-balancer')).toContainText('LB');
  await expect(badges(page, 'deliver')).toContainText('pod');
  // A request for /api, traced from the flow list: the Ingress's rule picks the
  // orders API, and the controller opens its own connection to one of its pods.
  await traceFromFlowList(page, 'Ingress shop/shop http://shop.example.com/api', 'delivered');
  await expect(page.getByTestId('trace-verdict')).toContainText(/delivered to shop\/orders-api-/);
  await expect(hops(page, 'ingress-route')).toContainText('path /api (Prefix)');
  await expect(hops(page, 'proxy')).toHaveCount(1);
  await expect(badges(page, 'ingress-route')).toHaveCount(1);
  await expect(badges(page, 'deliver')).toHaveCount(2);
  // The Ingress's two edges say their paths; its box says the host.
  await expect(app.shape('ing:shop/shop')).toContainText('shop.example.com');
  for (const path of ['/', '/api']) {
    await expect(page.locator('.graph .edge-label').filter({ hasText: new RegExp(`^${path.replace('/', '\\/')}$`) })).toHaveCount(1);
  }
  await app.screenshot('sample-flows-ingress-nginx');
  await page.setViewportSize({ width: 1024, height: 768 });
  await expect(page.getByTestId('trace-verdict-mark')).toBeVisible();
  await app.screenshot('sample-flows-ingress-nginx-1024x768');
  await app.assertClean();
});

test('statefulset: the client reaches web-0 by its own DNS record, without a ClusterIP or DNAT, and no other member', async ({ page }) => {
  const app = await openSample(page, 'statefulset', 'svc:default/nginx');
  await expect(app.shape('svc:default/nginx')).toHaveClass(/headless/);
  await page.getByTestId('load').fill('2');
  // The client's connections, counted under the headless Service, reach web-0:
  // `web-0.nginx` is that pod's hostname record, so no other member answers.
  await expect.poll(async () => (await serviceCounts(page, 'default/nginx')).delivered, POLL).toBeGreaterThan(30);
  const counts = await endpointCounts(page);
  expect(counts['default/web-0'] ?? 0).toBeGreaterThan(0);
  expect(['web-1', 'web-2'].filter((pod) => (counts[`default/${pod}`] ?? 0) > 0)).toEqual([]);
  const nginx = await serviceCounts(page, 'default/nginx');
  expect(nginx.dropped + nginx.rejected).toBe(0);
  // A traced connection: DNS answers with web-0's address and the client dials it
  // itself; kube-proxy has no rule for it, so no node capture, endpoint choice or DNAT.
  await traceFromFlowList(page, 'default/client → web-0.nginx.default:80', 'delivered');
  await expect(page.getByTestId('trace-verdict')).toContainText('delivered to default/web-0');
  await expect(hops(page, 'dns')).toContainText('hostname record of a ready endpoint of headless Service default/nginx');
  for (const action of ['capture', 'choose-endpoint', 'dnat']) {
    await expect(hops(page, action), `${action} hops`).toHaveCount(0);
    await expect(badges(page, action), `${action} badges`).toHaveCount(0);
  }
  await expect(hops(page, 'send')).toContainText('no ClusterIP and no kube-proxy rules');
  await expect(badges(page, 'dns')).toContainText('DNS');
  await expect(badges(page, 'deliver')).toContainText('pod');
  await app.screenshot('sample-flows-statefulset');
  await page.setViewportSize({ width: 1024, height: 768 });
  await expect(page.getByTestId('trace-verdict-mark')).toBeVisible();
  await app.screenshot('sample-flows-statefulset-1024x768');
  await app.assertClean();
});

test('guestbook: the NodePort frontend takes external traffic on any node and spreads it over its three pods through kube-proxy', async ({ page }) => {
  const app = await openSample(page, 'guestbook', 'svc:default/frontend');
  await page.getByTestId('load').fill('2');
  await expect.poll(async () => (await serviceCounts(page, 'default/frontend')).delivered, POLL).toBeGreaterThan(60);
  const frontend = await serviceCounts(page, 'default/frontend');
  expect(frontend.dropped + frontend.rejected).toBe(0);
  // Every frontend replica gets a share, whichever node the client picked.
  await expect.poll(async () => Object.entries(await endpointCounts(page))
    .filter(([key, n]) => key.startsWith('default/frontend-') && n > 0).length, POLL).toBe(3);
  // A traced connection: the nodePort is captured on a node and DNATed to a pod.
  await traceFromFlowList(page, /external → default\/frontend NodePort \d+/, 'delivered');
  await expect(page.getByTestId('trace-verdict')).toContainText(/delivered to default\/frontend-/);
  await expect(hops(page, 'capture')).not.toHaveCount(0);
  await expect(hops(page, 'dnat')).toHaveCount(1);
  await expect(badges(page, 'capture').first()).toContainText('node');
  await expect(badges(page, 'dnat')).toContainText('DNAT');
  await app.screenshot('sample-flows-guestbook');
  await app.assertClean();
});

test('guestbook: the frontend\'s pods call redis-master and redis-replica, as its annotation declares, and a call is traced to a Redis pod', async ({ page }) => {
  const app = await openSample(page, 'guestbook', 'svc:default/frontend');
  await expect(page.locator('[role=tab][aria-selected=true]')).toContainText('guestbook-declared-calls.yaml');
  // The declared calls are dependency edges from the frontend's pods.
  await expect(page.locator('.graph .edge.dependency')).not.toHaveCount(0);
  await page.getByTestId('load').fill('2');
  for (const redis of ['default/redis-master', 'default/redis-replica']) {
    await expect.poll(async () => (await serviceCounts(page, redis)).delivered, { ...POLL, message: `${redis} gets connections` }).toBeGreaterThan(5);
    const counts = await serviceCounts(page, redis);
    expect(counts.dropped + counts.rejected).toBe(0);
  }
  expect(await deliveredTo(page, (key) => key.startsWith('default/redis-replica-'))).toBeGreaterThan(0);
  // A call traced from the flow list: the ClusterIP is DNATed to a Redis pod.
  await traceFromFlowList(page, 'default/frontend → default/redis-master:6379', 'delivered');
  await expect(page.getByTestId('trace-verdict')).toContainText(/delivered to default\/redis-master-/);
  await expect(hops(page, 'dnat')).toHaveCount(1);
  await app.screenshot('sample-flows-guestbook-redis');
  await page.setViewportSize({ width: 1024, height: 768 });
  await expect(page.getByTestId('trace-verdict-mark')).toBeVisible();
  await app.screenshot('sample-flows-guestbook-redis-1024x768');
  await app.assertClean();
});

test('boutique NetworkPolicies: the default call graph passes the policies that allow it, and a few connections they deny are dropped where a policy denies them', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await expect(page.getByTestId('policies').getByTestId('policy')).toHaveCount(13);
  await page.getByTestId('load').fill('0.5');
  await expect.poll(async () => (await serviceCounts(page, 'default/cartservice')).delivered, POLL).toBeGreaterThan(10);
  await expect.poll(async () => Object.values(await counterRows(page, 'service-counter'))
    .reduce((sum, c) => sum + c.delivered, 0), POLL).toBeGreaterThan(200);
  // The call graph's connections, to Services, are all allowed.
  const services = await counterRows(page, 'service-counter');
  const refused = Object.entries(services).filter(([, c]) => c.dropped + c.rejected > 0).map(([key]) => key);
  expect(refused, 'Services with dropped or rejected connections').toEqual([]);
  // The denied connections: dropped, marked where it happens, and listed.
  const marker = page.locator('[data-testid="drop-marker"][data-verdict="dropped"]').filter({ hasText: 'denied by policy' }).first();
  await expect(marker).toBeAttached(POLL);
  const deniedRows = page.locator('[data-testid="flow-row"][data-verdict="dropped"]').filter({ hasText: 'denied by policy' });
  await expect.poll(() => deniedRows.count(), POLL).toBeGreaterThan(0);
  expect(Object.values(await counterRows(page, 'node-counter')).reduce((sum, c) => sum + c.dropped, 0)).toBeGreaterThan(0);
  // A connection to cartservice traced from the flow list: both sides are isolated,
  // and the policies that allow it are named, on the panel and as badges.
  await traceFromFlowList(page, /→ default\/cartservice:7070/, 'delivered');
  await expect(page.getByTestId('trace-verdict')).toContainText(/delivered to default\/cartservice-/);
  await expect(hops(page, 'policy-egress')).toContainText('is isolated');
  await expect(hops(page, 'policy-ingress')).toContainText('deny-all');
  await expect(hops(page, 'policy-ingress')).toContainText(/allowed by .*cartservice/);
  await expect(badges(page, 'policy-egress')).toContainText('policy');
  await expect(badges(page, 'policy-ingress')).toContainText('policy');
  await app.screenshot('sample-flows-boutique-netpol');
  // One of the denied connections, traced: dropped by the policy that isolates it.
  await traceFromFlowList(page, /denied by policy/, 'dropped');
  await expect(page.getByTestId('trace-verdict')).toContainText(/denied|policy/);
  // Every reason is readable: none under the Legend in the graph's corner, none
  // off the graph (issue #10), with the trace's badges and verdict drawn too.
  const denied = page.locator('[data-testid="drop-marker"]').filter({ hasText: 'denied by policy' });
  const nDenied = await denied.count();
  expect(nDenied).toBeGreaterThan(0);
  await expectDropLabelsReadable(page, nDenied);
  await app.screenshot('sample-flows-boutique-netpol-denied');
  await page.setViewportSize({ width: 1024, height: 768 });
  await expect(denied.first()).toBeAttached();
  await expectDropLabelsReadable(page, nDenied);
  await app.screenshot('sample-flows-boutique-netpol-denied-1024x768');
  // Hovering a marker's ring shows the full reason, where it is dropped: the
  // ring's line takes the pointer, and its title is the browser's tooltip there.
  const hoveredMarker = denied.first();
  const ring = await steadyBox(hoveredMarker.locator('circle'));
  const centre = { x: ring.x + ring.width / 2, y: ring.y + ring.height / 2 };
  const onLine = { x: centre.x + 8.5, y: centre.y };
  const hovered = await page.evaluate(({ x, y }) => {
    const hit = document.elementFromPoint(x, y);
    return { tag: hit?.tagName, marker: hit?.closest('[data-testid="drop-marker"]')?.dataset.label, cursor: hit && getComputedStyle(hit).cursor };
  }, onLine);
  expect(hovered).toEqual({ tag: 'circle', marker: await hoveredMarker.getAttribute('data-label'), cursor: 'pointer' });
  await expect(hoveredMarker.locator('title')).toHaveText(/^dropped ×\d+ at (node|pod) .+: .*NetworkPolic/);
  // The marker under the pointer stays the same element while its count grows,
  // so it stays hovered, with its pointer cursor and its tooltip (issue #10).
  await page.mouse.move(onLine.x, onLine.y);
  const before = await hoveredMarker.locator('title').textContent();
  await page.evaluate(({ x, y }) => { document.elementFromPoint(x, y).closest('[data-testid="drop-marker"]').ktHovered = true; }, onLine);
  await expect(hoveredMarker.locator('title')).not.toHaveText(before, POLL);
  expect(await page.evaluate(({ x, y }) => {
    const hit = document.elementFromPoint(x, y);
    return { same: hit?.closest('[data-testid="drop-marker"]')?.ktHovered === true, hovered: hit?.matches(':hover') };
  }, onLine), 'the hovered marker, after its count changed').toEqual({ same: true, hovered: true });
  // Inside the ring, a click reaches the pod it marks: the ring covers its chip.
  const marked = await page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.closest('.graph .shape[data-id]')?.dataset.id, centre);
  expect(marked, 'the shape inside the ring').toMatch(/^pod:default\//);
  await page.mouse.click(centre.x, centre.y);
  await expect(page.getByTestId('details-title')).toHaveText(`Pod ${marked.replace('pod:', '')}`);
  await page.keyboard.press('Escape');
  // A click through a reason's label still reaches the node, pod, Service or
  // namespace beneath it.
  const beneath = await page.evaluate(() => {
    for (const label of document.querySelectorAll('[data-testid="drop-marker"] text.drop-label')) {
      const box = label.getBoundingClientRect();
      for (let x = box.left + 4; x < box.right - 4; x += 6) {
        const y = box.top + box.height / 2;
        const hit = document.elementFromPoint(x, y);
        const shape = hit?.closest('.graph .shape[data-id]');
        if (shape && /^(pod|node|svc|ns):/.test(shape.dataset.id) && !hit.closest('[data-testid="drop-marker"]')) {
          return { x, y, id: shape.dataset.id, label: label.textContent };
        }
      }
    }
    return null;
  });
  expect(beneath, 'a drop label over a node, pod, Service or namespace').not.toBeNull();
  console.log(`clicking through "${beneath.label}" to ${beneath.id}`);
  await page.mouse.click(beneath.x, beneath.y);
  // The details' first heading names what the click selected ("Namespace
  // default" for an island, "Pod …", "Service …" for the others).
  const name = beneath.id.split(/[:/]/).pop();
  await expect(app.details.locator('h2').first()).toContainText(name);
  await app.assertClean();
});
