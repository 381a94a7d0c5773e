import { test, expect } from '@playwright/test';
import { App } from './app.page.mjs';

test('the demo loads Online Boutique and draws every service, pod and node', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  // Online Boutique: 12 Services, 12 single-replica Deployments, on 3 simulated nodes.
  expect(await app.counts()).toEqual({ services: 12, pods: 12, nodes: 3 });
  await expect(app.shape('svc:default/frontend-external')).toHaveClass(/load-balancer-type/);
  await expect(app.shape('lb:default/frontend-external')).toBeVisible();
  await expect(page.getByTestId('status')).toContainText('12 services');
  // The NetworkPolicies of the demo are listed, credited files are open in tabs.
  await expect(page.getByTestId('policies').locator('li')).toHaveCount(13);
  await expect(page.getByRole('tab', { name: 'online-boutique.yaml' })).toBeVisible();
  await expect(page.getByTestId('credits')).toContainText('GoogleCloudPlatform/microservices-demo');
  await expect(page.getByTestId('credits')).toContainText('the app behind that controller, are written for kubetopo');
  // The static text index.html keeps for the page (titles, a placeholder, the
  // counters' columns) reaches it.
  await expect(page.getByTestId('share')).toHaveAttribute('title', /^Copy a link to this view: .* It opens as a new workspace\.$/);
  await expect(app.editor).toHaveAttribute('placeholder', /^Paste manifests here: /);
  await expect(page.getByTestId('show-policies').locator('xpath=..')).toHaveAttribute('title', /deny \(dashed, ×\)/);
  await expect(page.locator('.privacy')).toHaveAttribute('title', /Content-Security-Policy/);
  await expect(page.getByTestId('splitter-editor')).toHaveAttribute('title', /^Drag, or focus /);
  const columns = page.locator('.flows table.counters').first().locator('thead th');
  await expect(columns).toHaveText(['Service', 'Delivered', 'Dropped', 'Rejected', 'Redirected', 'Answered']);
  await expect(columns.nth(2)).toHaveAttribute('title', 'Dropped: no answer');
  await expect(page.locator('.flows p.hint')).toHaveText(/^Newest first; click one to see its trace\./);
  await expect(app.graph).toHaveAttribute('aria-label', /^Service topology graph; use the Table tab/);
  await app.screenshot('demo');
  await app.assertClean();
});

test('the logical view shows workloads without nodes, and the table view lists services', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await page.getByTestId('view-logical').click();
  await expect(app.shape('wl:default/Deployment/frontend')).toBeVisible();
  expect((await app.counts()).nodes).toBe(0);
  await app.screenshot('logical');
  await page.getByTestId('tab-table').click();
  await expect(page.getByTestId('table-view').locator('tbody tr')).toHaveCount(12);
  await expect(page.getByTestId('table-view').locator('thead th')).toHaveText(['Service', 'Type', 'Cluster IP', 'Ports', 'Endpoints']);
  // A Service's name selects it, by pointer or by key.
  await page.getByTestId('table-view').getByRole('button', { name: 'default/frontend', exact: true }).click();
  await expect(page.getByTestId('details-title')).toHaveText('Service default/frontend');
  await page.getByTestId('table-view').getByRole('button', { name: 'default/cartservice', exact: true }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('details-title')).toHaveText('Service default/cartservice');
  await expect(page.getByTestId('table-view').locator('tbody tr').filter({ hasText: 'default/cartservice' }).locator('li')).not.toHaveCount(0);
  await app.screenshot('table-view');
  await page.setViewportSize({ width: 1024, height: 768 });
  await expect(page.getByTestId('details-title')).toHaveText('Service default/cartservice');
  await app.screenshot('table-view-1024x768');
  await app.assertClean();
});

// The graph asks for animation frames after a new scene (to fit it), and an
// embedded table for one to report its height; the other tab can replace either
// before such a frame comes, which then must not read the unmounted view's
// disposed signals (a "reactive value already disposed" panic, seen once in CI on
// a quick Logical -> Table click).
async function switchViewsBeforeTheirFrames(app) {
  for (let round = 0; round < 8; round++) {
    await app.page.evaluate(async (view) => {
      const button = (id) => document.querySelector(`[data-testid="${id}"]`);
      const leaveBeforeTheFrame = async (id) => {
        // Let the effects run and ask for their frame, then leave before it comes.
        for (let i = 0; i < 4; i++) await Promise.resolve();
        button(id).click();
      };
      button(view).click();
      await leaveBeforeTheFrame('tab-table');
      await leaveBeforeTheFrame('tab-graph');
      await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
    }, round % 2 ? 'view-cluster' : 'view-logical');
    await app.waitForGraph();
  }
  await expect(app.page.getByTestId('tab-graph')).toHaveAttribute('aria-pressed', 'true');
  await app.assertClean();
}

test('a frame the graph or the table asked for just before the other tab replaced it does nothing', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await switchViewsBeforeTheirFrames(app);
});

test('embedded, a frame the graph or the table asked for just before the other tab replaced it does nothing', async ({ page }) => {
  const app = new App(page);
  await page.goto('/?embed&sample=guestbook');
  await app.waitForGraph();
  await switchViewsBeforeTheirFrames(app);
});

test('a sample can be loaded from the samples menu', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await page.getByTestId('samples').selectOption('statefulset');
  await expect(app.shape('pod:default/web-0')).toBeVisible();
  await expect(app.shape('svc:default/nginx')).toHaveClass(/headless/);
  await app.select('svc:default/nginx');
  await expect(page.getByTestId('dns')).toContainText('web-0.nginx.default.svc.cluster.local A');
  await app.assertClean();
});

test('embedding: ?embed hides the editor, ?sample and #manifests pick the input, nothing is saved', async ({ page }) => {
  const app = new App(page);
  await page.goto('/?embed&sample=guestbook');
  await app.waitForGraph();
  await expect(app.editor).toBeHidden();
  await expect(app.shape('svc:default/frontend')).toBeVisible();
  expect(await page.evaluate(() => localStorage.getItem('kubetopo.files.v1'))).toBeNull();
  const manifest = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: from-the-url\nspec:\n  ports: [{port: 80}]\n';
  await page.goto(`/?embed#manifests=${Buffer.from(manifest).toString('base64')}`);
  await page.reload();
  await app.waitForGraph();
  await expect(app.shape('svc:default/from-the-url')).toBeVisible();
  await app.screenshot('embed');
  await app.assertClean();
});

// The table lies over the graph rather than replacing it: coming back, the picture
// is where the user left it (not fitted again), and while the table is shown the
// graph is hidden and takes no keys.
test('the graph keeps its view under the table, and the table keeps its keys', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await app.shape('svc:default/frontend').click();
  await expect(page.getByTestId('details-title')).toHaveText('Service default/frontend');
  for (let i = 0; i < 3; i++) await page.getByRole('button', { name: 'Zoom in' }).click();
  const view = page.locator('svg.scene > g[transform]').first();
  const zoomed = await view.getAttribute('transform');
  await page.getByTestId('tab-table').click();
  await expect(page.getByTestId('table-view').locator('tbody tr')).toHaveCount(12);
  await expect(page.getByTestId('table-view').locator('thead th')).toHaveText(['Service', 'Type', 'Cluster IP', 'Ports', 'Endpoints']);
  await expect(page.getByTestId('graph')).toBeHidden();
  await expect(page.getByRole('button', { name: 'Zoom in' })).toBeHidden();
  // Keys the graph would take (arrows move its selection, f fits it) are left to
  // the table.
  await page.getByTestId('table-view').getByRole('button', { name: 'default/adservice', exact: true }).focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('f');
  await expect(page.getByTestId('details-title')).toHaveText('Service default/frontend');
  await page.getByTestId('tab-graph').click();
  await expect(page.getByTestId('graph')).toBeVisible();
  await expect(page.getByTestId('table-view')).toHaveCount(0);
  expect(await view.getAttribute('transform')).toBe(zoomed);
  await app.screenshot('table-back-to-graph');
  await app.assertClean();
});
