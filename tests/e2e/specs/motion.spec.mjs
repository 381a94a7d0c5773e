// Edits you can follow (issue #10, point 6): after a what-if edit, shapes that move
// slide from their old place over about 300 ms, new ones fade in, removed ones fade
// out; with prefers-reduced-motion nothing animates.
import { test, expect } from '@playwright/test';
import { App } from './app.page.mjs';

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

test('prefers-reduced-motion: the edit is drawn at once, without animation', async ({ page }) => {
  await page.emulateMedia({ reducedMotion: 'reduce' });
  const app = new App(page);
  await app.openFresh();
  await page.getByTestId('play').click();
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
