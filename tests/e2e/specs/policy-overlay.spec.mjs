// NetworkPolicies on the picture (issue #10, point 3): the overlay draws the
// engine's allowed and denied workload pairs as edges with their ports, a selected
// policy draws only its own, and a shield tells isolated workloads from the others.
import { test, expect } from '@playwright/test';
import { App } from './app.page.mjs';

const edges = (page, kind) => page.locator(`.trace-layer .policy-edge.${kind}`);
/** `from → to` of the allowed edges, by workload name (`internet` outside). */
const allowedPairs = (page) => edges(page, 'allowed').evaluateAll((gs) => gs.map((g) => `${g.dataset.from.split('/').pop()} → ${g.dataset.to.split('/').pop()}`).sort());
const CALL_GRAPH = ['loadgenerator → frontend', 'frontend → adservice', 'frontend → cartservice', 'frontend → checkoutservice',
  'frontend → currencyservice', 'frontend → productcatalogservice', 'frontend → recommendationservice', 'frontend → shippingservice',
  'checkoutservice → cartservice', 'checkoutservice → currencyservice', 'checkoutservice → emailservice', 'checkoutservice → paymentservice',
  'checkoutservice → productcatalogservice', 'checkoutservice → shippingservice', 'recommendationservice → productcatalogservice', 'cartservice → redis-cart'];
const INTO_FRONTEND = ['adservice', 'cartservice', 'checkoutservice', 'currencyservice', 'emailservice', 'paymentservice',
  'productcatalogservice', 'recommendationservice', 'redis-cart', 'shippingservice', 'ext:internet'].map((w) => `${w} → frontend`);
// The call graph, and everything into frontend (its policy allows every source).
const EXPECTED_ALLOWED = [...new Set([...CALL_GRAPH, ...INTO_FRONTEND])].sort();
const shields = (page) => page.getByTestId('trace-layer').getByTestId('policy-shield');

test('the policy overlay draws allowed and denied pairs per port, and shields', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await page.getByTestId('play').click();
  await expect(edges(page, 'allowed')).toHaveCount(0);
  await page.getByTestId('show-policies').check();
  // Online Boutique's call graph, and everything into frontend: the engine's policy graph.
  await expect(edges(page, 'allowed')).not.toHaveCount(0);
  expect(await allowedPairs(page)).toEqual(EXPECTED_ALLOWED);
  const cart = page.locator('.trace-layer .policy-edge.allowed[data-from$=":default/Deployment/frontend"][data-to$=":default/Deployment/cartservice"]');
  await expect(cart).toHaveAttribute('data-ports', ':7070');
  await expect(cart.locator('text')).toHaveText(':7070');
  const denied = page.locator('.trace-layer .policy-edge.denied[data-from$=":default/Deployment/loadgenerator"][data-to$=":default/Deployment/cartservice"]');
  await expect(denied).toHaveCount(1);
  await expect(denied.locator('path.cross')).toHaveCount(1);
  expect(await denied.locator('line').evaluate((l) => getComputedStyle(l).strokeDasharray)).not.toBe('none');
  // deny-all selects every pod: every workload's shield is closed.
  await expect(shields(page)).toHaveCount(12);
  await expect(page.locator('.trace-layer .shield.isolated')).toHaveCount(12);
  await page.getByTestId('legend-toggle').click();
  await expect(page.locator('.legend')).toContainText('Not selected by any policy');
  await app.screenshot('policy-overlay-cluster');
  await page.getByTestId('legend-toggle').click();
  // The logical view: the same pairs between workload boxes.
  await page.getByTestId('view-logical').click();
  await expect(page.locator('.trace-layer .policy-edge.allowed[data-from="wl:default/Deployment/frontend"][data-to="wl:default/Deployment/cartservice"]')).toHaveCount(1);
  expect(await allowedPairs(page)).toEqual(EXPECTED_ALLOWED);
  await app.screenshot('policy-overlay-logical');
  await page.getByTestId('show-policies').uncheck();
  await expect(edges(page, 'allowed')).toHaveCount(0);
  await app.assertClean();
});

test('selecting a policy draws only its connections; a workload no policy selects gets an open shield', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await page.getByTestId('play').click();
  const policies = page.getByTestId('policies');
  await policies.locator('[data-policy="default/cartservice"] button.link').click();
  // Without the switch, a selected policy is drawn on its own.
  await expect(edges(page, 'allowed')).toHaveCount(4);
  expect(await allowedPairs(page)).toEqual(['cartservice → frontend', 'cartservice → redis-cart', 'checkoutservice → cartservice', 'frontend → cartservice']);
  const denied = await edges(page, 'denied').evaluateAll((gs) => gs.map((g) => g.dataset.to.split('/').pop()));
  expect(denied.length).toBeGreaterThan(0);
  expect(new Set(denied)).toEqual(new Set(['cartservice']));
  await app.screenshot('policy-overlay-selected');
  await policies.locator('[data-policy="default/cartservice"] button.link').click();
  await expect(edges(page, 'allowed')).toHaveCount(0);
  // Disable deny-all and redis-cart's own policy: redis-cart is no longer isolated.
  await page.getByTestId('show-policies').check();
  await page.getByRole('button', { name: 'Disable policy default/deny-all' }).click();
  await page.getByRole('button', { name: 'Disable policy default/redis-cart' }).click();
  await expect(page.getByTestId('edits').getByTestId('edit')).toHaveCount(2);
  const redis = page.locator('.trace-layer .shield[data-shape$=":default/Deployment/redis-cart"]');
  await expect(redis).toHaveCount(1);
  await expect(redis).not.toHaveClass(/isolated/);
  await expect(page.locator('.trace-layer .shield.isolated')).toHaveCount(11);
  await app.screenshot('policy-overlay-open-shield');
  await app.assertClean();
});
