// Issue #10 point 8, "any screen": the editor and details panes collapse and resize
// (pointer or keyboard, on a focusable separator), the sizes persist and are
// clamped to the window, the graph gets at least 60% of a 1024 px window, and the
// view fits again when the content grows out of it, unless the user moved it.
import { test, expect } from '@playwright/test';
import { App } from './app.page.mjs';

const services = (n) => Array.from({ length: n }, (_, i) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-${i}\nspec:\n  selector: {app: a${i}}\n  ports: [{port: 80}]\n`).join('---\n');

async function width(locator) {
  return (await locator.boundingBox())?.width ?? 0;
}

/** Whether everything drawn lies inside the graph area (1 px of slack). */
async function contentInView(page) {
  return page.evaluate(() => {
    const area = document.querySelector('.graph').getBoundingClientRect();
    const drawn = document.querySelector('svg.scene > g').getBoundingClientRect();
    return drawn.left >= area.left - 1 && drawn.top >= area.top - 1 && drawn.right <= area.right + 1 && drawn.bottom <= area.bottom + 1;
  });
}

test('at 1024x768 the graph gets at least 60% of the width; screenshots at both sizes', async ({ page }) => {
  const app = new App(page);
  for (const size of [{ width: 1440, height: 900 }, { width: 1024, height: 768 }]) {
    await page.setViewportSize(size);
    await app.openFresh();
    const graph = await width(page.locator('.panes > .center'));
    expect(graph / size.width, `graph ${graph} px of ${size.width}`).toBeGreaterThanOrEqual(0.6);
    expect(await contentInView(page)).toBe(true);
    await app.screenshot(`panes-default-${size.width}x${size.height}`);
  }
  await app.assertClean();
});

test('the splitters resize with the keyboard and the pointer, collapse, and the sizes persist', async ({ page }) => {
  await page.setViewportSize({ width: 1024, height: 768 });
  const app = new App(page);
  await app.openFresh();
  const editorSplitter = page.getByTestId('splitter-editor');
  const detailsSplitter = page.getByTestId('splitter-details');
  await expect(editorSplitter).toHaveAttribute('role', 'separator');
  await expect(editorSplitter).toHaveAttribute('aria-orientation', 'vertical');
  await expect(editorSplitter).toHaveAttribute('aria-valuenow', '185');
  await expect(detailsSplitter).toHaveAttribute('aria-valuenow', '195');
  // Keyboard: the separator takes focus; arrows move it, Shift moves it further.
  await editorSplitter.focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect(editorSplitter).toHaveAttribute('aria-valuenow', '217');
  await page.keyboard.press('Shift+ArrowRight');
  await expect(editorSplitter).toHaveAttribute('aria-valuenow', '281');
  expect(await width(page.locator('.panes > .editor-pane'))).toBeCloseTo(281, 0);
  await page.keyboard.press('Home');
  await expect(editorSplitter).toHaveAttribute('aria-valuenow', '160');
  await page.keyboard.press('End');
  // The editor may grow until the graph keeps 320 px beside the details.
  await expect(editorSplitter).toHaveAttribute('aria-valuenow', String(1024 - 320 - 16 - 195));
  await expect(editorSplitter).toHaveAttribute('aria-valuemax', String(1024 - 320 - 16 - 195));
  await page.keyboard.press('Home');
  // Enter collapses the pane and opens it again at its size.
  await page.keyboard.press('Enter');
  await expect(page.locator('.panes > .editor-pane')).toBeHidden();
  await expect(page.getByTestId('toggle-editor')).toHaveAttribute('aria-pressed', 'false');
  await page.keyboard.press('Enter');
  await expect(page.locator('.panes > .editor-pane')).toBeVisible();
  await expect(editorSplitter).toHaveAttribute('aria-valuenow', '160');
  // The pointer: dragging the details splitter 100 px to the left widens the details.
  const box = await detailsSplitter.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 - 50, box.y + box.height / 2, { steps: 4 });
  await page.mouse.move(box.x + box.width / 2 - 100, box.y + box.height / 2, { steps: 4 });
  await page.mouse.up();
  await expect(detailsSplitter).toHaveAttribute('aria-valuenow', '295');
  expect(await width(page.locator('.panes > .details'))).toBeCloseTo(295, 0);
  // The buttons of the top bar collapse a pane; the graph takes its room.
  const before = await width(page.locator('.panes > .center'));
  await page.getByTestId('toggle-details').click();
  await expect(page.locator('.panes > .details')).toBeHidden();
  expect(await width(page.locator('.panes > .center'))).toBeCloseTo(before + 295, 0);
  // The view fits the wider area again, since the user has not moved it.
  await expect.poll(() => contentInView(page)).toBe(true);
  await app.screenshot('panes-details-collapsed-1024x768');
  // Everything persists across a reload.
  await page.reload();
  await app.waitForGraph();
  await expect(page.locator('.panes > .details')).toBeHidden();
  await expect(editorSplitter).toHaveAttribute('aria-valuenow', '160');
  await page.getByTestId('toggle-details').click();
  await expect(detailsSplitter).toHaveAttribute('aria-valuenow', '295');
  // A smaller window clamps the sizes: the graph keeps its 320 px.
  await detailsSplitter.focus();
  await page.keyboard.press('End');
  await page.setViewportSize({ width: 900, height: 700 });
  await expect.poll(async () => width(page.locator('.panes > .center'))).toBeGreaterThanOrEqual(320);
  await app.screenshot('panes-clamped-900x700');
  await app.assertClean();
});

test('the view fits again when an edit grows the content out of it, unless the user moved the view', async ({ page }) => {
  await page.setViewportSize({ width: 1024, height: 768 });
  const app = new App(page);
  await app.openFresh();
  await app.paste(services(1));
  await expect(app.shape('svc:default/svc-0')).toBeVisible();
  await app.paste(services(60));
  await expect(app.shape('svc:default/svc-59')).toBeAttached();
  await expect.poll(() => contentInView(page)).toBe(true);
  await app.screenshot('panes-refit-after-growth-1024x768');
  // Zoomed in by the user: growth does not take the view away from them.
  await app.paste(services(1));
  await expect(app.shape('svc:default/svc-1')).toHaveCount(0);
  await page.getByTestId('fit').click();
  await page.locator('.graph').hover();
  await page.keyboard.press('+');
  await page.keyboard.press('+');
  const transform = await page.locator('svg.scene > g').getAttribute('transform');
  await app.paste(services(60));
  await expect(app.shape('svc:default/svc-59')).toBeAttached();
  await page.waitForTimeout(300);
  expect(await page.locator('svg.scene > g').getAttribute('transform')).toBe(transform);
  await app.assertClean();
});
