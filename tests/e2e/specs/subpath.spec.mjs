import { test, expect } from '@playwright/test';
import { deflateRawSync } from 'node:zlib';
import { App } from './app.page.mjs';
import { SUBPATH } from '../playwright.config.mjs';

const MANIFEST = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: from-the-url\nspec:\n  ports: [{port: 80}]\n';
// A share link (docs/share-links.md) as the Share button writes it.
const SHARED = { files: [{ name: 'shared.yaml', text: MANIFEST.replace('from-the-url', 'from-a-share') }], view: { picture: 'logical', selection: 'svc:default/from-a-share' } };
const SHARE_FRAGMENT = `#share=1.${deflateRawSync(Buffer.from(JSON.stringify(SHARED))).toString('base64url')}`;

// Issue #7 §1: dist/ copied under a nested sub-path of a docs site works unchanged.
// Every way of opening the app must draw, with every request inside the sub-path
// and none failing.
const CASES = [
  { name: 'the app', url: '', shape: 'svc:default/frontend' },
  { name: '?embed', url: '?embed', shape: 'svc:default/frontend' },
  { name: '?embed&sample=', url: '?embed&sample=local-lb', shape: null },
  { name: '?sample=', url: '?sample=guestbook', shape: 'svc:default/frontend' },
  { name: '#manifests=', url: `?embed#manifests=${Buffer.from(MANIFEST).toString('base64')}`, shape: 'svc:default/from-the-url' },
  { name: '#share=', url: SHARE_FRAGMENT, shape: 'svc:default/from-a-share' },
  { name: '?embed#share=', url: `?embed${SHARE_FRAGMENT}`, shape: 'svc:default/from-a-share' },
];

for (const { name, url, shape } of CASES) {
  test(`sub-path hosting: ${name} draws from ${SUBPATH} with no failed request`, async ({ page, baseURL }) => {
    const app = new App(page);
    const failed = [];
    page.on('requestfailed', (request) => failed.push(`${request.url()}: ${request.failure()?.errorText}`));
    page.on('response', (response) => { if (response.status() >= 400) failed.push(`${response.url()}: ${response.status()}`); });
    await page.goto(`${SUBPATH}${url}`);
    await app.waitForGraph();
    expect((await app.counts()).services).toBeGreaterThan(0);
    if (shape) await expect(app.shape(shape)).toBeVisible();
    expect(failed, 'failed requests').toEqual([]);
    const prefix = new URL(SUBPATH, baseURL).href;
    const outside = app.requests.filter((request) => !request.startsWith(prefix) && !request.startsWith('data:') && !request.startsWith('blob:'));
    expect(outside, 'requests outside the sub-path').toEqual([]);
    // The stylesheet, the loader, the boot script and the wasm all came from the sub-path.
    for (const asset of [/\.css$/, /boot\.js$/, /kubetopo-[0-9a-f]+\.js$/, /_bg\.wasm$/]) {
      expect(app.requests.some((request) => asset.test(request)), String(asset)).toBe(true);
    }
    await app.assertClean();
  });
}

test(`sub-path hosting: Share makes a link inside ${SUBPATH} that opens there`, async ({ browser, baseURL }) => {
  const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'], baseURL });
  const page = await context.newPage();
  const app = new App(page);
  await page.goto(`${SUBPATH}?sample=guestbook`);
  await app.waitForGraph();
  await app.select('svc:default/frontend');
  await page.getByTestId('share').click();
  await expect(page.getByTestId('share-result')).toContainText('Link copied');
  const url = await page.evaluate(() => navigator.clipboard.readText());
  expect(url.startsWith(`${new URL(SUBPATH, baseURL).href}#share=1.`), url).toBe(true);
  await context.close();

  const fresh = await browser.newContext({ baseURL });
  const other = await fresh.newPage();
  const restored = new App(other);
  const failed = [];
  other.on('requestfailed', (request) => failed.push(`${request.url()}: ${request.failure()?.errorText}`));
  other.on('response', (response) => { if (response.status() >= 400) failed.push(`${response.url()}: ${response.status()}`); });
  await other.goto(url);
  await restored.waitForGraph();
  await expect(restored.shape('svc:default/frontend')).toHaveAttribute('data-selected', '');
  expect(failed, 'failed requests').toEqual([]);
  await restored.assertClean();
  await fresh.close();
});

test('sub-path hosting: screenshots at 1440x900 and 1024x768', async ({ page }) => {
  const app = new App(page);
  await page.goto(`${SUBPATH}?embed&sample=local-lb`);
  await app.waitForGraph();
  await app.screenshot('subpath-embed-1440');
  await page.setViewportSize({ width: 1024, height: 768 });
  await page.goto(SUBPATH);
  await app.waitForGraph();
  await app.screenshot('subpath-app-1024');
  await app.assertClean();
});
