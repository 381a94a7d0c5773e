// Issue #10 point 7, "find and focus": Focus on a selection shows only its
// neighbourhood (engine/focus.rs, §13.4 of docs/semantics.md), one or two hops
// out, and the breadcrumb leads back to the whole picture. Keyboard only.
import { test, expect } from '@playwright/test';
import { App } from './app.page.mjs';

const shapes = (page, prefix) => page.locator(`.graph .shape[data-id^="${prefix}"]`);

for (const size of [{ width: 1440, height: 900 }, { width: 1024, height: 768 }]) {
  test(`focus on the frontend: 1 hop, 2 hops, and back (${size.width}x${size.height})`, async ({ page }) => {
    await page.setViewportSize(size);
    const app = new App(page);
    await app.openFresh();
    const { services } = await app.counts();
    expect(services).toBe(12);
    await expect(page.getByTestId('focus')).toBeDisabled();
    await app.select('svc:default/frontend');
    // 1 hop of a Service: its endpoints (the frontend pod, with group and node)
    // and its caller (the load generator, with its pod).
    await page.getByTestId('focus').focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('focus-crumb')).toHaveText('default/frontend · 1 hop');
    await expect(shapes(page, 'svc:')).toHaveCount(1);
    await expect(app.shape('svc:default/frontend')).toBeVisible();
    await expect(shapes(page, 'pod:default/frontend-')).toHaveCount(1);
    await expect(shapes(page, 'pod:default/loadgenerator-')).toHaveCount(1);
    await expect(shapes(page, 'pod:')).toHaveCount(2);
    await app.screenshot(`focus-frontend-service-1-hop-${size.width}x${size.height}`);
    // 2 hops: through the frontend pod (with its workload group) to
    // frontend-external and to the seven Services the frontend calls.
    await page.getByTestId('focus-hops').selectOption('2');
    await expect(page.getByTestId('focus-crumb')).toHaveText('default/frontend · 2 hops');
    await expect(app.shape('svc:default/frontend-external')).toBeVisible();
    await expect(app.shape('svc:default/cartservice')).toBeVisible();
    await expect(shapes(page, 'svc:')).toHaveCount(9);
    await expect(app.shape('svc:default/emailservice')).toHaveCount(0);
    await app.screenshot(`focus-frontend-service-2-hops-${size.width}x${size.height}`);
    // The breadcrumb leads back to the whole picture.
    await page.getByTestId('focus-leave').focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('focus-crumb')).toHaveCount(0);
    await expect(shapes(page, 'svc:')).toHaveCount(12);
    await app.assertClean();
  });
}

test('focus on a workload: its callees, its Services, its pod and its node; a new input leaves the focus', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await page.locator('.graph .shape.workload-group[data-id$=":default/Deployment/frontend"]').first().click({ position: { x: 30, y: 6 } });
  await expect(page.getByTestId('details-title')).toHaveText('Deployment/frontend');
  await page.getByTestId('focus-hops').selectOption('1');
  await page.getByTestId('focus').click();
  await expect(page.getByTestId('focus-crumb')).toContainText('Deployment/frontend · 1 hop');
  await expect(shapes(page, 'svc:')).toHaveCount(9);
  await expect(shapes(page, 'pod:')).toHaveCount(1);
  await expect(shapes(page, 'node:')).toHaveCount(1);
  await expect(page.locator('.graph .shape.workload-group[data-id$=":default/Deployment/loadgenerator"]')).toHaveCount(0);
  await page.getByTestId('samples').selectOption('guestbook');
  await expect(app.shape('svc:default/redis-master')).toBeVisible();
  await expect(page.getByTestId('focus-crumb')).toHaveCount(0);
  await app.assertClean();
});

/** Opens the Gateway API sample at a viewport of `size`. */
async function openGatewaySample(page, size) {
  await page.setViewportSize(size);
  const app = new App(page);
  await app.openFresh();
  await page.getByTestId('samples').selectOption('gateway-canary');
  await expect(app.shape('gw:shop/web')).toBeVisible();
  return app;
}

/** Presses a key with the focus on the page, not in a field. */
async function pressOnGraph(page, key) {
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  await page.keyboard.press(key);
}

for (const size of [{ width: 1440, height: 900 }, { width: 1024, height: 768 }]) {
  test(`a selected Route: Focus shows its Gateway, listener and backends, and the arrow keys step between Routes (${size.width}x${size.height}) (issue #8)`, async ({ page }) => {
    const app = await openGatewaySample(page, size);
    const title = page.getByTestId('details-title');
    await page.getByTestId('search').fill('storefront');
    await page.getByTestId('search').press('Enter');
    await expect(title).toHaveText('HTTPRoute shop/storefront');
    // The arrow keys step from Route to Route, as from Service to Service.
    await pressOnGraph(page, 'ArrowRight');
    await expect(title).toHaveText('HTTPRoute legacy/old-shop');
    await pressOnGraph(page, 'ArrowLeft');
    await expect(title).toHaveText('HTTPRoute shop/storefront');
    // Focus, by keyboard: the Route's edges, its Gateway with the listener it
    // attached to, and its four backend Services; no pods, nothing else.
    await page.getByTestId('focus').focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('focus-crumb')).toHaveText('HTTPRoute/shop/storefront · 1 hop');
    await expect(shapes(page, 'gwl:')).toHaveCount(1);
    await expect.poll(() => shapes(page, 'svc:').evaluateAll((all) => all.map((s) => s.dataset.id).sort()))
      .toEqual(['svc:payments/payments', 'svc:shop/cart', 'svc:shop/cart-canary', 'svc:shop/frontend']);
    await expect(shapes(page, 'gw:')).toHaveCount(1);
    await expect(shapes(page, 'pod:')).toHaveCount(0);
    await expect(page.locator('.graph path.edge.gateway-route[data-from="gwl:shop/web/http"]')).toHaveCount(4);
    await app.screenshot(`focus-route-1-hop-${size.width}x${size.height}`);
    // Two hops go on to the backends' pods.
    await page.getByTestId('focus-hops').selectOption('2');
    await expect(shapes(page, 'pod:shop/cart-')).not.toHaveCount(0);
    await expect(app.shape('svc:legacy/old-frontend')).toHaveCount(0);
    await page.getByTestId('focus-hops').selectOption('1');
    await page.getByTestId('focus-leave').click();
    await expect(app.shape('svc:legacy/old-frontend')).toBeVisible();
    // A Gateway: its listener, and one hop on, the Services its Routes reach.
    await app.select('gw:shop/web');
    await expect(title).toHaveText('Gateway shop/web');
    await page.getByTestId('focus').click();
    await expect(page.getByTestId('focus-crumb')).toHaveText('shop/web · 1 hop');
    await expect(app.shape('gwl:shop/web/http')).toBeVisible();
    await expect(app.shape('svc:shop/cart-canary')).toBeVisible();
    await app.screenshot(`focus-gateway-1-hop-${size.width}x${size.height}`);
    await app.assertClean();
  });
}

const opacity = (locator) => locator.evaluate((element) => Number(getComputedStyle(element).opacity));

test('a Route or a Gateway in Focus keeps the Routes\' labels at full strength; the rest of the labels fade (issue #8)', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await page.getByTestId('samples').selectOption('gateway-canary');
  await expect(app.shape('gw:shop/web')).toBeVisible();
  const routeLabel = (text) => page.locator('.graph .edge-label', { hasText: text });
  const storefrontLabels = ['/cart · 90%', '/cart · 10%', '/pay'];
  // Selected, not yet in Focus: the Route's labels are lit, the refused Route's
  // label and the Services' port labels fade with their edges.
  await page.getByTestId('search').fill('storefront');
  await page.getByTestId('search').press('Enter');
  await expect(page.getByTestId('details-title')).toHaveText('HTTPRoute shop/storefront');
  for (const text of storefrontLabels) await expect.poll(() => opacity(routeLabel(text)), text).toBe(1);
  await expect.poll(() => opacity(routeLabel('✗ ol'))).toBeLessThan(0.5);
  await expect.poll(() => opacity(routeLabel(':80 → 8080').first())).toBeLessThan(0.5);
  // In Focus.
  await page.getByTestId('focus').click();
  await expect(page.getByTestId('focus-crumb')).toHaveText('HTTPRoute/shop/storefront · 1 hop');
  for (const text of storefrontLabels) await expect.poll(() => opacity(routeLabel(text)), text).toBe(1);
  await app.screenshot('focus-route-labels');
  await page.getByTestId('focus-leave').click();
  // A Gateway in Focus: its listener's Routes and the refused Route are its own.
  await app.select('gw:shop/web');
  await page.getByTestId('focus').click();
  await expect(page.getByTestId('focus-crumb')).toHaveText('shop/web · 1 hop');
  for (const text of [...storefrontLabels, '✗ old-shop']) {
    await expect.poll(() => opacity(routeLabel(text)), text).toBe(1);
  }
  await app.screenshot('focus-gateway-labels');
  await app.assertClean();
});

/** The middle of the graph area, and where on screen a text's anchor point is. */
const graphMiddle = (page) => page.locator('.graph').evaluate((graph) => {
  const box = graph.getBoundingClientRect();
  return { x: box.left + box.width / 2, y: box.top + box.height / 2 };
});
const anchorOnScreen = (locator) => locator.evaluate((text) => {
  const matrix = text.getScreenCTM();
  const x = Number(text.getAttribute('x'));
  const y = Number(text.getAttribute('y'));
  return { x: x * matrix.a + y * matrix.c + matrix.e, y: x * matrix.b + y * matrix.d + matrix.f };
});

for (const size of [{ width: 1440, height: 900 }, { width: 1024, height: 768 }]) {
  test(`an arrow step onto a Route centres the view on it, as on a box (${size.width}x${size.height}) (issue #8)`, async ({ page }) => {
    const app = await openGatewaySample(page, size);
    const title = page.getByTestId('details-title');
    await app.select('svc:shop/cart');
    await pressOnGraph(page, 'f');
    for (let i = 0; i < 3; i += 1) await page.getByRole('button', { name: 'Zoom in' }).click();
    const near = async (locator) => {
      const [middle, at] = [await graphMiddle(page), await anchorOnScreen(locator)];
      return Math.hypot(middle.x - at.x, middle.y - at.y);
    };
    // The refused Route's label, whole or cut to its room at the zoom (§13.2).
    const oldShop = page.locator('.graph .edge-label', { hasText: '✗ ol' });
    expect(await near(oldShop)).toBeGreaterThan(60);
    // Search selects the storefront Route and centres on the middle of its labels.
    await page.getByTestId('search').fill('storefront');
    await page.getByTestId('search').press('Enter');
    await expect(title).toHaveText('HTTPRoute shop/storefront');
    const storefrontMiddle = async () => {
      const points = [];
      for (const text of await page.locator('.graph .edge-label.route').all()) {
        // Not the refused Route's label.
        if (!(await text.textContent()).startsWith('✗')) points.push(await anchorOnScreen(text));
      }
      const middle = await graphMiddle(page);
      const x = points.reduce((sum, p) => sum + p.x, 0) / points.length;
      const y = points.reduce((sum, p) => sum + p.y, 0) / points.length;
      return Math.hypot(middle.x - x, middle.y - y);
    };
    await expect.poll(storefrontMiddle).toBeLessThan(2);
    // The arrow key steps to the refused Route and centres on its label.
    await pressOnGraph(page, 'ArrowRight');
    await expect(title).toHaveText('HTTPRoute legacy/old-shop');
    await expect.poll(() => near(oldShop)).toBeLessThan(2);
    await app.screenshot(`route-step-centred-${size.width}x${size.height}`);
    // And back: the storefront Route's middle.
    await pressOnGraph(page, 'ArrowLeft');
    await expect(title).toHaveText('HTTPRoute shop/storefront');
    await expect.poll(storefrontMiddle).toBeLessThan(2);
    expect(await near(oldShop)).toBeGreaterThan(60);
    await app.assertClean();
  });
}
