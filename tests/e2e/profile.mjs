// Chromium CPU profiles of the web app at scale (issue #9): a paste of a generated
// cluster until its first picture and the seconds after it, a search typed key by key
// into the search box (the bench's keys), then idle animation with the load at its
// maximum. Prints the top functions by self time and by total time, and each busy
// stretch of the main thread of 50 ms or more with the functions that took it,
// and writes the raw profiles (`.cpuprofile`, which Chromium's DevTools open) under
// tests/e2e/artifacts/.
//
// Function names need a build that keeps them: `scripts/profile-web.sh` makes one in
// dist-profile/ and runs this script on it (docs/performance.md). By hand:
//   DIST=dist-profile PROFILE_SIZE=10k node tests/e2e/profile.mjs
//
// Environment: DIST (default dist), KUBETOPO_BENCH_PORT (default 8766), PROFILE_SIZE
// (10k or 100k, default 10k), PROFILE_TOP (rows per table, default 25).
import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { summarize, busyStretches } from './cpuprofile.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const port = Number(process.env.KUBETOPO_BENCH_PORT || process.env.KUBETOPO_E2E_PORT || 8766);
const dist = process.env.DIST || 'dist';
const size = process.env.PROFILE_SIZE || '10k';
const top = Number(process.env.PROFILE_TOP || 25);
const SIZE_ARGS = { '10k': [2000, 5, 100, 10], '100k': [20000, 5, 1000, 50] };
const log = (...args) => console.error(new Date().toISOString().slice(11, 19), ...args);

async function record(cdp, name, run) {
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  await run();
  const { profile } = await cdp.send('Profiler.stop');
  mkdirSync(`${root}tests/e2e/artifacts`, { recursive: true });
  writeFileSync(`${root}tests/e2e/artifacts/profile-${size}-${name}.cpuprofile`, JSON.stringify(profile));
  const summary = summarize(profile, top);
  console.log(`\n## ${name} (${summary.wallMs} ms recorded)\n\nSelf time:\n${summary.self.join('\n')}\n\nTotal time:\n${summary.total.join('\n')}`);
  // Where a long task came from: each busy stretch of 50 ms or more, with what took it.
  for (const stretch of busyStretches(profile, 50, 12)) {
    console.log(`\nBusy from ${stretch.startMs} ms for ${stretch.ms} ms:\n${stretch.total.join('\n')}`);
  }
}

execFileSync('cargo', ['build', '--release', '--quiet', '--example', 'gen-cluster'], { cwd: root, stdio: 'inherit' });
const text = execFileSync(`${root}target/release/examples/gen-cluster`, SIZE_ARGS[size].map(String), { maxBuffer: 2 ** 31 }).toString();
const server = spawn('node', [`${root}tests/e2e/serve.mjs`], { env: { ...process.env, PORT: String(port), MOUNTS: `/=${dist}` }, stdio: 'ignore' });
await new Promise((resolve) => setTimeout(resolve, 500));
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: `http://127.0.0.1:${port}` });
  const page = await context.newPage();
  page.on('console', (message) => { if (message.type() === 'error') log('console error:', message.text()); });
  const cdp = await context.newCDPSession(page);
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await page.waitForSelector('svg.scene[data-pods]');
  await page.getByTestId('play').click(); // paused while the paste is analysed, as in the bench
  await page.evaluate((text) => navigator.clipboard.writeText(text), `# profile paste\n${text}`);
  const before = await page.locator('svg.scene').getAttribute('data-version');
  await page.getByTestId('editor').click();
  await page.keyboard.press('Control+A');
  log(size, 'paste');
  await record(cdp, 'paste', async () => {
    await page.keyboard.press('Control+V');
    await page.waitForFunction((before) => document.querySelector('svg.scene').getAttribute('data-version') !== before, before, { timeout: 600_000, polling: 50 });
    // The seconds after the first picture: whatever still runs on the main thread.
    await page.waitForTimeout(3000);
  });
  log(size, 'status:', await page.getByTestId('status').textContent());
  // Search keystrokes, real key events, as `bench.mjs` types them.
  await page.getByTestId('search').click();
  log(size, 'search');
  await record(cdp, 'search', async () => {
    for (const key of 'app-00012') await page.keyboard.type(key, { delay: 40 });
    await page.waitForTimeout(300);
  });
  log(size, 'matches:', await page.getByTestId('match-count').textContent());
  await page.keyboard.press('Escape');
  await page.getByTestId('load').fill('2');
  await page.getByTestId('play').click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="packets"]').getAttribute('data-packets')) >= 1000, null, { timeout: 120_000 }).catch(() => log('fewer than 1,000 packets'));
  log(size, 'animation');
  await record(cdp, 'animation', () => page.waitForTimeout(5000));
  log(size, 'packets:', await page.getByTestId('packets').getAttribute('data-packets'));
} finally {
  await browser.close();
  server.kill();
}
