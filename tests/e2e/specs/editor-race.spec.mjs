// An edit that arrives while a large paste waits for its frame (issue #10): a paste
// over 256 KB reaches the textarea a frame after the buffer, and an edit without a
// `beforeinput` event in between (`document.execCommand("insertText")`, some input
// methods) used to be applied to the older text and lose the paste. Both survive.
import { test, expect } from '@playwright/test';
import { App } from './app.page.mjs';

const service = (name) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  selector: {app: ${name}}\n  ports: [{port: 80}]\n`;

test('a paste and an execCommand insertText in the same task both survive a reload', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  // 300 KB: above the size whose textarea write waits a frame, below the preview.
  // It ends inside a comment, so that the typed "x" keeps the YAML valid.
  const pasted = service('raced') + `# ${'x'.repeat(97)}\n`.repeat(3_000) + '# typed after the paste: ';
  expect(pasted.length).toBeGreaterThan(256 * 1024);
  await app.editor.click();
  const sawBeforeInput = await app.editor.evaluate((textarea, text) => {
    let beforeInput = false;
    textarea.addEventListener('beforeinput', () => { beforeInput = true; }, { once: true });
    textarea.select();
    const data = new DataTransfer();
    data.setData('text/plain', text);
    textarea.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    // The same task: the paste's textarea write has not happened yet.
    document.execCommand('insertText', false, 'x');
    return beforeInput;
  }, pasted);
  // The case this test is about: the edit came without a beforeinput.
  expect(sawBeforeInput).toBe(false);
  await expect(app.shape('svc:default/raced')).toBeVisible();
  await expect.poll(() => app.editor.inputValue()).toBe(`${pasted}x`);
  // The caret is after the typed text, at the end.
  expect(await app.editor.evaluate((t) => [t.selectionStart, t.value.length])).toEqual([pasted.length + 1, pasted.length + 1]);
  await app.waitForSaved();
  await app.screenshot('editor-race-after-edit');
  await page.reload();
  await app.waitForGraph();
  await expect(app.shape('svc:default/raced')).toBeVisible();
  expect(await app.editor.inputValue()).toBe(`${pasted}x`);
  await app.assertClean();
});

// A large paste is copied into the buffers in the task after its event (issue #9: at
// 14 MB the copy made the key that pasted paint 40 ms later). A key typed before that
// task still lands after the pasted text.
test('a key typed before a large paste is taken lands after the pasted text', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  const pasted = service('keyed') + `# ${'y'.repeat(97)}\n`.repeat(3_000) + '# typed after the paste: ';
  await app.editor.click();
  const handled = await app.editor.evaluate((textarea, text) => {
    textarea.select();
    const data = new DataTransfer();
    data.setData('text/plain', text);
    textarea.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    // The same task, as a key's `beforeinput` that comes before the paste's task.
    const key = new InputEvent('beforeinput', { inputType: 'insertText', data: 'k', bubbles: true, cancelable: true });
    textarea.dispatchEvent(key);
    return key.defaultPrevented;
  }, pasted);
  // The editor applied the key itself, after the paste it took first.
  expect(handled).toBe(true);
  await expect(app.shape('svc:default/keyed')).toBeVisible();
  await expect.poll(() => app.editor.inputValue()).toBe(`${pasted}k`);
  expect(await app.editor.evaluate((t) => t.selectionStart)).toBe(pasted.length + 1);
  await app.waitForSaved();
  await page.reload();
  await app.waitForGraph();
  expect(await app.editor.inputValue()).toBe(`${pasted}k`);
  await app.assertClean();
});
