// What-if edit → its frame at 10,000 pods (issue #9, "incremental updates"): the time
// from the click on a what-if button in the details panel to the animation frame
// after the graph shows the edited topology, for a series of edits. Usage, after a
// release build into dist/:
//   node tests/e2e/bench-edit.mjs [N_EDITS]
// It prints the edit → frame times, the longest task of each edit, the longest
// task while the search finds the pod and zooms to it, and the tab's memory before,
// at its peak during the edits, and after.
// KUBETOPO_E2E_PORT picks the port (8767 by default); BENCH_EDIT_CLUSTER the cluster
// (below); GEN_CLUSTER the gen-cluster binary (target/release/examples/gen-cluster by default, built if missing).
import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tabRssMb } from './memory.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const port = Number(process.env.KUBETOPO_E2E_PORT || 8767);
const nEdits = Number(process.argv[2] || 12);
const gen = process.env.GEN_CLUSTER || `${root}target/release/examples/gen-cluster`;
if (!existsSync(gen)) execFileSync('cargo', ['build', '--release', '--quiet', '--example', 'gen-cluster'], { cwd: root, stdio: 'inherit' });
// BENCH_EDIT_CLUSTER picks another cluster: gen-cluster's numbers, e.g. "20000 5 1000 100"
// for 100,000 pods.
const cluster = (process.env.BENCH_EDIT_CLUSTER || '2000 5 100 10').split(/\s+/);
const text = execFileSync(gen, cluster, { maxBuffer: 2 ** 31 }).toString();

const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

const server = spawn('node', [`${root}tests/e2e/serve.mjs`], { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
await new Promise((resolve) => setTimeout(resolve, 500));
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: `http://127.0.0.1:${port}` });
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await page.waitForSelector('svg.scene[data-pods]');
  await page.getByTestId('play').click();
  await page.evaluate((text) => navigator.clipboard.writeText(text), text);
  await page.getByTestId('editor').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Control+V');
  const pods = Number(cluster[0]) * Number(cluster[1]);
  await page.waitForSelector(`svg.scene[data-pods="${pods}"]`, { timeout: 120_000 });
  await page.keyboard.press('f');
  await page.waitForTimeout(1000);
  // The page's long tasks during each edit: how long the page does not answer.
  await page.evaluate(() => {
    window.__long = [];
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__long.push([e.startTime, e.duration]); }).observe({ type: 'longtask' });
  });
  const times = [];
  const longest = [];
  const longestFinding = [];
  // PROFILE=1: a CPU profile of the edits, into tests/e2e/artifacts/profile-edit.cpuprofile
  // (function names need the build of scripts/profile-web.sh: MOUNTS=/=dist-profile).
  const cdp = process.env.PROFILE ? await context.newCDPSession(page) : null;
  // TRACE=1: the browser's own work (style, layout, paint) by task, printed per edit.
  if (process.env.TRACE) await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
  if (cdp) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
    await cdp.send('Profiler.start');
  }
  // The tab's memory (its renderer process, with the worker) while the edits run:
  // each edit holds the topology before it and its copy for a while.
  const tabBeforeMb = tabRssMb(process.pid);
  let peakTabMb = tabBeforeMb;
  const sampler = setInterval(() => { peakTabMb = Math.max(peakTabMb, tabRssMb(process.pid)); }, 100);
  for (let i = 0; i < nEdits; i++) {
    // A pod of workload i, through the search (pods rank after Services and workloads,
    // so the search names the pod), then "Kill pod": its controller replaces it.
    const search = page.getByTestId('search');
    await page.evaluate(() => { window.__long = []; });
    await search.fill(`app-${String(100 + i * 37).padStart(5, '0')}-`);
    await search.press('Enter');
    await page.waitForSelector('[data-testid="details-title"]:has-text("Pod ")');
    await page.waitForTimeout(300);
    // Enter zooms to the pod: the frames there, with the long edges running out of
    // view, are timed too.
    longestFinding.push(await page.evaluate(() => Math.max(0, ...window.__long.map(([, ms]) => ms))));
    const before = await page.locator('svg.scene').getAttribute('data-version');
    await page.evaluate((before) => {
      window.__edit = new Promise((resolve) => {
        let start = null;
        document.addEventListener('click', (e) => { if (start === null && e.target.closest('[data-testid="kill-pod"]')) start = e.timeStamp; }, { capture: true });
        const check = () => {
          const svg = document.querySelector('svg.scene');
          if (start !== null && svg.getAttribute('data-version') !== before) requestAnimationFrame(() => resolve(performance.now() - start));
          else setTimeout(check, 2);
        };
        check();
      });
    }, before);
    await page.evaluate(() => { window.__long = []; window.__clickAt = null; document.addEventListener('click', (e) => { window.__clickAt ??= e.timeStamp; }, { capture: true, once: true }); });
    await page.getByTestId('kill-pod').click();
    // What the page shows while the first edit is worked out: the picture before,
    // with the graph's note once the edit takes over 300 ms.
    if (i === 0) {
      await page.waitForTimeout(500);
      await page.screenshot({ path: `${root}tests/e2e/artifacts/bench-edit-${pods}-applying.png` });
    }
    times.push(await page.evaluate(() => window.__edit));
    await page.waitForTimeout(300);
    const tasks = await page.evaluate(() => window.__long.map(([at, ms]) => [Math.round(at - window.__clickAt), Math.round(ms)]));
    if (process.env.TRACE) console.log('tasks of the edit [ms after the click, ms]:', JSON.stringify(tasks));
    longest.push(Math.max(0, ...tasks.map(([, ms]) => ms)));
  }
  clearInterval(sampler);
  if (process.env.TRACE) {
    const events = JSON.parse((await browser.stopTracing()).toString()).traceEvents;
    // Each main-thread task over 50 ms, with the events inside it that took the most.
    const tasks = events.filter((e) => e.name === 'RunTask' && e.dur > 50_000);
    for (const task of tasks) {
      const inside = events.filter((e) => e.tid === task.tid && e.ts >= task.ts && e.ts + (e.dur || 0) <= task.ts + task.dur && e.dur > 5_000 && e.name !== 'RunTask');
      const top = inside.sort((a, b) => b.dur - a.dur).slice(0, 6).map((e) => `${e.name} ${Math.round(e.dur / 1000)}`);
      console.log(`task ${Math.round(task.dur / 1000)} ms: ${top.join(', ')}`);
    }
  }
  if (cdp) writeFileSync(`${root}tests/e2e/artifacts/profile-edit.cpuprofile`, JSON.stringify((await cdp.send('Profiler.stop')).profile));
  await page.screenshot({ path: `${root}tests/e2e/artifacts/bench-edit-${pods}.png` });
  const status = await page.getByTestId('status').textContent();
  console.log(JSON.stringify({ edits: times.length, editToFrameMs: { median: Math.round(quantile(times, 0.5)), p95: Math.round(quantile(times, 0.95)), all: times.map(Math.round) }, longestTaskMs: { median: Math.round(quantile(longest, 0.5)), p95: Math.round(quantile(longest, 0.95)), all: longest.map(Math.round) }, longestTaskFindingThePodMs: { median: Math.round(quantile(longestFinding, 0.5)), p95: Math.round(quantile(longestFinding, 0.95)), all: longestFinding.map(Math.round) }, tabRssMb: { before: tabBeforeMb, peak: peakTabMb, after: tabRssMb(process.pid) }, status }, null, 2));
  await context.close();
} finally {
  await browser.close();
  server.kill();
}
