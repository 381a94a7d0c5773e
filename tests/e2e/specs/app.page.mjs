// Page object for kubetopo: every spec talks to the app through this.
import { expect } from '@playwright/test';

/** The box of `locator` on screen. The drop markers are written anew a few times a
 * second, so one can be replaced while it is measured: this measures until one stays. */
export async function steadyBox(locator) {
  let box = null;
  await expect.poll(async () => (box = await locator.boundingBox({ timeout: 1000 }).catch(() => null))).not.toBeNull();
  return box;
}

export class App {
  constructor(page) {
    this.page = page;
    this.consoleErrors = [];
    this.requests = [];
    page.on('console', (message) => { if (message.type() === 'error') this.consoleErrors.push(message.text()); });
    page.on('pageerror', (error) => this.consoleErrors.push(`pageerror: ${error.message}`));
    page.on('request', (request) => this.requests.push(request.url()));
    this.graph = page.getByTestId('graph');
    this.editor = page.getByTestId('editor');
    this.details = page.getByTestId('details');
    this.diagnostics = page.getByTestId('diagnostics');
  }

  /** Opens the app with a clean localStorage, so the demo loads. */
  async openFresh() {
    await this.page.goto('/');
    await this.page.evaluate(() => localStorage.clear());
    await this.page.reload();
    await this.waitForGraph();
  }

  /** Opens the app fresh and loads the sample `id`, until its shape `shape` is drawn. */
  async openSample(id, shape) {
    await this.openFresh();
    await this.page.getByTestId('samples').selectOption(id);
    await expect(this.shape(shape)).toBeVisible();
  }

  async waitForGraph() {
    await expect(this.graph).toHaveAttribute('data-pods', /\d+/);
  }

  async counts() {
    const read = async (name) => Number(await this.graph.getAttribute(`data-${name}`));
    return { services: await read('services'), pods: await read('pods'), nodes: await read('nodes') };
  }

  shape(id) {
    return this.page.locator(`.graph .shape[data-id="${id}"]`);
  }

  async select(id) {
    // The top-left corner: a node box is mostly covered by its workload groups.
    await this.shape(id).first().click({ position: { x: 8, y: 6 } });
  }

  /** Pastes text into the editor, replacing its content, the way a user would. */
  async paste(text) {
    await this.editor.click();
    await this.editor.evaluate((textarea, text) => {
      textarea.select();
      const data = new DataTransfer();
      data.setData('text/plain', text);
      textarea.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, text);
  }

  async version() {
    return Number(await this.graph.getAttribute('data-version'));
  }

  async screenshot(name) {
    await this.page.screenshot({ path: `tests/e2e/artifacts/${name}.png` });
  }

  /** No console errors, and no request left the page's origin. */
  async assertClean() {
    expect(this.consoleErrors, 'console errors').toEqual([]);
    const origin = new URL(this.page.url()).origin;
    const outside = this.requests.filter((url) => !url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:'));
    expect(outside, 'requests that left the origin').toEqual([]);
  }
}

// ---- Work is never lost (issue #12): workspaces, saving, links, crash ----

/** Waits until the app reports the shown workspace as saved. */
App.prototype.waitForSaved = async function waitForSaved() {
  await expect(this.page.getByTestId('save-status')).toHaveAttribute('data-state', 'saved', { timeout: 30_000 });
};

/** The labels of the workspace switcher's entries, without the "new" entry. */
App.prototype.workspaceLabels = async function workspaceLabels() {
  const labels = await this.page.getByTestId('workspaces').locator('option').allTextContents();
  return labels.filter((label) => !label.startsWith('+ '));
};

/** Switches to the workspace whose label starts with `name`. */
App.prototype.switchWorkspace = async function switchWorkspace(name) {
  const labels = await this.workspaceLabels();
  const label = labels.find((l) => l.startsWith(name));
  expect(label, `a workspace named ${name} in ${JSON.stringify(labels)}`).toBeTruthy();
  await this.page.getByTestId('workspaces').selectOption({ label });
};

/** No console errors except the ones a test provokes on purpose. */
App.prototype.assertCleanExcept = async function assertCleanExcept(expected) {
  const unexpected = this.consoleErrors.filter((message) => !expected.some((pattern) => pattern.test(message)));
  expect(unexpected, 'console errors').toEqual([]);
};

/** Ticks these namespaces in the namespace filter (opening and closing its list). */
App.prototype.chooseNamespaces = async function chooseNamespaces(namespaces) {
  const summary = this.page.getByTestId('namespace-summary');
  await summary.click();
  for (const namespace of namespaces) {
    await this.page.locator(`[data-testid="namespace-filter"] input[data-namespace="${namespace}"]`).check();
  }
  await summary.click();
};
