import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
const port = 8791;
const server = spawn('node', ['tests/e2e/serve.mjs'], { env: { ...process.env, PORT: String(port), KUBETOPO_E2E_PORT: String(port) }, stdio: 'ignore', detached: true });
await new Promise((r) => setTimeout(r, 800));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage({ viewport: { width: 1024, height: 768 } });
try {
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.evaluate(() => localStorage.clear()); await page.reload();
  await page.waitForSelector('svg.scene[data-pods]');
  await page.getByTestId('play').click();
  await page.getByTestId('samples').selectOption('guestbook');
  await page.locator('.graph [data-id="svc:default/frontend"]').first().waitFor();
  const reset = page.getByTestId('reset');
  await reset.scrollIntoViewIfNeeded();
  await reset.focus();
  await page.evaluate(() => {
    window.__log = [];
    const b = document.querySelector('.details-body'), r = document.querySelector('[data-testid=reset]');
    const f = () => { window.__log.push([Math.round(performance.now()), r.getBoundingClientRect().top, b.scrollTop, b.scrollHeight, b.clientHeight, document.querySelectorAll('[data-testid=endpoint-counter]').length, document.activeElement?.dataset?.testid]); requestAnimationFrame(f); };
    requestAnimationFrame(f);
  });
  await page.getByTestId('play').dispatchEvent('click');
  await page.waitForTimeout(3000);
  const log = await page.evaluate(() => window.__log);
  let last = null;
  for (const row of log) { const k = JSON.stringify(row.slice(1)); if (k !== last) console.log(row.join(' ')); last = k; }
} finally { await browser.close(); process.kill(-server.pid); }
