// NetworkPolicies on the picture (issue #10, point 3): the overlay draws the
// engine's allowed and denied workload pairs as edges with their ports, a selected
// policy draws only its own, and a shield tells isolated workloads from the others.
import { test, expect } from '@playwright/test';
import { App } from './app.page.mjs';
import { synthetic } from './synthetic.mjs';

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
/** The demo, freshly opened, with the policy overlay on and the picture fitted. */
async function openFittedWithPolicies(page) {
  const app = new App(page);
  await app.openFresh();
  await page.getByTestId('show-policies').check();
  await expect(edges(page, 'denied')).not.toHaveCount(0);
  await page.getByTestId('fit').click();
  return app;
}
const shields = (page) => page.getByTestId('trace-layer').getByTestId('policy-shield');
/** The index among `joins` of a counted mark that no later mark covers at its point, or -1. */
const topmostCountedJoin = (joins) => joins.evaluateAll((gs) => gs.findIndex((g) => {
  const hit = g.querySelector('circle.hit').getBoundingClientRect();
  const top = document.elementFromPoint(hit.x + hit.width / 2, hit.y + hit.height / 2);
  return g.querySelector('text.policy-count') && top?.closest('.policy-join') === g;
}));

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
  // Its arrowhead is the page's one marker for allowed edges, in their green.
  await expect(cart.locator('polyline')).toHaveAttribute('marker-end', 'url(#kt-allow)');
  await expect(page.locator('marker#kt-allow')).toHaveCount(1);
  await expect(page.locator('marker#kt-allow path')).toHaveCSS('fill', 'rgb(22, 163, 74)');
  await expect(page.locator('marker#kt-deny path')).toHaveCSS('fill', 'rgb(220, 38, 38)');
  // The ports into cartservice, allowed and denied, are written once.
  await expect(page.locator('.trace-layer .policy-label[data-to$=":default/Deployment/cartservice"]')).toHaveText([':7070']);
  const denied = page.locator('.trace-layer .policy-edge.denied[data-from$=":default/Deployment/loadgenerator"][data-to$=":default/Deployment/cartservice"]');
  await expect(denied).toHaveCount(1);
  expect(await denied.locator('polyline').evaluate((l) => getComputedStyle(l).strokeDasharray)).not.toBe('none');
  // It joins its lane at a cross, which lists it.
  const deniedJoin = page.locator('.trace-layer .policy-join.denied').filter({ has: page.locator('path.cross') })
    .and(page.locator('[data-tip*="loadgenerator → cartservice :7070/TCP · denied by policy"]'));
  await expect(deniedJoin).toHaveCount(1);
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

/** The screen boxes of the port labels, and of the allowed edges' runs. */
const drawnLabels = (page) => page.evaluate(() => [...document.querySelectorAll('.trace-layer .policy-label')].map((t) => {
  const box = t.getBoundingClientRect();
  return { text: t.textContent, x: box.x, y: box.y, right: box.right, bottom: box.bottom };
}));

for (const [width, height] of [[1440, 900], [1024, 768]]) {
  test(`at ${width}x${height} allowed and denied edges keep apart and every port label is readable`, async ({ page }) => {
    await page.setViewportSize({ width, height });
    const app = new App(page);
    await app.openFresh();
    await page.getByTestId('show-policies').check();
    await expect(edges(page, 'allowed')).not.toHaveCount(0);
    const area = await page.locator('.graph').boundingBox();
    await expect.poll(async () => (await drawnLabels(page)).every((l) => l.right <= area.x + area.width + 1)).toBe(true);
    const labels = await drawnLabels(page);
    // The ports into each destination, once: eleven workloads receive connections.
    expect(labels.length).toBe(11);
    for (const [i, a] of labels.entries()) {
      for (const b of labels.slice(i + 1)) {
        const overlap = a.x < b.right - 0.5 && b.x < a.right - 0.5 && a.y < b.bottom - 0.5 && b.y < a.bottom - 0.5;
        expect(overlap, `${a.text} overlaps ${b.text}`).toBe(false);
      }
    }
    // Allowed edges run in lanes too: horizontal and vertical runs, each joining
    // its lane at a dot, which the mark of its point draws once.
    const allowed = await edges(page, 'allowed').evaluateAll((gs) => gs.map((g) => ({
      points: g.querySelector('polyline').getAttribute('points').trim().split(/\s+/).map((p) => p.split(',').map(Number)),
    })));
    const dots = await page.locator('.trace-layer .policy-join.allowed').filter({ has: page.locator('circle.join') })
      .evaluateAll((gs) => gs.map((g) => g.getAttribute('transform').match(/-?[\d.]+/g).map(Number)));
    expect(new Set(dots.map((d) => d.join())).size).toBe(dots.length);
    for (const edge of allowed) {
      expect(dots.filter(([x, y]) => edge.points.some(([px, py]) => Math.abs(px - x) < 0.2 && Math.abs(py - y) < 0.2)).length).toBe(1);
      for (let i = 1; i < edge.points.length; i++) {
        const [[x1, y1], [x2, y2]] = [edge.points[i - 1], edge.points[i]];
        expect(Math.abs(x1 - x2) < 0.2 || Math.abs(y1 - y2) < 0.2).toBe(true);
      }
    }
    await app.screenshot(`policy-overlay-lanes-${width}`);
    await page.getByTestId('view-logical').click();
    await expect(page.locator('.trace-layer .policy-edge.allowed[data-from="wl:default/Deployment/frontend"]')).not.toHaveCount(0);
    await expect.poll(async () => (await drawnLabels(page)).every((l) => l.right <= area.x + area.width + 1)).toBe(true);
    const logical = await drawnLabels(page);
    for (const [i, a] of logical.entries()) {
      for (const b of logical.slice(i + 1)) {
        const overlap = a.x < b.right - 0.5 && b.x < a.right - 0.5 && a.y < b.bottom - 0.5 && b.y < a.bottom - 0.5;
        expect(overlap, `${a.text} overlaps ${b.text}`).toBe(false);
      }
    }
    await app.screenshot(`policy-overlay-lanes-logical-${width}`);
    await app.assertClean();
  });
}

test('denied edges run in one lane per destination right of its node box, inside the fitted view', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await page.getByTestId('play').click();
  await page.getByTestId('show-policies').check();
  await expect(edges(page, 'denied')).not.toHaveCount(0);
  const area = await page.locator('.graph').boundingBox();
  const measure = () => page.evaluate(() => {
    const layer = document.querySelector('.trace-layer').getBoundingClientRect();
    const nodes = Object.fromEntries([...document.querySelectorAll('.graph svg.scene .shape.node')]
      .map((g) => [g.dataset.id, g.querySelector('rect').getBoundingClientRect().right]));
    const denied = [...document.querySelectorAll('.trace-layer .policy-edge.denied')].map((g) => {
      const points = g.querySelector('polyline').getAttribute('points').trim().split(/\s+/).map((p) => p.split(',').map(Number));
      return { to: g.dataset.to, ports: g.dataset.ports, points, box: g.getBoundingClientRect() };
    });
    const crosses = [...document.querySelectorAll('.trace-layer .policy-join.denied')].map((g) => ({
      n: Number(g.dataset.edges), n_crosses: g.querySelectorAll('path.cross').length,
    }));
    return { layer: { x: layer.x, y: layer.y }, nodes, denied, crosses };
  });
  // The view fits again to take the lanes in.
  await expect.poll(async () => {
    const { denied } = await measure();
    return denied.every((d) => d.box.right <= area.x + area.width + 1 && d.box.left >= area.x - 1);
  }).toBe(true);
  const { layer, nodes, denied, crosses } = await measure();
  const laneOf = new Map();
  for (const edge of denied) {
    // Horizontal and vertical runs only.
    for (let i = 1; i < edge.points.length; i++) {
      const [[x1, y1], [x2, y2]] = [edge.points[i - 1], edge.points[i]];
      expect(Math.abs(x1 - x2) < 0.2 || Math.abs(y1 - y2) < 0.2).toBe(true);
    }
    // Into a workload group of a node's last (here only) column of groups, the
    // lane runs in the gutter right of the node's column and turns straight
    // into the group.
    const laneX = edge.points[edge.points.length - 2][0];
    expect(laneX + layer.x).toBeGreaterThan(nodes[`node:${edge.to.split(':')[1]}`]);
    const key = `${edge.to} ${edge.ports}`;
    if (!laneOf.has(key)) laneOf.set(key, laneX);
    expect(laneOf.get(key)).toBeCloseTo(laneX, 1);
  }
  // The lanes right of the last column keep to a gutter's width and bundle
  // (issue #10: the demo drew a wall of a dozen red lanes and a hundred crosses):
  // destinations share lanes, and the denied edges join them at fewer than half
  // as many points as there are edges, each one cross that counts its edges.
  expect(new Set([...laneOf.values()].map((x) => x.toFixed(1))).size).toBeLessThan(laneOf.size);
  expect(crosses.every((c) => c.n_crosses === 1)).toBe(true);
  expect(crosses.reduce((sum, c) => sum + c.n, 0)).toBe(denied.length);
  expect(crosses.length).toBeLessThan(denied.length / 2);
  await app.screenshot('policy-overlay-denied-lanes');
  await app.assertClean();
});

/** Presses a key with the focus on the page, not in a field. */
async function pressOnGraph(page, key) {
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  await page.keyboard.press(key);
}

/** Every policy edge's ends and pair count, as drawn. */
const drawnEdges = (page) => page.locator('.trace-layer .policy-edge').evaluateAll((gs) => gs.map((g) => ({
  from: g.dataset.from, to: g.dataset.to, pairs: Number(g.dataset.pairs), allowed: g.classList.contains('allowed'),
})));

/** The scene ids of the shapes the canvas draws as tiles, from the engine's ids. */
const endsOnTiles = (edges) => edges.every((e) => /^(node|ns|ext):/.test(e.from) && /^(node|ns):/.test(e.to));

for (const [width, height] of [[1440, 900], [1024, 768]]) {
  test(`at ${width}x${height}, zoomed out to tiles, policy edges end at the tiles that hold their workloads, with counts`, async ({ page }) => {
    await page.setViewportSize({ width, height });
    const app = new App(page);
    await app.openFresh();
    await page.getByTestId('show-policies').check();
    await expect(edges(page, 'allowed')).not.toHaveCount(0);
    // Online Boutique, zoomed out until the nodes are tiles.
    for (let i = 0; i < 12 && (await app.graph.getAttribute('data-large')) !== 'true'; i++) {
      await pressOnGraph(page, '-');
      await page.waitForTimeout(100);
    }
    await expect(app.graph).toHaveAttribute('data-large', 'true');
    await expect.poll(() => page.getByTestId('scene-canvas').getAttribute('data-tiles').then(Number)).toBeGreaterThan(0);
    await expect.poll(async () => endsOnTiles(await drawnEdges(page))).toBe(true);
    const boutique = await drawnEdges(page);
    expect(boutique.length).toBeGreaterThan(0);
    // One edge per pair of tiles and verdict, counting the workload pairs it stands for.
    expect(new Set(boutique.map((e) => `${e.from} ${e.to} ${e.allowed}`)).size).toBe(boutique.length);
    expect(boutique.some((e) => e.pairs > 1)).toBe(true);
    await expect(page.locator('.trace-layer .policy-label').filter({ hasText: /^\d+× :/ })).not.toHaveCount(0);
    // No shield is left on a workload hidden in a tile.
    await expect(shields(page)).toHaveCount(0);
    expect((await checkJoinsOnTiles(page, boutique)).some((n) => n > 1)).toBe(true);
    await app.screenshot(`policy-overlay-tiles-boutique-${width}`);
    // Zoomed in again, the edges go back to the workloads.
    for (let i = 0; i < 6 && (await app.graph.getAttribute('data-large')) === 'true'; i++) {
      await pressOnGraph(page, '+');
      await page.waitForTimeout(100);
    }
    await expect.poll(async () => (await drawnEdges(page)).every((e) => e.to.startsWith('grp:'))).toBe(true);

    // A generated cluster packed into columns (in place of the demo's first file;
    // its policies stay and select nothing), whose first workload in each
    // namespace admits only its own namespace.
    let text = synthetic(160, 10, 12, 8);
    for (let ns = 0; ns < 8; ns++) {
      const team = `team-${String(ns).padStart(3, '0')}`;
      text += `---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: own-team, namespace: ${team}}\nspec:\n  podSelector: {matchLabels: {app: app-${String(ns).padStart(5, '0')}}}\n  ingress: [{from: [{podSelector: {}}]}]\n`;
    }
    await app.paste(text);
    await expect(app.graph).toHaveAttribute('data-pods', '1600', { timeout: 30_000 });
    await expect(app.graph).toHaveAttribute('data-large', 'true');
    // Fitted, and zoomed out until its nodes are tiles.
    await pressOnGraph(page, 'f');
    const tiles = () => page.getByTestId('scene-canvas').getAttribute('data-tiles').then(Number);
    for (let i = 0; i < 12 && (await tiles()) === 0; i++) {
      await pressOnGraph(page, '-');
      await page.waitForTimeout(150);
    }
    expect(await tiles()).toBeGreaterThan(0);
    await expect.poll(async () => {
      const drawn = await drawnEdges(page);
      return drawn.length > 0 && endsOnTiles(drawn);
    }, { timeout: 20_000 }).toBe(true);
    const generated = await drawnEdges(page);
    expect(generated.some((e) => e.pairs > 1)).toBe(true);
    expect(generated.some((e) => !e.allowed)).toBe(true);
    await checkJoinsOnTiles(page, generated);
    await app.screenshot(`policy-overlay-tiles-generated-${width}`);
    await app.assertClean();
  });
}

/** On tiles as on workloads, the joins count every drawn edge once, a count
 * written at a mark is its bundle's (where the engine found it room: labels never
 * overlap), and each join lists the workload connections its edges stand for (at
 * most 12, then how many more). Returns each join's number of edges. */
async function checkJoinsOnTiles(page, drawn) {
  const joins = page.locator('.trace-layer .policy-join');
  const marks = await joins.evaluateAll((gs) => gs.map((g) => ({
    edges: Number(g.dataset.edges), tip: g.dataset.tip, count: g.querySelector('text.policy-count')?.textContent ?? null,
  })));
  expect(marks.reduce((sum, mark) => sum + mark.edges, 0)).toBe(drawn.length);
  for (const mark of marks) {
    if (mark.edges === 1 || mark.count !== null) expect(mark.count).toBe(mark.edges > 1 ? `×${mark.edges}` : null);
    const lines = mark.tip.split('\n');
    const listed = lines.filter((line) => line.includes(' → '));
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.length).toBeLessThanOrEqual(12);
    if (listed.length < lines.length) expect(lines.at(-1)).toMatch(/^and \d+ more$/);
  }
  return marks.map((mark) => mark.edges);
}

/** Every shape the scene's SVG draws: its id and its box on screen. */
const drawnShapes = (page) => page.locator('.graph svg.scene .shapes > .shape').evaluateAll((gs) => gs.map((g) => {
  const box = g.querySelector('rect').getBoundingClientRect();
  return { id: g.dataset.id, x: box.x, y: box.y, right: box.right, bottom: box.bottom };
}));

/** Every policy edge: its ends, verdict, ports and points on screen. */
const edgeLines = (page) => page.evaluate(() => {
  const layer = document.querySelector('.trace-layer').getBoundingClientRect();
  return [...document.querySelectorAll('.trace-layer .policy-edge')].map((g) => ({
    from: g.dataset.from, to: g.dataset.to, ports: g.dataset.ports, allowed: g.classList.contains('allowed'),
    points: g.querySelector('polyline').getAttribute('points').trim().split(/\s+/)
      .map((p) => p.split(',').map(Number)).map(([x, y]) => [x + layer.x, y + layer.y]),
  }));
});

/** A shape and the boxes that hold it: a workload group is in its node's box. */
const holders = (id) => (id.startsWith('grp:') ? [id, `node:${id.split(':')[1]}`] : [id]);

for (const [width, height] of [[1440, 900], [1024, 768]]) {
  test(`at ${width}x${height}, on a picture packed into columns, no policy edge crosses a box it does not join and every lane has its own arrowhead`, async ({ page }) => {
    await page.setViewportSize({ width, height });
    const app = new App(page);
    await app.openFresh();
    await page.getByTestId('show-policies').check();
    // 80 Services in four namespaces make the islands tall enough for the grid
    // packing (§13.1); the first workload of each namespace admits only its own.
    let text = synthetic(80, 1, 6, 4);
    for (let ns = 0; ns < 4; ns++) {
      const team = `team-${String(ns).padStart(3, '0')}`;
      text += `---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: own-team, namespace: ${team}}\nspec:\n  podSelector: {matchLabels: {app: app-${String(ns).padStart(5, '0')}}}\n  ingress: [{from: [{podSelector: {}}]}]\n`;
    }
    await app.paste(text);
    await expect(app.graph).toHaveAttribute('data-pods', '80', { timeout: 30_000 });
    // Fitted, its nodes are tiles on the canvas: zoomed in until the SVG draws them.
    await pressOnGraph(page, 'f');
    const svgNodes = page.locator('.graph svg.scene .shape.node');
    for (let i = 0; i < 10 && (await svgNodes.count()) === 0; i++) {
      await pressOnGraph(page, '+');
      await page.waitForTimeout(150);
    }
    await expect(svgNodes).toHaveCount(6);
    await expect(edges(page, 'denied')).not.toHaveCount(0);
    await expect(edges(page, 'allowed')).not.toHaveCount(0);
    const shapes = await drawnShapes(page);
    // The node boxes stand in more than one column.
    const nodeColumns = new Set(shapes.filter((s) => s.id.startsWith('node:')).map((s) => Math.round(s.x)));
    expect(nodeColumns.size).toBeGreaterThan(1);
    const lines = await edgeLines(page);
    let nRuns = 0;
    const crossings = [];
    for (const edge of lines) {
      const ends = new Set([...holders(edge.from), ...holders(edge.to)]);
      for (let i = 1; i < edge.points.length; i++) {
        const [[x1, y1], [x2, y2]] = [edge.points[i - 1], edge.points[i]];
        nRuns += 1;
        for (const shape of shapes) {
          const through = Math.min(x1, x2) < shape.right - 0.5 && Math.max(x1, x2) > shape.x + 0.5
            && Math.min(y1, y2) < shape.bottom - 0.5 && Math.max(y1, y2) > shape.y + 0.5;
          if (through && !ends.has(shape.id)) crossings.push(`${edge.from} → ${edge.to} crosses ${shape.id}`);
        }
      }
    }
    expect(nRuns).toBeGreaterThan(100);
    expect(crossings.slice(0, 5)).toEqual([]);
    // One arrowhead per lane (verdict and ports) into a shape, 3 px or more apart.
    const heads = new Map();
    for (const edge of lines) {
      const end = edge.points[edge.points.length - 1];
      const list = heads.get(edge.to) ?? new Map();
      list.set(`${edge.allowed} ${edge.ports}`, end);
      heads.set(edge.to, list);
    }
    let nApart = 0;
    const close = [];
    for (const [to, list] of heads) {
      const ends = [...list.values()];
      for (const [i, a] of ends.entries()) {
        for (const b of ends.slice(i + 1)) {
          nApart += 1;
          const px = Math.hypot(a[0] - b[0], a[1] - b[1]);
          if (px < 3) close.push(`arrowheads into ${to} ${px.toFixed(1)} px apart`);
        }
      }
    }
    expect(nApart).toBeGreaterThan(0);
    expect(close).toEqual([]);
    // Parallel runs in the gutters between columns (beside no box) and in the bands
    // above and below the boxes are one line or drawn apart: MIN_RUN_GAP, 8 units,
    // at this zoom, where the SVG draws the nodes (2.8 px or more), not a solid band.
    const k = await page.locator('.graph svg.scene').evaluate((svg) => Number(svg.style.getPropertyValue('--k')));
    expect(k).toBeGreaterThanOrEqual(0.35);
    const top = Math.min(...shapes.map((s) => s.y));
    const bottom = Math.max(...shapes.map((s) => s.bottom));
    const free = [];
    for (const edge of lines) {
      for (let i = 1; i < edge.points.length; i++) {
        const [[x1, y1], [x2, y2]] = [edge.points[i - 1], edge.points[i]];
        if (Math.abs(x1 - x2) < 0.05 && Math.abs(y1 - y2) > 0.05 && shapes.every((s) => x1 < s.x || x1 > s.right)) {
          free.push({ vertical: true, at: x1, low: Math.min(y1, y2), high: Math.max(y1, y2) });
        } else if (Math.abs(y1 - y2) < 0.05 && Math.abs(x1 - x2) > 0.05 && (y1 < top || y1 > bottom)) {
          free.push({ vertical: false, at: y1, low: Math.min(x1, x2), high: Math.max(x1, x2) });
        }
      }
    }
    let nSideBySide = 0;
    const tight = [];
    for (const [i, a] of free.entries()) {
      for (const b of free.slice(i + 1)) {
        const apart = Math.abs(a.at - b.at);
        if (a.vertical !== b.vertical || apart < 0.2 || Math.min(a.high, b.high) - Math.max(a.low, b.low) < 1) continue;
        nSideBySide += 1;
        if (apart < 8 * k - 0.2) tight.push(`${a.vertical ? 'x' : 'y'} ${a.at.toFixed(1)} and ${b.at.toFixed(1)}: ${apart.toFixed(2)} px`);
      }
    }
    expect(nSideBySide).toBeGreaterThan(0);
    expect(tight.slice(0, 5)).toEqual([]);
    await app.screenshot(`policy-overlay-columns-${width}`);
    await app.assertClean();
  });
}

/** Every shape's box in scene units, by id, as the SVG draws it. */
const sceneBoxes = (page) => page.locator('.graph svg.scene .shapes > .shape').evaluateAll((gs) => Object.fromEntries(gs.map((g) => {
  const r = g.querySelector('rect');
  return [g.dataset.id, ['x', 'y', 'width', 'height'].map((a) => r.getAttribute(a)).join(' ')];
})));

test('disabling the last enabled policy, and enabling it again, moves no box', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await page.getByTestId('show-policies').check();
  await expect(edges(page, 'denied')).not.toHaveCount(0);
  const before = await sceneBoxes(page);
  expect(Object.keys(before).length).toBeGreaterThan(20);
  // Every policy, one at a time, as the Overview's Disable buttons do: the last
  // one disabled leaves the input with no NetworkPolicy, and the gutters that
  // held the policy edges stay as wide (§13.1).
  const names = await page.getByTestId('policies').getByTestId('policy').evaluateAll((ls) => ls.map((l) => l.dataset.policy));
  expect(names.length).toBeGreaterThan(5);
  for (const [i, name] of names.entries()) {
    await page.getByRole('button', { name: `Disable policy ${name}` }).click();
    await expect(page.getByTestId('edits').getByTestId('edit')).toHaveCount(i + 1);
  }
  await expect(page.getByTestId('policies').getByTestId('policy')).toHaveCount(0);
  await expect(page.locator('.trace-layer .policy-edge')).toHaveCount(0);
  await expect.poll(() => sceneBoxes(page)).toEqual(before);
  await app.screenshot('policy-overlay-all-disabled');
  // Enabled again (the last edit undone): one policy, and still nothing moved.
  await page.getByTestId('edits').getByTestId('undo-edit').last().click();
  await expect(page.getByTestId('policies').getByTestId('policy')).toHaveCount(1);
  await expect.poll(() => sceneBoxes(page)).toEqual(before);
  await app.assertClean();
});

for (const [width, height] of [[1440, 900], [1024, 768]]) {
  test(`at ${width}x${height} a bundle of policy edges counts them, and a pointer over its mark lists them`, async ({ page }) => {
    await page.setViewportSize({ width, height });
    const app = await openFittedWithPolicies(page);
    const area = await page.locator('.graph').boundingBox();
    await expect.poll(async () => (await drawnLabels(page)).every((l) => l.right <= area.x + area.width + 1)).toBe(true);
    await app.screenshot(`policy-overlay-fit-${width}x${height}`);
    // One mark per point, each counting the edges that join there.
    const joins = page.locator('.trace-layer .policy-join');
    const n_edges = await page.locator('.trace-layer .policy-edge').count();
    const counted = await joins.evaluateAll((gs) => gs.map((g) => Number(g.dataset.edges)));
    expect(counted.reduce((sum, n) => sum + n, 0)).toBe(n_edges);
    expect(counted.length).toBeLessThan(n_edges);
    const topmost = await topmostCountedJoin(joins);
    expect(topmost).toBeGreaterThanOrEqual(0);
    const bundle = joins.nth(topmost);
    const n = Number(await bundle.getAttribute('data-edges'));
    expect(n).toBeGreaterThan(1);
    const count = bundle.locator('text.policy-count');
    await expect(count).toHaveText(`×${n}`);
    // The count is written no smaller than 9 px, and it is shown whole.
    expect(parseFloat(await count.evaluate((t) => getComputedStyle(t).fontSize))).toBeGreaterThanOrEqual(9);
    const countBox = await count.boundingBox();
    expect(countBox.x + countBox.width).toBeLessThanOrEqual(area.x + area.width + 1);
    // The edges through the mark's point are the ones it counts.
    const [cx, cy] = (await bundle.getAttribute('transform')).match(/-?[\d.]+/g).map(Number);
    const through = await page.locator('.trace-layer .policy-edge').evaluateAll((gs, [cx, cy]) => gs
      .filter((g) => g.querySelector('polyline').getAttribute('points').trim().split(/\s+/)
        .some((p) => { const [x, y] = p.split(',').map(Number); return Math.abs(x - cx) < 0.11 && Math.abs(y - cy) < 0.11; }))
      .map((g) => `${g.dataset.from.split('/').pop().replace('ext:internet', 'external')} → ${g.dataset.to.split('/').pop()}`), [cx, cy]);
    expect(through.length).toBe(n);
    // A real pointer over the mark: the topmost element there is the mark, and the
    // tooltip lists every connection of its edges.
    const layer = await page.getByTestId('trace-layer').boundingBox();
    const [px, py] = [layer.x + cx, layer.y + cy];
    expect(await bundle.evaluate((g, [x, y]) => document.elementFromPoint(x, y)?.closest('.policy-join') === g, [px, py])).toBe(true);
    await page.mouse.move(px - 30, py - 30);
    await page.mouse.move(px, py, { steps: 4 });
    const tooltip = page.getByTestId('tooltip');
    await expect(tooltip).toBeVisible();
    const text = await tooltip.innerText();
    const lines = text.split('\n').filter((l) => l.includes('→'));
    const denied = await bundle.evaluate((g) => g.classList.contains('denied'));
    expect(lines.length).toBeLessThanOrEqual(12);
    for (const line of lines) expect(line).toMatch(denied ? / :\d+\/TCP · denied by policy default\// : / :\d+\/TCP · allowed by default\//);
    const listed = new Set(lines.map((l) => l.split(' :')[0]));
    for (const pair of listed) expect(through, pair).toContain(pair);
    // At most 12 connections are named, then how many more; else every edge is.
    const more = text.match(/and (\d+) more/);
    if (more) {
      expect(lines.length).toBe(12);
      expect(Number(more[1])).toBeGreaterThan(0);
    } else {
      for (const pair of through) expect(listed.has(pair), `${pair} in ${[...listed]}`).toBe(true);
    }
    await app.screenshot(`policy-overlay-bundle-tooltip-${width}x${height}`);
    // Off the mark, the listing goes.
    await page.mouse.move(px, py + 60);
    await expect(tooltip).not.toContainText(lines[0]);
    await app.assertClean();
  });
}

test.describe('on a touch screen', () => {
  test.use({ hasTouch: true, viewport: { width: 1024, height: 768 } });
  test('a tap on a bundle of policy edges lists them, as a pointer over it does', async ({ page }) => {
    const app = await openFittedWithPolicies(page);
    const joins = page.locator('.trace-layer .policy-join');
    const topmost = await topmostCountedJoin(joins);
    expect(topmost).toBeGreaterThanOrEqual(0);
    const bundle = joins.nth(topmost);
    const listing = await bundle.getAttribute('data-tip');
    const [cx, cy] = (await bundle.getAttribute('transform')).match(/-?[\d.]+/g).map(Number);
    const layer = await page.getByTestId('trace-layer').boundingBox();
    const tooltip = page.getByTestId('tooltip');
    await expect(tooltip).toHaveCount(0);
    // A tap has no hover: without the tap's own listing, nothing would show.
    await page.touchscreen.tap(layer.x + cx, layer.y + cy);
    await expect(tooltip).toBeVisible();
    const first = listing.split('\n')[0];
    expect(first).toContain('→');
    await expect(tooltip).toContainText(first);
    await app.screenshot('policy-overlay-bundle-tapped-1024x768');
    await app.assertClean();
  });
});

for (const [width, height] of [[1440, 900], [1024, 768]]) {
  test(`at ${width}x${height}, from the keyboard alone, a policy join is reached with Tab, Enter or Space lists it at the mark, Esc or leaving it hides the listing`, async ({ page }) => {
    await page.setViewportSize({ width, height });
    const app = await openFittedWithPolicies(page);
    const area = await page.locator('.graph').boundingBox();
    await expect.poll(async () => (await drawnLabels(page)).every((l) => l.right <= area.x + area.width + 1)).toBe(true);
    const joins = page.locator('.trace-layer .policy-join');
    const focusedJoin = () => page.evaluate(() => [...document.querySelectorAll('.trace-layer .policy-join')].indexOf(document.activeElement));
    // Every mark is a button named by what it stands for.
    for (const join of await joins.all()) {
      const n = Number(await join.getAttribute('data-edges'));
      const kind = await join.evaluate((g) => (g.classList.contains('denied') ? 'denied' : 'allowed'));
      await expect(join).toHaveAttribute('tabindex', '0');
      await expect(join).toHaveAttribute('role', 'button');
      await expect(join).toHaveAttribute('aria-label', `${n} ${kind} policy connection${n === 1 ? '' : 's'}: ${await join.getAttribute('data-tip')}`);
    }
    const tooltip = page.getByTestId('tooltip');
    const layer = await page.getByTestId('trace-layer').boundingBox();
    /** The shown listing is `join`'s, beside its point as for a pointer there (below
     * it in the graph's upper half, above it in the lower half), and whole in the graph. */
    const listsAtMark = async (join) => {
      await expect(tooltip).toBeVisible();
      expect(await tooltip.textContent()).toBe(await join.getAttribute('data-tip'));
      const [cx, cy] = (await join.getAttribute('transform')).match(/-?[\d.]+/g).map(Number);
      const [x, y] = [layer.x + cx, layer.y + cy];
      const tip = await tooltip.boundingBox();
      if (y - area.y <= area.height / 2) expect(Math.abs(tip.y - (y + 14))).toBeLessThanOrEqual(2);
      else expect(Math.abs(tip.y + tip.height - (y - 14))).toBeLessThanOrEqual(2);
      expect(Math.abs(tip.x - Math.min(x + 14, area.x + area.width - 380))).toBeLessThanOrEqual(2);
      expect(tip.x).toBeGreaterThanOrEqual(area.x);
      expect(tip.y).toBeGreaterThanOrEqual(area.y);
      expect(tip.x + tip.width).toBeLessThanOrEqual(area.x + area.width);
      expect(tip.y + tip.height).toBeLessThanOrEqual(area.y + area.height);
    };
    // Tab goes from the toolbar's Fit button to the first mark, and on from mark to
    // mark; Enter on each shows its listing, and Tab to the next hides it.
    const n = await joins.count();
    await page.getByTestId('fit').focus();
    for (let i = 0; i < 8 && (await focusedJoin()) !== 0; i += 1) await page.keyboard.press('Tab');
    for (let i = 0; i < n; i += 1) {
      if (i > 0) {
        await page.keyboard.press('Tab');
        await expect(tooltip).toHaveCount(0);
      }
      expect(await focusedJoin()).toBe(i);
      await page.keyboard.press('Enter');
      await listsAtMark(joins.nth(i));
    }
    // Past the last mark, the focus leaves them, and the listing goes.
    await page.keyboard.press('Tab');
    expect(await focusedJoin()).toBe(-1);
    await expect(tooltip).toHaveCount(0);
    // Back to a bundle's mark (the first counted one).
    const topmost = await topmostCountedJoin(joins);
    expect(topmost).toBeGreaterThanOrEqual(0);
    expect(n).toBeGreaterThan(topmost + 1);
    const bundle = joins.nth(topmost);
    for (let i = n; i > topmost; i -= 1) await page.keyboard.press('Shift+Tab');
    expect(await focusedJoin()).toBe(topmost);
    // Focusing a mark scrolls nothing, and its wider circle is drawn as the focus ring.
    expect(await page.locator('.graph').evaluate((g) => [g.scrollLeft, g.scrollTop])).toEqual([0, 0]);
    expect(await bundle.evaluate((g) => g.matches(':focus-visible'))).toBe(true);
    expect(await bundle.locator('circle.hit').evaluate((c) => getComputedStyle(c).stroke)).toBe('rgb(37, 99, 235)');
    const listing = await bundle.getAttribute('data-tip');
    expect(listing.split('\n')[0]).toContain('→');
    await page.keyboard.press('Enter');
    await listsAtMark(bundle);
    await app.screenshot(`policy-overlay-join-keyboard-${width}x${height}`);
    // Esc hides the listing and nothing else: the mark keeps the focus.
    await page.keyboard.press('Escape');
    await expect(tooltip).toHaveCount(0);
    expect(await focusedJoin()).toBe(topmost);
    await expect(edges(page, 'denied')).not.toHaveCount(0);
    // Space lists it too; moving the focus on hides it.
    await page.keyboard.press(' ');
    await expect(tooltip).toBeVisible();
    expect(await tooltip.textContent()).toBe(listing);
    await page.keyboard.press('Tab');
    expect(await focusedJoin()).toBe(topmost + 1);
    await expect(tooltip).toHaveCount(0);
    // A zoom draws the marks again: the same mark keeps the focus, its listing
    // (placed for the old view) goes, and Enter shows it again.
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    await expect(tooltip).toBeVisible();
    await page.keyboard.press('-');
    await expect(tooltip).toHaveCount(0);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-tip'))).toBe(listing);
    await page.keyboard.press('Enter');
    expect(await tooltip.textContent()).toBe(listing);
    await app.assertClean();
  });
}

test('typing away the only NetworkPolicy of an input moves no box; pasting the same text over it as a new input does', async ({ page }) => {
  // Eight Services on twelve nodes: the nodes stand in several columns, whose
  // gutters are wider with NetworkPolicies (§13.1).
  const policy = '---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: own-team\n  namespace: team-000\nspec:\n  podSelector:\n    matchLabels:\n      app: app-00000\n  ingress:\n  - from:\n    - podSelector: {}\n';
  const withPolicy = `${synthetic(8, 2, 12, 2, { calls: true })}${policy}`;
  const app = new App(page);
  await app.openFresh();
  // A new workspace of one file (from '/' a hash alone would not reload the page).
  await page.goto('about:blank');
  await page.goto(`/#manifests=${Buffer.from(withPolicy).toString('base64')}`);
  await app.waitForGraph();
  await expect(page.getByTestId('policies').getByTestId('policy')).toHaveCount(1);
  const before = await sceneBoxes(page);
  expect(Object.keys(before).length).toBeGreaterThan(20);
  // Select the policy's document in the editor and delete it with the keyboard.
  const version = await app.version();
  await app.editor.evaluate((textarea, policy) => {
    const start = textarea.value.indexOf(policy);
    textarea.focus();
    textarea.setSelectionRange(start, start + policy.length);
  }, policy);
  await page.keyboard.press('Delete');
  await expect.poll(() => app.version()).toBeGreaterThan(version);
  await expect(page.getByTestId('policies').getByTestId('policy')).toHaveCount(0);
  expect(await app.editor.inputValue()).not.toContain('NetworkPolicy');
  await expect.poll(() => sceneBoxes(page)).toEqual(before);
  await app.screenshot('policy-room-kept-after-typing');
  // The same text pasted over everything is a new input, without the policy room:
  // the columns close up.
  await app.paste(await app.editor.inputValue());
  await expect.poll(async () => JSON.stringify(await sceneBoxes(page)) !== JSON.stringify(before)).toBe(true);
  await app.assertClean();
});

test('a policy join panned out of the graph is not a stop of Tab; panned back, it is again', async ({ page }) => {
  await page.setViewportSize({ width: 1024, height: 768 });
  const app = await openFittedWithPolicies(page);
  const joins = page.locator('.trace-layer .policy-join');
  const layer = await page.getByTestId('trace-layer').boundingBox();
  /** Each join's [point inside the graph, tabindex]. */
  const states = () => joins.evaluateAll((gs, [w, h]) => gs.map((g) => {
    const [x, y] = g.getAttribute('transform').match(/-?[\d.]+/g).map(Number);
    return [x >= 0 && x <= w && y >= 0 && y <= h, g.getAttribute('tabindex')];
  }), [layer.width, layer.height]);
  expect((await states()).every(([inside, tab]) => inside && tab === '0')).toBe(true);
  // Drag the picture down until the lower half of the joins has left the graph.
  const ys = (await joins.evaluateAll((gs) => gs.map((g) => Number(g.getAttribute('transform').match(/-?[\d.]+/g)[1])))).sort((a, b) => a - b);
  const down = layer.height - ys[Math.floor(ys.length / 2)] + 4;
  const [cx, cy] = [layer.x + layer.width / 2, layer.y + 20];
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  await page.mouse.move(cx, cy + down, { steps: 8 });
  await page.mouse.up();
  await expect.poll(async () => (await states()).some(([inside]) => !inside)).toBe(true);
  const panned = await states();
  expect(panned.some(([inside]) => inside)).toBe(true);
  for (const [inside, tab] of panned) expect(tab).toBe(inside ? '0' : '-1');
  // Tab from Fit reaches only the joins in view, in order, then leaves them.
  const inView = panned.flatMap(([inside], i) => (inside ? [i] : []));
  const focusedJoin = () => page.evaluate(() => [...document.querySelectorAll('.trace-layer .policy-join')].indexOf(document.activeElement));
  await page.getByTestId('fit').focus();
  for (let i = 0; i < 8 && (await focusedJoin()) === -1; i += 1) await page.keyboard.press('Tab');
  const visited = [];
  while ((await focusedJoin()) !== -1 && visited.length <= panned.length) {
    visited.push(await focusedJoin());
    await page.keyboard.press('Tab');
  }
  expect(visited).toEqual(inView);
  await app.screenshot('policy-overlay-panned-1024x768');
  // Fit brings them all back, and each is a stop again.
  await page.getByTestId('fit').click();
  await expect.poll(async () => (await states()).every(([inside, tab]) => inside && tab === '0')).toBe(true);
  await app.assertClean();
});

test('a listing taller than the room beside its mark moves toward the middle and is shown whole inside the graph', async ({ page }) => {
  await page.setViewportSize({ width: 1024, height: 768 });
  const app = await openFittedWithPolicies(page);
  const area = await page.locator('.graph').boundingBox();
  const layer = await page.getByTestId('trace-layer').boundingBox();
  const joins = page.locator('.trace-layer .policy-join');
  const points = await joins.evaluateAll((gs) => gs.map((g) => g.getAttribute('transform').match(/-?[\d.]+/g).map(Number)));
  const tooltip = page.getByTestId('tooltip');
  // A join in each half of the graph, each given the longest listing there is
  // (MAX_LISTED = 12 connections, then how many more) of lines long enough to
  // wrap: more than half the graph's height, so it cannot fit on the mark's side.
  // The joins nearest the middle: the room on their own side is about half the graph.
  const nearest = (inHalf) => points.reduce((best, [, y], i) => (inHalf(y) && (best < 0 || Math.abs(y - area.height / 2) < Math.abs(points[best][1] - area.height / 2)) ? i : best), -1);
  const upper = nearest((y) => y < area.height / 2);
  const lower = nearest((y) => y > area.height / 2);
  expect(upper).toBeGreaterThanOrEqual(0);
  expect(lower).toBeGreaterThanOrEqual(0);
  const long = [...Array.from({ length: 12 }, (_, i) => `frontend → checkoutservice-${i} :5050/TCP · denied by policy default/deny-all, default/checkout-${i}`), 'and 30 more'].join('\n');
  for (const [index, below] of [[upper, true], [lower, false]]) {
    const join = joins.nth(index);
    await join.evaluate((g, text) => g.setAttribute('data-tip', text), long);
    await join.focus();
    await page.keyboard.press('Enter');
    await expect(tooltip).toBeVisible();
    expect(await tooltip.textContent()).toBe(long);
    const tip = await tooltip.boundingBox();
    // Whole: inside the graph, and nothing of it hidden.
    expect(tip.y).toBeGreaterThanOrEqual(area.y - 1);
    expect(tip.y + tip.height).toBeLessThanOrEqual(area.y + area.height + 1);
    expect(await tooltip.evaluate((e) => e.scrollHeight <= e.clientHeight + 1)).toBe(true);
    expect(tip.height).toBeGreaterThan(area.height / 2);
    // Moved toward the middle from where a short listing would start.
    const y = layer.y + points[index][1];
    if (below) expect(tip.y).toBeLessThan(y + 14 - 2);
    else expect(tip.y + tip.height).toBeGreaterThan(y - 14 + 2);
    await app.screenshot(`policy-overlay-tall-listing-${below ? 'upper' : 'lower'}-1024x768`);
    await page.keyboard.press('Escape');
    await expect(tooltip).toHaveCount(0);
  }
});
