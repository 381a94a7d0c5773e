// The samples are files served beside the page (dist/samples/), fetched when the
// menu, a ?sample= link or the first-visit demo asks for one: the wasm does not
// carry their 60 KB of YAML. A sample that cannot be fetched is said, and never
// replaces or hides the user's work.
import { test, expect } from '@playwright/test';
import { App } from './app.page.mjs';

const service = (name) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  selector: {app: ${name}}\n  ports: [{port: 80}]\n`;
const FAILED_FETCH = [/Failed to load resource/];

test('samples are fetched from beside the page, and the wasm does not carry them', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  const origin = new URL(page.url()).origin;
  expect(app.requests).toContain(`${origin}/samples/online-boutique.yaml`);
  expect(app.requests).toContain(`${origin}/samples/online-boutique-netpol.yaml`);
  await page.getByTestId('samples').selectOption('ingress-nginx');
  await expect(app.shape('svc:ingress-nginx/ingress-nginx-controller')).toBeVisible();
  expect(app.requests).toContain(`${origin}/samples/ingress-nginx-cloud.yaml`);
  // The image names of the samples appear nowhere in the wasm.
  const wasm = app.requests.find((url) => url.endsWith('.wasm'));
  const carriesSamples = await page.evaluate(async (url) => {
    const text = new TextDecoder('latin1').decode(await (await fetch(url)).arrayBuffer());
    return ['registry.k8s.io/ingress-nginx', 'gcr.io/google-samples'].filter((marker) => text.includes(marker));
  }, wasm);
  expect(carriesSamples).toEqual([]);
  await app.assertClean();
});

test('a sample that cannot be fetched is said, and the shown work stays', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await app.paste(service('mine'));
  await expect(app.shape('svc:default/mine')).toBeVisible();
  await app.waitForSaved();
  await page.route('**/samples/guestbook-declared-calls.yaml', (route) => route.fulfill({ status: 404, body: 'not found' }));
  await page.getByTestId('samples').selectOption('guestbook');
  await expect(page.getByTestId('sample-error')).toContainText('The sample "Guestbook" could not be loaded: samples/guestbook-declared-calls.yaml answered HTTP 404');
  await expect(app.shape('svc:default/mine')).toBeVisible();
  expect(await app.editor.inputValue()).toBe(service('mine'));
  expect(await app.workspaceLabels()).toEqual([expect.stringMatching(/^My workspace · 1 file/)]);
  await app.screenshot('samples-fetch-failed');
  // The next try that works opens the sample, and the notice goes.
  await page.unroute('**/samples/guestbook-declared-calls.yaml');
  await page.getByTestId('samples').selectOption('guestbook');
  await expect(app.shape('svc:default/frontend')).toBeVisible();
  await expect(page.getByTestId('sample-error')).toHaveCount(0);
  await app.assertCleanExcept(FAILED_FETCH);
});

test('first visit without the demo files: an empty editor and a notice; saved work is shown without them', async ({ page }) => {
  const app = new App(page);
  await page.route('**/samples/**', (route) => route.abort());
  await page.goto('/');
  await expect(page.getByTestId('link-error')).toContainText('The sample "Online Boutique + NetworkPolicies" could not be loaded: samples/online-boutique.yaml could not be fetched');
  await expect(page.getByTestId('link-error')).toContainText('The editor starts empty');
  expect(await app.editor.inputValue()).toBe('');
  await app.paste(service('mine'));
  await expect(app.shape('svc:default/mine')).toBeVisible();
  await app.waitForSaved();
  await page.reload();
  await expect(app.shape('svc:default/mine')).toBeVisible();
  await expect(page.getByTestId('link-error')).toHaveCount(0);
  // A ?sample= link that cannot be fetched keeps the saved work too.
  await page.goto('/?sample=statefulset');
  await expect(page.getByTestId('link-error')).toContainText('samples/headless-statefulset.yaml could not be fetched');
  await expect(app.shape('svc:default/mine')).toBeVisible();
  expect(await app.editor.inputValue()).toBe(service('mine'));
  await app.assertCleanExcept([...FAILED_FETCH, /ERR_FAILED/]);
});
