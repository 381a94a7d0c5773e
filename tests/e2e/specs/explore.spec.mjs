import { test, expect } from '@playwright/test';
import { App } from './app.page.mjs';

const opacity = (locator) => locator.evaluate((el) => Number(getComputedStyle(el).opacity));

test('selecting a service highlights its endpoints and shows resolved ports', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await app.select('svc:default/frontend');
  await expect(page.getByTestId('details-title')).toHaveText('Service default/frontend');
  // Port 80 → targetPort 8080, resolved on the pod.
  await expect(page.getByTestId('service-ports')).toContainText('80');
  await expect(page.getByTestId('endpoint-ports').first()).toHaveText('8080/TCP');
  const endpointPod = page.locator('.graph .shape.pod[data-id^="pod:default/frontend-"]');
  expect(await opacity(endpointPod)).toBe(1);
  expect(await opacity(app.shape('pod:default/' + (await firstPodOf(page, 'redis-cart'))))).toBeLessThan(0.5);
  await expect(page.locator('.graph .edge[data-from="svc:default/frontend"]').first()).toHaveCSS('opacity', '1');
  await app.screenshot('selection');
  await page.keyboard.press('Escape');
  await expect(page.getByText('Overview')).toBeVisible();
  await app.assertClean();
});

async function firstPodOf(page, workload) {
  const id = await page.locator(`.graph .shape.pod[data-id^="pod:default/${workload}-"]`).first().getAttribute('data-id');
  return id.replace('pod:default/', '');
}

test('the label query box highlights matches and shows parse errors', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  const query = page.getByTestId('query');
  await query.fill('app in (frontend,cartservice)');
  // Two pods plus the Services labelled app=frontend (frontend, frontend-external).
  await expect(page.getByTestId('match-count')).toHaveText(/\d+ matches/);
  const frontendPod = page.locator('.graph .shape.pod[data-id^="pod:default/frontend-"] > rect');
  await expect(frontendPod).toHaveCSS('stroke-width', '3px');
  expect(await opacity(page.locator('.graph .shape.pod[data-id^="pod:default/adservice-"]'))).toBeLessThan(0.5);
  await query.fill('x nott in (y)');
  await expect(page.getByTestId('query-error')).toHaveText("unable to parse requirement: found 'nott', expected: in, notin, =, ==, !=, gt, lt");
  await app.screenshot('query');
  await app.assertClean();
});

test('keyboard: / focuses search, Enter selects a match, arrows move, f fits', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await page.locator('.graph').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('/');
  await expect(page.getByTestId('search')).toBeFocused();
  await page.keyboard.type('cartservice');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('details-title')).toContainText('cartservice');
  await page.getByTestId('search').blur();
  await page.keyboard.press('ArrowDown');
  await expect(page.getByTestId('details-title')).not.toContainText('cartservice');
  await page.keyboard.press('f');
  await app.assertClean();
});

test('pan and zoom change the view transform', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  const group = page.locator('svg.scene > g');
  const before = await group.getAttribute('transform');
  await page.getByRole('button', { name: 'Zoom in' }).click();
  const zoomed = await group.getAttribute('transform');
  expect(zoomed).not.toBe(before);
  const box = await page.locator('.graph').boundingBox();
  await page.mouse.move(box.x + 40, box.y + 40);
  await page.mouse.down();
  await page.mouse.move(box.x + 140, box.y + 90, { steps: 5 });
  await page.mouse.up();
  expect(await group.getAttribute('transform')).not.toBe(zoomed);
  await page.mouse.wheel(0, -300);
  await page.getByTestId('fit').click();
  await app.assertClean();
});

test('privacy: a Content-Security-Policy forbids outside connections', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(csp).toContain("connect-src 'self'");
  expect(csp).toContain("default-src 'self'");
  const blocked = await page.evaluate(async () => {
    try { await fetch('https://example.com/'); return false; } catch { return true; }
  });
  expect(blocked).toBe(true);
  // The CSP violation is reported on the console; that one is expected here.
  app.consoleErrors = app.consoleErrors.filter((text) => !text.includes('Content Security Policy') && !text.includes('Failed to fetch'));
  await app.assertClean();
});
