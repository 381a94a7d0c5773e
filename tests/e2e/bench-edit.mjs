// What-if edit → its frame at 10,000 pods (issue #9, "incremental updates"): the time
// from the click on a what-if button in the details panel to the animation frame
// after the graph shows the edited topology, for a series of edits. Usage, after a
// release build into dist/:
//   node tests/e2e/bench-edit.mjs [N_EDITS]
// KUBETOPO_E2E_PORT picks the port (8767 by default); GEN_CLUSTER the gen-cluster
// binary (target/release/examples/gen-cluster by default, built if missing).
import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const port = Number(process.env.KUBETOPO_E2E_PORT || 8767);
const nEdits = Number(process.argv[2] || 12);
const gen = process.env.GEN_CLUSTER || `${root}target/release/examples/gen-cluster`;
if (!existsSync(gen)) execFileSync('cargo', ['build', '--release', '--quiet', '--example', 'gen-cluster'], { cwd: root, stdio: 'inherit' });
const text = execFileSync(gen, ['2000', '5', '100', '10'], { maxBuffer: 2 ** 31 }).toString();

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
  await page.waitForSelector('svg.scene[data-pods="10000"]', { timeout: 120_000 });
  await page.keyboard.press('f');
  await page.waitForTimeout(1000);
  const times = [];
  for (let i = 0; i < nEdits; i++) {
    // A pod of workload i, through the search (pods rank after Services and workloads,
    // so the search names the pod), then "Kill pod": its controller replaces it.
    const search = page.getByTestId('search');
    await search.fill(`app-${String(100 + i * 37).padStart(5, '0')}-`);
    await search.press('Enter');
    await page.waitForSelector('[data-testid="details-title"]:has-text("Pod ")');
    await page.waitForTimeout(300);
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
    await page.getByTestId('kill-pod').click();
    times.push(await page.evaluate(() => window.__edit));
    await page.waitForTimeout(300);
  }
  await page.screenshot({ path: `${root}tests/e2e/artifacts/bench-edit-10k.png` });
  const status = await page.getByTestId('status').textContent();
  console.log(JSON.stringify({ edits: times.length, editToFrameMs: { median: Math.round(quantile(times, 0.5)), p95: Math.round(quantile(times, 0.95)), all: times.map(Math.round) }, status }, null, 2));
  await context.close();
} finally {
  await browser.close();
  server.kill();
}
