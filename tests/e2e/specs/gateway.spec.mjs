import { test, expect } from '@playwright/test';
import { App } from './app.page.mjs';

// Gateway API (issue #8): the app does not draw Gateways yet, but a Gateway sample
// loads, its simulated proxy Service and pods are drawn like any LoadBalancer, and the
// deliberately rejected Route is listed with its line.
test('the Gateway API sample loads with its proxy and the rejected Route', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await page.getByTestId('samples').selectOption('gateway-canary');
  await expect(app.shape('svc:shop/web-kubetopo')).toBeVisible();
  await expect(app.shape('svc:shop/web-kubetopo')).toHaveClass(/load-balancer-type/);
  await expect(app.shape('svc:shop/cart-canary')).toBeVisible();
  await expect(app.shape('svc:payments/payments')).toBeVisible();
  const rejected = app.diagnostics.locator('[data-code="gateway-route-not-allowed"]');
  await expect(rejected).toHaveCount(1);
  await expect(rejected).toContainText('NotAllowedByListeners');
  // No Gateway API object is reported as an unknown kind any more.
  await expect(app.diagnostics.locator('[data-code="ignored-kind"]')).toHaveCount(0);
  await app.screenshot('gateway-canary');
  await app.assertClean();
});
