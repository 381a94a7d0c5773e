import { test, expect } from '@playwright/test';
import { App } from './app.page.mjs';

// No text below 9 screen pixels (issue #9, "Level of detail"; issue #8;
// docs/semantics.md §13.2): after Fit at 1024x768, every <text> the picture draws
// is at least 9 px on screen, or not drawn; what is not drawn is in the hover text
// and the details. On the Gateway sample no text crosses the border of its box,
// nor an edge label the border of a box it is not in, after Fit and at 1:1.

// Each sample, and a shape whose title a compact drawing cuts, with what its hover
// text says in full.
const SAMPLES = [
  ['demo', null, 'svc:default/productcatalogservice', 'Service default/productcatalogservice'],
  ['gateway', 'gateway-canary', 'gwl:shop/web/http', 'Listener http of shop/web: HTTP on port 80'],
  ['boutique', 'boutique', 'svc:default/recommendationservice', 'Service default/recommendationservice'],
];

const open = async (page, sample) => {
  const app = new App(page);
  await app.openFresh();
  if (sample) {
    const before = await app.version();
    await page.getByTestId('samples').selectOption(sample);
    await expect.poll(() => app.version()).toBeGreaterThan(before);
    await app.waitForGraph();
  }
  return app;
};

/** The zoom the app drew at, from the graph's `--k`. */
const zoom = async (page) => Number((await page.getByTestId('graph').getAttribute('style')).match(/--k:([0-9.]+)/)[1]);

/** Every text the picture draws: its words, on-screen font size, box, and whether it is drawn at all. */
const texts = (page) => page.locator('.graph svg').first().evaluate((svg) => [...svg.querySelectorAll('text')].map((text) => {
  const style = getComputedStyle(text);
  const matrix = text.getScreenCTM();
  const box = text.getBoundingClientRect();
  const drawn = text.checkVisibility({ visibilityProperty: true, opacityProperty: true }) && box.width > 0 && text.textContent.trim() !== '';
  const shape = text.closest('.shape');
  const rect = shape && shape.querySelector(':scope > rect').getBoundingClientRect();
  return {
    text: text.textContent,
    class: text.getAttribute('class'),
    shape: shape && shape.dataset.id,
    drawn,
    px: parseFloat(style.fontSize) * Math.hypot(matrix.b, matrix.d),
    box: { left: box.left, right: box.right, top: box.top, bottom: box.bottom },
    rect: rect && { left: rect.left, right: rect.right, top: rect.top, bottom: rect.bottom },
  };
}));

for (const [name, sample, cutId, cutHover] of SAMPLES) {
  test(`after Fit at 1024x768 every text of the ${name} picture is at least 9 px on screen, or not drawn`, async ({ page }) => {
    await page.setViewportSize({ width: 1024, height: 768 });
    const app = await open(page, sample);
    await page.getByTestId('fit').click();
    await expect.poll(() => zoom(page)).toBeLessThan(0.9);
    await app.screenshot(`text-size-fit-${name}-1024x768`);
    const all = await texts(page);
    const drawn = all.filter((t) => t.drawn);
    const small = drawn.filter((t) => t.px < 8.99).map((t) => `${t.class} "${t.text}" ${t.px.toFixed(2)} px`);
    expect(small, `texts below 9 px at zoom ${await zoom(page)}`).toEqual([]);
    console.log(`${name}: zoom ${await zoom(page)}, ${drawn.length} of ${all.length} texts drawn`);
    // What is not drawn is still reachable: a title cut short is whole in its hover
    // text, and a Service's hidden type and address line is in its details.
    const cut = app.shape(cutId);
    await expect(cut.locator('text.label .more')).toBeVisible();
    await expect(cut.locator('text.label .rest')).toBeHidden();
    await cut.hover({ position: { x: 4, y: 4 } });
    await expect(page.getByTestId('tooltip')).toContainText(cutHover);
    const service = all.find((t) => !t.drawn && t.class === 'sublabel' && t.shape.startsWith('svc:'));
    expect(service, 'a Service whose sublabel is not drawn').toBeTruthy();
    await app.select(service.shape);
    const address = service.text.split(' · ')[1].split(' ')[0];
    await expect(app.details).toContainText(address);
    await app.assertClean();
  });
}

/** Texts that cross a border: a shape's text out of its box, an edge label across a box's edge. */
const crossings = async (page) => {
  const all = (await texts(page)).filter((t) => t.drawn);
  const rects = await page.locator('.graph svg .shape').evaluateAll((shapes) => shapes.map((shape) => {
    const r = shape.querySelector(':scope > rect').getBoundingClientRect();
    return { id: shape.dataset.id, left: r.left, right: r.right, top: r.top, bottom: r.bottom };
  }));
  const inside = (b, r) => b.left >= r.left - 0.5 && b.right <= r.right + 0.5 && b.top >= r.top - 0.5 && b.bottom <= r.bottom + 0.5;
  const apart = (b, r) => b.right <= r.left + 0.5 || b.left >= r.right - 0.5 || b.bottom <= r.top + 0.5 || b.top >= r.bottom - 0.5;
  const found = [];
  for (const t of all) {
    if (t.shape) {
      if (!inside(t.box, t.rect)) found.push(`"${t.text}" out of ${t.shape}`);
    } else {
      for (const r of rects) {
        if (!inside(t.box, r) && !apart(t.box, r)) found.push(`"${t.text}" across ${r.id}`);
      }
    }
  }
  return { found, n: all.length };
};

test('on the Gateway sample no text crosses a border, after Fit and at 1:1', async ({ page }) => {
  await page.setViewportSize({ width: 1024, height: 768 });
  const app = await open(page, 'gateway-canary');
  await page.getByTestId('fit').click();
  await expect.poll(() => zoom(page)).toBeLessThan(0.9);
  await app.screenshot('text-borders-gateway-fit');
  const fitted = await crossings(page);
  expect(fitted.n).toBeGreaterThan(5);
  expect(fitted.found, 'after Fit').toEqual([]);
  // Zoom in to 1:1 or just above (the buttons step by 1.25).
  for (let i = 0; i < 8 && (await zoom(page)) < 1; i += 1) {
    const before = await zoom(page);
    await page.getByRole('button', { name: 'Zoom in' }).click();
    await expect.poll(() => zoom(page)).toBeGreaterThan(before);
  }
  expect(await zoom(page)).toBeGreaterThanOrEqual(1);
  expect(await zoom(page)).toBeLessThan(1.25);
  // Bring the Gateway into view, for the screenshot.
  const gateway = await app.shape('gw:shop/web').locator('rect').first().boundingBox();
  const graph = await page.getByTestId('graph').boundingBox();
  await page.mouse.move(graph.x + 40, graph.y + graph.height - 60);
  await page.mouse.down();
  await page.mouse.move(graph.x + 40 + (graph.x + 60 - gateway.x), graph.y + graph.height - 60 + (graph.y + 80 - gateway.y), { steps: 5 });
  await page.mouse.up();
  await app.screenshot('text-borders-gateway-1to1');
  const near = await crossings(page);
  expect(near.n).toBeGreaterThan(fitted.n - 1);
  expect(near.found, 'at 1:1').toEqual([]);
  await app.assertClean();
});
