// Page object for documentation pages that embed kubetopo with kubetopo-embed.js:
// the viewers the script makes, and the app inside each one's frame.
import { expect } from '@playwright/test';

export class DocsPage {
  constructor(page) {
    this.page = page;
    this.consoleErrors = [];
    this.failedRequests = [];
    // Console messages and failures of the frames arrive on the page too.
    page.on('console', (message) => { if (message.type() === 'error') this.consoleErrors.push(message.text()); });
    page.on('pageerror', (error) => this.consoleErrors.push(`pageerror: ${error.message}`));
    page.on('requestfailed', (request) => this.failedRequests.push(`${request.url()}: ${request.failure()?.errorText}`));
    page.on('response', (response) => { if (response.status() >= 400) this.failedRequests.push(`${response.url()}: ${response.status()}`); });
    this.viewers = page.locator('.kubetopo-embed');
    this.frames = page.locator('iframe[data-kubetopo-frame]');
  }

  /** The holder the script made around the code block `block` (a locator that
   *  finds the block by itself, such as by id or text, not by position). */
  viewerOf(block) {
    return this.viewers.filter({ has: block });
  }

  /** Scrolls a code block into view, or its viewer once the block is hidden. */
  async scrollTo(block) {
    await block.evaluate((element) => (element.closest('.kubetopo-embed') || element).scrollIntoView({ block: 'center' }));
  }

  /** The app inside a viewer. */
  app(viewer) {
    return viewer.frameLocator('iframe[data-kubetopo-frame]');
  }

  /** Waits until the viewer shows the app, with its graph drawn, in place of the block. */
  async waitForDrawn(viewer) {
    await expect(viewer).toHaveAttribute('data-kubetopo-state', 'shown', { timeout: 30_000 });
    await expect(this.app(viewer).getByTestId('graph')).toHaveAttribute('data-pods', /\d+/);
  }

  /** Waits until the viewer shows the app's table view in place of the block. */
  async waitForTable(viewer) {
    await expect(viewer).toHaveAttribute('data-kubetopo-state', 'shown', { timeout: 30_000 });
    await expect(this.app(viewer).getByTestId('table-view')).toBeVisible();
  }

  /** The manifests a viewer's frame carries in its address, decoded. */
  async manifestsOf(viewer) {
    const src = await viewer.locator('iframe').getAttribute('src');
    const encoded = new URL(src).hash.replace(/^#manifests=/, '');
    return Buffer.from(encoded, 'base64url').toString('utf8');
  }

  async screenshot(name, options = {}) {
    await this.page.screenshot({ path: `tests/e2e/artifacts/${name}.png`, ...options });
  }

  /** No console error in the page or its frames, and no failed request. */
  async assertClean() {
    expect(this.consoleErrors, 'console errors').toEqual([]);
    expect(this.failedRequests, 'failed requests').toEqual([]);
  }
}
