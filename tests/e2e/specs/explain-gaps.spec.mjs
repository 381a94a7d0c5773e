// A graph that explains itself (issue #10): three behaviours the other specs do
// not cover end to end.
// - A Service whose selector matches no pod is drawn apart (`no-endpoints` in
//   src/engine/scene.rs, public/style.css), and what is sent to it is refused
//   where it happens: kube-proxy REJECTs it, an amber (warning) marker labelled
//   "no endpoints" (src/engine/trace/mod.rs, Cause::label; src/web/traffic.rs,
//   drop_markup).
// - A killed pod of a Deployment comes back under a new name, as its ReplicaSet
//   would do it, and the edits list, the diagnostics, the pod's details and a trace
//   say so, speaking of the what-if, never of the manifests (src/engine/whatif.rs).
// - The recent connections and the per-edit Undo buttons work from the keyboard:
//   Tab reaches them, Enter acts (src/web/flows.rs, src/web/traffic.rs).
import { test, expect } from '@playwright/test';
import { App, steadyBox } from './app.page.mjs';

const POLL = { timeout: 20_000 };

/** A Service whose selector has a typo (`apii`), so it selects no pod although a
 * Deployment of `app: api` runs; a client told to call it (so the default flows
 * send to it); and a healthy Service, `web`, to compare with. */
const TYPO = `apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: apii}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: api, image: nginx, ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: client}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: client}
spec:
  selector: {matchLabels: {app: client}}
  template:
    metadata: {labels: {app: client}}
    spec:
      containers:
      - name: client
        image: curlimages/curl
        ports: [{containerPort: 8080}]
        env: [{name: API_ADDR, value: "api:80"}]
`;

/** `rgb(…)`, `rgba(…)` or `color(srgb …)` as [r, g, b] in 0..255. */
function rgb(css) {
  const legacy = css.match(/^rgba?\(([^)]+)\)/);
  if (legacy) return legacy[1].split(/[\s,/]+/).slice(0, 3).map(Number);
  const srgb = css.match(/^color\(srgb ([^)]+)\)/);
  if (srgb) return srgb[1].split(/\s+/).slice(0, 3).map((v) => Math.round(Number(v) * 255));
  throw new Error(`not a colour: ${css}`);
}

/** What a stylesheet variable of the app (`--warning`) computes to, as a colour. */
const cssColour = (page, variable) => page.evaluate((v) => {
  const probe = document.createElement('span');
  probe.style.color = `var(${v})`;
  document.querySelector('.graph').append(probe);
  const colour = getComputedStyle(probe).color;
  probe.remove();
  return colour;
}, variable);

/** Where `row` is, and the visible part of the details pane's body that scrolls it. */
const inSight = (row) => row.evaluate((e) => {
  const rect = (r) => ({ top: Math.round(r.top), bottom: Math.round(r.bottom) });
  return { row: rect(e.getBoundingClientRect()), pane: rect(e.closest('.details-body').getBoundingClientRect()) };
});

/** Asserts that `row` is whole in the visible part of the details pane. */
async function expectInSight(row) {
  const { row: box, pane } = await inSight(row);
  const where = `row ${JSON.stringify(box)}, visible details ${JSON.stringify(pane)}`;
  expect(box.top, where).toBeGreaterThanOrEqual(pane.top);
  expect(box.bottom, where).toBeLessThanOrEqual(pane.bottom);
}

/** Presses Tab, from the focus where it is, until `test` holds for the focused
 * element (at most `max` presses); true if it did. */
async function tabUntil(page, test, arg, max = 60) {
  for (let tabs = 0; tabs < max; tabs += 1) {
    if (await page.evaluate(test, arg)) return true;
    await page.keyboard.press('Tab');
  }
  return page.evaluate(test, arg);
}

test('no endpoints: a Service whose selector matches no pod is drawn apart, and traffic to it is rejected under an amber "no endpoints" marker', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await app.paste(TYPO);
  const api = app.shape('svc:default/api');
  const web = app.shape('svc:default/web');
  await expect(api).toBeVisible();
  await expect(web).toBeVisible();
  // The Deployment's two pods are drawn, but none is the Service's.
  await expect(page.locator('.graph .shape.pod[data-id^="pod:default/api-"]')).toHaveCount(2);
  // The Service is marked as having no endpoints; the healthy one is not.
  await expect(api).toHaveClass(/\bno-endpoints\b/);
  await expect(web).not.toHaveClass(/\bno-endpoints\b/);
  // Its box is tinted apart from a healthy Service's: a warm (red) wash, where the
  // healthy one has the panel's plain fill.
  const fill = async (shape) => shape.locator(':scope > rect').first().evaluate((r) => getComputedStyle(r).fill);
  const apiFill = rgb(await fill(api));
  const webFill = rgb(await fill(web));
  expect(apiFill, 'the no-endpoints Service has its own fill').not.toEqual(webFill);
  expect(apiFill[0] - apiFill[2], 'the fill is warm (red over blue)').toBeGreaterThan(8);
  // The details say why: the selector's typo, in the manifests (the user's YAML is
  // rightly blamed here: no what-if is involved).
  await app.select('svc:default/api');
  await expect(app.details).toContainText('service-selects-no-pods');
  await expect(app.details).toContainText('matches no pod');
  // The client's node: where kube-proxy refuses its connections.
  const client = page.locator('.graph .shape.pod[data-id^="pod:default/client-"]');
  await app.select(await client.getAttribute('data-id'));
  const clientNode = (await app.details.locator('dl.facts dt').filter({ hasText: /^Node$/ }).locator('xpath=following-sibling::dd[1]').textContent()).trim();
  expect(clientNode).toMatch(/^node-\d$/);
  await page.keyboard.press('Escape');

  // Traffic to it: rejected (kube-proxy's REJECT), counted, and marked.
  await page.getByTestId('load').fill('1');
  const counter = page.locator('[data-testid="service-counter"][data-key="default/api"]');
  await expect.poll(async () => Number(await counter.getAttribute('data-rejected')), POLL).toBeGreaterThan(0);
  await expect(counter).toHaveAttribute('data-delivered', '0');
  const marker = page.locator('[data-testid="drop-marker"][data-label="no endpoints"]').first();
  await expect(marker).toBeAttached(POLL);
  await expect(marker).toHaveAttribute('data-verdict', 'rejected');
  await expect(marker.locator('text.drop-label')).toContainText(/^no endpoints ×\d+$/);
  // Where it happens: on the client's node, whose kube-proxy has no rule for it.
  await expect(marker.locator('title')).toContainText(new RegExp(`^rejected ×\\d+ at node ${clientNode}: .*Service default/api .*no ready or serving-terminating endpoint`));
  // Amber: the warning colour, on the ring, its cross and its label; not the red
  // of a dropped connection.
  const warning = await cssColour(page, '--warning');
  const error = await cssColour(page, '--error');
  expect(warning).not.toBe(error);
  // Polled: the markers are written anew a few times a second, and a marker
  // replaced between finding it and reading it has no computed style.
  const style = (selector, property) => marker.locator(selector).evaluate((e, p) => getComputedStyle(e)[p], property);
  await expect.poll(() => style('circle', 'stroke')).toBe(warning);
  await expect.poll(() => style('path', 'stroke')).toBe(warning);
  await expect.poll(() => style('text.drop-label', 'fill')).toBe(warning);
  // A ring, larger than a packet dot, on screen.
  expect((await steadyBox(marker.locator('circle'))).width).toBeGreaterThanOrEqual(16);
  // The flow list says it too, in amber as well (a darker one, for text), and so
  // does the Service's rejected counter; a drop would be red.
  const row = page.locator('[data-testid="flow-row"][data-verdict="rejected"]').filter({ hasText: 'no endpoints' }).first();
  await expect(row).toBeAttached(POLL);
  const amberText = 'rgb(180, 83, 9)';
  expect(await row.evaluate((e) => getComputedStyle(e).color)).toBe(amberText);
  expect(await counter.locator('td').nth(3).evaluate((e) => getComputedStyle(e).color)).toBe(amberText);
  // Nothing was dropped there: its Drop count is a plain 0, not marked.
  await expect(counter).toHaveAttribute('data-dropped', '0');
  expect(await counter.locator('td').nth(2).evaluate((e) => getComputedStyle(e).color)).not.toBe(error);
  await page.mouse.move(1, 1);
  await page.getByTestId('flows').scrollIntoViewIfNeeded();
  await app.screenshot('explain-gaps-no-endpoints');
  await app.assertClean();
});

test('kill pod: a Deployment\'s pod comes back under a new name, and the edits, diagnostics, details and trace say so, blaming the what-if, not the YAML', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  const pods = page.locator('.graph .shape.pod[data-id^="pod:default/currencyservice-"]');
  await expect(pods).toHaveCount(1);
  const oldId = await pods.getAttribute('data-id');
  const oldKey = oldId.replace('pod:', '');
  const oldName = oldKey.split('/')[1];
  const owner = (details) => details.locator('dl.facts dt').filter({ hasText: /^Owner$/ }).locator('xpath=following-sibling::dd[1]');
  await app.select(oldId);
  await expect(page.getByTestId('details-title')).toHaveText(`Pod ${oldKey}`);
  const oldOwner = (await owner(app.details).textContent()).trim();
  expect(oldOwner, 'the pod belongs to a controller').toMatch(/ReplicaSet.*currencyservice/);

  await page.getByTestId('kill-pod').click();
  // The old pod is gone from the graph; one pod of the Deployment, under a new name, is there.
  await expect(app.shape(oldId)).toHaveCount(0);
  await expect(pods).toHaveCount(1);
  const newId = await pods.getAttribute('data-id');
  const newKey = newId.replace('pod:', '');
  expect(newKey).not.toBe(oldKey);
  expect(newKey).toMatch(/^default\/currencyservice-/);
  // The edits list says what happened.
  const edits = page.getByTestId('edits').getByTestId('edit');
  await expect(edits).toHaveCount(1);
  await expect(edits.first()).toContainText(`pod ${oldKey} killed; its controller creates ${newKey} in its place`);
  // The diagnostics note the replacement and speak of the what-if.
  const replaced = app.diagnostics.locator('[data-testid="diagnostic"][data-code="what-if-pod-replaced"]');
  await expect(replaced).toHaveCount(1);
  await expect(replaced).toContainText(`After you killed pod ${oldKey}`);
  await expect(replaced).toContainText(`created pod ${newKey} in its place`);
  // Nothing tells the user to fix the manifests, or that the Service lost its endpoints.
  await expect(app.diagnostics.locator('[data-code="service-selects-no-pods"], [data-code="what-if-no-endpoints"]')).toHaveCount(0);
  await expect(app.diagnostics).not.toContainText(/Fix the selector|pod template labels/);
  // The new pod's details: same controller, and its diagnostic.
  await app.select(newId);
  await expect(page.getByTestId('details-title')).toHaveText(`Pod ${newKey}`);
  await expect(owner(app.details)).toHaveText(oldOwner);
  await expect(app.details.locator('.object-diagnostic')).toContainText(`After you killed pod ${oldKey}`);
  await page.keyboard.press('Escape');
  // The Service's endpoint is the new pod, and its details do not blame the YAML.
  await app.select('svc:default/currencyservice');
  await expect(page.getByTestId('endpoint-row')).toHaveCount(1);
  await expect(page.getByTestId('endpoints')).toContainText(newKey.split('/')[1]);
  await expect(page.getByTestId('endpoints')).not.toContainText(oldName);
  await expect(app.details).not.toContainText('service-selects-no-pods');
  // A trace to it is delivered to the replacement, and says it is one.
  await page.getByTestId('trace-service').click();
  await expect(page.getByTestId('trace-verdict')).toContainText(`delivered to ${newKey}`);
  await expect(page.getByTestId('trace-hops').locator('li[data-action="deliver"]'))
    .toContainText(`${newKey} is the controller's replacement for ${oldKey}, created after you killed pod ${oldKey}`);
  await page.mouse.move(1, 1);
  await replaced.scrollIntoViewIfNeeded();
  await edits.first().scrollIntoViewIfNeeded();
  await app.screenshot('explain-gaps-kill-pod');
  await app.assertClean();
});

test('a trace on screen follows each what-if edit and its undo, never speaking of what the edit changed', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await app.select('svc:default/cartservice');
  await page.getByTestId('trace-service').click();
  const verdict = page.getByTestId('trace-verdict');
  await expect(verdict).toContainText('delivered to default/cartservice-');
  // Scaling the Service's Deployment to 0: the same trace, asked again, is refused.
  await page.locator('.graph .shape.workload-group[data-id$=":default/Deployment/cartservice"]').first().click({ position: { x: 30, y: 6 } });
  await page.getByTestId('scale-down').click();
  await expect(verdict).toContainText('rejected');
  await expect(verdict).toContainText('no ready or serving-terminating endpoint');
  await expect(verdict).not.toContainText('delivered');
  // The picture's verdict follows too.
  await expect(page.locator('[data-testid="trace-verdict-mark"]')).toContainText('rejected');
  await app.screenshot('explain-gaps-trace-follows-edit');
  // Undone, it is delivered again.
  await page.getByTestId('edits').getByTestId('undo-edit').click();
  await expect(page.getByTestId('edits').getByTestId('edit')).toHaveCount(0);
  await expect(verdict).toContainText('delivered to default/cartservice-');
  await app.assertClean();
});

test('drain: the denied flows follow their workloads to the new pods, under one marker per place and reason', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  const play = page.getByTestId('play');
  if ((await play.textContent()).includes('Play')) await play.click();
  const markers = page.locator('[data-testid="drop-marker"]');
  await expect(markers.filter({ has: page.locator('text.drop-label', { hasText: 'denied by policy cartservice' }) })).not.toHaveCount(0, POLL);
  // The node of the pod that the denied flow to cartservice goes to.
  const group = page.locator('.graph .shape.workload-group[data-id$=":default/Deployment/cartservice"]').first();
  const node = (await group.getAttribute('data-id')).split(':')[1];
  const oldPod = (await page.locator('.graph .shape.pod[data-id^="pod:default/cartservice-"]').getAttribute('data-id')).replace('pod:', '');
  await app.select(`node:${node}`);
  await page.getByTestId('drain-node').click();
  await expect(page.getByTestId('edits').getByTestId('edit')).toHaveCount(1);
  const newPod = page.locator('.graph .shape.pod[data-id^="pod:default/cartservice-"]');
  await expect(newPod).toHaveCount(1);
  const newKey = (await newPod.getAttribute('data-id')).replace('pod:', '');
  expect(newKey).not.toBe(oldPod);
  // The newest connections of the denied flows go to the new pod and are denied
  // there; none is sent to the evicted pod's address, where nothing answers.
  const newest = () => page.locator('[data-testid="flows"] li').evaluateAll((rows) => rows.slice(0, 12).map((row) => `${row.className} ${row.textContent}`));
  await expect.poll(async () => (await newest()).filter((row) => row.includes(`→ ${newKey} `) && row.startsWith('dropped')).length, POLL).toBeGreaterThan(0);
  expect((await newest()).filter((row) => row.includes(oldPod))).toEqual([]);
  // One marker per place and short reason, even with connections from pods an
  // edit replaced among them.
  await page.waitForTimeout(1500);
  const labels = await markers.evaluateAll((gs) => gs.map((g) => g.dataset.label));
  expect(labels.length).toBeGreaterThan(0);
  expect(new Set(labels).size, labels.join(' | ')).toBe(labels.length);
  await app.screenshot('explain-gaps-drain-denied-flows');
  await app.assertClean();
});

test('keyboard: Tab reaches a recent connection and Enter shows its trace; the list holds still under the focus', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  const rows = page.getByTestId('flows').getByTestId('flow-row');
  await expect.poll(() => rows.count(), POLL).toBeGreaterThan(1);
  await page.mouse.move(1, 1);
  // From the last control of the trace form, Tab goes on into the list.
  await page.getByTestId('add-flow').focus();
  const onRow = () => document.activeElement?.matches('[data-testid="flow-row"]') ?? false;
  expect(await tabUntil(page, onRow), 'Tab from the trace form reaches a row of the recent connections').toBe(true);
  expect(await page.evaluate(() => document.activeElement.matches(':focus-visible'))).toBe(true);
  const focused = page.locator('[data-testid="flow-row"]:focus');
  await expectInSight(focused);
  const text = await focused.textContent();
  const verdict = await focused.getAttribute('data-verdict');
  // The list holds still while a row has the keyboard's focus: the same row, the
  // same text, a while later (the list is refreshed a few times a second).
  const deliveredSoFar = async () => (await page.locator('[data-testid="service-counter"]').evaluateAll((r) => r.reduce((s, row) => s + Number(row.dataset.delivered), 0)));
  const before = await deliveredSoFar();
  await expect.poll(deliveredSoFar, POLL).toBeGreaterThan(before + 5);
  await expect(focused).toHaveText(text);
  // Enter traces it: the panel's verdict is the row's, with its hops, and the
  // trace is drawn on the graph.
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('trace-verdict')).toContainText(verdict);
  await expect(page.getByTestId('trace-hops').locator('li')).not.toHaveCount(0);
  await expect(page.getByTestId('trace-layer').getByTestId('trace-badge')).not.toHaveCount(0);
  // The focus stays on the row, for the next key, and the row stays in sight:
  // the trace panel that opened above the pane's body must not push the focused
  // row out of its visible part (issue #10, point 8: keyboard access).
  await expect(focused).toHaveText(text);
  await expect(() => expectInSight(focused), 'the focused flow row is still in sight after Enter opened its trace').toPass({ timeout: 3_000 });
  await app.screenshot('explain-gaps-keyboard-flow');
  await page.setViewportSize({ width: 1024, height: 768 });
  await app.screenshot('explain-gaps-keyboard-flow-1024x768');
  await page.setViewportSize({ width: 1440, height: 900 });
  // Tab goes on to the next row, and Enter traces that one.
  const position = () => page.evaluate(() => [...document.querySelectorAll('[data-testid="flow-row"]')].indexOf(document.activeElement));
  const first = await position();
  await page.keyboard.press('Tab');
  expect(await position()).toBe(first + 1);
  const nextVerdict = await focused.getAttribute('data-verdict');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('trace-verdict')).toContainText(nextVerdict);
  await expect(page.getByTestId('trace-hops').locator('li')).not.toHaveCount(0);
  await app.assertClean();
});

test('keyboard: Tab reaches each what-if edit\'s Undo, and Enter undoes that edit only', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  // The traffic paused: its counters, above the edits, stay as they are, so the
  // focused button stays where the keyboard put it.
  await page.getByTestId('play').click();
  await expect(page.getByTestId('play')).toHaveText('Play');
  // Edit 1: cordon node-3. Edit 2: scale frontend from 1 to 2.
  await app.select('node:node-3');
  await page.getByTestId('cordon-node').click();
  await expect(app.shape('node:node-3')).toHaveClass(/cordoned/);
  await page.locator('.graph .shape.workload-group[data-id$=":default/Deployment/frontend"]').first().click({ position: { x: 30, y: 6 } });
  await expect(page.getByTestId('details-title')).toHaveText('Deployment/frontend');
  await page.getByTestId('scale-up').click();
  const frontendPods = page.locator('.graph .shape.pod[data-id^="pod:default/frontend-"]');
  await expect(frontendPods).toHaveCount(2);
  const edits = page.getByTestId('edits').getByTestId('edit');
  await expect(edits).toHaveCount(2);
  const [cordon, scale] = await edits.locator('span').allTextContents();
  expect(cordon).toContain('node-3');
  expect(scale).toContain('scaled from 1 to 2');
  await page.mouse.move(1, 1);
  // From the traffic controls, Tab reaches the first edit's Undo, then the second's.
  await page.getByTestId('load').focus();
  const focusedUndo = () => document.activeElement?.matches('[data-testid="undo-edit"]') ?? false;
  expect(await tabUntil(page, focusedUndo), 'Tab from the traffic controls reaches an Undo').toBe(true);
  const focused = page.locator('[data-testid="undo-edit"]:focus');
  await expect(focused).toHaveAttribute('aria-label', `Undo: ${cordon}`);
  await page.keyboard.press('Tab');
  await expect(focused).toHaveAttribute('aria-label', `Undo: ${scale}`);
  expect(await page.evaluate(() => document.activeElement.matches(':focus-visible'))).toBe(true);
  // Enter undoes the scale only: frontend is back to one pod, node-3 stays cordoned.
  await page.keyboard.press('Enter');
  await expect(edits).toHaveCount(1);
  await expect(edits.first()).toContainText(cordon);
  await expect(frontendPods).toHaveCount(1);
  await expect(app.shape('node:node-3')).toHaveClass(/cordoned/);
  await expect(page.getByTestId('traffic-message')).toContainText(`Undid: ${scale}`);
  // The list is drawn anew without it, and the focus goes to the Undo now in its
  // place: the undone edit was the last, so the one before it.
  await expect(focused).toHaveAttribute('aria-label', `Undo: ${cordon}`);
  await expectInSight(focused);
  await app.screenshot('explain-gaps-keyboard-undo');
  // The remaining edit's Undo, by the keyboard too: nothing is left, and the focus
  // goes to Reset.
  await page.keyboard.press('Enter');
  await expect(edits).toHaveCount(0);
  await expect(page.getByTestId('reset')).toBeFocused();
  await expect(app.shape('node:node-3')).not.toHaveClass(/cordoned/);
  await app.assertClean();
});

test('a control with the focus stays where it is on screen while the counter tables above it grow', async ({ page }) => {
  await page.setViewportSize({ width: 1024, height: 768 });
  const app = new App(page);
  await app.openFresh();
  // Paused, then a sample: its counters start empty and stay so until Play.
  await page.getByTestId('play').click();
  await expect(page.getByTestId('play')).toHaveText('Play');
  await page.getByTestId('samples').selectOption('guestbook');
  await expect(app.shape('svc:default/frontend')).toBeVisible();
  await expect(page.getByTestId('endpoint-counter')).toHaveCount(0);
  await expect(page.getByTestId('service-counter')).toHaveCount(0);
  // "Reset to the manifests" lies below the endpoints' counters; the pane is at
  // its top, where the browser's own scroll anchoring does nothing.
  const reset = page.getByTestId('reset');
  await reset.scrollIntoViewIfNeeded();
  await reset.focus();
  const at = () => reset.evaluate((element) => element.getBoundingClientRect().top);
  // Play, without taking the focus from the button.
  await page.getByTestId('play').dispatchEvent('click');
  await expect(page.getByTestId('play')).toHaveText('Pause');
  // Where it stands once the traffic controls have taken their new size (Pause is
  // wider than Play): the same twice running.
  let before = await at();
  await expect.poll(async () => {
    const now = await at();
    const settled = now === before;
    before = now;
    return settled;
  }, POLL).toBe(true);
  const rowsThen = await page.getByTestId('endpoint-counter').count();
  // Rows come as connections reach new endpoints and Services: the focused button
  // does not move.
  await expect.poll(() => page.getByTestId('endpoint-counter').count(), POLL).toBeGreaterThan(rowsThen + 1);
  await expect.poll(() => page.getByTestId('service-counter').count(), POLL).toBeGreaterThan(0);
  await expect(reset).toBeFocused();
  expect(Math.abs((await at()) - before), 'the focused button stayed where it was').toBeLessThan(1);
  await expectInSight(reset);
  await app.screenshot('explain-gaps-focus-kept-1024x768');
  await app.assertClean();
});
