// Edits you can follow (issue #10, point 6): after a what-if edit, shapes that move
// slide from their old place over about 300 ms, new ones fade in, removed ones fade
// out; with prefers-reduced-motion nothing animates, and the packets wait for Play.
import { test, expect } from '@playwright/test';
import { App } from './app.page.mjs';
import { synthetic } from './synthetic.mjs';

async function scaleCartservice(page, app, button) {
  await page.locator('.graph .shape.workload-group[data-id$=":default/Deployment/cartservice"]').first().click({ position: { x: 30, y: 6 } });
  await expect(page.getByTestId('details-title')).toHaveText('Deployment/cartservice');
  const version = await app.version();
  await page.getByTestId(button).click();
  await expect.poll(() => app.version()).toBeGreaterThan(version);
}

test('scaling up: new pods fade in, moved shapes slide from where they were, then settle', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await page.getByTestId('play').click();
  // Where the island is in the scene: the view itself may re-fit when the content
  // grows (panes.spec), which changes screen boxes but not the picture.
  const island = page.locator('.graph .shape[data-id="ns:default"]');
  const sceneBox = () => island.evaluate((g) => { const b = g.getBBox(); return { x: b.x, y: b.y, width: b.width, height: b.height }; });
  const before = await sceneBox();
  await scaleCartservice(page, app, 'scale-up');
  const added = page.locator('.graph .shape.pod[data-motion="add"][data-id^="pod:default/cartservice-"]');
  await expect(added).toHaveCount(1);
  expect(await added.evaluate((g) => [getComputedStyle(g).animationName, getComputedStyle(g).animationDuration])).toEqual(['kt-fade', '0.3s']);
  const moved = page.locator('.graph .shape[data-motion="move"]');
  const nMoved = await moved.count();
  if (nMoved > 0) {
    const style = await moved.first().getAttribute('style');
    expect(style).toMatch(/^--dx:-?\d+(\.\d)?px;--dy:-?\d+(\.\d)?px$/);
    expect(await moved.first().evaluate((g) => [getComputedStyle(g).animationName, getComputedStyle(g).animationDuration])).toEqual(['kt-move', '0.3s']);
  }
  await app.screenshot('motion-scale-up');
  // Unrelated: the namespace island does not move.
  expect(await page.locator('.graph .shape[data-id="ns:default"]').getAttribute('data-motion')).toBeNull();
  expect(await sceneBox()).toEqual(before);
  // After the animation, nothing runs any more.
  await expect.poll(() => page.evaluate(() => document.querySelectorAll('.graph svg.scene *').length && document.getAnimations().filter((a) => a.playState === 'running' && a.animationName?.startsWith('kt-')).length)).toBe(0);
  await app.assertClean();
});

test('scaling down: the removed pod fades out and is gone after the animation', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await page.getByTestId('play').click();
  await scaleCartservice(page, app, 'scale-down');
  const leaving = page.locator('.graph [data-motion="leave"][data-id^="pod:default/cartservice-"]');
  await expect(leaving).toHaveCount(1);
  await app.screenshot('motion-scale-down');
  await expect(leaving).toHaveCount(0);
  await expect(page.locator('.graph .shape.pod[data-id^="pod:default/cartservice-"]')).toHaveCount(0);
  await app.assertClean();
});

test('prefers-reduced-motion: the packets wait for Play, and an edit is drawn at once', async ({ page }) => {
  await page.emulateMedia({ reducedMotion: 'reduce' });
  const app = new App(page);
  await app.openFresh();
  // No packet moves until the user asks: the traffic opens paused.
  const play = page.getByTestId('play');
  await expect(play).toHaveAttribute('aria-pressed', 'false');
  await expect(play).toHaveText('Play');
  await page.waitForTimeout(500);
  await expect(page.getByTestId('packets')).toHaveAttribute('data-packets', '0');
  await app.screenshot('motion-reduced-paused');
  // Play runs it, as for anyone else; Pause stops it again.
  await play.click();
  await expect(play).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(async () => Number(await page.getByTestId('packets').getAttribute('data-packets'))).toBeGreaterThan(0);
  await play.click();
  await expect(play).toHaveAttribute('aria-pressed', 'false');
  await scaleCartservice(page, app, 'scale-up');
  const added = page.locator('.graph .shape.pod[data-id^="pod:default/cartservice-"]');
  await expect(added).toHaveCount(2);
  const running = await page.evaluate(() => document.getAnimations().filter((a) => a.animationName?.startsWith('kt-')).length);
  expect(running).toBe(0);
  expect(await added.first().evaluate((g) => getComputedStyle(g).animationName)).toBe('none');
  await scaleCartservice(page, app, 'scale-down');
  // The removed pod is not shown fading.
  expect(await page.locator('.graph [data-motion="leave"]').evaluateAll((els) => els.filter((e) => getComputedStyle(e).display !== 'none').length)).toBe(0);
  await app.assertClean();
});

// Large scenes are drawn on a canvas (over 2,500 shapes): it follows an edit the
// same way, frame by frame (§13.6). The canvas says, in `data-moving`, whether the
// frame it drew was part of an edit's motion; every value it takes is recorded.
async function largeScene(page, app, deployments = 400) {
  await app.openFresh();
  await app.paste(synthetic(deployments, 5, deployments / 20, 4));
  const canvas = page.getByTestId('scene-canvas');
  await expect(canvas).toHaveAttribute('data-detailed', /\d+/, { timeout: 30_000 });
  // Find a Service and zoom to it: it and its pods are drawn in detail.
  const search = page.getByTestId('search');
  await search.fill('app-00021');
  await search.press('Enter');
  await expect(page.getByTestId('details-title')).toContainText('app-00021');
  await expect.poll(async () => Number(await canvas.getAttribute('data-detailed'))).toBeGreaterThan(0);
  await page.evaluate(() => {
    const canvas = document.querySelector('[data-testid="scene-canvas"]');
    window.movingSeen = [];
    window.movedSeen = [];
    window.leavingSeen = [];
    new MutationObserver(() => {
      window.movingSeen.push(canvas.dataset.moving);
      window.movedSeen.push(Number(canvas.dataset.moved));
      window.leavingSeen.push(Number(canvas.dataset.leaving));
    }).observe(canvas, { attributes: true, attributeFilter: ['data-moving', 'data-moved', 'data-leaving'] });
  });
  return canvas;
}

async function killSearchedPod(page, app) {
  // Only pods' names start so: Enter selects the first of them.
  await page.getByTestId('search').fill('app-00021-');
  await page.getByTestId('search').press('Enter');
  await expect(page.getByTestId('details-title')).toContainText('app-00021-');
  // Out from the pod the search zoomed to, so that its neighbours are in view.
  for (let i = 0; i < 8; i++) await page.getByRole('button', { name: 'Zoom out' }).click();
  const version = await app.version();
  await page.getByTestId('kill-pod').click();
  await expect.poll(() => app.version()).toBeGreaterThan(version);
}

test('a large scene on the canvas follows an edit: the frames move for about 300 ms, then settle', async ({ page }) => {
  const app = new App(page);
  const canvas = await largeScene(page, app);
  await killSearchedPod(page, app);
  // A killed pod is recreated under a new name: it fades in where the old one was,
  // and so does its endpoint edge, drawn along a new path (`data-moved` counts
  // both, frame by frame), while the killed pod's chip fades out (`data-leaving`).
  await expect.poll(() => page.evaluate(() => window.movingSeen.includes('1'))).toBe(true);
  await app.screenshot('motion-canvas-during');
  await expect(canvas).toHaveAttribute('data-moving', '0');
  const seen = await page.evaluate(() => window.movingSeen);
  expect(seen.at(-1)).toBe('0');
  expect(Math.max(0, ...await page.evaluate(() => window.movedSeen)), 'shapes and edges drawn moving or fading in').toBeGreaterThan(0);
  expect(Math.max(0, ...await page.evaluate(() => window.leavingSeen)), 'the killed pod drawn fading out').toBeGreaterThan(0);
  await expect(canvas).toHaveAttribute('data-moved', '0');
  await expect(canvas).toHaveAttribute('data-leaving', '0');
  await app.screenshot('motion-canvas-after');
  await app.assertClean();
});

// Above 20,000 shapes what an edit moved is found while its picture is laid out,
// in slices, rather than when it is drawn (§13.6): 20,000 pods follow an edit too.
test('a picture of 20,000 pods follows an edit: what moved is found in slices before it is drawn', async ({ page }) => {
  test.setTimeout(120_000);
  const app = new App(page);
  const canvas = await largeScene(page, app, 4000);
  expect(Number(await app.graph.getAttribute('data-pods'))).toBe(20000);
  await killSearchedPod(page, app);
  await expect.poll(() => page.evaluate(() => window.movingSeen.includes('1')), { timeout: 30_000 }).toBe(true);
  await app.screenshot('motion-canvas-20k-during');
  await expect(canvas).toHaveAttribute('data-moving', '0');
  expect(Math.max(0, ...await page.evaluate(() => window.movedSeen)), 'shapes and edges drawn moving or fading in').toBeGreaterThan(0);
  expect(Math.max(0, ...await page.evaluate(() => window.leavingSeen)), 'the killed pod drawn fading out').toBeGreaterThan(0);
  await app.assertClean();
});

test('tiles follow an edit on the canvas: a drained node\'s tiles and those after it slide to their new places', async ({ page }) => {
  const app = new App(page);
  const canvas = await largeScene(page, app);
  // The node's details, then every namespace and node as a tile.
  await page.getByTestId('search').fill('node-0003');
  await page.getByTestId('search').press('Enter');
  await expect(page.getByTestId('details-title')).toHaveText('Node node-0003');
  await page.getByRole('button', { name: 'Fit' }).click();
  await page.getByTestId('lod-collapse').click();
  await expect.poll(async () => Number(await canvas.getAttribute('data-tiles'))).toBeGreaterThan(20);
  await expect(canvas).toHaveAttribute('data-detailed', '0');
  await page.evaluate(() => { window.movedSeen = []; window.movingSeen = []; });
  const version = await app.version();
  // Draining moves the node's pods to the other nodes: their boxes grow, so the
  // tiles after them move down.
  await page.getByTestId('drain-node').click();
  await expect.poll(() => app.version()).toBeGreaterThan(version);
  await expect.poll(() => page.evaluate(() => Math.max(0, ...window.movedSeen)), 'tiles drawn away from their place').toBeGreaterThan(0);
  await app.screenshot('motion-canvas-tiles-during');
  await expect(canvas).toHaveAttribute('data-moving', '0');
  await expect(canvas).toHaveAttribute('data-moved', '0');
  await app.screenshot('motion-canvas-tiles-after');
  await page.setViewportSize({ width: 1024, height: 768 });
  await page.getByRole('button', { name: 'Fit' }).click();
  await expect.poll(async () => Number(await canvas.getAttribute('data-tiles'))).toBeGreaterThan(20);
  await app.screenshot('motion-canvas-tiles-after-1024x768');
  await app.assertClean();
});

test('prefers-reduced-motion: the canvas draws an edit at once', async ({ page }) => {
  await page.emulateMedia({ reducedMotion: 'reduce' });
  const app = new App(page);
  const canvas = await largeScene(page, app);
  await killSearchedPod(page, app);
  await page.waitForTimeout(600);
  expect(await page.evaluate(() => window.movingSeen)).not.toContain('1');
  expect(Math.max(0, ...await page.evaluate(() => window.movedSeen))).toBe(0);
  await expect(canvas).toHaveAttribute('data-moving', '0');
  await app.assertClean();
});
