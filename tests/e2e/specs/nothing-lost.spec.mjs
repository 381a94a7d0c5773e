// Issue #12, "Nothing the user typed is ever lost": one regression test per defect,
// each named after it. Every test ends by checking the console.
import { test, expect } from '@playwright/test';
import { App } from './app.page.mjs';

const service = (name) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  selector: {app: ${name}}\n  ports: [{port: 80}]\n`;
const base64 = (text) => Buffer.from(text).toString('base64');

test('#12.1 loading a sample opens it beside the user\'s work, which stays one click away', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await app.paste(service('mine'));
  await expect(app.shape('svc:default/mine')).toBeVisible();
  await app.waitForSaved();
  await page.getByTestId('samples').selectOption('guestbook');
  await expect(app.shape('svc:default/frontend')).toBeVisible();
  await expect(app.shape('svc:default/mine')).toHaveCount(0);
  expect(await app.workspaceLabels()).toEqual([
    expect.stringMatching(/^My workspace · 1 file/),
    expect.stringMatching(/^Sample: Guestbook · 1 file/),
  ]);
  await app.screenshot('nothing-lost-sample-beside-work');
  await app.switchWorkspace('My workspace');
  await expect(app.shape('svc:default/mine')).toBeVisible();
  expect(await app.editor.inputValue()).toBe(service('mine'));
  // The sample did not overwrite the saved work: a reload of this tab still shows it.
  await page.reload();
  await app.waitForGraph();
  expect(await app.editor.inputValue()).toBe(service('mine'));
  await app.assertClean();
});

test('#12.2 quota: a paste past the old 6 MB localStorage quota survives a reload', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  // One Service and 7 MB of comment lines: past localStorage's quota, cheap to analyse.
  const filler = `# ${'x'.repeat(97)}\n`.repeat(70_000);
  const huge = service('survives-reload') + filler;
  expect(huge.length).toBeGreaterThan(7_000_000);
  await app.paste(huge);
  await expect(app.shape('svc:default/survives-reload')).toBeVisible({ timeout: 30_000 });
  await app.waitForSaved();
  await page.reload();
  await app.waitForGraph();
  await expect(app.shape('svc:default/survives-reload')).toBeVisible();
  await expect(page.getByTestId('large-file-note')).toHaveAttribute('data-bytes', String(huge.length));
  expect(await page.evaluate(() => localStorage.getItem('kubetopo.files.v1'))).toBeNull();
  await app.assertClean();
});

test('#12.2 quota: a save that fails is shown to the user, never silent', async ({ page }) => {
  // The browser refuses every write, as it does when the disk quota is used up.
  await page.addInitScript(() => {
    IDBObjectStore.prototype.put = function refuse() {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
  });
  const app = new App(page);
  await app.openFresh();
  await app.paste(service('unsaved'));
  await expect(app.shape('svc:default/unsaved')).toBeVisible();
  const banner = page.getByTestId('save-error');
  await expect(banner).toBeVisible();
  await expect(banner).toContainText('QuotaExceededError');
  await expect(banner.getByRole('link', { name: 'Download your text' })).toHaveAttribute('href', /^data:text\/yaml/);
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'failed');
  await app.screenshot('nothing-lost-save-failed');
  await page.setViewportSize({ width: 1024, height: 768 });
  await app.screenshot('nothing-lost-save-failed-1024');
  await app.assertClean();
});

test('#12.2 quota: work saved under the old localStorage key is migrated on first load', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await page.evaluate((text) => localStorage.setItem('kubetopo.files.v1', JSON.stringify([{ name: 'old.yaml', text }])), service('from-localstorage'));
  await page.reload();
  await app.waitForGraph();
  await expect(app.shape('svc:default/from-localstorage')).toBeVisible();
  await expect(page.getByRole('tab', { name: 'old.yaml' })).toBeVisible();
  expect(await page.evaluate(() => localStorage.getItem('kubetopo.files.v1'))).toBeNull();
  expect(await app.workspaceLabels()).toEqual([expect.stringMatching(/^Saved work · 1 file/)]);
  await app.assertClean();
});

// The records in IndexedDB: what a save stored under each workspace id.
const savedRecords = (page) => page.evaluate(() => new Promise((resolve, reject) => {
  const open = indexedDB.open('kubetopo', 1);
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const request = open.result.transaction('workspaces').objectStore('workspaces').getAll();
    request.onerror = () => reject(request.error);
    request.onsuccess = () => { open.result.close(); resolve(request.result); };
  };
}));

test('#12.2 records: a workspace an earlier version saved as JSON text still opens, and its next save is an object', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  // Earlier versions stored each record as its JSON, escaped by JSON.stringify; a
  // save now stores the object itself (issue #9: escaping 40 MB held the page).
  await page.evaluate((text) => new Promise((resolve, reject) => {
    const record = { id: 'ws-old', name: 'Old save', files: [{ name: 'old.yaml', text }], revision: 3, updated_ms: Date.now() + 60_000 };
    const open = indexedDB.open('kubetopo', 1);
    open.onerror = () => reject(open.error);
    open.onupgradeneeded = () => open.result.createObjectStore('workspaces');
    open.onsuccess = () => {
      const transaction = open.result.transaction('workspaces', 'readwrite');
      transaction.objectStore('workspaces').put(JSON.stringify(record), 'ws-old');
      transaction.oncomplete = () => { open.result.close(); resolve(); };
      transaction.onerror = () => reject(transaction.error);
    };
  }), service('from-json-text'));
  await page.evaluate(() => sessionStorage.setItem('kubetopo.tab-workspace.v1', 'ws-old'));
  await page.reload();
  await app.waitForGraph();
  await expect(app.shape('svc:default/from-json-text')).toBeVisible();
  await expect(page.getByRole('tab', { name: 'old.yaml' })).toBeVisible();
  await app.paste(service('saved-as-object'));
  await expect(app.shape('svc:default/saved-as-object')).toBeVisible();
  await app.waitForSaved();
  const record = (await savedRecords(page)).find((r) => typeof r === 'object' && r.id === 'ws-old');
  expect(record).toBeTruthy();
  expect(record.name).toBe('Old save');
  expect(record.files.map((f) => f.text)).toEqual([service('saved-as-object')]);
  await page.reload();
  await app.waitForGraph();
  await expect(app.shape('svc:default/saved-as-object')).toBeVisible();
  await app.assertClean();
});

test('#12.3 links: ?sample= and #manifests= open as new workspaces and never hide the saved work', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await app.paste(service('saved-before-link'));
  await app.waitForSaved();
  await page.goto('/?sample=statefulset');
  await app.waitForGraph();
  await expect(app.shape('svc:default/nginx')).toBeVisible();
  // The link is forgotten from the address, so a reload comes back to this workspace.
  expect(new URL(page.url()).search).toBe('');
  await app.editor.press('End');
  await app.editor.pressSequentially('# edited after the link\n');
  await app.waitForSaved();
  await app.switchWorkspace('My workspace');
  await expect(app.shape('svc:default/saved-before-link')).toBeVisible();
  // A fresh document: from '/' a hash alone would not reload the page.
  await page.goto('about:blank');
  await page.goto(`/#manifests=${base64(service('from-the-hash'))}`);
  await app.waitForGraph();
  await expect(app.shape('svc:default/from-the-hash')).toBeVisible();
  expect(new URL(page.url()).hash).toBe('');
  const labels = await app.workspaceLabels();
  expect(labels).toHaveLength(3);
  expect(labels).toEqual(expect.arrayContaining([
    expect.stringMatching(/^My workspace/),
    expect.stringMatching(/^Sample: Headless StatefulSet/),
    expect.stringMatching(/^Shared link/),
  ]));
  await app.switchWorkspace('My workspace');
  await expect(app.shape('svc:default/saved-before-link')).toBeVisible();
  await app.switchWorkspace('Sample: Headless StatefulSet');
  await expect.poll(() => app.editor.inputValue()).toContain('# edited after the link');
  await app.screenshot('nothing-lost-link-workspaces');
  await page.setViewportSize({ width: 1024, height: 768 });
  await app.screenshot('nothing-lost-link-workspaces-1024');
  await app.assertClean();
});

test('#12.4 two tabs: the last save does not destroy the other tab\'s work', async ({ context }) => {
  const first = new App(await context.newPage());
  await first.openFresh();
  await first.paste(service('from-first-tab'));
  await first.waitForSaved();
  // The second tab opens the same workspace, the most recently saved one.
  const second = new App(await context.newPage());
  await second.page.goto('/');
  await second.waitForGraph();
  await expect(second.shape('svc:default/from-first-tab')).toBeVisible();
  // Both tabs edit it; the second saves last.
  await first.editor.press('End');
  await first.editor.pressSequentially('# first tab was here\n');
  await first.waitForSaved();
  await second.paste(service('from-second-tab'));
  await second.waitForSaved();
  // Whichever tab learns of the other's save keeps its version as a copy and says so.
  const notes = [first, second].map((app) => app.page.getByTestId('tab-note'));
  await expect.poll(async () => (await notes[0].count()) + (await notes[1].count())).toBeGreaterThan(0);
  const third = new App(await context.newPage());
  await third.page.goto('/');
  await third.waitForGraph();
  await expect.poll(() => third.workspaceLabels()).toHaveLength(2);
  const texts = [];
  const switcher = third.page.getByTestId('workspaces');
  for (const label of await third.workspaceLabels()) {
    const [id] = await switcher.selectOption({ label });
    await expect(switcher).toHaveAttribute('data-current', id);
    texts.push(await third.editor.inputValue());
  }
  expect(texts.some((t) => t.includes('from-second-tab'))).toBe(true);
  expect(texts.some((t) => t.includes('# first tab was here'))).toBe(true);
  await second.page.bringToFront();
  await expect(second.page.getByTestId('tab-note')).toContainText('copy from another tab');
  await second.screenshot('nothing-lost-two-tabs');
  await second.page.setViewportSize({ width: 1024, height: 768 });
  await second.screenshot('nothing-lost-two-tabs-1024');
  for (const app of [first, second, third]) await app.assertClean();
});

test('#12.5 closing early: keystrokes typed just before a reload are not lost', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await app.paste(service('typed'));
  await app.waitForSaved();
  await app.editor.press('End');
  await app.editor.pressSequentially('# typed a moment before the reload\n', { delay: 0 });
  // Well inside the 250 ms typing pause: the save has not even been scheduled yet.
  await page.reload();
  await app.waitForGraph();
  expect(await app.editor.inputValue()).toBe(`${service('typed')}# typed a moment before the reload\n`);
  // The recovered text was written to IndexedDB, so a second reload still has it.
  await page.reload();
  await app.waitForGraph();
  expect(await app.editor.inputValue()).toContain('# typed a moment before the reload');
  await app.assertClean();
});

test('#12.6 tabs: closing a file tab can be undone, and Open… adds files beside the open ones', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  const tabs = page.getByRole('tab');
  await expect(tabs).toHaveCount(2);
  await page.getByTestId('open-files').setInputFiles([
    { name: 'extra.yaml', mimeType: 'text/yaml', buffer: Buffer.from(service('extra')) },
    { name: 'online-boutique.yaml', mimeType: 'text/yaml', buffer: Buffer.from(service('same-name')) },
  ]);
  // The demo's two files stay; the clashing name gets a number instead of replacing.
  await expect(tabs).toHaveText(['online-boutique.yaml', 'online-boutique-netpol.yaml', 'extra.yaml', 'online-boutique (2).yaml']);
  await expect(app.shape('svc:default/extra')).toBeVisible();
  await expect(app.shape('svc:default/frontend')).toBeVisible();
  await page.getByRole('button', { name: 'Close extra.yaml' }).click();
  await expect(tabs).toHaveCount(3);
  await expect(app.shape('svc:default/extra')).toHaveCount(0);
  await expect(page.getByTestId('closed-file-toast')).toContainText('Closed extra.yaml.');
  await app.screenshot('nothing-lost-undo-close');
  await page.getByTestId('undo-close').click();
  await expect(tabs).toHaveText(['online-boutique.yaml', 'online-boutique-netpol.yaml', 'extra.yaml', 'online-boutique (2).yaml']);
  await expect(app.shape('svc:default/extra')).toBeVisible();
  expect(await app.editor.inputValue()).toBe(service('extra'));
  await expect(page.getByTestId('closed-file-toast')).toHaveCount(0);
  await app.assertClean();
});

test('#12.8 stopped wasm: a trap shows the crash banner and offers the user\'s text', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await app.paste(service('rescued'));
  await app.waitForSaved();
  // What the browser reports when the wasm executes `unreachable` or runs out of
  // memory inside an event handler: an uncaught RuntimeError on the window.
  await page.evaluate(() => {
    const trap = new WebAssembly.RuntimeError('unreachable');
    window.dispatchEvent(new ErrorEvent('error', { error: trap, message: `Uncaught ${trap}` }));
  });
  const banner = page.locator('#panic-banner');
  await expect(banner).toBeVisible();
  await expect(banner).toContainText('RuntimeError: unreachable');
  await expect(page.getByTestId('crash-text')).toHaveValue(/name: rescued/);
  const download = page.getByTestId('crash-download');
  await expect(download).toHaveAttribute('download', 'kubetopo-rescued.yaml');
  const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
  const saved = await file.path().then((path) => import('node:fs').then((fs) => fs.readFileSync(path, 'utf8')));
  expect(saved).toContain('name: rescued');
  await expect(app.editor).toHaveJSProperty('readOnly', true);
  await app.screenshot('nothing-lost-crash-banner');
  await page.setViewportSize({ width: 1024, height: 768 });
  await app.screenshot('nothing-lost-crash-banner-1024');
  await app.assertCleanExcept([/kubetopo stopped: RuntimeError: unreachable/]);
});

test('#12.8 stopped wasm: a rejected promise shows the crash banner too', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await page.evaluate(() => { Promise.reject(new WebAssembly.RuntimeError('memory access out of bounds')); });
  await expect(page.locator('#panic-banner')).toContainText('memory access out of bounds');
  await expect(page.getByTestId('crash-text')).toHaveValue(/online-boutique/);
  await app.assertCleanExcept([/memory access out of bounds/]);
});

test('#12.9 huge pastes: 4.7 MB in 1.2M lines is analysed without filling the editor', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  const huge = service('after-huge-paste') + '#ab\n'.repeat(1_200_000);
  const started = Date.now();
  await app.paste(huge);
  await expect(app.shape('svc:default/after-huge-paste')).toBeVisible({ timeout: 60_000 });
  const elapsedMs = Date.now() - started;
  const note = page.getByTestId('large-file-note');
  // Seven lines of Service, 1.2M comment lines, and the empty line after the last newline.
  await expect(note).toHaveAttribute('data-lines', String(7 + 1_200_000 + 1));
  await expect(note).toContainText('read-only');
  await expect(app.editor).toHaveJSProperty('readOnly', true);
  expect((await app.editor.inputValue()).length).toBeLessThan(70_000);
  await expect(page.getByTestId('progress')).toHaveCount(0);
  await app.screenshot('nothing-lost-huge-paste');
  await page.setViewportSize({ width: 1024, height: 768 });
  await app.screenshot('nothing-lost-huge-paste-1024');
  // The tab still answers: typing into a new file re-analyses as usual.
  await page.getByRole('button', { name: 'New file' }).click();
  await app.editor.fill(service('still-alive'));
  await expect(app.shape('svc:default/still-alive')).toBeVisible();
  // Before the fix Chromium froze for about 29 s laying out the textarea.
  expect(elapsedMs).toBeLessThan(15_000);
  await app.assertClean();
});

test('#12.20 links: malformed #manifests= shows an error instead of the demo', async ({ page }) => {
  const app = new App(page);
  const cases = [
    ['invalid base64', '#manifests=not*base64!', /not base64/],
    ['not UTF-8', `#manifests=${Buffer.from([0x6b, 0x69, 0x6e, 0x64, 0xff, 0xfe]).toString('base64')}`, /not UTF-8/],
    ['cut short', '#manifests=YWJjZ', /length is wrong/],
  ];
  for (const [, hash, reason] of cases) {
    // A fresh document each time: a new hash alone would not reload the page.
    await page.goto('about:blank');
    await page.goto(`/?embed${hash}`);
    await app.waitForGraph();
    const error = page.getByTestId('link-error');
    await expect(error).toContainText('cannot be read');
    await expect(error).toContainText(reason);
    await expect(app.shape('svc:default/frontend')).toHaveCount(0);
  }
  // Percent-encoded padding, as chat tools rewrite it, is read correctly.
  let paddedText = service('padded');
  while (Buffer.from(paddedText).length % 3 === 0) paddedText += '#';
  const padded = base64(paddedText).replace(/=/g, '%3D');
  await page.goto('about:blank');
  expect(padded).toContain('%3D');
  await page.goto(`/?embed#manifests=${padded}`);
  await app.waitForGraph();
  await expect(app.shape('svc:default/padded')).toBeVisible();
  await expect(page.getByTestId('link-error')).toHaveCount(0);
  await page.goto('about:blank');
  await page.goto('/?embed#manifests=not*base64!');
  await app.waitForGraph();
  await app.screenshot('nothing-lost-link-error');
  // Embedded copies have no workspace switcher or save status: they save nothing.
  await expect(page.getByTestId('workspaces')).toHaveCount(0);
  await expect(page.getByTestId('save-status')).toHaveCount(0);
  await app.assertClean();
});

test('#12.20 links: an unknown ?sample= shows an error and keeps the saved work', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await app.paste(service('kept'));
  await app.waitForSaved();
  await page.goto('/?sample=no-such-sample');
  await app.waitForGraph();
  await expect(page.getByTestId('link-error')).toContainText('"no-such-sample", which does not exist');
  await expect(page.getByTestId('link-error')).toContainText('guestbook');
  await expect(app.shape('svc:default/kept')).toBeVisible();
  await app.assertClean();
});

test('#12.20 links: ?embed=false, 0 and no do not turn embed mode on', async ({ page }) => {
  const app = new App(page);
  for (const value of ['false', '0', 'no', 'FALSE']) {
    await page.goto(`/?embed=${value}`);
    await app.waitForGraph();
    await expect(app.editor).toBeVisible();
  }
  for (const query of ['?embed', '?embed=1', '?embed=true']) {
    await page.goto(`/${query}`);
    await app.waitForGraph();
    await expect(app.editor).toBeHidden();
  }
  await app.assertClean();
});
