// Multi-select namespaces (issue #10, point 7): the namespace filter picks any set
// of namespaces by keyboard, the graph shows exactly those and fits them, and the
// choice survives an edit of the YAML and a link that shares the view.
import { test, expect } from '@playwright/test';
import { App } from './app.page.mjs';

/** The namespaces of the drawn shapes (nodes and the external clients have none). */
async function drawnNamespaces(page) {
  const ids = await page.locator('.graph .shape').evaluateAll((gs) => gs.map((g) => g.dataset.id));
  const namespaces = ids.map((id) => {
    const [kind, key] = [id.slice(0, id.indexOf(':')), id.slice(id.indexOf(':') + 1)];
    if (kind === 'node' || kind === 'ext') return null;
    if (kind === 'ns') return key;
    const rest = kind === 'grp' ? key.slice(key.indexOf(':') + 1) : key;
    return rest.split('/')[0];
  });
  return [...new Set(namespaces.filter((n) => n !== null))].sort();
}

/** The union of the drawn shapes' screen boxes. */
async function shapesBox(page) {
  return page.locator('.graph svg.scene .shape > rect').evaluateAll((rects) => {
    const boxes = rects.map((r) => r.getBoundingClientRect()).filter((b) => b.width > 0);
    return {
      left: Math.min(...boxes.map((b) => b.left)), top: Math.min(...boxes.map((b) => b.top)),
      right: Math.max(...boxes.map((b) => b.right)), bottom: Math.max(...boxes.map((b) => b.bottom)),
    };
  });
}

test('the namespace filter shows any set of namespaces, by keyboard, fits them and keeps them through an edit', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await page.getByTestId('samples').selectOption('gateway-canary');
  await expect(app.shape('svc:payments/payments')).toBeVisible();
  expect(await drawnNamespaces(page)).toEqual(['legacy', 'payments', 'shop']);
  const summary = page.getByTestId('namespace-summary');
  await expect(summary).toHaveText(/All namespaces/);
  // Keyboard only: focus the summary, open it, tick two namespaces with Space.
  await summary.focus();
  await page.keyboard.press('Enter');
  const box = (namespace) => page.locator(`[data-testid="namespace-filter"] input[data-namespace="${namespace}"]`);
  await expect(box('shop')).toBeVisible();
  await expect(page.locator('[data-testid="namespace-filter"] input[type="checkbox"]')).toHaveCount(3);
  await page.keyboard.press('Tab');
  await expect(box('legacy')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(box('payments')).toBeFocused();
  await page.keyboard.press('Space');
  await page.keyboard.press('Tab');
  await expect(box('shop')).toBeFocused();
  await page.keyboard.press('Space');
  await expect(box('payments')).toBeChecked();
  await expect(box('shop')).toBeChecked();
  await expect(box('legacy')).not.toBeChecked();
  await expect(summary).toHaveText('2 namespaces');
  // Exactly those two.
  await expect.poll(() => drawnNamespaces(page)).toEqual(['payments', 'shop']);
  await expect(app.shape('svc:legacy/cart')).toHaveCount(0);
  await app.screenshot('namespaces-two-open');
  // Esc closes the list and gives the focus back to its summary.
  await page.keyboard.press('Escape');
  await expect(box('shop')).toBeHidden();
  await expect(summary).toBeFocused();
  // The picture was fitted to the two namespaces, and Fit fits them again.
  const area = await page.locator('.graph').boundingBox();
  const fitted = async () => {
    const b = await shapesBox(page);
    expect(b.left).toBeGreaterThanOrEqual(area.x - 1);
    expect(b.top).toBeGreaterThanOrEqual(area.y - 1);
    expect(b.right).toBeLessThanOrEqual(area.x + area.width + 1);
    expect(b.bottom).toBeLessThanOrEqual(area.y + area.height + 1);
    // It fills the area one way or the other.
    expect(Math.max((b.right - b.left) / area.width, (b.bottom - b.top) / area.height)).toBeGreaterThan(0.8);
  };
  await expect.poll(async () => { try { await fitted(); return true; } catch { return false; } }).toBe(true);
  await page.getByRole('button', { name: 'Zoom in' }).click();
  await page.getByRole('button', { name: 'Zoom in' }).click();
  await page.getByTestId('fit').click();
  await fitted();
  await app.screenshot('namespaces-two-fitted');
  // An edit re-analyses the input: the choice stays, and so does the picture.
  const version = await app.version();
  await app.editor.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\n# edited\n');
  await expect.poll(() => app.version()).toBeGreaterThan(version);
  await expect(summary).toHaveText('2 namespaces');
  expect(await drawnNamespaces(page)).toEqual(['payments', 'shop']);
  // Renaming a chosen namespace away keeps it chosen, listed as absent.
  const text = await app.editor.inputValue();
  await app.paste(text.replaceAll('namespace: payments', 'namespace: billing'));
  await expect.poll(() => drawnNamespaces(page)).toEqual(['shop']);
  await summary.click();
  await expect(box('payments')).toBeChecked();
  await expect(page.locator('[data-testid="namespace-filter"] label.absent')).toHaveText('payments');
  await expect(box('billing')).not.toBeChecked();
  await app.screenshot('namespaces-absent');
  // All shows everything again.
  await page.getByTestId('namespace-all').click();
  await expect(summary).toHaveText(/All namespaces/);
  await expect.poll(() => drawnNamespaces(page)).toEqual(['billing', 'legacy', 'shop']);
  await app.assertClean();
});
