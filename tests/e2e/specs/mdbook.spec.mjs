// Issue #7 §4: a real mdBook book embeds kubetopo the way docs/embedding.md says:
// `additional-js` includes dist/kubetopo-embed.js, and every ```kubetopo fence
// becomes a live viewer. The book is built here, with the mdbook that
// scripts/setup.sh installs, and served at a sub-path with dist/ beside it.
import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DocsPage } from './embed.page.mjs';
import { BOOK_PATH } from '../playwright.config.mjs';

const BOOK = fileURLToPath(new URL('../book/', import.meta.url));
const DIST = fileURLToPath(new URL('../../../dist/', import.meta.url));
const CHAPTER = `${BOOK_PATH}wiring.html`;

test.beforeAll(() => {
  // As docs/embedding.md tells a book's author: the script sits in kubetopo/ beside
  // book.toml, where mdBook copies it from; the app itself is served beside it.
  mkdirSync(join(BOOK, 'kubetopo'), { recursive: true });
  copyFileSync(join(DIST, 'kubetopo-embed.js'), join(BOOK, 'kubetopo', 'kubetopo-embed.js'));
  rmSync(join(BOOK, 'out'), { recursive: true, force: true });
  // setup.sh installs mdbook with cargo, whose bin folder may not be on PATH here.
  const path = [process.env.PATH, join(homedir(), '.cargo', 'bin')].join(delimiter);
  try {
    execFileSync('mdbook', ['build', BOOK], { env: { ...process.env, PATH: path }, stdio: 'pipe' });
  } catch (error) {
    throw new Error(`mdbook build failed (scripts/setup.sh browser installs mdbook): ${error.stderr || error.message}`);
  }
});

test('an mdBook page with two kubetopo fences draws both diagrams', async ({ page, baseURL }) => {
  const docs = new DocsPage(page);
  await page.goto(CHAPTER);
  const fences = page.locator('pre:has(> code.language-kubetopo)');
  await expect(fences).toHaveCount(2);
  const [shopFence, ordersFence] = [fences.filter({ hasText: 'name: storefront' }), fences.filter({ hasText: 'serviceName: orders' })];
  const [shop, orders] = [docs.viewerOf(shopFence), docs.viewerOf(ordersFence)];
  await docs.waitForDrawn(shop);
  // The second viewer loads when its fence comes near the screen.
  await docs.scrollTo(ordersFence);
  await docs.waitForDrawn(orders);

  const shopApp = docs.app(shop);
  await expect(shopApp.locator('.graph .shape[data-id="svc:shop/storefront"]')).toBeVisible();
  await expect(shopApp.locator('.graph .shape[data-id="svc:shop/catalog"]')).toBeVisible();
  await expect(shopApp.getByTestId('graph')).toHaveAttribute('data-pods', '3');
  const ordersApp = docs.app(orders);
  await expect(ordersApp.locator('.graph .shape[data-id="svc:shop/orders"]')).toBeVisible();
  await expect(ordersApp.getByTestId('graph')).toHaveAttribute('data-pods', '3');
  await expect(ordersApp.locator('.graph .shape[data-id="svc:shop/storefront"]')).toHaveCount(0);

  // The fences are hidden only now that their viewers have drawn, and each frame
  // is the app beside the script, in embed mode, with its fence's text.
  await expect(shopFence).toBeHidden();
  await expect(ordersFence).toBeHidden();
  for (const viewer of [shop, orders]) {
    const src = await viewer.locator('iframe').getAttribute('src');
    expect(src.startsWith(new URL(`${BOOK_PATH}kubetopo/?embed=`, baseURL).href), src).toBe(true);
  }
  expect(await docs.manifestsOf(shop)).toContain('name: storefront');
  expect(await docs.manifestsOf(orders)).toContain('serviceName: orders');

  // Each viewer is as tall as its diagram asks (the app reports it), not a fixed box.
  const heights = await docs.frames.evaluateAll((frames) => frames.map((frame) => frame.getBoundingClientRect().height));
  for (const height of heights) {
    expect(height).toBeGreaterThan(300);
    expect(height).toBeLessThan(1200);
  }
  // ... and stays so: the frame's height does not feed back into what the app asks.
  await page.waitForTimeout(500);
  expect(await docs.frames.evaluateAll((frames) => frames.map((frame) => frame.getBoundingClientRect().height))).toEqual(heights);
  await docs.assertClean();
});

test('clicking a Service in one mdBook viewer opens its details there', async ({ page }) => {
  const docs = new DocsPage(page);
  await page.setViewportSize({ width: 1280, height: 1000 });
  await page.goto(CHAPTER);
  const fences = page.locator('pre:has(> code.language-kubetopo)');
  const [shopFence, ordersFence] = [fences.filter({ hasText: 'name: storefront' }), fences.filter({ hasText: 'serviceName: orders' })];
  const [shop, orders] = [docs.viewerOf(shopFence), docs.viewerOf(ordersFence)];
  await docs.waitForDrawn(shop);
  await docs.scrollTo(ordersFence);
  await docs.waitForDrawn(orders);
  await docs.scrollTo(shopFence);
  const shopApp = docs.app(shop);
  await shopApp.locator('.graph .shape[data-id="svc:shop/storefront"]').click({ position: { x: 8, y: 6 } });
  await expect(shopApp.getByTestId('details-title')).toHaveText('Service shop/storefront');
  await expect(shopApp.getByTestId('details')).toContainText('LoadBalancer');
  // The other viewer is a page of its own: its selection did not change.
  await expect(docs.app(orders).getByTestId('details-title')).toHaveCount(0);

  // The README's picture: the chapter's heading, its text and the live viewer. It
  // goes to docs/ only when asked, so that a test run leaves the tree clean.
  await page.mouse.move(5, 5);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(300);
  await docs.screenshot('embed-mdbook');
  if (process.env.KUBETOPO_DOCS_SCREENSHOTS === '1') {
    await page.screenshot({ path: 'docs/embed-mdbook.png' });
  }
  await docs.assertClean();
});
