// Collapsing by workload and by app label, and drops on tiles (issue #9, §13.2 and
// §13.7): at 10,000 pods a workload and its app collapse into tiles and open again,
// by key, from the details panel and by a click on the tile, and stay collapsed
// across a new analysis and a what-if edit; zoomed out, the local-lb sample's tiles
// show the connections the traffic drops.
import { test, expect } from '@playwright/test';
import { App } from './app.page.mjs';
import { synthetic } from './synthetic.mjs';


const TEN_K = synthetic(2000, 5, 100, 10);

const canvas = (page) => page.getByTestId('scene-canvas');
const workloadTiles = (page) => canvas(page).getAttribute('data-workload-tiles').then(Number);

/** Presses a key with the focus on the page, not in a field. */
async function pressOnGraph(page, key) {
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  await page.keyboard.press(key);
}

/** Selects a pod of `workload` through the search, which zooms to it. */
async function selectPodOf(page, workload) {
  const search = page.getByTestId('search');
  await search.fill(`${workload}-`);
  await search.press('Enter');
  await expect(page.getByTestId('details-title')).toContainText(`Pod team-002/${workload}-`);
}

test('a workload and its app collapse into tiles and open again at 10,000 pods, and stay collapsed across an analysis and an edit', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await page.getByTestId('play').click();
  await app.paste(TEN_K);
  await expect(app.graph).toHaveAttribute('data-pods', '10000', { timeout: 30_000 });
  await selectPodOf(page, 'app-00012');
  // Zoomed in on the pod: nothing is a tile.
  await expect(canvas(page)).toHaveAttribute('data-tiles', '0');

  // From the details panel: the workload, into one tile per node that runs its pods.
  const collapseWorkload = page.getByTestId('collapse-workload');
  await expect(collapseWorkload).toHaveText('Collapse workload team-002/Deployment/app-00012');
  await collapseWorkload.click();
  await expect.poll(() => workloadTiles(page)).toBeGreaterThan(0);
  const n = await workloadTiles(page);
  expect(n).toBeLessThanOrEqual(5);
  await expect(canvas(page)).toHaveAttribute('data-tiles', String(n));
  await expect(collapseWorkload).toHaveText('Expand workload team-002/Deployment/app-00012');
  await app.screenshot('lod-10k-workload-collapsed');

  // A click on the tile (the view is centred on the pod, now inside it) opens it.
  const box = await app.graph.boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await expect.poll(() => workloadTiles(page)).toBe(0);

  // By key: `a` collapses the selected workload's app (its pods' `app` label), `c`
  // the workload; each again opens it.
  await expect(page.getByTestId('collapse-app')).toHaveText('Collapse app app-00012 in team-002');
  await pressOnGraph(page, 'a');
  await expect.poll(() => workloadTiles(page)).toBe(n);
  await expect(page.getByTestId('collapse-app')).toHaveText('Expand app app-00012 in team-002');

  // A new analysis keeps the app collapsed. A file this large is read-only in the
  // editor, so a paste goes into a new file beside it (and every object is defined
  // twice; the later copy wins): the input changes, the objects keep their names.
  const version = await app.version();
  await app.paste(`# a comment\n${TEN_K}`);
  await expect.poll(() => app.version(), { timeout: 30_000 }).toBeGreaterThan(version);
  await expect(page.getByTestId('collapse-app')).toHaveText('Expand app app-00012 in team-002');
  // The new input was fitted to the screen; back to the pod, inside its app's tile.
  await selectPodOf(page, 'app-00012');
  await expect.poll(() => workloadTiles(page)).toBe(n);
  await app.screenshot('lod-10k-app-collapsed-after-analysis');
  await pressOnGraph(page, 'a');
  await expect.poll(() => workloadTiles(page)).toBe(0);

  // A what-if edit keeps the workload collapsed: its replacement pod is in a tile too.
  await selectPodOf(page, 'app-00012');
  await pressOnGraph(page, 'c');
  await expect.poll(() => workloadTiles(page)).toBe(n);
  const beforeEdit = await app.version();
  await page.getByTestId('kill-pod').click();
  await expect.poll(() => app.version()).toBeGreaterThan(beforeEdit);
  // The killed pod's place may be empty now: go to a pod of the workload again.
  await selectPodOf(page, 'app-00012');
  await expect(page.getByTestId('collapse-workload')).toHaveText('Expand workload team-002/Deployment/app-00012');
  await expect.poll(() => workloadTiles(page)).toBeGreaterThan(0);
  await pressOnGraph(page, 'c');
  await expect.poll(() => workloadTiles(page)).toBe(0);
  await app.assertClean();
});

test('zoomed out, the local-lb sample is drawn as tiles with the connections dropped there', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await page.getByTestId('samples').selectOption('local-lb');
  await expect(app.shape('svc:default/echo')).toBeVisible();
  await page.getByTestId('load').fill('0.5');
  const echo = page.locator('[data-testid="service-counter"][data-key="default/echo"]');
  await expect.poll(async () => Number(await echo.getAttribute('data-dropped')), { timeout: 20_000 }).toBeGreaterThan(0);
  // A small picture is drawn as SVG until it is zoomed out to tiles.
  await expect(app.graph).toHaveAttribute('data-large', 'false');
  // Zoom out step by step, to the first zoom that draws tiles.
  for (let i = 0; i < 12 && (await app.graph.getAttribute('data-large')) !== 'true'; i++) {
    await pressOnGraph(page, '-');
    await page.waitForTimeout(100);
  }
  await expect(app.graph).toHaveAttribute('data-large', 'true');
  await expect.poll(() => canvas(page).getAttribute('data-tiles').then(Number)).toBeGreaterThan(0);
  // Every node and the namespace are tiles; the drops of the node without a local
  // endpoint and of the echo Service show on them.
  await expect.poll(() => canvas(page).getAttribute('data-drops').then(Number), { timeout: 20_000 }).toBeGreaterThan(0);
  await expect(page.getByTestId('lod-collapse')).toBeVisible();
  await app.screenshot('lod-local-lb-drops');
  // Zoomed in again, it is SVG once more.
  for (let i = 0; i < 4; i++) await pressOnGraph(page, '+');
  await expect(app.graph).toHaveAttribute('data-large', 'false');
  await expect(app.shape('svc:default/echo')).toBeVisible();
  await app.assertClean();
});
