// Analysis off the main thread (issue #9): a large input is parsed in a Web Worker
// running the same wasm module, so the page keeps answering; a newer input
// supersedes an analysis still running; where no worker can start, the page
// analyses by itself and says so. Every check is on the order of events in the
// page, never on wall-clock time.
import { test, expect } from '@playwright/test';
import { App } from './app.page.mjs';
import { SUBPATH } from '../playwright.config.mjs';
import { synthetic } from './synthetic.mjs';

const TEN_K = synthetic(2000, 5, 100, 10);
// 6,000 pods in 43,000 lines: under the 50,000 lines past which the editor shows a
// read-only preview (and a paste goes into a new file), so a paste replaces it.
const SIX_K = synthetic(1200, 5, 60, 10);
// Large enough for the worker (over 192 KB), small enough to tell apart: 800 pods.
const SECOND = synthetic(400, 2, 20, 4, { prefix: 'second' });

/** Records, in the page, what happens in order: each new picture (its version and
 * pod count), each value of the search box and each edit of the editor, and each
 * progress note. */
async function recordEvents(page) {
  await page.evaluate(() => {
    const events = [];
    window.__events = events;
    const svg = document.querySelector('svg.scene');
    new MutationObserver(() => {
      events.push({ kind: 'drawn', version: Number(svg.getAttribute('data-version')), pods: Number(svg.getAttribute('data-pods')) });
    }).observe(svg, { attributes: true, attributeFilter: ['data-version'] });
    document.addEventListener('input', (event) => {
      const testid = event.target.dataset && event.target.dataset.testid;
      if (testid === 'search') events.push({ kind: 'search', value: event.target.value });
      if (testid === 'editor') events.push({ kind: 'editor' });
    }, { capture: true });
    new MutationObserver(() => {
      const note = document.querySelector('[data-testid="progress"]');
      if (note) events.push({ kind: 'progress', text: note.textContent });
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  });
}
const events = (page) => page.evaluate(() => window.__events);

/** Opens the app with the traffic paused, and counts the workers the page starts:
 * `app.workers` across both loads (Playwright's events), and `startedWorkers`
 * those the page now shown constructed. The app starts one while it is idle, so a
 * paste does not wait for one to load: `open` waits for it. */
async function open(page, path = '/') {
  const app = new App(page);
  app.workers = [];
  page.on('worker', (worker) => app.workers.push(worker.url()));
  await countWorkers(page);
  await page.goto(path);
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await app.waitForGraph();
  await page.getByTestId('play').click();
  await recordEvents(page);
  if (await page.evaluate(() => typeof Worker !== 'undefined')) {
    await expect.poll(() => startedWorkers(page), { message: 'a worker started while the page was idle' }).toHaveLength(1);
  }
  return app;
}

/** Records, in the page, the URL of each worker it constructs. */
async function countWorkers(page) {
  await page.addInitScript(() => {
    window.__workers = [];
    if (typeof window.Worker === 'undefined') return;
    const Real = window.Worker;
    window.Worker = class extends Real {
      constructor(url, options) {
        super(url, options);
        window.__workers.push(String(url));
      }
    };
  });
}

const startedWorkers = (page) => page.evaluate(() => window.__workers);

/** Makes the page's workers hold their parsed answer until the test releases it,
 * so that what the page does while the worker works can be checked in order,
 * whatever the machine's speed. Progress notes still pass. */
async function holdWorkerAnswers(page) {
  await page.addInitScript(() => {
    const held = [];
    window.__heldAnswers = held;
    window.__releaseAnswers = () => held.splice(0).forEach((deliver) => deliver());
    const Real = window.Worker;
    window.Worker = class extends Real {
      set onmessage(handler) {
        super.onmessage = (event) => {
          if (event.data && event.data.bytes) held.push(() => handler.call(this, event));
          else handler.call(this, event);
        };
      }
      get onmessage() { return super.onmessage; }
    };
  });
}

test('keys typed into the search box while a 10,000-pod paste is analysed show up at once, before its picture', async ({ page }) => {
  await holdWorkerAnswers(page);
  const app = await open(page);
  const search = page.getByTestId('search');
  const version = await app.version();
  await app.paste(TEN_K);
  await search.click();
  // Each key shows in the box while the worker's answer is still to come.
  for (const prefix of ['a', 'ap', 'app', 'app-', 'app-0', 'app-00', 'app-000', 'app-0001']) {
    await page.keyboard.type(prefix.at(-1));
    await expect(search).toHaveValue(prefix);
  }
  await expect.poll(() => page.evaluate(() => window.__heldAnswers.length), { timeout: 60_000 }).toBe(1);
  expect(await app.version(), 'no new picture before the worker answered').toBe(version);
  expect(await startedWorkers(page), 'the paste used the worker that was ready').toHaveLength(1);
  await page.evaluate(() => window.__releaseAnswers());
  await expect.poll(() => app.version(), { timeout: 60_000 }).toBeGreaterThan(version);
  await expect(app.graph).toHaveAttribute('data-pods', '10000');
  const log = await events(page);
  const drawn = log.findIndex((event) => event.kind === 'drawn' && event.pods === 10000);
  expect(log.filter((event) => event.kind === 'search').map((event) => event.value)).toEqual(
    ['a', 'ap', 'app', 'app-', 'app-0', 'app-00', 'app-000', 'app-0001'],
  );
  expect(log.findLastIndex((event) => event.kind === 'search'), 'every search key showed before the 10,000 pods were drawn').toBeLessThan(drawn);
  // The worker started while the page was idle did the parsing: none was started
  // for the paste. (One may start later, to be ready for the next paste, if this
  // one was stopped for its memory.)
  const workers = await startedWorkers(page);
  expect(workers[0]).toMatch(/\/analysis-worker\.js$/);
  // The search typed meanwhile applies to the new picture.
  await expect(page.getByTestId('match-count')).toContainText('matches');
  await expect(page.getByTestId('progress')).toHaveCount(0);
  await app.screenshot('worker-10k-search');
  await app.assertClean();
});

test('typing into the editor during the analysis supersedes it, and the typed text wins', async ({ page }) => {
  const app = await open(page);
  const version = await app.version();
  await app.paste(SIX_K);
  // Into the editor at once: a new Service at the top of the pasted text.
  await app.editor.click();
  await page.keyboard.press('Control+Home');
  await page.keyboard.type('apiVersion: v1\nkind: Service\nmetadata: {name: typed-while-busy}\nspec: {ports: [{port: 80}]}\n', { delay: 5 });
  await expect.poll(() => app.version(), { timeout: 60_000 }).toBeGreaterThan(version);
  await expect(app.graph).toHaveAttribute('data-services', '1201', { timeout: 60_000 });
  const log = await events(page);
  const edits = log.filter((event) => event.kind === 'editor').length;
  expect(edits, 'every key reached the editor').toBeGreaterThan(50);
  // Every edit came in before the last picture, which holds the typed Service.
  const lastEdit = log.findLastIndex((event) => event.kind === 'editor');
  const lastDrawn = log.findLastIndex((event) => event.kind === 'drawn');
  expect(lastEdit).toBeLessThan(lastDrawn);
  await expect(app.editor).toHaveValue(/^apiVersion: v1\nkind: Service\nmetadata: \{name: typed-while-busy\}/);
  await app.assertClean();
});

/** Pastes `first`, then `second` as soon as the editor shows `first` (a large paste
 * is written into it a frame later), all in the page: the worker has just been
 * asked to parse `first` then, and is still loading or parsing. */
async function pasteTwice(app, first, second) {
  await app.editor.click();
  await app.editor.evaluate(async (textarea, [first, second]) => {
    const paste = (text) => {
      textarea.select();
      const data = new DataTransfer();
      data.setData('text/plain', text);
      textarea.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    };
    paste(first);
    while (textarea.value !== first) await new Promise((resolve) => requestAnimationFrame(resolve));
    paste(second);
  }, [first, second]);
}

test('a second paste supersedes the first: only the second is drawn, by a fresh worker', async ({ page }) => {
  // The first answer is held, so the worker is still busy when the second paste
  // comes, however fast it parses.
  await holdWorkerAnswers(page);
  const app = await open(page);
  await pasteTwice(app, SIX_K, SECOND);
  // The busy worker was stopped rather than waited for: a second one was started.
  // (Playwright reports no worker stopped before it attached, so the page counts.)
  await expect.poll(() => startedWorkers(page), { timeout: 60_000 }).toEqual([expect.stringMatching(/\/analysis-worker\.js$/), expect.stringMatching(/\/analysis-worker\.js$/)]);
  await expect.poll(async () => {
    await page.evaluate(() => window.__releaseAnswers());
    return app.graph.getAttribute('data-pods');
  }, { timeout: 60_000 }).toBe('800');
  // Give a stale answer every chance to arrive; it must be dropped.
  await page.waitForTimeout(1500);
  await expect(app.graph).toHaveAttribute('data-pods', '800');
  const drawnPods = (await events(page)).filter((event) => event.kind === 'drawn').map((event) => event.pods);
  expect(drawnPods).toEqual([800]);
  // The second input's objects are in the scene, whichever renderer draws it (a
  // picture zoomed out to tiles is on the canvas, with no SVG shapes).
  await page.getByTestId('search').fill('second-00000');
  await expect(page.getByTestId('match-count')).toContainText('matches');
  await expect(app.editor).toHaveValue(SECOND);
  await app.assertClean();
});

test('after a large paste the traffic runs on the new input once its trace index is made after the picture', async ({ page }) => {
  const app = await open(page);
  // `open` pauses the animation; this test wants it running.
  await page.getByTestId('play').click();
  await app.paste(synthetic(400, 2, 20, 4, { prefix: 'second', calls: true }));
  await expect(app.graph).toHaveAttribute('data-pods', '800', { timeout: 60_000 });
  // The simulator of the new input starts once its index is made, after the
  // picture: its flows are the second input's, and packets move.
  await expect(page.getByTestId('flow-row').first()).toContainText('second-', { timeout: 30_000 });
  await expect.poll(async () => Number(await page.getByTestId('packets').getAttribute('data-packets')), { timeout: 30_000 }).toBeGreaterThan(0);
  await expect(page.getByTestId('flow-row').filter({ hasNotText: 'second-' })).toHaveCount(0);
  await app.assertClean();
});

test('a small edit after a large paste supersedes the worker too', async ({ page }) => {
  const app = await open(page);
  // A small input is analysed at once on the page; the worker's work is stale.
  const small = 'apiVersion: v1\nkind: Service\nmetadata: {name: small}\nspec: {ports: [{port: 80}]}\n';
  await pasteTwice(app, SIX_K, small);
  await expect(app.shape('svc:default/small')).toHaveCount(1);
  await page.waitForTimeout(1500);
  await expect(app.graph).toHaveAttribute('data-services', '1');
  expect((await events(page)).filter((event) => event.kind === 'drawn').map((event) => event.pods)).toEqual([0]);
  await expect(app.editor).toHaveValue(small);
  await app.assertClean();
});

test('a long analysis shows its stages in the progress bar, then clears it', async ({ page }) => {
  const app = await open(page);
  await app.paste(TEN_K);
  await expect.poll(async () => (await events(page)).filter((event) => event.kind === 'progress').length, { timeout: 60_000 }).toBeGreaterThan(0);
  await expect(page.getByTestId('progress')).toHaveCount(0, { timeout: 60_000 });
  const notes = (await events(page)).filter((event) => event.kind === 'progress').map((event) => event.text);
  // The editor's note for a file past its size limit, then the worker's stages. The
  // paste replaced the whole untouched demo: one file, named for what it holds.
  for (const note of notes) expect(note).toMatch(/^(Analysing pasted\.yaml \(1\.\d MB, 71,501 lines\)… in the background; you can keep working\.|Reading documents: [\d,]+ of [\d,]+\. You can keep working\.|Simulating the cluster of 2000 workloads…|Resolving 2000 Services over 10000 pods…|Drawing 10000 pods…)$/);
  await expect(app.graph).toHaveAttribute('data-pods', '10000');
  await app.assertClean();
});

test('where no Worker exists, the page analyses by itself and says nothing is lost', async ({ page }) => {
  await page.addInitScript(() => { delete window.Worker; });
  const app = await open(page);
  expect(await page.evaluate(() => typeof Worker)).toBe('undefined');
  await app.paste(SECOND);
  await expect(page.getByTestId('progress')).toContainText('Nothing you typed is lost');
  await expect(app.graph).toHaveAttribute('data-pods', '800', { timeout: 60_000 });
  await expect(page.getByTestId('progress')).toHaveCount(0);
  expect(app.workers).toEqual([]);
  await app.screenshot('worker-fallback');
  await app.assertClean();
});

test('the worker starts from a sub-path', async ({ page, baseURL }) => {
  const app = await open(page, SUBPATH);
  await app.paste(SECOND);
  await expect(app.graph).toHaveAttribute('data-pods', '800', { timeout: 60_000 });
  const workers = await startedWorkers(page);
  expect(workers.length).toBeGreaterThan(0);
  for (const url of workers) expect(new URL(url, baseURL).href).toBe(new URL(`${SUBPATH}analysis-worker.js`, baseURL).href);
  const prefix = new URL(SUBPATH, baseURL).href;
  expect(app.requests.filter((url) => !url.startsWith(prefix) && !url.startsWith('data:') && !url.startsWith('blob:'))).toEqual([]);
  await app.assertClean();
});

test('an embed of a small input starts no worker: only the app keeps one ready', async ({ page }) => {
  const app = new App(page);
  await countWorkers(page);
  const small = 'apiVersion: v1\nkind: Service\nmetadata: {name: small}\nspec: {ports: [{port: 80}]}\n';
  await page.goto(`/?embed#manifests=${Buffer.from(small).toString('base64')}`);
  await expect(app.graph).toHaveAttribute('data-services', '1');
  // Longer than the app waits for an idle moment (2 s at most) to start its worker.
  await page.waitForTimeout(3000);
  expect(await startedWorkers(page)).toEqual([]);
  await app.assertClean();
});

test('an embed of a large input from a sub-path is analysed by the worker', async ({ page, baseURL }) => {
  const app = new App(page);
  const workers = [];
  page.on('worker', (worker) => workers.push(worker.url()));
  await page.goto(`${SUBPATH}?embed#manifests=${Buffer.from(SECOND).toString('base64')}`);
  await expect(app.graph).toHaveAttribute('data-pods', '800', { timeout: 60_000 });
  expect(workers).toEqual([new URL(`${SUBPATH}analysis-worker.js`, baseURL).href]);
  await expect(page.getByTestId('progress')).toHaveCount(0);
  await app.assertClean();
});

/** Pastes `first` over everything, then at once (in the same task, before the
 * frame in which a large paste reaches the textarea) does `then` to the editor. */
async function pasteThenAtOnce(app, first, then) {
  await app.editor.click();
  await app.editor.evaluate((textarea, [first, then]) => {
    textarea.select();
    const data = new DataTransfer();
    data.setData('text/plain', first);
    textarea.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    if (then.paste !== undefined) {
      const more = new DataTransfer();
      more.setData('text/plain', then.paste);
      textarea.dispatchEvent(new ClipboardEvent('paste', { clipboardData: more, bubbles: true, cancelable: true }));
    } else {
      // As typing does: beforeinput, the edit, input.
      document.execCommand('insertText', false, then.type);
    }
  }, [first, then]);
}

const AFTER = '---\napiVersion: v1\nkind: Service\nmetadata: {name: after}\nspec: {ports: [{port: 80}]}\n';

test('a paste right after a large paste adds to it: neither is lost', async ({ page }) => {
  const app = await open(page);
  await pasteThenAtOnce(app, SIX_K, { paste: AFTER });
  await expect(app.editor).toHaveValue(SIX_K + AFTER);
  // 1,200 Services pasted, and the one added after them (drawn on the canvas).
  await expect(app.graph).toHaveAttribute('data-services', '1201', { timeout: 60_000 });
  await expect(app.graph).toHaveAttribute('data-pods', '6000');
  await app.assertClean();
});

/** The documents of `yaml` as the items of one `kind: List`, as `kubectl get -o yaml`
 * writes a dump. */
function asList(yaml) {
  const items = yaml.split(/^---\n/m).filter((document) => document.trim() !== '');
  return `apiVersion: v1\nkind: List\nitems:\n${items.map((document) => `- ${document.trimEnd().split('\n').join('\n  ')}\n`).join('')}`;
}

/** Records what the page's workers send: their progress notes, and how many parts
 * of parsed documents. The page shows a note only once an analysis has run 300 ms,
 * so the notes are taken here, whatever the machine's speed. */
async function recordWorkerMessages(page) {
  await page.addInitScript(() => {
    window.__workerNotes = [];
    window.__workerParts = 0;
    const Real = window.Worker;
    window.Worker = class extends Real {
      set onmessage(handler) {
        super.onmessage = (event) => {
          if (event.data && event.data.progress) window.__workerNotes.push(event.data.progress);
          if (event.data && event.data.part) window.__workerParts += 1;
          handler.call(this, event);
        };
      }
      get onmessage() { return super.onmessage; }
    };
  });
}

test('#12.9 a kind: List crosses from the worker in parts: progress counts its items, and the picture is the one of its documents', async ({ page, browser }) => {
  await recordWorkerMessages(page);
  const app = await open(page);
  const list = asList(TEN_K);
  const nItems = TEN_K.split(/^---\n/m).filter((document) => document.trim() !== '').length;
  await app.paste(list);
  await expect(app.graph).toHaveAttribute('data-pods', '10000', { timeout: 60_000 });
  await expect(page.getByTestId('progress')).toHaveCount(0, { timeout: 60_000 });
  // 4,100 items, 256 to a part.
  expect(await page.evaluate(() => window.__workerParts)).toBe(Math.floor(nItems / 256));
  const counts = (await page.evaluate(() => window.__workerNotes))
    .map((note) => /^Reading documents(?: of file 1 of \d+)?: ([\d,]+) of ([\d,]+)\./.exec(note))
    .filter(Boolean)
    .map((match) => [Number(match[1].replace(/,/g, '')), Number(match[2].replace(/,/g, ''))]);
  // One document, but the page hears of its items as they cross, part by part.
  expect(counts.length).toBeGreaterThan(1);
  for (const [nRead, nDocuments] of counts) {
    expect(nDocuments).toBe(nItems);
    expect(nRead).toBeLessThanOrEqual(nItems);
  }
  expect(counts.some(([nRead]) => nRead < nItems)).toBe(true);
  const summary = (text) => text.replace(/ · analysed in .*$/, '');
  const fromList = summary(await page.getByTestId('status').textContent());
  await page.screenshot({ path: 'tests/e2e/artifacts/worker-list-in-parts.png' });
  await app.assertClean();
  // The same objects as separate documents, pasted in a page of their own (here, a
  // paste would go beside the List), give the same counts and diagnostics.
  const other = await (await browser.newContext()).newPage();
  const otherApp = await open(other);
  await otherApp.paste(TEN_K);
  await expect(otherApp.graph).toHaveAttribute('data-pods', '10000', { timeout: 60_000 });
  await expect(other.getByTestId('progress')).toHaveCount(0, { timeout: 60_000 });
  expect(summary(await other.getByTestId('status').textContent())).toBe(fromList);
  await otherApp.assertClean();
});
