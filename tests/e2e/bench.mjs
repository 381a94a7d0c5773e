// Browser benchmarks for the web app (issue #9), driven by real input: Playwright's
// mouse, wheel and keyboard, and a real Ctrl+V paste. Run with `make bench-web` (it
// builds the release wasm first), or `node tests/e2e/bench.mjs` against dist/.
//
// For each size (10,000 pods: `gen-cluster 2000 5 100 10`; 100,000 pods:
// `gen-cluster 20000 5 1000 50`) it measures, as median / p95 where it is a series:
//   - paste (Ctrl+V) → first useful picture: to the frame after the graph changed;
//   - input latency while an analysis runs: keystrokes typed into the search box and
//     the editor right after a paste, from each key's event time to the frame that
//     shows it (Event Timing), and the frame gaps of a drag meanwhile. The keys of
//     the Ctrl+V itself are reported apart (`pasteChordKeyMs`): their paint waits
//     for the paste event, whose time is mostly the browser's reading of the
//     clipboard (`getData`), and which starts the analysis rather than typing into
//     it;
//   - drag-pan and wheel-zoom frame times (page.mouse);
//   - a search keystroke to its highlight (Event Timing of the key, to the frame);
//   - Enter on a search for a pod, which zooms to it: the frame times of that second,
//     then of a drag there, among the long edges through the view;
//   - a click on the Table tab and on the Graph tab back, then on the Logical view
//     and the Cluster view back, each to the frame after the one that first shows it;
//   - main-thread tasks over 50 ms after the first draw (PerformanceObserver 'longtask'):
//     all of them, and those while the user only drags, zooms and searches;
//   - idle animation frames per second with at least 1,000 packets in flight;
//   - JS heap (CDP Performance.getMetrics), the page's wasm memory, the browser's resident memory (all its
//     processes, summed) and the tab's (its renderer process, with the worker), at
//     the end and at its peak (sampled every 100 ms from the first paste on).
// Plus the release wasm sizes (raw, gzip, brotli). Writes tests/e2e/artifacts/bench.json.
//
// Environment: KUBETOPO_BENCH_PORT (or KUBETOPO_E2E_PORT) picks the port (default 8766);
// BENCH_SIZES picks the sizes (default "10k,100k"); BENCH_OUT the output file;
// BENCH_BROWSER_ARGS adds Chromium switches, space-separated, for experiments
// (`--js-flags=--no-liftoff` compiles the wasm with V8's optimising tier only);
// BENCH_ONLY=paste stops each size after its pastes (to weigh a change to the
// paste alone, run after run); BENCH_PROFILE=DIR records a CPU profile of the page's main thread from the first
// draw to the end of phase 4 into DIR/bench-SIZE.cpuprofile (for DevTools, or
// `node tests/e2e/profile-tasks.mjs FILE`). Function names need a build that keeps
// them: see that script.
import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { browserRssMb, tabRssMb } from './memory.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const port = Number(process.env.KUBETOPO_BENCH_PORT || process.env.KUBETOPO_E2E_PORT || 8766);
const sizes = (process.env.BENCH_SIZES || '10k,100k').split(',').map((s) => s.trim()).filter(Boolean);
const outFile = process.env.BENCH_OUT || `${root}tests/e2e/artifacts/bench.json`;
const log = (...args) => console.error(new Date().toISOString().slice(11, 19), ...args);
const SIZE_ARGS = { '10k': [2000, 5, 100, 10], '100k': [20000, 5, 1000, 50] };

const quantile = (xs, q) => {
  if (!xs.length) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const round = (x) => (x === null || x === undefined ? null : Math.round(x * 10) / 10);
const stats = (xs) => ({ median: round(quantile(xs, 0.5)), p95: round(quantile(xs, 0.95)), max: round(xs.length ? Math.max(...xs) : null), n: xs.length });

function generate([deployments, replicas, nodes, namespaces]) {
  execFileSync('cargo', ['build', '--release', '--quiet', '--example', 'gen-cluster'], { cwd: root, stdio: 'inherit' });
  return execFileSync(`${root}target/release/examples/gen-cluster`, [deployments, replicas, nodes, namespaces].map(String), { maxBuffer: 2 ** 31 }).toString();
}

/** In the page: a frame recorder, long-task and Event Timing observers. */
function instrument() {
  window.__bench = { frames: [], longtasks: [], events: [] };
  const frame = (t) => { window.__bench.frames.push(t); requestAnimationFrame(frame); };
  requestAnimationFrame(frame);
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__bench.longtasks.push({ start: e.startTime, duration: e.duration }); })
    .observe({ type: 'longtask', buffered: false });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__bench.events.push({ name: e.name, start: e.startTime, duration: e.duration, target: e.target && e.target.dataset ? e.target.dataset.testid || e.target.tagName : '' });
  }).observe({ type: 'event', durationThreshold: 16, buffered: false });
}

const now = (page) => page.evaluate(() => performance.now());
/** Gaps between consecutive frames in [from, to]. */
const frameGaps = (page, from, to) => page.evaluate(([from, to]) => {
  const frames = window.__bench.frames.filter((t) => t >= from && t <= to);
  const gaps = [];
  for (let i = 1; i < frames.length; i++) gaps.push(frames[i] - frames[i - 1]);
  return gaps;
}, [from, to]);
/** Event Timing durations (event time → next paint) of key events in [from, to]. */
const keyLatencies = (page, from, to, testid) => page.evaluate(([from, to, testid]) => {
  // Keys under the 16 ms threshold are not reported: count them as 16 ms.
  const seen = window.__bench.events.filter((e) => e.start >= from && e.start <= to && e.name === 'keydown' && (!testid || e.target === testid));
  return seen.map((e) => e.duration);
}, [from, to, testid]);
const longTasks = (page, from, to = Infinity) => page.evaluate(([from, to]) => window.__bench.longtasks.filter((t) => t.start >= from && t.start < to).map((t) => t.duration), [from, to]);

/** Waits for the graph to show a version other than `before`, then one more frame. */
const waitDrawn = (page, before, timeout) => page.waitForFunction((before) => {
  const svg = document.querySelector('svg.scene');
  return svg && svg.getAttribute('data-version') !== before;
}, before, { timeout, polling: 50 });

async function pasteAndTime(page, text, timeout) {
  await page.evaluate((text) => navigator.clipboard.writeText(text), text);
  log('clipboard written');
  const before = await page.locator('svg.scene').getAttribute('data-version');
  await page.getByTestId('editor').click();
  await page.keyboard.press('Control+A');
  // The clock starts at the keydown of Ctrl+V, in the page.
  await page.evaluate((before) => {
    window.__paste = new Promise((resolve) => {
      let start = null;
      document.addEventListener('keydown', (e) => { if (e.key.toLowerCase() === 'v' && start === null) start = e.timeStamp; }, { capture: true });
      const check = () => {
        const svg = document.querySelector('svg.scene');
        if (start !== null && svg && svg.getAttribute('data-version') !== before) {
          requestAnimationFrame(() => resolve(performance.now() - start));
        } else setTimeout(check, 5);
      };
      check();
    });
  }, before);
  const wall = Date.now();
  await page.keyboard.press('Control+V');
  log('pasted, waiting for the picture');
  const ms = await page.evaluate(() => window.__paste);
  return { ms, wallMs: Date.now() - wall };
}

/** Clicks the tab `testid` with the mouse and returns the time from its pointerdown
 * to the frame after the one in which `shown()` first held in the page. */
async function switchView(page, testid, shown, timeout) {
  await page.evaluate((shown) => {
    const isShown = new Function(`return (${shown})();`);
    window.__view = new Promise((resolve, reject) => {
      let start = null;
      document.addEventListener('pointerdown', (e) => { start ??= e.timeStamp; window.__viewStart = start; }, { capture: true, once: true });
      const check = () => {
        if (start !== null && isShown()) requestAnimationFrame(() => resolve(performance.now() - start));
        else requestAnimationFrame(check);
      };
      requestAnimationFrame(check);
      setTimeout(() => reject(new Error('the view did not show')), 600_000);
    });
  }, shown.toString());
  await page.getByTestId(testid).click({ timeout });
  return page.evaluate(() => window.__view);
}

/** No phase runs longer than this: a frozen page ends the phase, and the result
 * says how much of it was done. */
const PHASE_CAP_MS = Number(process.env.BENCH_PHASE_CAP_MS || 90_000);

async function dragPan(page, box, moves) {
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const started = Date.now();
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  for (let i = 0; i < moves; i++) {
    if (Date.now() - started > PHASE_CAP_MS) {
      await page.mouse.up();
      return i;
    }
    const angle = (i / moves) * Math.PI * 2;
    await page.mouse.move(cx + Math.cos(angle) * 150, cy + Math.sin(angle) * 100, { steps: 1 });
  }
  await page.mouse.up();
  return moves;
}

/** Types `text` key by key, until done or past the phase cap; returns the keys typed. */
async function typeCapped(page, text, delay) {
  const started = Date.now();
  for (let i = 0; i < text.length; i++) {
    if (Date.now() - started > PHASE_CAP_MS) return i;
    await page.keyboard.type(text[i], { delay });
  }
  return text.length;
}

/** Fills `result` phase by phase, so that a phase that fails leaves the others. */
async function benchSize(browser, name, text, result) {
  result.name = name;
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: `http://127.0.0.1:${port}` });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await page.waitForSelector('svg.scene[data-pods]');
  await page.evaluate(instrument);
  await page.getByTestId('play').click(); // pause the animation while timing analysis
  const timeout = name === '100k' ? 600_000 : 120_000;

  // The tab's resident memory, sampled every 100 ms from here to the end: its peak.
  let peakTabMb = tabRssMb(process.pid);
  const sampler = setInterval(() => { peakTabMb = Math.max(peakTabMb, tabRssMb(process.pid)); }, 100);
  try {
    await measurePhases(page, cdp, name, text, result, timeout);
  } finally {
    clearInterval(sampler);
    result.peakTabRssMb = peakTabMb;
    await context.close();
  }
}

/** The phases of `benchSize`, in order, on the page opened for them. */
async function measurePhases(page, cdp, name, text, result, timeout) {
  log(name, 'paste');
  // 1. Paste → first useful picture, three times at 10k. The editor shows a large
  // file as a read-only preview, and a paste there goes into a new file beside it
  // (nothing is lost), which would make each later paste analyse one more copy of
  // the cluster. So before each later paste the file the last one made is closed
  // and the paste goes into a new empty file: every paste is analysed over the
  // same input (the cluster and the demo's NetworkPolicy file).
  const pastes = [];
  for (let i = 0; i < (name === '100k' ? 1 : 3); i++) {
    if (i > 0) {
      const active = (await page.locator('[role=tab][aria-selected=true]').textContent()).trim();
      const before = await page.locator('svg.scene').getAttribute('data-version');
      await page.getByRole('button', { name: `Close ${active}` }).click();
      await waitDrawn(page, before, timeout);
      await page.getByRole('button', { name: 'New file' }).click();
    }
    const marker = `# bench paste ${i}\n`;
    pastes.push(await pasteAndTime(page, marker + text, timeout));
  }
  result.pasteToPictureEachMs = pastes.map((p) => Math.round(p.ms));
  result.pasteToPictureMs = stats(pastes.map((p) => p.ms));
  result.pods = Number(await page.locator('svg.scene').getAttribute('data-pods'));
  // The status bar writes "drawn in" after the frame that shows the picture (a
  // frame, then a task): read it after that, not with the picture.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(() => setTimeout(resolve, 0), 0))));
  result.statusBar = await page.getByTestId('status').textContent();
  if (process.env.BENCH_ONLY === 'paste') return;
  const afterFirstDraw = await now(page);
  // When each phase began, from the first draw, on the clock of the long tasks
  // below: which phase a long task belongs to.
  result.phasesAtMs = {};
  const phase = async (label) => { result.phasesAtMs[label] = round((await now(page)) - afterFirstDraw); };
  const profiling = process.env.BENCH_PROFILE;
  if (profiling) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
    await cdp.send('Profiler.start');
  }
  await page.screenshot({ path: `${root}tests/e2e/artifacts/bench-${name}-pasted.png` });

  const graph = page.getByTestId('graph');
  const box = await graph.boundingBox();

  log(name, 'drag and wheel');
  // 2. Drag-pan and wheel-zoom frame times.
  await phase('drag');
  let t0 = await now(page);
  let wall = Date.now();
  result.dragPanMoves = await dragPan(page, box, 60);
  let t1 = await now(page);
  result.dragPanWallMs = Date.now() - wall;
  result.dragPanFrameMs = stats(await frameGaps(page, t0, t1));
  t0 = await now(page);
  wall = Date.now();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await phase('wheel');
  let wheels = 0;
  for (; wheels < 30 && Date.now() - wall < PHASE_CAP_MS; wheels++) {
    await page.mouse.wheel(0, wheels < 15 ? -120 : 120);
    await page.waitForTimeout(16);
  }
  result.wheelSteps = wheels;
  t1 = await now(page);
  result.wheelZoomWallMs = Date.now() - wall;
  result.wheelZoomFrameMs = stats(await frameGaps(page, t0, t1));
  await page.keyboard.press('Escape');
  await phase('zoomScreenshot');
  await page.screenshot({ path: `${root}tests/e2e/artifacts/bench-${name}-after-zoom.png` });

  log(name, 'search');
  // 3. Search keystrokes → highlight.
  const search = page.getByTestId('search');
  await phase('search');
  await search.click();
  t0 = await now(page);
  wall = Date.now();
  result.searchKeys = await typeCapped(page, 'app-00012', 40);
  await page.waitForTimeout(300);
  t1 = await now(page);
  result.searchWallMs = Date.now() - wall;
  result.searchKeyToHighlightMs = stats(await keyLatencies(page, t0, t1, 'search'));
  result.searchMatches = await page.getByTestId('match-count').textContent();
  await phase('searchScreenshot');
  await page.screenshot({ path: `${root}tests/e2e/artifacts/bench-${name}-search.png` });
  await phase('searchEscape');
  await page.keyboard.press('Escape');

  log(name, 'a pod, close up');
  // 3a. Enter on a search for a pod zooms to it: the frames of that second, then a
  // drag there, among the long edges that run through the view (§13.14).
  await phase('podZoom');
  await search.fill('app-00012-');
  t0 = await now(page);
  await search.press('Enter');
  await page.getByTestId('details-title').filter({ hasText: 'Pod ' }).waitFor({ timeout });
  await page.waitForTimeout(1000);
  t1 = await now(page);
  result.podZoomFrameMs = stats(await frameGaps(page, t0, t1));
  await phase('podDrag');
  t0 = await now(page);
  result.podDragMoves = await dragPan(page, box, 30);
  t1 = await now(page);
  result.podDragFrameMs = stats(await frameGaps(page, t0, t1));
  await phase('podDragScreenshot');
  await page.screenshot({ path: `${root}tests/e2e/artifacts/bench-${name}-pod-drag.png` });
  await search.fill('');
  await page.keyboard.press('Escape');
  await page.keyboard.press('f');

  log(name, 'views');
  // 3b. The Table view and back to the graph, each by a mouse click on its tab, from
  // the click's pointerdown to the frame after the one that first shows the view.
  await phase('tableView');
  result.tableViewMs = round(await switchView(page, 'tab-table', () => document.querySelector('[data-testid="table-view"] tbody tr') !== null, timeout));
  // The rows are written a few hundred per task: the first screenful with the
  // view, and all of them (what find-in-page searches) by this time after the click.
  const services = Number(/(\d+) services/.exec(result.statusBar)[1]);
  result.tableAllRowsMs = round(await page.evaluate((services) => new Promise((resolve) => {
    const check = () => {
      if (document.querySelectorAll('[data-testid="table-view"] tbody tr').length >= services) resolve(performance.now() - window.__viewStart);
      else requestAnimationFrame(check);
    };
    check();
  }), services));
  result.tableRows = await page.locator('[data-testid="table-view"] tbody tr').count();
  await phase('tableScreenshot');
  await page.screenshot({ path: `${root}tests/e2e/artifacts/bench-${name}-table.png` });
  await phase('graphView');
  result.graphViewMs = round(await switchView(page, 'tab-graph', () => {
    const canvas = document.querySelector('[data-testid="scene-canvas"]');
    return document.querySelector('svg.scene[data-pods]') !== null && canvas !== null && canvas.hasAttribute('data-tiles');
  }, timeout));
  // The logical view and back to the cluster view, each a new picture of the same
  // topology: to the frame after the one in which the graph's version changed.
  const versionChanged = () => document.querySelector('svg.scene').getAttribute('data-version') !== window.__versionBefore;
  for (const [key, testid] of [['logicalViewMs', 'view-logical'], ['clusterViewMs', 'view-cluster']]) {
    await phase(key);
    await page.evaluate(() => { window.__versionBefore = document.querySelector('svg.scene').getAttribute('data-version'); });
    result[key] = round(await switchView(page, testid, versionChanged, timeout));
  }

  const beforeReanalysis = await now(page);

  log(name, 'input while analysing');
  // 4. Input latency while an analysis runs: paste again, then type into the search
  // box at once and pan, then type into the editor. As in 1, the paste goes into a
  // new empty file in place of the one the last paste made, so that it is analysed
  // over the same input, not over two copies of the cluster.
  await page.evaluate((text) => navigator.clipboard.writeText(`# bench edit\n${text}`), text);
  await phase('closeFile');
  {
    const active = (await page.locator('[role=tab][aria-selected=true]').textContent()).trim();
    const closed = await page.locator('svg.scene').getAttribute('data-version');
    await page.getByRole('button', { name: `Close ${active}` }).click();
    await waitDrawn(page, closed, timeout);
    await page.getByRole('button', { name: 'New file' }).click();
  }
  const before = await page.locator('svg.scene').getAttribute('data-version');
  await phase('newFile');
  await page.getByTestId('editor').click();
  await page.keyboard.press('Control+A');
  await page.evaluate(() => {
    window.__pasteEventAt = null;
    document.addEventListener('paste', (e) => { window.__pasteEventAt ??= e.timeStamp; }, { capture: true, once: true });
  });
  t0 = await now(page);
  const pasteAgainAt = t0;
  wall = Date.now();
  await page.keyboard.press('Control+V');
  await search.click({ timeout });
  await typeCapped(page, 'app-1', 40);
  await dragPan(page, box, 20);
  await page.getByTestId('editor').click({ timeout });
  await page.keyboard.press('Control+Home');
  await typeCapped(page, '# typing', 40);
  await waitDrawn(page, before, timeout).catch(() => {});
  await page.waitForTimeout(500);
  t1 = await now(page);
  result.busyWallMs = Date.now() - wall;
  // Without a paste event (it cannot happen with a real Ctrl+V) every key from
  // the Ctrl+V on counts as typed during the analysis, and the result says so.
  const pasteEventAt = await page.evaluate(() => window.__pasteEventAt);
  result.pasteEventSeen = pasteEventAt !== null;
  result.pasteChordKeyMs = pasteEventAt === null ? [] : await keyLatencies(page, t0, pasteEventAt, null);
  result.inputLatencyWhileAnalysingMs = stats(await keyLatencies(page, pasteEventAt === null ? t0 : pasteEventAt + 0.001, t1, null));
  result.frameGapWhileAnalysingMs = stats(await frameGaps(page, t0, t1));
  await page.keyboard.press('Escape');
  if (profiling) {
    const { profile } = await cdp.send('Profiler.stop');
    mkdirSync(profiling, { recursive: true });
    writeFileSync(`${profiling}/bench-${name}.cpuprofile`, JSON.stringify(profile));
  }

  // 5. Long tasks after the first draw, across everything above (the second paste's
  // analysis included), and while the user only drags, zooms and searches (2 and 3).
  const summary = (tasks) => ({ count: tasks.length, over100: tasks.filter((d) => d > 100).length, over200: tasks.filter((d) => d > 200).length, maxMs: round(tasks.length ? Math.max(...tasks) : 0) });
  result.longTasksAfterFirstDraw = summary(await longTasks(page, afterFirstDraw));
  result.longTasksWhileInteracting = summary(await longTasks(page, afterFirstDraw, beforeReanalysis));
  // When each task over 100 ms began, from the first draw, beside when the second
  // paste began: which part of the work a long task belongs to.
  result.longTasksOver100 = {
    secondPasteAtMs: round(pasteAgainAt - afterFirstDraw),
    tasks: await page.evaluate((from) => window.__bench.longtasks.filter((t) => t.start >= from && t.duration > 100).map((t) => [Math.round(t.start - from), Math.round(t.duration)]), afterFirstDraw),
    // And each key event over 100 ms, key to paint, on the same clock.
    keys: await page.evaluate((from) => window.__bench.events.filter((e) => e.start >= from && e.duration > 100 && e.name.startsWith('key')).map((e) => [Math.round(e.start - from), Math.round(e.duration), e.name]), afterFirstDraw),
  };

  log(name, 'animation');
  // 6. Idle animation with >= 1,000 packets.
  await page.getByTestId('load').fill('2', { timeout: PHASE_CAP_MS });
  await page.getByTestId('play').click({ timeout: PHASE_CAP_MS });
  const enough = await page.waitForFunction(() => Number(document.querySelector('[data-testid="packets"]').getAttribute('data-packets')) >= 1000, null, { timeout: 90_000 }).then(() => true, () => false);
  t0 = await now(page);
  await page.waitForTimeout(5000);
  t1 = await now(page);
  const gaps = await frameGaps(page, t0, t1);
  result.animation = {
    reached1000Packets: enough,
    packets: Number(await page.getByTestId('packets').getAttribute('data-packets')),
    fps: round(gaps.length / ((t1 - t0) / 1000)),
    frameMs: stats(gaps),
  };
  await page.screenshot({ path: `${root}tests/e2e/artifacts/bench-${name}-animation.png` });

  log(name, 'memory');
  // 7. Memory.
  const metrics = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  result.jsHeapUsedMb = Math.round(metrics.JSHeapUsedSize / 1048576);
  // The page's wasm memory (it never shrinks, so this is its peak); the worker's
  // is not counted.
  result.pageWasmMb = Math.round((await page.evaluate(() => (window.kubetopoWasmBytes ? window.kubetopoWasmBytes() : 0))) / 1048576);
  result.browserRssMb = browserRssMb(process.pid);
  result.tabRssMb = tabRssMb(process.pid);
}

const server = spawn('node', [`${root}tests/e2e/serve.mjs`], { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
await new Promise((resolve) => setTimeout(resolve, 500));
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ...(process.env.BENCH_BROWSER_ARGS || '').split(' ').filter(Boolean)],
});
const results = { date: new Date().toISOString(), sizes: {} };
try {
  for (const size of sizes) {
    const text = generate(SIZE_ARGS[size]);
    console.error(`bench ${size}: ${(text.length / 1e6).toFixed(1)} MB`);
    results.sizes[size] = {};
    try {
      await benchSize(browser, size, text, results.sizes[size]);
    } catch (error) {
      results.sizes[size].error = String(error).slice(0, 500);
    }
    console.error(JSON.stringify(results.sizes[size], null, 2));
  }
  // Release wasm sizes: the main wasm and, when there is one, the worker's.
  results.wasm = {};
  for (const file of readdirSync(`${root}dist`).filter((f) => f.endsWith('.wasm'))) {
    const wasm = readFileSync(`${root}dist/${file}`);
    results.wasm[file] = {
      rawKB: Math.round(wasm.length / 1024),
      gzipKB: Math.round(gzipSync(wasm, { level: 9 }).length / 1024),
      brotliKB: Math.round(brotliCompressSync(wasm, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length / 1024),
    };
  }
} finally {
  await browser.close();
  server.kill();
}
mkdirSync(`${root}tests/e2e/artifacts`, { recursive: true });
writeFileSync(outFile, JSON.stringify(results, null, 2));
console.log(JSON.stringify(results, null, 2));
