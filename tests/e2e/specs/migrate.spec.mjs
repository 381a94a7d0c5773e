// "Migrate to Gateway API" in the app (issue #8): an Ingress's details write the
// Gateway and HTTPRoutes that `kubetopo migrate` writes, with the annotations they
// cannot express as diagnostics; the YAML is copied, downloaded, or opened as a new
// workspace beside the user's, whose own files stay as they were.
import { readFileSync } from 'node:fs';
import { test, expect } from '@playwright/test';
import { App } from './app.page.mjs';

// The ingress-nginx sample's controller, and the guestbook with the Ingresses of the
// CLI's migration test, pasted over the sample's first file; its second file, the
// shop app with its Ingress, stays.
const INPUT = [
  readFileSync('samples/ingress-nginx-cloud.yaml', 'utf8'),
  readFileSync('samples/guestbook.yaml', 'utf8'),
  readFileSync('tests/fixtures/migrate/guestbook-ingresses.yaml', 'utf8'),
].join('\n---\n');

/** The migration's three ways out: Copy puts `text` on the clipboard, Download
 * saves it as `fileName`, and Open adds it as a new workspace where the Gateway
 * is drawn. */
async function deliver(app, page, text, fileName) {
  await app.details.getByTestId('migrate-copy').click();
  await expect(app.details.getByTestId('migrate-note')).toHaveText('Copied.');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(text);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    app.details.getByTestId('migrate-download').click(),
  ]);
  expect(download.suggestedFilename()).toBe(fileName);
  expect(readFileSync(await download.path(), 'utf8')).toBe(text);
  await app.details.getByTestId('migrate-open').click();
  await expect(page.getByRole('tab', { name: fileName })).toHaveCount(1);
  await expect(app.shape('gw:default/nginx')).toHaveCount(1, { timeout: 30_000 });
  await app.waitForSaved();
}

test('an Ingress migrates to Gateway API YAML with its diagnostics, to copy, download or try', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const app = new App(page);
  await page.goto('/?sample=ingress-nginx');
  await app.waitForGraph();
  await app.paste(INPUT);
  await expect(app.shape('ing:default/legacy')).toHaveCount(1, { timeout: 30_000 });
  await app.waitForSaved();
  const workspaceBefore = await page.getByTestId('workspaces').inputValue();

  await app.select('ing:default/legacy');
  await expect(app.details.getByTestId('details-title')).toHaveText('Ingress default/legacy');
  await expect(app.details.getByTestId('migration')).toHaveCount(0);
  await app.details.getByTestId('migrate').click();

  const yaml = app.details.getByTestId('migrate-yaml');
  await expect(yaml).toContainText('kind: Gateway\n');
  const text = await yaml.textContent();
  expect(text).toContain('gatewayClassName: nginx');
  expect(text).toContain('kind: HTTPRoute');
  expect(text).toContain('name: legacy-old-example-com');
  expect(text).toContain('replaceFullPath: /index.php');
  expect(text).not.toContain('guestbook-canary');
  // What the YAML cannot say: proxy-body-size, and the ImplementationSpecific path.
  const diagnostics = app.details.getByTestId('migration').locator('.object-diagnostic');
  await expect(diagnostics.filter({ hasText: 'nginx.ingress.kubernetes.io/proxy-body-size' })).toHaveCount(1);
  await expect(diagnostics.filter({ hasText: 'migrate-path-type-implementation-specific' })).toHaveCount(1);
  await app.screenshot('migrate-ingress');

  // Trying it opens the user's files and the YAML as a new workspace: the Gateway
  // and its routes are analysed beside the Ingresses.
  await deliver(app, page, text, 'default-legacy-gateway-api.yaml');
  expect(await app.workspaceLabels()).toEqual(expect.arrayContaining([
    expect.stringMatching(/^Sample: ingress-nginx \(cloud\) with an Ingress \(Gateway API\)/),
  ]));
  await app.screenshot('migrate-opened');

  // The user's workspace is unchanged: one file, the pasted text.
  await page.getByTestId('workspaces').selectOption(workspaceBefore);
  await expect(page.getByRole('tab', { name: 'default-legacy-gateway-api.yaml' })).toHaveCount(0);
  await expect(app.shape('gw:default/nginx')).toHaveCount(0);
  await expect(app.editor).toHaveValue(INPUT);
  await app.assertClean();
});

// Every Ingress at once (issue #8): with nothing selected, the overview offers the
// migration of the whole input, as `kubetopo migrate FILES` writes it, with every
// diagnostic; it is delivered the same way, and the user's files stay as they were.
test('every Ingress migrates at once from the overview, with the diagnostics of all', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const app = new App(page);
  await page.goto('/?sample=ingress-nginx');
  await app.waitForGraph();
  await app.paste(INPUT);
  await expect(app.shape('ing:default/legacy')).toHaveCount(1, { timeout: 30_000 });
  await app.waitForSaved();
  const workspaceBefore = await page.getByTestId('workspaces').inputValue();
  await expect(page.getByTestId('details-title')).toHaveCount(0);

  await app.details.getByTestId('migrate-all').click();
  const yaml = app.details.getByTestId('migrate-yaml');
  await expect(yaml).toContainText('kind: Gateway\n');
  const text = await yaml.textContent();
  // The routes of all four Ingresses that have a main rule (the sample's shop and
  // the three pasted), the canary merged into guestbook's as a weighted backend.
  for (const name of [
    'shop-shop-example-com',
    'admin-admin-example-com-redirect',
    'guestbook-guestbook-example-com',
    'guestbook-guestbook-example-com-redirect',
    'legacy-old-example-com',
    'legacy-all-hosts',
  ]) {
    expect(text).toContain(`name: ${name}\n`);
  }
  expect(text.match(/^kind: HTTPRoute$/gm)).toHaveLength(6);
  expect(text).toContain('weight: 20');
  // The diagnostics of every Ingress, not only one's.
  const diagnostics = app.details.getByTestId('migration').locator('.object-diagnostic');
  await expect(diagnostics.filter({ hasText: 'nginx.ingress.kubernetes.io/proxy-body-size' })).toHaveCount(1);
  await expect(diagnostics.filter({ hasText: 'nginx.ingress.kubernetes.io/rewrite-target' })).toHaveCount(1);
  await expect(diagnostics.filter({ hasText: 'migrate-hostless-rules-on-https' })).toHaveCount(1);
  await app.screenshot('migrate-all');

  await deliver(app, page, text, 'all-ingresses-gateway-api.yaml');

  await page.getByTestId('workspaces').selectOption(workspaceBefore);
  await expect(page.getByRole('tab', { name: 'all-ingresses-gateway-api.yaml' })).toHaveCount(0);
  await expect(app.shape('gw:default/nginx')).toHaveCount(0);
  await expect(app.editor).toHaveValue(INPUT);
  await app.assertClean();
});
