import { test, expect } from '@playwright/test';
import { App } from './app.page.mjs';

const BROKEN = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - port: 80
    targetPort: http
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: lots
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx
        ports:
        - name: http
          containerPort: 8080
---
apiVersion: v1
kind: Service
metadata: [this is not a map
`;

test('broken input: the diagnostic sits at its line and the valid documents are still drawn', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await app.paste(BROKEN);
  const fieldType = app.diagnostics.locator('[data-code="field-type"]');
  await expect(fieldType).toHaveAttribute('data-line', '17');
  await expect(fieldType).toContainText('spec.replicas');
  // Its file, document and line, written whole on a line of their own.
  await expect(fieldType.locator('.where')).toHaveText('pasted.yaml:17, document 2');
  await expect(app.diagnostics.locator('[data-code="yaml-syntax"]')).toHaveCount(1);
  await expect(page.locator('[data-testid="gutter-marker"][data-line="17"]')).toHaveClass(/error/);
  // The Service and the Deployment (with its default of one replica) are still drawn.
  await expect(app.shape('svc:default/web')).toBeVisible();
  expect((await app.counts()).pods).toBe(1);
  // Clicking the diagnostic selects its line in the editor.
  await fieldType.click();
  const selected = await app.editor.evaluate((t) => t.value.slice(t.selectionStart, t.selectionEnd));
  expect(selected).toBe('  replicas: lots');
  await app.screenshot('broken-input');
  await app.assertClean();
});

test('typing re-analyses after a pause without losing the view', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await app.paste('apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels: {app: a}\n');
  await expect(app.shape('pod:default/a')).toBeVisible();
  const transform = await page.locator('svg.scene > g').getAttribute('transform');
  await app.editor.press('End');
  await app.editor.pressSequentially('\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: b\n');
  await expect(app.shape('pod:default/b')).toBeVisible();
  expect(await page.locator('svg.scene > g').getAttribute('transform')).toBe(transform);
  await app.assertClean();
});

test('several files can be opened at once', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await page.getByTestId('open-files').setInputFiles([
    { name: 'svc.yaml', mimeType: 'text/yaml', buffer: Buffer.from('apiVersion: v1\nkind: Service\nmetadata: {name: api}\nspec:\n  selector: {app: api}\n  ports: [{port: 80}]\n') },
    { name: 'pod.json', mimeType: 'application/json', buffer: Buffer.from('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"api-1","labels":{"app":"api"}},"spec":{"containers":[{"name":"c"}]}}') },
  ]);
  await expect(page.getByRole('tab', { name: 'svc.yaml' })).toBeVisible();
  await expect(page.getByRole('tab', { name: 'pod.json' })).toBeVisible();
  await app.select('svc:default/api');
  await expect(page.getByTestId('endpoint-row')).toHaveCount(1);
  await app.assertClean();
});

test('persistence: a reload restores the input', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await app.paste('apiVersion: v1\nkind: Service\nmetadata:\n  name: remembered\nspec:\n  ports: [{port: 80}]\n');
  await expect(app.shape('svc:default/remembered')).toBeVisible();
  await page.reload();
  await app.waitForGraph();
  await expect(app.shape('svc:default/remembered')).toBeVisible();
  expect(await app.editor.inputValue()).toContain('name: remembered');
  await app.assertClean();
});

test('text from the manifests is only text in the details and the Table view: markup in it is shown, never made', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await app.paste(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop}
spec:
  rules:
  - http:
      paths:
      - path: /a<img src=x id=injected>
        pathType: Prefix
        backend: {service: {name: "web<b id=bold>", port: {number: 80}}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: "h<i id=italic>", port: 80}]
`);
  await app.select('ing:default/shop');
  await expect(page.getByTestId('ingress-rules')).toContainText('/a<img src=x id=injected>');
  await expect(page.getByTestId('ingress-rules')).toContainText('web<b id=bold>');
  await app.select('svc:default/web');
  await expect(page.getByTestId('service-ports')).toContainText('h<i id=italic>');
  await page.getByTestId('tab-table').click();
  await expect(page.getByTestId('table-view')).toContainText('default/web');
  expect(await page.locator('#injected, #bold, #italic').count()).toBe(0);
});
