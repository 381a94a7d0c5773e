import { test, expect } from '@playwright/test';
import { App } from './app.page.mjs';

const opacity = (locator) => locator.evaluate((el) => Number(getComputedStyle(el).opacity));

// Names that try to break out of a CSS string or a style element. A newline ends a
// CSS string: with the first name `]` closes the attribute selector, `{}` ends the
// broken rule and `*{display:none}` is a rule of its own that hides the whole page;
// with the second the broken rule swallows the payload.
const HOSTILE_NAMES = [
  'bracket\\n]{}*{display:none}',
  'evil\\n}*{display:none}',
  'quote\\"]{}*{visibility:hidden}',
  'tag</style><style>*{opacity:0}',
];

function embedUrl(names) {
  const services = names.map((name) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: "${name}"\nspec:\n  selector: {app: x}\n  ports: [{port: 80}]\n`);
  services.push('apiVersion: v1\nkind: Service\nmetadata:\n  name: plain\nspec:\n  selector: {app: y}\n  ports: [{port: 80}]\n');
  return `/?embed#manifests=${Buffer.from(services.join('---\n')).toString('base64')}`;
}

/** The text of every style rule in the page, to prove no input reached a style sheet. */
function allStyleText(page) {
  return page.evaluate(() => [...document.styleSheets].flatMap((sheet) => [...sheet.cssRules].map((rule) => rule.cssText)).join('\n'));
}

test('css injection: a name with a newline and CSS syntax, clicked or searched, changes nothing but itself (#12.13)', async ({ page }) => {
  const app = new App(page);
  await page.goto(embedUrl(HOSTILE_NAMES));
  await app.waitForGraph();
  expect((await app.counts()).services).toBe(HOSTILE_NAMES.length + 1);
  const stylesBefore = await allStyleText(page);
  const plain = app.shape('svc:default/plain');
  const hostileShapes = page.locator('.graph .shape.service:not([data-id="svc:default/plain"])');
  await expect(hostileShapes).toHaveCount(HOSTILE_NAMES.length);

  for (let index = 0; index < HOSTILE_NAMES.length; index += 1) {
    // Click it: it is selected and outlined, the unrelated Service fades, nothing hides.
    await hostileShapes.nth(index).click({ position: { x: 8, y: 6 } });
    await expect(page.getByTestId('details-title')).toContainText('Service default/');
    // What the injection did: hide or blank out the rest of the page.
    await expect(plain).toBeVisible();
    await expect(page.getByTestId('details')).toBeVisible();
    expect(await allStyleText(page), 'no style rule was added').toBe(stylesBefore);
    expect(await opacity(plain)).toBeGreaterThan(0.1);
    expect(await opacity(plain)).toBeLessThan(0.5);
    expect(await opacity(hostileShapes.nth(index))).toBe(1);
    await expect(hostileShapes.nth(index)).toHaveAttribute('data-selected', '');
    await expect(page.locator('.graph [data-selected]')).toHaveCount(1);
  }

  // Search for it: it matches, the others stay as they are.
  await page.keyboard.press('Escape');
  await page.getByTestId('search').fill('evil');
  await expect(page.getByTestId('match-count')).toHaveText('1 matches');
  await expect(page.locator('.graph [data-matched]')).toHaveCount(1);
  await expect(page.locator('.graph [data-matched]')).toHaveAttribute('data-id', /^svc:default\/evil\n/);
  expect(await opacity(plain)).toBeLessThan(0.5);
  await expect(plain).toBeVisible();
  await page.getByTestId('search').press('Enter');
  await expect(page.getByTestId('details-title')).toContainText('evil');

  // The style sheets are exactly those of the page as loaded: no rule was added,
  // and none holds any part of the input.
  const stylesAfter = await allStyleText(page);
  expect(stylesAfter).toBe(stylesBefore);
  for (const marker of ['evil', 'quote', '</style>']) expect(stylesAfter, marker).not.toContain(marker);
  expect(await page.evaluate(() => getComputedStyle(document.body).display)).not.toBe('none');
  await expect(page.getByTestId('status')).toBeVisible();
  await app.screenshot('css-injection');
  await app.assertClean();
});

test('highlighting touches only the shapes whose state changes', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await app.select('svc:default/cartservice');
  const lit = await page.locator('.graph [data-lit]').count();
  expect(lit).toBeGreaterThan(2);
  // Count attribute writes while the selection moves to another Service: only the
  // elements that differ between the two highlights are written.
  await page.evaluate(() => {
    window.__writes = 0;
    window.__observer = new MutationObserver((records) => { window.__writes += records.length; });
    window.__observer.observe(document.querySelector('svg.scene'), { attributes: true, subtree: true, attributeFilter: ['data-lit', 'data-selected', 'data-matched'] });
  });
  await app.select('svc:default/redis-cart');
  await expect(app.shape('svc:default/redis-cart')).toHaveAttribute('data-selected', '');
  const writes = await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve(window.__writes))));
  const total = await page.locator('.graph .shape, .graph .edge').count();
  expect(writes).toBeGreaterThan(0);
  expect(writes).toBeLessThan(total / 2);
  await page.keyboard.press('Escape');
  await expect(page.locator('.graph [data-lit], .graph [data-selected]')).toHaveCount(0);
  await app.assertClean();
});

test('csp: script-src allows no inline script, and the app still boots without console errors (#12.14)', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...values]) => [name, values]));
  expect(directives['script-src']).toBeDefined();
  expect(directives['script-src']).not.toContain("'unsafe-inline'");
  expect(directives['script-src']).not.toContain("'unsafe-eval'");
  expect(directives['object-src']).toEqual(["'none'"]);
  // The page itself carries no inline script and no event-handler attribute.
  expect(await page.locator('script:not([src])').count()).toBe(0);
  expect(await page.evaluate(() => [...document.querySelectorAll('*')].filter((e) => [...e.attributes].some((a) => a.name.startsWith('on'))).length)).toBe(0);
  expect((await app.counts()).services).toBe(12);
  await app.assertClean();

  // An injected inline script does not run; the browser reports the violation.
  const ran = await page.evaluate(() => {
    window.injectedRan = false;
    const script = document.createElement('script');
    script.textContent = 'window.injectedRan = true;';
    document.body.append(script);
    return window.injectedRan;
  });
  expect(ran).toBe(false);
  await expect.poll(() => app.consoleErrors.some((text) => text.includes('Content Security Policy'))).toBe(true);
});

test('the crash banner reloads the page from its button, with no inline handler', async ({ page }) => {
  const app = new App(page);
  await app.openFresh();
  await page.evaluate(() => document.getElementById('panic-banner').removeAttribute('hidden'));
  await expect(page.getByRole('alert')).toContainText('kubetopo crashed.');
  await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Reload' }).click()]);
  await app.waitForGraph();
  await expect(page.locator('#panic-banner')).toBeHidden();
  await app.assertClean();
});
