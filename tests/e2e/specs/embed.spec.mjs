// Issue #7 §4: kubetopo-embed.js on a plain documentation page that is hard on
// embeds (tests/e2e/pages/: a strict CSP, a stylesheet that restyles every iframe,
// div and pre). Viewers draw with their options, at their size, lazily; the page
// keeps its own look; the block's text stays data; without the script, or when
// the app cannot start, the code blocks stay readable.
import { test, expect } from '@playwright/test';
import { DocsPage } from './embed.page.mjs';
import { PAGES_PATH } from '../playwright.config.mjs';

test('each viewer draws with its options and size, on a page with a strict CSP and hostile styles', async ({ page }) => {
  const docs = new DocsPage(page);
  await page.goto(PAGES_PATH);
  const logical = docs.viewerOf(page.locator('#logical'));
  const sample = docs.viewerOf(page.locator('#sample'));
  await docs.waitForDrawn(logical);
  await docs.waitForDrawn(sample);

  // data-view="logical" data-traffic="off": the logical view, traffic paused.
  const logicalApp = docs.app(logical);
  await expect(logicalApp.getByTestId('view-logical')).toHaveAttribute('aria-pressed', 'true');
  await expect(logicalApp.getByTestId('play')).toHaveAttribute('aria-pressed', 'false');
  await expect(logicalApp.locator('.graph .shape[data-id="svc:default/edge"]')).toBeVisible();
  await expect(logicalApp.getByTestId('link-error')).toHaveCount(0);
  // data-sample="local-lb" data-height="420": the sample, in a box of that height.
  const sampleApp = docs.app(sample);
  await expect(sampleApp.getByTestId('view-cluster')).toHaveAttribute('aria-pressed', 'true');
  await expect(sampleApp.getByTestId('play')).toHaveAttribute('aria-pressed', 'true');
  expect(Number(await sampleApp.getByTestId('graph').getAttribute('data-services'))).toBeGreaterThan(0);

  // The page's `iframe { height: 20px; width: 30%; opacity: 0.2; position: fixed }`
  // does not apply to the viewers: they span the column at their own height.
  const boxes = await docs.frames.evaluateAll((frames) => frames.map((frame) => {
    const rect = frame.getBoundingClientRect();
    const holder = frame.parentElement.getBoundingClientRect();
    const style = getComputedStyle(frame);
    return { width: rect.width, holderWidth: holder.width, height: rect.height, opacity: style.opacity, position: style.position };
  }));
  expect(boxes).toHaveLength(2);
  for (const box of boxes) {
    expect(box.width).toBeCloseTo(box.holderWidth, 0);
    expect(box.opacity).toBe('1');
    expect(box.position).toBe('static');
  }
  // The logical view sizes itself: toolbar, graph of at most 760 pixels, details.
  expect(boxes[0].height, 'the logical view sizes itself').toBeGreaterThan(300);
  expect(boxes[0].height, 'the logical view sizes itself').toBeLessThan(1200);
  expect(boxes[1].height, 'data-height').toBe(420);
  // The page's `rect { fill: red !important }` does not reach inside a frame.
  const fill = await logicalApp.locator('.graph .shape.service > rect').first().evaluate((rect) => getComputedStyle(rect).fill);
  expect(fill).not.toBe('rgb(255, 0, 0)');

  // The viewers leak no styles: the page has its one stylesheet, and its look.
  const host = await page.evaluate(() => ({
    n_sheets: document.styleSheets.length,
    n_style_elements: document.querySelectorAll('style, link[rel=stylesheet]').length,
    title: getComputedStyle(document.getElementById('title')).color,
    font: getComputedStyle(document.body).fontFamily,
  }));
  expect(host).toEqual({ n_sheets: 1, n_style_elements: 1, title: 'rgb(139, 0, 0)', font: 'Georgia, serif' });

  // Markup in the block's text stays text: nothing was injected into the page, and
  // the text went into the frame's address as it was written.
  await expect(page.locator('#injected')).toHaveCount(0);
  expect(await docs.manifestsOf(logical)).toContain('# </pre><img src="x" id="injected"> is only text in a comment');
  await docs.screenshot('embed-plain-page');
  await docs.assertClean();
});

test('a viewer loads only when its block scrolls into view, and sizes itself to the table view', async ({ page }) => {
  const docs = new DocsPage(page);
  await page.goto(PAGES_PATH);
  await docs.waitForDrawn(docs.viewerOf(page.locator('#logical')));
  await docs.waitForDrawn(docs.viewerOf(page.locator('#sample')));
  const below = page.locator('#below');
  await expect(docs.frames).toHaveCount(2);
  await expect(docs.viewerOf(below)).toHaveCount(0);
  await expect(below).toBeVisible();

  await docs.scrollTo(below);
  const viewer = docs.viewerOf(below);
  await docs.waitForTable(viewer);
  await expect(docs.frames).toHaveCount(3);
  await expect(docs.app(viewer).getByTestId('table-view')).toContainText('default/far-below');
  // One Service in the table, and the details panel under it in this narrow
  // frame: a short viewer, not the graph's height.
  const height = await viewer.locator('iframe').evaluate((frame) => frame.getBoundingClientRect().height);
  expect(height).toBeGreaterThan(300);
  expect(height).toBeLessThan(520);
  await docs.assertClean();
});

test('a block that the page adds later, as single-page docs do, becomes a viewer too', async ({ page }) => {
  const docs = new DocsPage(page);
  await page.goto(PAGES_PATH);
  await docs.waitForDrawn(docs.viewerOf(page.locator('#logical')));
  // Docusaurus's shape: one <span> per line, each ended by a <br>, not a newline.
  await page.evaluate(() => {
    const pre = document.createElement('pre');
    pre.className = 'prism-code language-kubetopo';
    pre.id = 'added';
    const code = document.createElement('code');
    for (const line of ['apiVersion: v1', 'kind: Service', 'metadata:', '  name: added-later', 'spec:', '  ports: [{port: 80}]']) {
      const span = document.createElement('span');
      span.className = 'token-line';
      span.append(line, document.createElement('br'));
      code.append(span);
    }
    pre.append(code);
    document.getElementById('title').after(pre);
  });
  const viewer = docs.viewerOf(page.locator('#added'));
  await docs.waitForDrawn(viewer);
  await expect(docs.app(viewer).locator('.graph .shape[data-id="svc:default/added-later"]')).toBeVisible();
  expect(await docs.manifestsOf(viewer)).toBe('apiVersion: v1\nkind: Service\nmetadata:\n  name: added-later\nspec:\n  ports: [{port: 80}]');
  await docs.assertClean();
});

test('only a frame the script made, from the app origin, resizes a viewer', async ({ page }) => {
  const docs = new DocsPage(page);
  await page.goto(PAGES_PATH);
  const logical = docs.viewerOf(page.locator('#logical'));
  await docs.waitForDrawn(logical);
  const frame = logical.locator('iframe');
  const before = await frame.evaluate((element) => element.getBoundingClientRect().height);
  // The page itself, or any other window, posting the app's message is ignored.
  await page.evaluate(() => window.postMessage({ type: 'kubetopo:height', height: 2000 }, '*'));
  await page.waitForTimeout(300);
  expect(await frame.evaluate((element) => element.getBoundingClientRect().height)).toBe(before);
  await docs.assertClean();
});

test('a view the app does not know is said in the viewer, and the input still shows', async ({ page }) => {
  const docs = new DocsPage(page);
  // What the script makes of <pre class="kubetopo" data-view="graph" data-sample="local-lb">.
  await page.goto(`${PAGES_PATH}kubetopo/?embed=&view=graph&sample=local-lb`);
  await expect(page.getByTestId('link-error')).toContainText('view="graph"');
  await expect(page.getByTestId('link-error')).toContainText('cluster, logical or table');
  await expect(page.getByTestId('graph')).toHaveAttribute('data-pods', /\d+/);
  await expect(page.getByTestId('view-cluster')).toHaveAttribute('aria-pressed', 'true');
  expect(Number(await page.getByTestId('graph').getAttribute('data-services'))).toBeGreaterThan(0);
  await docs.assertClean();
});

test('without the script, the code blocks stay as they were', async ({ page }) => {
  const docs = new DocsPage(page);
  await page.route('**/kubetopo-embed.js', (route) => route.abort());
  await page.goto(PAGES_PATH);
  await expect(page.locator('#logical')).toBeVisible();
  await expect(page.locator('#logical')).toContainText('kind: Service');
  await expect(page.locator('#sample')).toHaveText('The local-lb sample of kubetopo.');
  await expect(docs.viewers).toHaveCount(0);
  await expect(docs.frames).toHaveCount(0);
  expect(docs.failedRequests.every((failure) => failure.includes('kubetopo-embed.js')), docs.failedRequests.join('\n')).toBe(true);
});

test('when the app cannot start, the code block stays readable', async ({ page }) => {
  const docs = new DocsPage(page);
  await page.route('**/*_bg.wasm', (route) => route.abort());
  await page.goto(PAGES_PATH);
  const logical = docs.viewerOf(page.locator('#logical'));
  // The frame is made, and the app in it says it could not start; the block stays.
  await expect(logical.locator('iframe')).toHaveCount(1);
  await expect(docs.app(logical).locator('#panic-banner')).toBeVisible();
  await expect(page.locator('#logical')).toBeVisible();
  await expect(page.locator('#logical')).toContainText('name: edge');
  await expect(logical).not.toHaveAttribute('data-kubetopo-state', 'shown');
  expect(await logical.locator('iframe').evaluate((frame) => getComputedStyle(frame).opacity)).toBe('0');
});
