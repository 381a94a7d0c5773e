// Exports from the app (issue #7, "Export"): each format downloads a file named
// after the workspace, with the content that format promises; the Mermaid export
// of every sample is read and drawn by the real mermaid package.
import { readFileSync } from 'node:fs';
import { test, expect } from '@playwright/test';
import { App } from './app.page.mjs';

const MERMAID_JS = 'node_modules/mermaid/dist/mermaid.min.js';
const SAMPLE_IDS = ['boutique', 'guestbook', 'ingress-nginx', 'statefulset', 'local-lb'];

// Names that break naive quoting in Mermaid, DOT, SVG and JSON.
const HOSTILE = `apiVersion: v1
kind: Service
metadata: {name: "web\\"]) --> x[\\"owned\\"] %% #quot; ; | \\\\ <br> {{x}} \\e[2J\\x01 end", namespace: "ns\\"[]"}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: "dep\\"]#35;;", namespace: "ns\\"[]"}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: x, ports: [{containerPort: 80}]}]}
`;

/** Opens the Export menu and downloads one format; returns its name and bytes. */
async function exportAs(page, format) {
  await page.getByTestId('export').click();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId(`export-${format}`).click(),
  ]);
  const bytes = readFileSync(await download.path());
  return { name: download.suggestedFilename(), bytes, text: bytes.toString('utf8') };
}

async function openSample(app, id) {
  await app.page.goto(`/?sample=${id}`);
  await app.waitForGraph();
}

test('every export downloads a file named after the workspace with its content', async ({ page }) => {
  const app = new App(page);
  await openSample(app, 'guestbook');
  const services = ['frontend', 'redis-master', 'redis-replica'];

  const svg = await exportAs(page, 'svg');
  expect(svg.name).toBe('sample-guestbook-cluster.svg');
  const svgFacts = await page.evaluate((text) => {
    const document = new DOMParser().parseFromString(text, 'image/svg+xml');
    const root = document.documentElement;
    return {
      error: document.querySelector('parsererror')?.textContent ?? null,
      root: root.nodeName,
      width: Number(root.getAttribute('width')),
      height: Number(root.getAttribute('height')),
      style: document.querySelector('style')?.textContent.length ?? 0,
      titles: [...document.querySelectorAll('title')].map((t) => t.textContent),
      outside: [...document.querySelectorAll('*')].flatMap((el) => [...el.attributes])
        // `url(#id)` names a marker inside the same document; any other url( reaches outside.
        .filter((a) => a.name === 'href' || a.name === 'xlink:href' || a.value.replaceAll('url(#', '').includes('url(')).length,
    };
  }, svg.text);
  expect(svgFacts.error).toBeNull();
  expect(svgFacts.root).toBe('svg');
  expect(svgFacts.style, 'styles inlined').toBeGreaterThan(500);
  expect(svgFacts.outside, 'no outside references').toBe(0);
  for (const service of services) {
    expect(svgFacts.titles.some((t) => t.startsWith(`Service default/${service} (`)), service).toBe(true);
  }

  // The PNG is that SVG at twice its size: read the IHDR chunk.
  const png = await exportAs(page, 'png');
  expect(png.name).toBe('sample-guestbook-cluster.png');
  expect([...png.bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(png.bytes.readUInt32BE(16)).toBe(2 * svgFacts.width);
  expect(png.bytes.readUInt32BE(20)).toBe(2 * svgFacts.height);

  const json = await exportAs(page, 'json');
  expect(json.name).toBe('sample-guestbook.json');
  const analysis = JSON.parse(json.text);
  expect(analysis.schemaVersion).toBe(2);
  expect(analysis.services.map((s) => s.name)).toEqual(services);
  expect(analysis.pods.length).toBe(6);

  const mermaid = await exportAs(page, 'mermaid');
  expect(mermaid.name).toBe('sample-guestbook-cluster.mmd');
  expect(mermaid.text.startsWith('flowchart LR\n')).toBe(true);
  for (const service of services) expect(mermaid.text).toContain(`("${service}<br>`);

  const dot = await exportAs(page, 'dot');
  expect(dot.name).toBe('sample-guestbook-cluster.dot');
  expect(dot.text.startsWith('digraph kubetopo {')).toBe(true);
  for (const service of services) expect(dot.text).toContain(`[label="${service}\\n`);

  // The logical view exports the logical view.
  await page.getByTestId('view-logical').click();
  const logical = await exportAs(page, 'svg');
  expect(logical.name).toBe('sample-guestbook-logical.svg');
  expect(logical.text).toContain('class="shape workload');
  expect(logical.text).not.toContain('class="shape node');
  await expect(page.getByTestId('export-error')).toHaveText('');
  await app.assertClean();
});

test('the Export menu works from the keyboard', async ({ page }) => {
  const app = new App(page);
  await openSample(app, 'guestbook');
  const toggle = page.getByTestId('export');
  await toggle.focus();
  await page.keyboard.press('Enter');
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  await expect(page.getByTestId('export-svg')).toBeVisible();
  await app.screenshot('export-menu');
  await page.keyboard.press('Tab');
  await expect(page.getByTestId('export-svg')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByTestId('export-png')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('export-svg')).toBeHidden();
  await expect(toggle).toBeFocused();
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  // Space opens it again, and a format chosen by keyboard downloads.
  await page.keyboard.press(' ');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await expect(page.getByTestId('export-json')).toBeFocused();
  const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
  expect(download.suggestedFilename()).toBe('sample-guestbook.json');
  await expect(page.getByTestId('export-json')).toBeHidden();
  await app.assertClean();
});

test('mermaid parses and draws the Mermaid export of every sample and of hostile names', async ({ page, browser }) => {
  test.setTimeout(180_000);
  const app = new App(page);
  const exports = [];
  for (const id of SAMPLE_IDS) {
    await openSample(app, id);
    for (const view of ['cluster', 'logical']) {
      await page.getByTestId(`view-${view}`).click();
      const services = await page.locator('.graph .shape.service').evaluateAll(
        (shapes) => shapes.map((s) => s.getAttribute('data-id').split('/').slice(1).join('/')));
      exports.push({ name: `${id}-${view}`, text: (await exportAs(page, 'mermaid')).text, services });
    }
  }
  // A fresh document: from '/' a hash alone would not reload the page.
  await page.goto('about:blank');
  await page.goto(`/#manifests=${Buffer.from(HOSTILE).toString('base64')}`);
  await app.waitForGraph();
  await expect(page.locator('.graph .shape.service[data-id^="svc:ns\\"[]/web"]')).toHaveCount(1);
  for (const view of ['cluster', 'logical']) {
    await page.getByTestId(`view-${view}`).click();
    exports.push({ name: `hostile-${view}`, text: (await exportAs(page, 'mermaid')).text, services: [] });
  }
  await app.assertClean();

  // mermaid runs in a page of its own: the app's CSP rightly refuses inline scripts.
  const context = await browser.newContext();
  const mermaidPage = await context.newPage();
  const errors = [];
  mermaidPage.on('pageerror', (error) => errors.push(error.message));
  await mermaidPage.setContent('<!doctype html><html><body><div id="out"></div></body></html>');
  await mermaidPage.addScriptTag({ path: MERMAID_JS });
  await mermaidPage.evaluate(() => window.mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' }));
  for (const [index, exported] of exports.entries()) {
    const result = await mermaidPage.evaluate(async ({ text, index }) => {
      try {
        const parsed = await window.mermaid.parse(text);
        const { svg } = await window.mermaid.render(`export${index}`, text);
        const out = document.getElementById('out');
        out.innerHTML = svg;
        const labels = out.textContent;
        return { type: parsed.diagramType, labels, error: null };
      } catch (error) {
        return { error: String(error && error.message || error) };
      }
    }, { text: exported.text, index });
    expect(result.error, `${exported.name}:\n${exported.text}`).toBeNull();
    expect(result.type).toBe('flowchart-v2');
    for (const service of exported.services) {
      expect(result.labels, `${exported.name} draws ${service}`).toContain(service);
    }
    if (exported.name === 'boutique-cluster' || exported.name === 'hostile-cluster') {
      await mermaidPage.screenshot({ path: `tests/e2e/artifacts/export-mermaid-${exported.name}.png`, fullPage: true });
    }
    if (exported.name.startsWith('hostile')) {
      // The quotes, brackets and arrow are text in the label, not syntax.
      expect(result.labels).toContain('web"]) --> x["owned"]');
    }
  }
  expect(errors).toEqual([]);
  await context.close();
});
