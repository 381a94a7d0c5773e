// Share a view (issue #7 §2, docs/semantics.md §12): the Share button copies a link
// holding the manifests and the view; the link opens in a fresh browser as a new
// workspace showing exactly that view.
import { test, expect } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { App } from './app.page.mjs';

const CLIPBOARD = ['clipboard-read', 'clipboard-write'];

/** A share fragment for `state`, written as the app writes it. */
const shareFragment = (state) => `#share=1.${deflateRawSync(Buffer.from(JSON.stringify(state))).toString('base64url')}`;

/** What the graph shows: the scene point at the centre of its area, and the zoom. */
async function shownView(page) {
  const text = await page.locator('svg.scene > g').getAttribute('transform');
  const [, tx, ty, k] = text.match(/translate\(([-\d.]+),([-\d.]+)\) scale\(([-\d.]+)\)/).map(Number);
  const { width, height } = await page.locator('.graph').evaluate((area) => ({ width: area.clientWidth, height: area.clientHeight }));
  return { x: (width / 2 - tx) / k, y: (height / 2 - ty) / k, k, width, height };
}

async function share(page) {
  await page.getByTestId('share').click();
  await expect(page.getByTestId('share-result')).toBeVisible();
}

test('share: the link restores view, selection, filter, query, zoom and pan, edits and paused traffic in a new browser', async ({ browser, baseURL }) => {
  const context = await browser.newContext({ permissions: CLIPBOARD, baseURL });
  const page = await context.newPage();
  const app = new App(page);
  await page.goto('/?sample=boutique');
  await app.waitForGraph();
  await expect(app.shape('svc:default/frontend')).toBeVisible();

  // Set up a view: logical picture, a namespace filter, a query and a search, one
  // what-if edit on the selected Service, paused traffic, then zoom and pan.
  await page.getByTestId('view-logical').click();
  await app.chooseNamespaces(['default']);
  await page.getByTestId('query').fill('app in (frontend,cartservice)');
  await page.getByTestId('search').fill('cart');
  await app.select('svc:default/frontend');
  await expect(page.getByTestId('details-title')).toHaveText('Service default/frontend');
  await page.getByTestId('whatif-service-type').selectOption('NodePort');
  await expect(page.getByTestId('service-type')).toHaveText('NodePort');
  await expect(page.getByTestId('edits')).toContainText('frontend');
  const editText = await page.getByTestId('edits').textContent();
  await page.getByTestId('play').click();
  await expect(page.getByTestId('play')).toHaveText('Play');
  await page.getByRole('button', { name: 'Zoom in' }).click();
  const box = await page.locator('.graph').boundingBox();
  await page.mouse.move(box.x + box.width - 60, box.y + box.height - 40);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width - 150, box.y + box.height - 100, { steps: 5 });
  await page.mouse.up();
  const shown = await shownView(page);

  // Share, keyboard only: the button is reachable and pressed with Enter.
  await page.getByTestId('share').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('share-result')).toContainText('Link copied');
  const url = await page.evaluate(() => navigator.clipboard.readText());
  expect(url).toBe(await page.getByTestId('share-url').inputValue());
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#share=1\.[A-Za-z0-9_-]+$/);
  // Online Boutique with its NetworkPolicies and this whole view: at most 8 KB.
  expect(url.length).toBeLessThanOrEqual(8 * 1024);
  test.info().annotations.push({ type: 'share link bytes', description: String(url.length) });
  await app.screenshot('share-made');
  await app.assertClean();

  // A new browser context: no saved work, no clipboard, nothing shared but the URL.
  const fresh = await browser.newContext({ baseURL });
  const other = await fresh.newPage();
  const restored = new App(other);
  await other.goto(url);
  await restored.waitForGraph();
  await expect(other.getByTestId('view-logical')).toHaveAttribute('aria-pressed', 'true');
  await expect(other.getByTestId('namespace-summary')).toHaveText('default');
  await expect(other.getByTestId('query')).toHaveValue('app in (frontend,cartservice)');
  await expect(other.getByTestId('search')).toHaveValue('cart');
  await expect(restored.shape('svc:default/frontend')).toHaveAttribute('data-selected', '');
  await expect(other.getByTestId('details-title')).toHaveText('Service default/frontend');
  await expect(other.getByTestId('service-type')).toHaveText('NodePort');
  await expect(other.getByTestId('edits')).toHaveText(editText);
  await expect(other.getByTestId('play')).toHaveText('Play');
  await expect(other.getByTestId('play')).toHaveAttribute('aria-pressed', 'false');
  // The same part of the picture, at the same zoom, is at the centre of the graph.
  const restoredView = await shownView(other);
  expect(restoredView.k, JSON.stringify({ shown, restoredView })).toBeCloseTo(shown.k, 3);
  expect(Math.abs(restoredView.x - shown.x), JSON.stringify({ shown, restoredView })).toBeLessThan(1);
  expect(Math.abs(restoredView.y - shown.y), JSON.stringify({ shown, restoredView })).toBeLessThan(1);
  // It opened as a new workspace named for the link, and the address lost the link.
  await expect(other.getByTestId('workspaces')).toHaveAttribute('title', /Shared view/);
  await restored.waitForSaved();
  expect(new URL(other.url()).hash).toBe('');
  // Paused traffic stays paused: no packet moves.
  const packets = await other.getByTestId('packet-count').textContent();
  await other.waitForTimeout(500);
  expect(await other.getByTestId('packet-count').textContent()).toBe(packets);
  await restored.screenshot('share-restored');
  await restored.assertClean();
  await fresh.close();
  await context.close();
});

test('share under prefers-reduced-motion: the link records the traffic the user chose, not the wait reduced motion made', async ({ browser, baseURL }) => {
  const context = await browser.newContext({ permissions: CLIPBOARD, baseURL, reducedMotion: 'reduce' });
  const page = await context.newPage();
  const app = new App(page);
  await page.goto('/?sample=boutique');
  await app.waitForGraph();
  // The packets wait for Play here, which this user did not choose.
  await expect(page.getByTestId('play')).toHaveText('Play');
  await share(page);
  const url = await page.getByTestId('share-url').inputValue();
  const fresh = await browser.newContext({ baseURL });
  const other = await fresh.newPage();
  await other.goto(url);
  await new App(other).waitForGraph();
  await expect(other.getByTestId('play')).toHaveText('Pause');
  // Pressed, Play and then Pause are the user's choice: the link records the pause.
  await page.getByTestId('play').click();
  await page.getByTestId('play').click();
  await expect(page.getByTestId('play')).toHaveText('Play');
  await share(page);
  await expect.poll(() => page.getByTestId('share-url').inputValue()).not.toBe(url);
  const again = await browser.newContext({ baseURL });
  const third = await again.newPage();
  await third.goto(await page.getByTestId('share-url').inputValue());
  await new App(third).waitForGraph();
  await expect(third.getByTestId('play')).toHaveText('Play');
  await app.assertClean();
  await Promise.all([context.close(), fresh.close(), again.close()]);
});

test('share: a link never overwrites saved work; it opens beside it', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await app.paste('apiVersion: v1\nkind: Service\nmetadata: {name: my-own-work}\nspec:\n  ports: [{port: 80}]\n');
  await expect(app.shape('svc:default/my-own-work')).toBeVisible();
  await app.waitForSaved();
  const text = 'apiVersion: v1\nkind: Service\nmetadata: {name: from-a-share}\nspec:\n  ports: [{port: 80}]\n';
  // From another page, as a link is opened: a fragment change alone would not reload.
  await page.goto('about:blank');
  await page.goto(`/${shareFragment({ files: [{ name: 'shared.yaml', text }], view: { picture: 'logical', traffic: 'paused' } })}`);
  await app.waitForGraph();
  await expect(app.shape('svc:default/from-a-share')).toBeVisible();
  await expect(page.getByTestId('view-logical')).toHaveAttribute('aria-pressed', 'true');
  // The pasted work is still a workspace of its own.
  await app.waitForSaved();
  await app.switchWorkspace('My workspace');
  await expect(app.shape('svc:default/my-own-work')).toBeVisible();
  await app.assertClean();
});

test('share: a link over 64 KB is not made; the manifests download as .yaml instead', async ({ browser, baseURL }) => {
  const context = await browser.newContext({ permissions: CLIPBOARD, baseURL });
  const page = await context.newPage();
  const app = new App(page);
  await app.openFresh();
  // Random data does not compress: 90 KB of it makes a link of about 120 KB.
  const noise = randomBytes(90 * 1024).toString('base64');
  await app.paste(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: noise}\ndata:\n  blob: ${noise}\n`);
  await expect(page.getByTestId('status')).toContainText('0 services');
  await share(page);
  await expect(page.getByTestId('share-result')).toHaveAttribute('data-kind', 'too-long');
  await expect(page.getByTestId('share-result')).toContainText('more than the 64 KB');
  expect(Number(await page.getByTestId('share-result').getAttribute('data-bytes'))).toBeGreaterThan(64 * 1024);
  await expect(page.getByTestId('share-url')).toHaveCount(0);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('share-download').click()]);
  expect(download.suggestedFilename()).toBe('kubetopo-manifests.yaml');
  const saved = await download.path();
  const { readFileSync } = await import('node:fs');
  expect(readFileSync(saved, 'utf8')).toContain(noise);
  await app.screenshot('share-too-long');
  await app.assertClean();
  await context.close();
});

test('share: malformed links show what is wrong, never the demo', async ({ page }) => {
  const app = new App(page);
  const cases = [
    ['not base64', '#share=1.not*base64!', /not base64 \(character '\*'/],
    ['cut short', '#share=1.AAAAA', /length is wrong: was it cut short/],
    ['damaged data', `#share=1.${Buffer.from([0xff, 0xff, 0xff, 0x00]).toString('base64url')}`, /compressed data is damaged/],
    ['newer format', '#share=9.AAAA', /made by a newer kubetopo \(link format 9/],
    ['not a state', `#share=1.${deflateRawSync(Buffer.from('{"files":[]}')).toString('base64url')}`, /holds no files/],
    ['unknown edit', shareFragment({ files: [{ name: 'a.yaml', text: '' }], view: { edits: [{ op: 'Explode' }] } }), /edit 1: unknown what-if edit "Explode"/],
  ];
  for (const [what, fragment, message] of cases) {
    await page.goto('about:blank');
    await page.goto(`/?embed${fragment}`);
    await expect(page.getByTestId('link-error'), what).toContainText(message);
    await expect(page.getByTestId('link-error'), what).toContainText('Ask whoever shared it for a new link');
    expect(await app.counts(), `${what}: no demo in its place`).toEqual({ services: 0, pods: 0, nodes: expect.any(Number) });
  }
  await app.screenshot('share-malformed');
  await app.assertClean();
});

test('share: an edit that no longer applies is reported; the others are applied and can be undone', async ({ page }) => {
  const app = new App(page);
  const text = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: nginx}]}\n';
  const edits = [
    { op: 'KillPod', namespace: 'default', name: 'no-such-pod' },
    { op: 'ScaleWorkload', namespace: 'default', name: 'web', replicas: 3 },
  ];
  await page.goto(`/?embed${shareFragment({ files: [{ name: 'web.yaml', text }], view: { edits } })}`);
  await app.waitForGraph();
  await expect(page.getByTestId('traffic-message')).toContainText('1 of the link\'s what-if edits could not be applied');
  await expect.poll(async () => (await app.counts()).pods).toBe(3);
  await expect(page.getByTestId('edits').locator('li')).toHaveCount(1);
  // A link's edits are the same list as edits made by hand: each can be undone.
  await page.getByTestId('undo-edit').click();
  await expect(page.getByTestId('edits').locator('li')).toHaveCount(0);
  await expect.poll(async () => (await app.counts()).pods).toBe(1);
  await expect(page.getByTestId('traffic-message')).toContainText('Undid:');
  await app.assertClean();
});
