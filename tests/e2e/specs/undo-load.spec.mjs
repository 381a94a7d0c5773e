// Issue #10 point 5, "state you can trust": loading a sample or opening a link shows
// a new workspace, and "Undo load" brings the one it replaced back in one step.
// Replacing the input clears what-if edits, the trace and the counters.
import { test, expect } from '@playwright/test';
import { App } from './app.page.mjs';

const service = (name) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  selector: {app: ${name}}\n  ports: [{port: 80}]\n`;

for (const size of [{ width: 1440, height: 900 }, { width: 1024, height: 768 }]) {
  test(`undo load: a sample from the menu, then a ?sample= link, each undone in one step (${size.width}x${size.height})`, async ({ page }) => {
    await page.setViewportSize(size);
    const app = new App(page);
    await app.openFresh();
    await app.paste(service('mine'));
    await expect(app.shape('svc:default/mine')).toBeVisible();
    await app.waitForSaved();
    await page.getByTestId('samples').selectOption('guestbook');
    await expect(app.shape('svc:default/frontend')).toBeVisible();
    const toast = page.getByTestId('undo-load-toast');
    await expect(toast).toContainText('Opened "Sample: Guestbook" as a new workspace; "My workspace" is kept.');
    await app.screenshot(`undo-load-offered-${size.width}x${size.height}`);
    await page.getByTestId('undo-load').click();
    await expect(app.shape('svc:default/mine')).toBeVisible();
    await expect(app.shape('svc:default/frontend')).toHaveCount(0);
    expect(await app.editor.inputValue()).toBe(service('mine'));
    await expect(toast).toHaveCount(0);
    await expect(page.getByTestId('workspaces')).toHaveAttribute('data-current', /.+/);
    expect(await app.workspaceLabels()).toEqual([
      expect.stringMatching(/^My workspace · 1 file/),
      expect.stringMatching(/^Sample: Guestbook · 1 file/),
    ]);
    await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'saved');
    await app.screenshot(`undo-load-undone-${size.width}x${size.height}`);
    // A link opens as a new workspace too, and offers the same way back.
    await page.goto('/?sample=statefulset');
    await app.waitForGraph();
    await expect(toast).toContainText('"My workspace" is kept.');
    await page.getByTestId('undo-load').click();
    await expect(app.shape('svc:default/mine')).toBeVisible();
    expect(await app.editor.inputValue()).toBe(service('mine'));
    // Undone once; a reload stays on the restored workspace.
    await page.reload();
    await expect(app.shape('svc:default/mine')).toBeVisible();
    await expect(toast).toHaveCount(0);
    await app.assertClean();
  });
}

test('undo load brings back the untouched demo too, and switching workspaces withdraws the offer', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await page.getByTestId('samples').selectOption('local-lb');
  await expect(app.shape('svc:default/echo')).toBeVisible();
  await page.getByTestId('undo-load').click();
  await expect(app.shape('svc:default/frontend')).toBeVisible();
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'unchanged');
  await page.getByTestId('samples').selectOption('guestbook');
  await expect(page.getByTestId('undo-load-toast')).toBeVisible();
  await app.switchWorkspace('Sample: LoadBalancer');
  await expect(app.shape('svc:default/echo')).toBeVisible();
  await expect(page.getByTestId('undo-load-toast')).toHaveCount(0);
  await app.assertClean();
});

test('replacing the input clears what-if edits, the trace and the counters', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await app.select(await page.locator('.graph .shape.pod[data-id^="pod:default/redis-cart-"]').getAttribute('data-id'));
  await page.getByTestId('kill-pod').click();
  await expect(page.getByTestId('edits').getByTestId('edit')).toHaveCount(1);
  await app.select('svc:default/cartservice');
  await page.getByTestId('trace-service').click();
  await expect(page.getByTestId('trace-verdict')).toBeVisible();
  await expect(page.locator('[data-testid="service-counter"][data-key^="default/cartservice"]')).not.toHaveCount(0);
  await app.paste(service('mine'));
  await expect(app.shape('svc:default/mine')).toBeVisible();
  // One of a kind is counted in the singular.
  await expect(page.getByTestId('status')).toContainText(' · 1 service · 0 ingresses · ');
  await expect(page.getByTestId('edits').getByTestId('edit')).toHaveCount(0);
  await expect(page.getByTestId('trace-verdict')).toHaveCount(0);
  await expect(page.locator('[data-testid="service-counter"][data-key^="default/cartservice"]')).toHaveCount(0);
  await app.assertClean();
});

test('a sample forgets the namespaces, search and label query chosen for the input before', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await page.getByTestId('samples').selectOption('gateway-canary');
  await expect(app.shape('svc:payments/payments')).toBeVisible();
  await app.chooseNamespaces(['payments', 'legacy']);
  await expect(page.getByTestId('namespace-summary')).toHaveText('2 namespaces');
  await page.getByTestId('search').fill('cart');
  await page.getByTestId('query').fill('app=cart');
  // Guestbook has none of those namespaces: kept, they would filter out all of it.
  await page.getByTestId('samples').selectOption('guestbook');
  await expect(app.shape('svc:default/frontend')).toBeVisible();
  await expect(app.shape('svc:default/redis-master')).toBeVisible();
  await expect(page.getByTestId('namespace-summary')).toHaveText(/All namespaces/);
  await expect(page.getByTestId('search')).toHaveValue('');
  await expect(page.getByTestId('query')).toHaveValue('');
  await page.getByTestId('namespace-summary').click();
  await expect(page.locator('[data-testid="namespace-filter"] input[type="checkbox"]')).toHaveCount(1);
  await expect(page.locator('[data-testid="namespace-filter"] input[data-namespace="default"]')).not.toBeChecked();
  await page.getByTestId('namespace-summary').click();
  expect((await app.counts()).pods).toBe(6);
  await app.screenshot('undo-load-filter-forgotten');
  await app.assertClean();
});

test('loading a sample under the pointer leaves no tooltip of the previous picture', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await app.shape('svc:default/frontend-external').hover();
  await expect(page.getByTestId('tooltip')).toContainText('frontend-external');
  // Chosen by keyboard, so the pointer stays over the graph.
  await page.getByTestId('samples').selectOption('local-lb');
  await expect(app.shape('svc:default/echo')).toBeVisible();
  await expect(page.getByTestId('tooltip')).toHaveCount(0);
  await app.assertClean();
});

test('a paste over all of the untouched demo replaces it whole: its NetworkPolicy file goes with it, and no warning about its policies is left', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  expect(await app.workspaceLabels()).toEqual([expect.stringMatching(/^My workspace · 2 files/)]);
  await app.paste(service('mine'));
  await expect(app.shape('svc:default/mine')).toBeVisible();
  expect(await app.workspaceLabels()).toEqual([expect.stringMatching(/^My workspace · 1 file/)]);
  expect(await app.editor.inputValue()).toBe(service('mine'));
  // Its tab is named for what it holds now, not for the demo.
  await expect(page.getByRole('tab')).toHaveText(['pasted.yaml']);
  await expect(app.diagnostics).not.toContainText('network-policy');
  // The demo's shapes have faded out.
  await expect(app.shape('svc:default/cartservice')).toHaveCount(0);
  await app.screenshot('paste-over-demo');
  await app.waitForSaved();
  // A workspace that is saved (a sample opened from the menu is saved at once) is
  // the user's: a paste over all of one of its files is an edit of that file, and
  // the others stay.
  await page.getByTestId('samples').selectOption('boutique');
  await expect(app.shape('svc:default/cartservice')).toBeVisible();
  await app.waitForSaved();
  await app.paste(service('ours'));
  await expect(app.shape('svc:default/ours')).toBeVisible();
  const current = await page.getByTestId('workspaces').evaluate((select) => select.selectedOptions[0].textContent);
  expect(current).toMatch(/· 2 files/);
  await app.assertClean();
});
