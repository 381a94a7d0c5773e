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
  // The drop and reject markers and a Service without endpoints have entries too.
  await expect(page.locator('.legend')).toContainText('Traffic dropped here, with its reason');
  await expect(page.locator('.legend')).toContainText('Traffic rejected here');
  await expect(page.locator('.legend')).toContainText('Service with no endpoints');
  await expectSwatchesBesideTheirText(page);
  await app.screenshot('edges-legend');
  await app.assertClean();
});

/** Each swatch of the open legend stands in its own row, beside its text: none is
 * drawn off its place onto another entry (the editor gutter's `.marker` rule once
 * moved the drop marker's swatch onto the next row). */
async function expectSwatchesBesideTheirText(page) {
  const rows = await page.locator('.legend dl dt').evaluateAll((dts) => dts.map((dt) => {
    const swatch = dt.querySelector('.swatch').getBoundingClientRect();
    const text = dt.nextElementSibling.getBoundingClientRect();
    return { entry: dt.nextElementSibling.textContent, swatchMiddle: swatch.top + swatch.height / 2, top: text.top, bottom: text.bottom, drawn: swatch.width > 0 };
  }));
  expect(rows.length).toBeGreaterThan(20);
  for (const row of rows) {
    expect(row.drawn, row.entry).toBe(true);
    expect(row.swatchMiddle, row.entry).toBeGreaterThanOrEqual(row.top);
    expect(row.swatchMiddle, row.entry).toBeLessThanOrEqual(row.bottom);
  }
}

// At 1024x768 the open legend is taller than the graph: it stays inside the graph
// (its list scrolls), so its button is not pushed under the toolbar.
test('the open legend fits in the graph at 1024x768, each swatch beside its entry', async ({ page }) => {
  await page.setViewportSize({ width: 1024, height: 768 });
  const app = new App(page);
  await app.openFresh();
  await page.getByTestId('legend-toggle').click();
  const legend = await page.locator('.legend').boundingBox();
  const graph = await page.locator('.legend').evaluate((l) => { const b = l.offsetParent.getBoundingClientRect(); return { y: b.top, height: b.height }; });
  expect(legend.y).toBeGreaterThanOrEqual(graph.y);
  expect(legend.y + legend.height).toBeLessThanOrEqual(graph.y + graph.height);
  await expect(page.getByTestId('legend-toggle')).toBeInViewport({ ratio: 1 });
  await page.locator('.legend dl').evaluate((list) => list.closest('.legend').scrollTo(0, 10_000));
  await expect(page.locator('.legend dd').last()).toBeInViewport();
  await expectSwatchesBesideTheirText(page);
  await app.screenshot('edges-legend-1024x768');
  await app.assertClean();
});

// Issue 10, points 4 and 8: every edge's tooltip without a pointer (§13.13). With
// a Service selected from the keyboard, `e` and Shift+E step through its edges:
// each is outlined, its tooltip stands halfway along it and is read aloud, and Esc
// takes them away before it clears the selection.
for (const [width, height] of [[1440, 900], [1024, 768]]) {
  test(`keyboard: e and E read the selection's edges, each with its tooltip, at ${width}x${height}`, async ({ page }) => {
    await page.setViewportSize({ width, height });
    const app = new App(page);
    await app.openFresh();
    await page.locator('.graph').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('/');
    await page.keyboard.type('cartservice');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('details-title')).toContainText('cartservice');
    await page.getByTestId('search').blur();
    const id = 'svc:default/cartservice';
    const ofSelection = page.locator(`.graph path.edge[data-from="${id}"], .graph path.edge[data-to="${id}"]`);
    const n = await ofSelection.count();
    expect(n).toBeGreaterThanOrEqual(2);
    const tooltip = page.getByTestId('tooltip');
    const spoken = page.locator('.graph .sr-only[aria-live="polite"]');
    const outlined = page.locator('.graph path.edge.kbd');

    await page.keyboard.press('e');
    await expect(tooltip).toContainText(`Edge 1 of ${n}: `);
    await expect(outlined).toHaveCount(1);
    const first = await outlined.evaluate((path) => `${path.dataset.from} ${path.dataset.to}`);
    expect(first).toContain(id);
    // The tooltip text is the edge's own, and it is what screen readers get.
    await expect(spoken).toHaveText(await tooltip.innerText());
    // Halfway along the outlined edge, in view, and the tooltip beside it.
    const middle = await outlined.evaluate((path) => {
      const at = path.getPointAtLength(path.getTotalLength() / 2);
      const m = path.getScreenCTM();
      return { x: at.x * m.a + at.y * m.c + m.e, y: at.x * m.b + at.y * m.d + m.f };
    });
    const graph = await page.locator('.graph').boundingBox();
    expect(middle.x).toBeGreaterThan(graph.x);
    expect(middle.x).toBeLessThan(graph.x + graph.width);
    expect(middle.y).toBeGreaterThan(graph.y);
    expect(middle.y).toBeLessThan(graph.y + graph.height);
    const tip = await tooltip.boundingBox();
    // 14 px right of the point, unless that would push it past the graph's right edge.
    expect(Math.abs(tip.x - Math.min(middle.x + 14, graph.x + graph.width - 380))).toBeLessThan(8);
    expect(Math.min(Math.abs(tip.y - middle.y), Math.abs(tip.y + tip.height - middle.y))).toBeLessThan(24);
    await expect(outlined).toHaveCSS('stroke-width', '3.5px');
    await app.screenshot(`edges-keyboard-${width}x${height}`);

    await page.keyboard.press('e');
    await expect(tooltip).toContainText(`Edge 2 of ${n}: `);
    await expect(outlined).toHaveCount(1);
    expect(await outlined.evaluate((path) => `${path.dataset.from} ${path.dataset.to}`)).not.toBe(first);
    await page.keyboard.press('Shift+E');
    await expect(tooltip).toContainText(`Edge 1 of ${n}: `);
    expect(await outlined.evaluate((path) => `${path.dataset.from} ${path.dataset.to}`)).toBe(first);
    await page.keyboard.press('Shift+E');
    await expect(tooltip).toContainText(`Edge ${n} of ${n}: `);

    // Esc: the edge first, then the selection.
    await page.keyboard.press('Escape');
    await expect(tooltip).toHaveCount(0);
    await expect(outlined).toHaveCount(0);
    await expect(page.getByTestId('details-title')).toContainText('cartservice');
    // Another selection takes the outline and the tooltip away.
    await page.keyboard.press('e');
    await expect(outlined).toHaveCount(1);
    await page.keyboard.press('ArrowDown');
    await expect(page.getByTestId('details-title')).not.toContainText('cartservice');
    await expect(outlined).toHaveCount(0);
    await expect(tooltip).toHaveCount(0);
    await app.assertClean();
  });
}
