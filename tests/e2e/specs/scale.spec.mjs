// Large clusters (issue #9): 10,000 pods drawn on the canvas at the level of detail
// the engine gives. Fit shows every namespace, tiles collapse and expand, the minimap
// moves the view, and the page keeps answering while a large paste is analysed.
import { test, expect } from '@playwright/test';
import { App } from './app.page.mjs';
import { synthetic } from './synthetic.mjs';


const TEN_K = synthetic(2000, 5, 100, 10);

async function openTenK(page) {
  const app = new App(page);
  await app.openFresh();
  await page.getByTestId('play').click(); // no traffic: the canvas shows only the scene
  await app.paste(TEN_K);
  await expect(app.graph).toHaveAttribute('data-pods', '10000', { timeout: 30_000 });
  await expect(app.graph).toHaveAttribute('data-large', 'true');
  return app;
}

const canvas = (page) => page.getByTestId('scene-canvas');
const attribute = async (locator, name) => Number(await locator.getAttribute(name));

/** Presses a key with the focus on the page, not in a field. */
async function pressOnGraph(page, key) {
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  await page.keyboard.press(key);
}

test('Fit shows every namespace of 10,000 pods, as tiles, with no DOM per shape', async ({ page }) => {
  const app = await openTenK(page);
  await pressOnGraph(page, 'f');
  await expect(canvas(page)).toHaveAttribute('data-namespaces', '10');
  await expect(canvas(page)).toHaveAttribute('data-namespaces-in-view', '10');
  // Zoomed out, every island and node is one tile: ten namespaces and a hundred nodes.
  await expect(canvas(page)).toHaveAttribute('data-tiles', '110');
  expect(await attribute(canvas(page), 'data-detailed')).toBe(0);
  // Nothing per shape in the DOM: the SVG holds no shapes at all.
  expect(await page.locator('.graph .shape').count()).toBe(0);
  await app.screenshot('scale-10k-fit');
  await app.assertClean();
});

test('tiles collapse and expand: all at once, by click, by key, and by zoom', async ({ page }) => {
  const app = await openTenK(page);
  await pressOnGraph(page, 'f');
  await expect(canvas(page)).toHaveAttribute('data-tiles', '110');
  await page.getByTestId('lod-expand').click();
  await expect(canvas(page)).toHaveAttribute('data-tiles', '0');
  expect(await attribute(canvas(page), 'data-detailed')).toBeGreaterThan(10_000);
  await app.screenshot('scale-10k-expanded');
  await page.getByTestId('lod-collapse').click();
  await expect(canvas(page)).toHaveAttribute('data-tiles', '110');
  await page.getByTestId('lod-auto').click();

  // A click on a tile opens it and selects it; `c` closes it again.
  // Hover until the tooltip names a node (tiles have 1-pixel gaps between them at
  // Fit, and the gutters between node columns are wider when the workspace has
  // NetworkPolicies, as the demo's second file does).
  const box = await app.graph.boundingBox();
  let target = null;
  for (const fx of [0.7, 0.66, 0.74]) {
    for (const dy of [0, 3, 6, 9, 12, 15]) {
      const point = { x: box.x + box.width * fx, y: box.y + box.height * 0.5 + dy };
      await page.mouse.move(point.x, point.y);
      const tip = page.getByTestId('tooltip');
      if ((await tip.count()) && /^Node node-\d{4}/.test(await tip.textContent())) {
        target = point;
        break;
      }
    }
    if (target) break;
  }
  expect(target, 'a node tile under the pointer').not.toBeNull();
  const node = (await page.getByTestId('tooltip').textContent()).match(/node-\d{4}/)[0];
  await page.mouse.click(target.x, target.y);
  await expect(canvas(page)).toHaveAttribute('data-tiles', '109');
  await expect(app.details).toContainText(node);
  await pressOnGraph(page, 'c');
  await expect(canvas(page)).toHaveAttribute('data-tiles', '110');

  // Zooming in opens the tiles under the pointer: shapes are drawn in detail, with
  // only what the viewport shows.
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.4);
  for (let i = 0; i < 6; i++) await page.mouse.wheel(0, -300);
  const zoom = async () => Number((await page.locator('svg.scene > g').getAttribute('transform')).match(/scale\(([\d.]+)\)/)[1]);
  await expect.poll(zoom).toBeGreaterThan(0.35);
  await expect(canvas(page)).toHaveAttribute('data-tiles', '0');
  const detailed = await attribute(canvas(page), 'data-detailed');
  expect(detailed).toBeGreaterThan(0);
  expect(detailed).toBeLessThan(5_000);
  await app.screenshot('scale-10k-zoomed-in');
  await app.assertClean();
});

test('the minimap shows where the view is and moves it', async ({ page }) => {
  const app = await openTenK(page);
  await pressOnGraph(page, 'f');
  const minimap = page.getByTestId('minimap');
  await expect(minimap).toBeVisible();
  for (let i = 0; i < 8; i++) await page.keyboard.press('+');
  const transform = () => page.locator('svg.scene > g').getAttribute('transform');
  const before = await transform();
  const mini = await minimap.boundingBox();
  await page.mouse.click(mini.x + mini.width * 0.8, mini.y + mini.height * 0.8);
  await expect.poll(transform).not.toBe(before);
  const afterClick = await transform();
  // A drag on the minimap moves the view along.
  await page.mouse.move(mini.x + mini.width * 0.2, mini.y + mini.height * 0.2);
  await page.mouse.down();
  await page.mouse.move(mini.x + mini.width * 0.5, mini.y + mini.height * 0.3, { steps: 4 });
  await page.mouse.up();
  await expect.poll(transform).not.toBe(afterClick);
  // Neither press selected anything in the graph behind it.
  await expect(page.locator('.graph.has-focus')).toHaveCount(0);
  await app.screenshot('scale-10k-minimap');
  await app.assertClean();
});

test('the page answers while a 10,000-pod paste is analysed', async ({ page }) => {
  const app = await openTenK(page);
  const search = page.getByTestId('search');
  // Paste a changed copy and type into the search box at once.
  const version = await app.version();
  await app.paste(`# changed\n${TEN_K}`);
  await search.click();
  await page.keyboard.type('app-0001', { delay: 20 });
  // Every keystroke arrived, none lost to the analysis, and the analysis finished.
  // How long keys wait is a figure of `make bench-web` (input latency while
  // analysing), not a bound here: a wall-clock bound fails on a busy machine.
  await expect(search).toHaveValue('app-0001');
  await expect.poll(() => app.version()).toBeGreaterThan(version);
  await expect(page.getByTestId('match-count')).toContainText('matches');
  await app.screenshot('scale-10k-search');
  await app.assertClean();
});

test('views at 10,000 pods: the picture stays until the next is laid out, back is at once, and the table fills in parts', async ({ page }) => {
  const app = await openTenK(page);
  await expect(app.graph).toHaveAttribute('data-nodes', '100');
  // Every picture the graph shows, in order: laid out in slices, the logical view
  // replaces the cluster view in one step, with no picture in between.
  await page.evaluate(() => {
    const svg = document.querySelector('svg.scene');
    window.pictures = [];
    new MutationObserver(() => window.pictures.push(svg.dataset.nodes)).observe(svg, { attributes: true, attributeFilter: ['data-version'] });
    const graph = svg.parentElement;
    window.busy = [];
    new MutationObserver(() => window.busy.push(graph.getAttribute('aria-busy'))).observe(graph, { attributes: true, attributeFilter: ['aria-busy'] });
  });
  await page.getByTestId('view-logical').click();
  await expect(page.getByTestId('view-logical')).toHaveAttribute('aria-pressed', 'true');
  await expect(app.graph).toHaveAttribute('data-nodes', '0', { timeout: 30_000 });
  expect(await page.evaluate(() => window.pictures)).toEqual(['0']);
  // Meanwhile the graph said it was laying out (`aria-busy`, and a note on it).
  expect(await page.evaluate(() => window.busy)).toEqual(['true', 'false']);
  await app.screenshot('scale-10k-logical');
  await page.setViewportSize({ width: 1024, height: 768 });
  await app.screenshot('scale-10k-logical-1024x768');
  await page.setViewportSize({ width: 1440, height: 900 });
  // Back to the cluster view: the picture kept from before, as the user left it.
  await page.getByTestId('view-cluster').click();
  await expect(app.graph).toHaveAttribute('data-nodes', '100');
  expect(await page.evaluate(() => window.pictures)).toEqual(['0', '100']);
  await expect(canvas(page)).toHaveAttribute('data-tiles', /[1-9]/);
  // The kept picture is shown in the same task: the graph was never busy for it.
  expect(await page.evaluate(() => window.busy)).toEqual(['true', 'false']);
  // A focus entered and left meanwhile keeps the other view's picture too.
  await page.getByTestId('search').fill('app-00021');
  await page.getByTestId('search').press('Enter');
  await page.getByTestId('focus').click();
  await expect(page.getByTestId('focus-crumb')).toContainText('app-00021');
  await page.getByTestId('focus-leave').click();
  await expect(page.getByTestId('focus-leave')).toBeDisabled();
  await page.getByTestId('view-logical').click();
  await expect(app.graph).toHaveAttribute('data-nodes', '0');
  expect(await page.evaluate(() => window.busy)).toEqual(['true', 'false']);
  await page.getByTestId('view-cluster').click();
  await expect(app.graph).toHaveAttribute('data-nodes', '100');
  // The table shows its first rows with the view and the rest in later tasks: all
  // 2,000 Services, in the engine's order.
  await page.getByTestId('tab-table').click();
  const rows = page.getByTestId('table-view').locator('tbody tr');
  await expect(rows).toHaveCount(2000, { timeout: 30_000 });
  await expect(rows.first().locator('button')).toHaveText(/^team-\d{3}\/app-\d{5}$/);
  await app.screenshot('scale-10k-table');
  await page.setViewportSize({ width: 1024, height: 768 });
  await app.screenshot('scale-10k-table-1024x768');
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.getByTestId('tab-graph').click();
  await expect(app.graph).toHaveAttribute('data-nodes', '100');
  await app.assertClean();
});

test('traffic over 10,000 pods: thousands of packets on the canvas, and the flows tables list 100 rows with the rest counted', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await app.paste(synthetic(2000, 5, 100, 10, { calls: true }));
  await expect(app.graph).toHaveAttribute('data-pods', '10000', { timeout: 30_000 });
  // Two thousand dependency flows at the default load: thousands of packets in flight,
  // drawn as dots into one image on the packets canvas.
  const packets = () => page.getByTestId('packets').getAttribute('data-packets').then(Number);
  await expect.poll(packets, { timeout: 60_000 }).toBeGreaterThan(1000);
  // Far more Services get traffic than a table lists: 100 rows, every one with drops
  // among them, and the others counted.
  const services = page.getByTestId('service-counter');
  await expect.poll(() => services.count(), { timeout: 30_000 }).toBe(100);
  await expect(page.locator('.flows .hint', { hasText: /… and \d+ more without drops/ }).first()).toBeVisible();
  const dropping = page.locator('[data-testid="service-counter"].bad');
  const withDrops = await dropping.count();
  for (let i = 0; i < withDrops; i++) expect(Number(await dropping.nth(i).getAttribute('data-dropped')) + Number(await dropping.nth(i).getAttribute('data-rejected'))).toBeGreaterThan(0);
  await pressOnGraph(page, 'f');
  await app.screenshot('scale-10k-traffic');
  await app.assertClean();
});

test('at the highest load over 10,000 pods the packets stay within their budget, and every Service gets traffic in turn', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await app.paste(synthetic(2000, 5, 100, 10, { calls: true }));
  await expect(app.graph).toHaveAttribute('data-pods', '10000', { timeout: 30_000 });
  // Two thousand flows at the highest load want about 30,000 packets in flight,
  // more than the page animates at once (docs/semantics.md §13.9).
  await page.getByTestId('load').fill('2');
  const packets = () => page.getByTestId('packets').getAttribute('data-packets').then(Number);
  await expect.poll(packets, { timeout: 60_000 }).toBeGreaterThan(19_000);
  for (let i = 0; i < 8; i++) {
    expect(await packets()).toBeLessThanOrEqual(20_000);
    await page.waitForTimeout(250);
  }
  // The flows take turns: every one of the 2,000 Services gets connections, not only
  // those whose flows are listed first. The table lists 100 and counts the others.
  const servicesWithTraffic = async () => {
    const rows = await page.getByTestId('service-counter').count();
    // The Services' table comes first; the nodes' (100 of them) needs no hint.
    const hints = await page.locator('.flows .hint').allTextContents();
    const hint = hints.find((text) => /more without drops/.test(text)) || '';
    const more = Number((hint.match(/… and (\d+) more/) || [0, 0])[1]);
    return rows + more;
  };
  await expect.poll(servicesWithTraffic, { timeout: 30_000 }).toBe(2000);
  await app.screenshot('scale-10k-packet-budget');
  await app.assertClean();
});

test('a what-if edit at 10,000 pods is worked out in slices: the picture stays until the edit\'s is laid out, and Undo and Reset go the same way', async ({ page }) => {
  const app = await openTenK(page);
  const area = page.locator('div.graph');
  await page.getByTestId('search').fill('app-00021-');
  await page.getByTestId('search').press('Enter');
  await expect(page.getByTestId('details-title')).toContainText('app-00021-');
  const killed = (await page.getByTestId('details-title').textContent()).replace(/^Pod /, '').trim();
  // Every picture the graph shows, and every change of its busy state, in order.
  await page.evaluate(() => {
    const svg = document.querySelector('svg.scene');
    const graph = svg.parentElement;
    window.pictures = [];
    new MutationObserver(() => window.pictures.push(svg.dataset.version)).observe(svg, { attributes: true, attributeFilter: ['data-version'] });
    window.busy = [];
    new MutationObserver(() => window.busy.push(`${graph.getAttribute('aria-busy')}:${graph.classList.contains('edit-busy')}`)).observe(graph, { attributes: true, attributeFilter: ['aria-busy', 'class'] });
  });
  const edits = page.getByTestId('edits').locator('li');
  await page.getByTestId('kill-pod').click();
  await expect(edits).toHaveCount(1);
  await expect(edits.first()).toContainText(`${killed} killed`);
  await expect(area).toHaveAttribute('aria-busy', 'false');
  // One step from the manifests' picture to the edit's, with the graph busy in
  // between and the note on it; the pod count is back at 10,000 (a replacement).
  expect(await page.evaluate(() => window.pictures.length)).toBe(1);
  expect(await page.evaluate(() => [...new Set(window.busy)])).toEqual(['true:true', 'false:false']);
  await expect(app.graph).toHaveAttribute('data-pods', '10000');
  await expect(page.getByTestId('diagnostics')).toContainText(`After you killed pod ${killed}`);
  // Undo: the same, back to the manifests' own pods.
  await page.evaluate(() => { window.pictures = []; window.busy = []; });
  await page.getByTestId('undo-edit').click();
  await expect(edits).toHaveCount(0);
  await expect(page.getByTestId('traffic-message')).toContainText(`Undid: pod ${killed} killed`);
  await expect(area).toHaveAttribute('aria-busy', 'false');
  expect(await page.evaluate(() => window.pictures.length)).toBe(1);
  expect(await page.evaluate(() => [...new Set(window.busy)])).toEqual(['true:true', 'false:false']);
  await expect(page.getByTestId('diagnostics')).not.toContainText('After you killed');
  // Undo moved the focus to Reset, the next control, once the list was drawn again.
  await expect(page.getByTestId('reset')).toBeFocused();
  // An edit, then Reset.
  await page.getByTestId('kill-pod').click();
  await expect(edits).toHaveCount(1);
  await expect(area).toHaveAttribute('aria-busy', 'false');
  await page.evaluate(() => { window.pictures = []; });
  await page.getByTestId('reset').click();
  await expect(edits).toHaveCount(0);
  await expect(area).toHaveAttribute('aria-busy', 'false');
  await expect.poll(() => page.evaluate(() => window.pictures.length)).toBe(1);
  await expect(page.getByTestId('diagnostics')).not.toContainText('After you killed');
  // Once the reset's motion has settled: the manifests' own pod, selected.
  await expect(canvas(page)).toHaveAttribute('data-moving', '0');
  await expect(canvas(page)).toHaveAttribute('data-leaving', '0');
  await app.screenshot('scale-10k-after-reset');
  await app.assertClean();
});
