// Browser benchmarks for the web app (issue: the web app). Run with `make bench-web`
// (it builds the release wasm first). Prints, and writes tests/e2e/artifacts/bench.json:
//   - paste → drawn graph, Online Boutique (target < 150 ms) and 10,000 pods (target < 2 s)
//   - frames per second while >= 1,000 packets animate over a 2,000-pod graph (target >= 30)
//   - release wasm size: raw, gzip and brotli (target <= 600 KB brotli)
import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const port = 8766;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function generate(deployments, replicas, nodes, namespaces) {
  execFileSync('cargo', ['build', '--release', '--quiet', '--example', 'gen-cluster'], { cwd: root, stdio: 'inherit' });
  return execFileSync(`${root}target/release/examples/gen-cluster`, [deployments, replicas, nodes, namespaces].map(String), { maxBuffer: 1 << 30 }).toString();
}

const server = spawn('node', [`${root}tests/e2e/serve.mjs`], { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
await new Promise((resolve) => setTimeout(resolve, 500));
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const results = {};
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await page.waitForSelector('svg.scene[data-pods]');
  await page.getByTestId('play').click(); // pause the animation while timing analysis

  // Paste → drawn: from the paste event to the first frame after the graph's markup changed.
  const pasteToDrawn = (text) => page.evaluate((text) => new Promise((resolve) => {
    const svg = document.querySelector('svg.scene');
    const before = svg.getAttribute('data-version');
    const textarea = document.querySelector('[data-testid="editor"]');
    textarea.focus();
    textarea.select();
    const observer = new MutationObserver(() => {
      if (svg.getAttribute('data-version') !== before) {
        observer.disconnect();
        requestAnimationFrame(() => resolve(performance.now() - start));
      }
    });
    observer.observe(svg, { attributes: true, attributeFilter: ['data-version'] });
    const data = new DataTransfer();
    data.setData('text/plain', text);
    const start = performance.now();
    textarea.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }), text);

  const boutique = readFileSync(`${root}samples/online-boutique.yaml`, 'utf8') + '\n---\n' + readFileSync(`${root}samples/online-boutique-netpol.yaml`, 'utf8');
  const small = [];
  for (let i = 0; i < 7; i++) {
    await pasteToDrawn('# reset\n');
    small.push(await pasteToDrawn(boutique));
  }
  results.pasteToDrawnBoutiqueMs = Math.round(median(small));

  const big = generate(2000, 5, 100, 10);
  const large = [];
  for (let i = 0; i < 3; i++) {
    await pasteToDrawn('# reset\n');
    large.push(await pasteToDrawn(big));
  }
  results.pasteToDrawn10kPodsMs = Math.round(median(large));
  results.tenKPodsDrawn = Number(await page.locator('svg.scene').getAttribute('data-pods'));

  // FPS with >= 1,000 packets over a 2,000-pod graph.
  await pasteToDrawn(generate(400, 5, 20, 4));
  results.fpsGraphPods = Number(await page.locator('svg.scene').getAttribute('data-pods'));
  await page.getByTestId('load').fill('1.2');
  await page.getByTestId('play').click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="packets"]').getAttribute('data-packets')) >= 1000, null, { timeout: 60_000 });
  const measured = await page.evaluate(() => new Promise((resolve) => {
    let frames = 0;
    let packets = 0;
    const start = performance.now();
    const step = () => {
      frames += 1;
      packets = Math.min(packets || Infinity, Number(document.querySelector('[data-testid="packets"]').getAttribute('data-packets')));
      if (performance.now() - start < 5000) requestAnimationFrame(step);
      else resolve({ fps: frames / ((performance.now() - start) / 1000), minPackets: packets });
    };
    requestAnimationFrame(step);
  }));
  results.fps = Math.round(measured.fps * 10) / 10;
  results.minPacketsDuringFpsRun = measured.minPackets;

  // Release wasm size.
  const wasmFile = readdirSync(`${root}dist`).find((f) => f.endsWith('.wasm'));
  const wasm = readFileSync(`${root}dist/${wasmFile}`);
  results.wasmRawKB = Math.round(wasm.length / 1024);
  results.wasmGzipKB = Math.round(gzipSync(wasm, { level: 9 }).length / 1024);
  results.wasmBrotliKB = Math.round(brotliCompressSync(wasm, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length / 1024);
} finally {
  await browser.close();
  server.kill();
}
mkdirSync(`${root}tests/e2e/artifacts`, { recursive: true });
writeFileSync(`${root}tests/e2e/artifacts/bench.json`, JSON.stringify(results, null, 2));
console.log(JSON.stringify(results, null, 2));
