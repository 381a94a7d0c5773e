import { test, expect } from '@playwright/test';
import { App } from './app.page.mjs';
import { synthetic } from './synthetic.mjs';

// No text below 9 screen pixels (issue #9, "Level of detail"; issue #8;
// docs/semantics.md §13.2): after Fit, at 1024x768 and 1440x900, every <text> the
// picture draws is at least 9 px on screen, or not drawn, and none crosses the
// border of its box, nor an edge label the border of a box it is not in. Titles are
// cut to their box at the zoom they are drawn at, not shorter; a Service box with
// room for a few characters at 9 px shows its title. What is not drawn is in the
// hover text and the details.

// Each picture: the sample (or a generated cluster), and the title of a shape whose
// hover text says it in full. Fitted, the packed cluster is below the zoom of tiles
// (0.35), which only the canvas draws: it is zoomed in until the SVG draws it.
const PICTURES = [
  ['demo', null, 'svc:default/productcatalogservice', 'Service default/productcatalogservice'],
  ['gateway', 'gateway-canary', 'gwl:shop/web/http', 'Listener http of shop/web: HTTP on port 80'],
  ['policies', 'policies', 'svc:default/recommendationservice', 'Service default/recommendationservice'],
  ['packed', 'packed', 'svc:team-000/app-00000', 'Service team-000/app-00000'],
];
const SIZES = [[1024, 768], [1440, 900]];

const open = async (page, sample) => {
  const app = new App(page);
  await app.openFresh();
  if (sample === 'policies') {
    // Online Boutique with its policies drawn: Fit takes their lanes in too.
    await page.getByTestId('show-policies').check();
    await expect(page.locator('.trace-layer .policy-edge.allowed')).not.toHaveCount(0);
  } else if (sample === 'packed') {
    // A generated cluster, packed into columns.
    await app.paste(synthetic(60, 4, 8, 6));
    await expect(app.graph).toHaveAttribute('data-pods', '240', { timeout: 30_000 });
  } else if (sample) {
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

/** The screen width `text` takes at `px` in a title's font. */
const widthOf = (page, text, px) => page.locator('.graph svg').first().evaluate((svg, [text, px]) => {
  const probe = document.createElementNS('http://www.w3.org/2000/svg', 'text');
  probe.setAttribute('class', 'label');
  probe.style.fontSize = `${px}px`;
  probe.textContent = text;
  svg.appendChild(probe);
  const width = probe.getComputedTextLength();
  probe.remove();
  return width;
}, [text, px]);

/** A title's whole text, from its shape's id: a Service, node or namespace's name. */
const nameOf = (id) => (/^(svc|node|ns):/.test(id) ? id.split(':')[1].split('/').pop() : null);

for (const [width, height] of SIZES) {
  for (const [name, sample, cutId, cutHover] of PICTURES) {
    test(`after Fit at ${width}x${height} every text of the ${name} picture is at least 9 px, inside its box, and cut no shorter than its room`, async ({ page }) => {
      await page.setViewportSize({ width, height });
      const app = await open(page, sample);
      await page.getByTestId('fit').click();
      await expect.poll(() => zoom(page)).toBeLessThan(1);
      for (let i = 0; i < 6 && (await app.graph.getAttribute('data-large')) === 'true'; i += 1) {
        const before = await zoom(page);
        await page.getByRole('button', { name: 'Zoom in' }).click();
        await expect.poll(() => zoom(page)).toBeGreaterThan(before);
      }
      await expect(app.graph).toHaveAttribute('data-large', 'false');
      await page.waitForTimeout(300);
      const k = await zoom(page);
      await app.screenshot(`text-size-fit-${name}-${width}x${height}`);
      const all = await texts(page);
      const drawn = all.filter((t) => t.drawn);
      const small = drawn.filter((t) => t.px < 8.99).map((t) => `${t.class} "${t.text}" ${t.px.toFixed(2)} px`);
      expect(small, `texts below 9 px at zoom ${k}`).toEqual([]);
      const crossed = await crossings(page);
      expect(crossed.found, `texts across a border at zoom ${k}`).toEqual([]);
      console.log(`${name} ${width}x${height}: zoom ${k}, ${drawn.length} of ${all.length} texts drawn`);
      // A title is cut only when its whole name does not fit its box at the size it
      // is drawn (the engine's estimate is a little wider than the browser's font:
      // a name that takes under 90% of the room must not be cut).
      for (const t of drawn.filter((t) => t.class === 'label' && t.text.endsWith('…'))) {
        const whole = nameOf(t.shape);
        if (!whole) continue;
        const room = t.rect.right - t.box.left - 14 * k;
        expect(await widthOf(page, whole, t.px), `${t.shape} "${t.text}" at zoom ${k}`).toBeGreaterThan(0.9 * room);
      }
      // A Service box with room for a few characters at 9 px shows its title.
      const services = all.filter((t) => t.class === 'label' && t.shape.startsWith('svc:'));
      expect(services.length).toBeGreaterThan(0);
      for (const t of services.filter((t) => t.rect.right - t.rect.left >= 60 && t.rect.bottom - t.rect.top >= 14)) {
        expect(t.drawn && t.text.length >= 3, `${t.shape} at zoom ${k}: "${t.text}"`).toBe(true);
      }
      // What is cut or not drawn is in the hover text: the shape named above, or
      // in the packed cluster, zoomed in, the first titled shape in view.
      const graphBox = await page.getByTestId('graph').boundingBox();
      // A point of the shape's title in view.
      const pointIn = (t) => {
        const [x, y] = [Math.max(t.box.left, graphBox.x) + 3, (t.box.top + t.box.bottom) / 2];
        const inside = x < t.box.right && y > graphBox.y + 40 && x < graphBox.x + graphBox.width && y < graphBox.y + graphBox.height;
        return inside ? [x, y] : null;
      };
      const HOVER = { svc: 'Service ', node: 'Node ', ns: 'namespace ' };
      const titles = all.filter((t) => t.class === 'label' && t.drawn && HOVER[t.shape.split(':')[0]]);
      const target = titles.find((t) => t.shape === cutId && pointIn(t)) ?? titles.find((t) => pointIn(t));
      const [kind, key] = target.shape.split(/:(.*)/);
      const hover = target.shape === cutId ? cutHover : `${HOVER[kind]}${key}`;
      await page.mouse.move(...pointIn(target));
      await expect(page.getByTestId('tooltip')).toContainText(hover);
      await app.assertClean();
    });
  }
}

test('after Fit at 1024x768 the demo names its boxes in full, and its hidden address line is in the details', async ({ page }) => {
  await page.setViewportSize({ width: 1024, height: 768 });
  const app = await open(page, null);
  await page.getByTestId('fit').click();
  await expect.poll(() => zoom(page)).toBeLessThan(0.75);
  const all = await texts(page);
  // At about 0.70 a box's 9 px title has room for its whole name.
  const title = (id) => all.find((t) => t.shape === id && t.class === 'label');
  expect(title('ext:internet')?.text).toBe('External clients');
  expect(title('svc:default/productcatalogservice')?.text).toBe('productcatalogservice');
  const service = all.find((t) => !t.drawn && t.class === 'sublabel' && t.shape.startsWith('svc:'));
  expect(service, 'a Service whose sublabel is not drawn').toBeTruthy();
  await app.select(service.shape);
  const address = service.text.split(' · ')[1].split(' ')[0];
  await expect(app.details).toContainText(address);
  await app.assertClean();
});

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

// Edge labels that move (issue #9, "Direction and labels"; docs/semantics.md
// §13.2): in a packed cluster each port label's own point is in the narrow gap
// beside its island, with no room at 9 px below about 0.85; the SVG then moves
// the label to a spot further along its edge (the gutter before the nodes), where
// the engine placed it. Zoomed in to 1:1, every label is at its own point; zoomed
// out to about 0.6, the labels drawn are all elsewhere, apart, and across no box.
test('the SVG moves the port labels of a packed cluster along their edges where their own points have no room', async ({ page }) => {
  await page.setViewportSize({ width: 1024, height: 768 });
  const app = await open(page, 'packed');
  await page.getByTestId('fit').click();
  const zoomTo = async (wanted) => {
    for (let i = 0; i < 12 && (await zoom(page)) < wanted; i += 1) {
      const before = await zoom(page);
      await page.getByRole('button', { name: 'Zoom in' }).click();
      await expect.poll(() => zoom(page)).toBeGreaterThan(before);
    }
  };
  const labels = () => page.locator('.graph svg text.edge-label').evaluateAll((texts) => texts.map((text) => ({
    at: `${text.getAttribute('x')},${text.getAttribute('y')}`,
    text: text.textContent,
    box: text.getBoundingClientRect(),
  })));
  await zoomTo(1);
  await expect(app.graph).toHaveAttribute('data-large', 'false');
  const own = (await labels()).map((label) => label.at);
  expect((await labels()).filter((label) => label.text !== '').length).toBe(own.length);
  await page.getByTestId('fit').click();
  await zoomTo(0.55);
  const k = await zoom(page);
  expect(k).toBeLessThan(0.8);
  await page.waitForTimeout(300);
  await app.screenshot('text-size-svg-labels-moved-1024x768');
  const now = await labels();
  const drawn = now.map((label, n) => ({ ...label, own: own[n] })).filter((label) => label.text !== '');
  console.log(`packed SVG at zoom ${k}: ${drawn.length} of ${now.length} port labels drawn`);
  expect(drawn.length, `labels drawn at zoom ${k}`).toBeGreaterThan(0);
  for (const label of drawn) expect(label.at, `"${label.text}" moved off ${label.own}`).not.toBe(label.own);
  for (let i = 0; i < drawn.length; i += 1) {
    for (let j = 0; j < i; j += 1) {
      const [a, b] = [drawn[i].box, drawn[j].box];
      const apart = a.right <= b.left + 0.5 || b.right <= a.left + 0.5 || a.bottom <= b.top + 0.5 || b.bottom <= a.top + 0.5;
      expect(apart, `labels at ${drawn[i].at} and ${drawn[j].at}`).toBe(true);
    }
  }
  const crossed = await crossings(page);
  expect(crossed.found, `texts across a border at zoom ${k}`).toEqual([]);
  await app.assertClean();
});

// Edge labels on the canvas (issue #8; issue #9, "Direction and labels";
// docs/semantics.md §13.2): a packed cluster too large for the SVG is drawn on the
// canvas, which writes its port labels as the engine placed them: none below 9 px,
// none over another, none zoomed out below 0.45. A label whose own point has no
// room, or is taken, moves along its edge to a spot that has (a gutter further
// along), so the canvas draws labels where the rule that hid them drew none. The
// canvas reports the box of each label it drew (`data-label-boxes`: x,y,w,h in
// pixels, the size in tenths, and 1 if it moved off its own point).
const labelBoxes = async (page) => {
  const value = (await page.getByTestId('scene-canvas').getAttribute('data-label-boxes')) ?? '';
  return value.split(';').filter(Boolean).map((box) => {
    const [x, y, w, h, tenths, moved] = box.split(',').map(Number);
    return { x, y, w, h, px: tenths / 10, moved: moved === 1 };
  });
};

for (const [width, height] of SIZES) {
  test(`at ${width}x${height} the canvas draws the port labels of a packed cluster, at least 9 px and apart, at every readable zoom`, async ({ page }) => {
    await page.setViewportSize({ width, height });
    const app = new App(page);
    await app.openFresh();
    await app.paste(synthetic(700, 3, 12, 6));
    await expect(app.graph).toHaveAttribute('data-pods', '2100', { timeout: 30_000 });
    await expect(app.graph).toHaveAttribute('data-large', 'true');
    // The search zooms to a Service; Esc then clears the selection, so nothing fades.
    const search = page.getByTestId('search');
    await search.fill('app-00350');
    await search.press('Enter');
    await expect.poll(() => zoom(page)).toBeGreaterThan(1);
    await search.press('Escape');
    await page.evaluate(() => document.activeElement && document.activeElement.blur());
    await page.keyboard.press('Escape');
    await expect(page.locator('.graph.has-focus')).toHaveCount(0);
    // Port labels start at the island's right border: pan right until some show.
    const labelCount = async () => Number(await page.getByTestId('scene-canvas').getAttribute('data-labels'));
    const box = await page.getByTestId('graph').boundingBox();
    const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
    while ((await zoom(page)) > 1.2) {
      const k = await zoom(page);
      await page.keyboard.press('-');
      await expect.poll(() => zoom(page)).toBeLessThan(k);
    }
    for (let i = 0; i < 30 && (await labelCount()) === 0; i += 1) {
      await page.mouse.move(cx + 150, cy);
      await page.mouse.down();
      await page.mouse.move(cx - 150, cy, { steps: 5 });
      await page.mouse.up();
      await page.waitForTimeout(100);
    }
    // Centred on the labels, which the zoom keeps in view.
    const first = (await labelBoxes(page))[0];
    const canvasBox = await page.getByTestId('scene-canvas').boundingBox();
    await page.mouse.move(canvasBox.x + first.x + 10, canvasBox.y + first.y - 40);
    await page.mouse.down();
    await page.mouse.move(cx, cy - 40, { steps: 5 });
    await page.mouse.up();
    await page.keyboard.press('Escape');
    // The drags select the toolbar's text; clear it for the screenshots.
    await page.evaluate(() => getSelection().removeAllRanges());
    const seen = [];
    for (let step = 0; step < 12; step += 1) {
      const k = await zoom(page);
      // The canvas draws a frame per change of the view, and writes both at once.
      await page.waitForTimeout(150);
      const boxes = await labelBoxes(page);
      expect(await labelCount()).toBe(boxes.length);
      // Labels at their own points are those the rule that hid a label in the
      // way drew (the engine places them first, by that rule); the others moved.
      seen.push([k, boxes.length, boxes.filter((box) => box.moved).length]);
      if (step === 0) await app.screenshot(`text-size-canvas-labels-near-${width}x${height}`);
      if (k < 0.45) {
        expect(boxes, `labels at zoom ${k}`).toEqual([]);
        break;
      }
      for (const box of boxes) expect(box.px, `label size at zoom ${k}`).toBeGreaterThanOrEqual(9);
      // Apart: boxes are rounded to whole pixels, so a pixel of contact is allowed.
      for (let i = 0; i < boxes.length; i += 1) {
        for (let j = 0; j < i; j += 1) {
          const [a, b] = [boxes[i], boxes[j]];
          const apart = a.x + a.w <= b.x + 1 || b.x + b.w <= a.x + 1 || a.y + a.h <= b.y + 1 || b.y + b.h <= a.y + 1;
          expect(apart, `labels ${JSON.stringify(a)} and ${JSON.stringify(b)} at zoom ${k}`).toBe(true);
        }
      }
      if (step === 2) await app.screenshot(`text-size-canvas-labels-${width}x${height}`);
      await page.keyboard.press('-');
      await expect.poll(() => zoom(page)).toBeLessThan(k);
    }
    console.log(`canvas labels ${width}x${height}: ${seen.map(([k, n, moved]) => `${n} (${moved} moved) at ${k}`).join(', ')}`);
    expect(seen.at(-1)[0]).toBeLessThan(0.45);
    // Labels were drawn at the readable zooms, and more of them than at their
    // own points only: some moved along their edges rather than being hidden.
    expect(seen.filter(([k, n]) => k >= 0.45 && n > 0).length).toBeGreaterThan(1);
    expect(seen.reduce((sum, [, , moved]) => sum + moved, 0)).toBeGreaterThan(0);
    await app.assertClean();
  });
}
