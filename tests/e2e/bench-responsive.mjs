// Whether the page stays responsive through a huge paste (issue #12.9): pastes FILE
// with a synthetic paste event, then every 250 ms asks the page for its progress
// note and times the answer (a busy main thread answers late), until the picture
// changes. Prints the paste handler's own time, each new note, each answer over a
// second, the main thread's long tasks (PerformanceObserver), the peak memory of the
// tab and of the browser, and console errors; screenshots the first progress note
// and the picture into tests/e2e/artifacts/. After a release build into dist/:
//   KUBETOPO_E2E_PORT=8796 node tests/e2e/bench-responsive.mjs FILE
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { browserRssMb, tabRssMb } from './memory.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const port = Number(process.env.KUBETOPO_E2E_PORT || 8767);
const text = readFileSync(process.argv[2], 'utf8');
const server = spawn('node', [`${root}tests/e2e/serve.mjs`], { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
await new Promise((r) => setTimeout(r, 500));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
try {
  const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForSelector('svg.scene[data-pods]');
  await page.getByTestId('play').click().catch(() => {});
  const before = await page.locator('svg.scene').getAttribute('data-version');
  // The text goes into the page first: handing 37 MB to page.evaluate takes the
  // harness seconds, which once passed for the paste handler's own time.
  await page.evaluate((text) => { window.benchPaste = text; }, text);
  await page.evaluate(() => {
    window.longTasks = [];
    new PerformanceObserver((list) => { for (const entry of list.getEntries()) window.longTasks.push(entry.duration); }).observe({ type: 'longtask' });
  });
  const t0 = Date.now();
  const handlerMs = await page.evaluate(() => {
    const start = performance.now();
    const textarea = document.querySelector('[data-testid="editor"]');
    textarea.focus(); textarea.select();
    const data = new DataTransfer(); data.setData('text/plain', window.benchPaste);
    window.benchPaste = null;
    textarea.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    return Math.round(performance.now() - start);
  });
  console.log(`paste handler ${handlerMs} ms; paste event returned after ${Date.now() - t0} ms`);
  let peakTab = 0, peakAll = 0, worstRoundTrip = 0, shot = 0, lastNote = '';
  for (;;) {
    const sent = Date.now();
    const state = await page.evaluate((before) => ({
      version: document.querySelector('svg.scene')?.getAttribute('data-version'),
      progress: document.querySelector('[data-testid="progress"]')?.textContent || '',
      status: document.querySelector('[data-testid="status"]')?.textContent || '',
    }), before);
    const roundTrip = Date.now() - sent;
    worstRoundTrip = Math.max(worstRoundTrip, roundTrip);
    peakTab = Math.max(peakTab, tabRssMb(process.pid)); peakAll = Math.max(peakAll, browserRssMb(process.pid));
    if (state.progress !== lastNote) { console.log(`${Date.now() - t0} ms: round trip ${roundTrip} ms, progress: ${state.progress}`); lastNote = state.progress; }
    if (roundTrip > 1000) console.log(`${Date.now() - t0} ms: page answered after ${roundTrip} ms`);
    if (shot === 0 && state.progress) { await page.screenshot({ path: `${root}tests/e2e/artifacts/responsive-progress.png` }); shot = 1; }
    if (state.version !== before) { console.log(`${Date.now() - t0} ms: picture (status: ${state.status})`); break; }
    if (Date.now() - t0 > 240_000) { console.log('timeout'); break; }
    await new Promise((r) => setTimeout(r, 250));
  }
  await page.waitForTimeout(1500);
  // The status bar's "drawn in" is set after the frame that shows the picture, so
  // the line read with the picture may still give the previous one's time.
  console.log(`status after the frame: ${await page.getByTestId('status').textContent()}`);
  await page.screenshot({ path: `${root}tests/e2e/artifacts/responsive-drawn.png` });
  const longTasks = (await page.evaluate(() => window.longTasks)).map(Math.round).sort((a, b) => b - a);
  console.log(`main-thread tasks over 50 ms: ${longTasks.length}, the longest: ${longTasks.slice(0, 8).join(', ')} ms`);
  console.log(JSON.stringify({ worstRoundTripMs: worstRoundTrip, peakTabRssMb: peakTab, peakBrowserRssMb: peakAll, pods: await page.locator('svg.scene').getAttribute('data-pods'), errors }));
} finally { await browser.close(); server.kill(); }
