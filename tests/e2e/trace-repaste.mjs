// The bench's second paste, traced (issue #9): pastes FILE over the demo, then closes
// that file, pastes it again into a new one and types while it is analysed, as
// tests/e2e/bench.mjs does, with Chromium's trace and a CPU profile recorded from
// the close on. Prints each main-thread task over 100 ms with the events inside it
// that took longest (the browser's own: Commit, Layout, GC; and the calls into the
// page), and writes tests/e2e/artifacts/trace-repaste.cpuprofile (function names
// need the build of scripts/profile-web.sh: DIST=dist-profile).
//   DIST=dist KUBETOPO_E2E_PORT=8797 node tests/e2e/trace-repaste.mjs FILE
import { chromium } from 'playwright-core';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
const root = fileURLToPath(new URL('../../', import.meta.url));
const port = Number(process.env.KUBETOPO_E2E_PORT || 8797);
const dist = process.env.DIST || 'dist';
const text = readFileSync(process.argv[2], 'utf8');
const server = spawn('node', [`${root}tests/e2e/serve.mjs`], { env: { ...process.env, PORT: String(port), MOUNTS: `/=${dist}` }, stdio: 'ignore' });
await new Promise((r) => setTimeout(r, 500));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const drawn = async (page, before) => page.waitForFunction((b) => document.querySelector('svg.scene').getAttribute('data-version') !== b, before, { timeout: 300000, polling: 50 });
try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: `http://127.0.0.1:${port}` });
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForSelector('svg.scene[data-pods]');
  await page.getByTestId('play').click();
  await page.evaluate((text) => navigator.clipboard.writeText(text), text);
  await page.getByTestId('editor').click();
  await page.keyboard.press('Control+A');
  let before = await page.locator('svg.scene').getAttribute('data-version');
  await page.keyboard.press('Control+V');
  await drawn(page, before);
  await page.waitForTimeout(3000);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable'); await cdp.send('Profiler.setSamplingInterval', { interval: 500 }); await cdp.send('Profiler.start');
  await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'blink.user_timing'] });
  const t0 = await page.evaluate(() => performance.now());
  const active = (await page.locator('[role=tab][aria-selected=true]').textContent()).trim();
  before = await page.locator('svg.scene').getAttribute('data-version');
  await page.getByRole('button', { name: `Close ${active}` }).click();
  await drawn(page, before);
  await page.getByRole('button', { name: 'New file' }).click();
  before = await page.locator('svg.scene').getAttribute('data-version');
  await page.getByTestId('editor').click();
  await page.keyboard.press('Control+A');
  const tp = await page.evaluate(() => performance.now());
  await page.keyboard.press('Control+V');
  await page.getByTestId('search').click({ timeout: 60000 });
  for (const c of 'app-1') await page.keyboard.type(c, { delay: 40 });
  await page.getByTestId('editor').click();
  await page.keyboard.press('Control+Home');
  for (const c of '# typing') await page.keyboard.type(c, { delay: 40 });
  await drawn(page, before);
  await page.waitForTimeout(1500);
  const events = JSON.parse((await browser.stopTracing()).toString()).traceEvents;
  (await import('node:fs')).writeFileSync(`${root}tests/e2e/artifacts/trace-repaste.cpuprofile`, JSON.stringify((await cdp.send('Profiler.stop')).profile));
  const main = events.filter((e) => e.name === 'RunTask' && e.dur > 100_000);
  const base = events.find((e) => e.name === 'TracingStartedInBrowser' || e.name === 'TracingStartedInPage')?.ts ?? 0;
  console.log('close at 0; paste at', Math.round(tp - t0), 'ms');
  for (const task of main) {
    const inside = events.filter((e) => e.tid === task.tid && e.ts >= task.ts && e.ts + (e.dur || 0) <= task.ts + task.dur && e.dur > 5_000 && e.name !== 'RunTask' && e.name !== 'ThreadControllerImpl::RunTask');
    const top = inside.sort((a, b) => b.dur - a.dur).slice(0, 8).map((e) => `${e.name}${e.args?.data?.functionName ? '(' + e.args.data.functionName + ')' : ''}${e.args?.data?.type ? '[' + e.args.data.type + ']' : ''} ${Math.round(e.dur / 1000)}`);
    console.log(`task ${Math.round(task.dur / 1000)} ms: ${top.join(', ')}`);
  }
} finally { await browser.close(); server.kill(); }
