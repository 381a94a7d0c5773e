import { test, expect } from '@playwright/test';
import { App } from './app.page.mjs';

// Issue 10, point 4: edges that say something. Arrowheads on every edge (markers
// defined once), port labels, a tooltip on hover, and a legend that matches.
test('edges carry arrowheads, port labels and tooltips, and the legend explains them', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  const edges = page.locator('.graph path.edge');
  const n_edges = await edges.count();
  expect(n_edges).toBeGreaterThan(20);
  await expect(page.locator('.graph path.edge[marker-end^="url(#kt-arrow"]')).toHaveCount(n_edges);
  // Each marker once; the dependency arrowhead is drawn in the dependency colour.
  await expect(page.locator('.graph marker')).toHaveCount(5);
  await expect(page.locator('.graph marker#kt-arrow-dependency path')).toHaveCSS('fill', 'rgb(13, 148, 136)');
  await expect(page.locator('.graph .edge.dependency').first()).toHaveCSS('stroke', 'rgb(13, 148, 136)');
  // frontend: port 80 to targetPort 8080, written once beside the Service.
  await expect(page.locator('.graph .edge-label', { hasText: ':80 → 8080' })).toHaveCount(2);
  // Hovering an edge shows its tooltip.
  const edge = page.locator('.graph path.edge.dependency').first();
  const box = await edge.boundingBox();
  const point = await edge.evaluate((path) => {
    const at = path.getPointAtLength(path.getTotalLength() * 0.25);
    const matrix = path.getScreenCTM();
    return { x: at.x * matrix.a + at.y * matrix.c + matrix.e, y: at.x * matrix.b + at.y * matrix.d + matrix.f };
  });
  expect(box).not.toBeNull();
  await page.mouse.move(point.x, point.y);
  await expect(page.getByTestId('tooltip')).toContainText('→');
  await page.getByTestId('legend-toggle').click();
  await expect(page.locator('.legend')).toContainText('Ingress or Gateway route, labelled with its match and weight');
  await expect(page.locator('.legend')).toContainText('Inferred dependency: workload → Service');
  await app.screenshot('edges-legend');
  await app.assertClean();
});
