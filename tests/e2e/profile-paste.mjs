// A CPU profile of one large paste (issue #12.9): pastes FILE into the editor with a
// synthetic paste event, as bench-responsive.mjs does, records the main thread from
// the paste until the picture changes, and prints the top functions by self and total
// time and the main thread's long tasks (from the trace's RunTask events). Function
// names of the wasm need a build that keeps them (scripts/profile-web.sh builds one
// into dist-profile/); the JavaScript and the browser's own work are named anyway.
//   DIST=dist KUBETOPO_E2E_PORT=8795 node tests/e2e/profile-paste.mjs FILE
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { summarize } from './cpuprofile.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const port = Number(process.env.KUBETOPO_E2E_PORT || 8767);
const dist = process.env.DIST || 'dist';
const top = Number(process.env.PROFILE_TOP || 30);
const text = readFileSync(process.argv[2], 'utf8');

const server = spawn('node', [`${root}tests/e2e/serve.mjs`], { env: { ...process.env, PORT: String(port), MOUNTS: `/=${dist}` }, stdio: 'ignore' });
await new Promise((r) => setTimeout(r, 500));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
try {
  const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  page.on('console', (m) => { if (m.type() === 'error') console.log('console error:', m.text()); });
  const cdp = await page.context().newCDPSession(page);
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForSelector('svg.scene[data-pods]');
  await page.getByTestId('play').click().catch(() => {});
  const before = await page.locator('svg.scene').getAttribute('data-version');
  if (process.env.CLIPBOARD) {
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: `http://127.0.0.1:${port}` });
    await page.evaluate((text) => navigator.clipboard.writeText(text), text);
    await page.getByTestId('editor').click();
    await page.keyboard.press('Control+A');
  } else {
    await page.evaluate((text) => { window.__paste = text; }, text);
  }
  async function realPaste() {
    await page.evaluate(() => document.addEventListener('keydown', (e) => { if (e.key.toLowerCase() === 'v') window.__keyAt = e.timeStamp; }, { capture: true }));
    await page.keyboard.press('Control+V');
    return page.evaluate(() => [Math.round(window.__keyAt), Math.round(performance.now() - window.__keyAt)]);
  }
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
  await cdp.send('Profiler.start');
  // Long tasks as the page sees them.
  await page.evaluate(() => {
    window.__long = [];
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__long.push([Math.round(e.startTime), Math.round(e.duration)]); }).observe({ type: 'longtask' });
  });
  const t0 = Date.now();
  // CLIPBOARD=1: a real Ctrl+V from the system clipboard, as the bench pastes, whose
  // task also holds the browser's read of the clipboard.
  const pasted = process.env.CLIPBOARD ? await realPaste() : await page.evaluate(() => {
    const t = performance.now();
    const textarea = document.querySelector('[data-testid="editor"]');
    textarea.focus(); textarea.select();
    const data = new DataTransfer(); data.setData('text/plain', window.__paste);
    window.__paste = null;
    textarea.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    return [Math.round(t), Math.round(performance.now() - t)];
  });
  console.log(`paste handler: ${pasted[1]} ms`);
  await page.waitForFunction((before) => document.querySelector('svg.scene').getAttribute('data-version') !== before, before, { timeout: 300_000, polling: 250 });
  console.log(`picture after ${Date.now() - t0} ms; status: ${await page.getByTestId('status').textContent()}`);
  await page.waitForTimeout(2000);
  const { profile } = await cdp.send('Profiler.stop');
  mkdirSync(`${root}tests/e2e/artifacts`, { recursive: true });
  writeFileSync(`${root}tests/e2e/artifacts/profile-paste.cpuprofile`, JSON.stringify(profile));
  const long = await page.evaluate(() => window.__long);
  console.log('long tasks from the paste on [start ms after the paste, duration ms]:', JSON.stringify(long.filter(([s]) => s >= pasted[0] - 50).map(([s, d]) => [s - pasted[0], d])));
  const summary = summarize(profile, top);
  console.log(`\nSelf time:\n${summary.self.join('\n')}\n\nTotal time:\n${summary.total.join('\n')}`);
} finally { await browser.close(); server.kill(); }
