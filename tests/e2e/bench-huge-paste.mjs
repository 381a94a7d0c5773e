// Huge pastes in Chromium (issue #12.9): time from the paste until the graph is drawn
// and until the page answers again, and the peak resident memory meanwhile: of the
// browser's processes summed, and of the page's renderer process (the tab).
// Usage, after a release build into dist/ (or DIST=other/dist):
//   node tests/e2e/bench-huge-paste.mjs [LIST_YAML_FILE]
// Both inputs are generated here: the 4.7 MB, 1.2M-line paste, and a 100,000-item
// `kind: List` (the objects of `gen-cluster 50000 1 1000 50`: 50,000 Deployments
// and their Services, and 1,000 Nodes, as the items of one List, as `kubectl get -o
// yaml` writes it). LIST_YAML_FILE replaces the generated List. The generator is
// built with `cargo build --release --example gen-cluster` (under `buildlock` on a
// shared machine) before this runs; it is not built here.
import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { browserRssMb, tabRssMb } from './memory.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const port = Number(process.env.KUBETOPO_E2E_PORT || 8767);
const listFile = process.argv[2];

/** The documents of a generated cluster as the items of one `kind: List`. */
function generatedList() {
  const yaml = execFileSync(`${root}target/release/examples/gen-cluster`, ['50000', '1', '1000', '50'], { maxBuffer: 2 ** 31 }).toString();
  const items = yaml.split(/^---\n/m).filter((doc) => doc.trim() !== '');
  const indented = items.map((doc) => `- ${doc.trimEnd().split('\n').join('\n  ')}\n`);
  return { text: `apiVersion: v1\nkind: List\nitems:\n${indented.join('')}`, n_items: items.length };
}

const server = spawn('node', [`${root}tests/e2e/serve.mjs`], { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
await new Promise((resolve) => setTimeout(resolve, 500));
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
// Playwright starts Chromium from this Node process, so its process tree holds the browser.
const browserPid = process.pid;

async function measure(name, text) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForSelector('svg.scene[data-pods]');
  await page.getByTestId('play').click().catch(() => {});
  const baselineMb = browserRssMb(browserPid);
  let peakMb = baselineMb;
  let peakTabMb = tabRssMb(browserPid);
  const sampler = setInterval(() => {
    peakMb = Math.max(peakMb, browserRssMb(browserPid));
    peakTabMb = Math.max(peakTabMb, tabRssMb(browserPid));
  }, 100);
  const started = Date.now();
  // Resolves once the graph shows the new input, then once the main thread is free
  // again (a timer and two frames later: the textarea's layout happens in between).
  const timings = await page.evaluate((text) => new Promise((resolve) => {
    const svg = document.querySelector('svg.scene');
    const before = svg.getAttribute('data-version');
    const textarea = document.querySelector('[data-testid="editor"]');
    textarea.focus();
    textarea.select();
    const start = performance.now();
    const observer = new MutationObserver(() => {
      const current = document.querySelector('svg.scene');
      if (current && current.getAttribute('data-version') !== before) {
        observer.disconnect();
        const drawn = performance.now() - start;
        setTimeout(() => requestAnimationFrame(() => setTimeout(() => requestAnimationFrame(() => resolve({ drawn, idle: performance.now() - start })), 0)), 0);
      }
    });
    observer.observe(document.body, { attributes: true, subtree: true, attributeFilter: ['data-version'] });
    const data = new DataTransfer();
    data.setData('text/plain', text);
    textarea.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }), text).catch((error) => ({ error: String(error) }));
  // One more second to catch memory that peaks after the frame.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  clearInterval(sampler);
  const pods = await page.locator('svg.scene').getAttribute('data-pods').catch(() => null);
  const result = {
    name,
    megabytes: Math.round(text.length / 1e5) / 10,
    lines: text.split('\n').length,
    drawnMs: Math.round(timings.drawn ?? -1),
    idleMs: Math.round(timings.idle ?? -1),
    wallMs: Date.now() - started,
    peakRssMb: peakMb,
    peakTabRssMb: peakTabMb,
    baselineRssMb: baselineMb,
    pods: Number(pods),
    error: timings.error,
  };
  console.log(JSON.stringify(result));
  await context.close();
  return result;
}

try {
  const service = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: huge\nspec:\n  ports: [{port: 80}]\n';
  await measure('4.7 MB, 1.2M lines', service + '#ab\n'.repeat(1_200_000));
  if (listFile) {
    await measure('List from a file', readFileSync(listFile, 'utf8'));
  } else {
    const list = generatedList();
    await measure(`${list.n_items}-item List`, list.text);
  }
} finally {
  await browser.close();
  server.kill();
}
