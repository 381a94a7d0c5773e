// The details pane at 1024x768 (issue #10, point 8): about 195 px wide beside a
// graph that keeps at least 60% of the window. Its tables stack each row into label
// and value lines, so nothing is clipped, nothing overlaps and nothing runs out of
// the pane.
import { test, expect } from '@playwright/test';
import { App } from './app.page.mjs';

/** Everything in the details pane that is clipped, overlaps or leaves the pane. */
async function layoutProblems(page) {
  return page.getByTestId('details').evaluate((pane) => {
    const problems = [];
    const outer = pane.getBoundingClientRect();
    // No slack: the pane never scrolls sideways. Text that runs out of its own box
    // (a long unbroken flow row did, issue #10) shows as an element whose content
    // is wider than it, with its overflow visible.
    if (pane.scrollWidth > pane.clientWidth) {
      const elements = [...pane.querySelectorAll('*')].filter((e) => !e.closest('pre'));
      const wide = elements.filter((e) => e.getBoundingClientRect().right > outer.right + 1).reverse()
        .map((e) => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().right)} ${e.textContent.slice(0, 40)}`);
      const spilling = elements.filter((e) => e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0 && getComputedStyle(e).overflowX === 'visible')
        .reverse().map((e) => `${e.tagName.toLowerCase()}.${e.className} ${e.scrollWidth} > ${e.clientWidth}: ${e.textContent.slice(0, 40)}`);
      problems.push(`the pane scrolls sideways: ${pane.scrollWidth} > ${pane.clientWidth}: ${[...wide, ...spilling].slice(0, 6).join(', ')}`);
    }
    for (const table of pane.querySelectorAll('table[data-testid="service-ports"], table[data-testid="endpoints"]')) {
      for (const row of table.querySelectorAll('tbody tr')) {
        const cells = [...row.querySelectorAll('td')].filter((td) => td.getBoundingClientRect().height > 0);
        for (const [i, td] of cells.entries()) {
          const box = td.getBoundingClientRect();
          if (box.left < outer.left - 1 || box.right > outer.right + 1) problems.push(`${td.textContent} leaves the pane`);
          if (td.scrollWidth > td.clientWidth + 1) problems.push(`${td.textContent} is clipped`);
          const next = cells[i + 1]?.getBoundingClientRect();
          const overlaps = next && next.left < box.right - 1 && box.left < next.right - 1 && next.top < box.bottom - 1 && box.top < next.bottom - 1;
          if (overlaps) problems.push(`${td.textContent} overlaps ${cells[i + 1].textContent}`);
        }
      }
    }
    return problems;
  });
}

test('at 1024x768 the Service details are readable: the tables stack into label and value lines', async ({ page }) => {
  await page.setViewportSize({ width: 1024, height: 768 });
  const app = new App(page);
  await app.openFresh();
  const details = await page.getByTestId('details').boundingBox();
  const graph = await page.locator('.graph').boundingBox();
  expect(details.width).toBeGreaterThan(180);
  expect(details.width).toBeLessThan(215);
  expect(graph.width).toBeGreaterThanOrEqual(0.6 * 1024);
  // A LoadBalancer Service: every port column is filled, NodePort included.
  await app.select('svc:default/frontend-external');
  await expect(page.getByTestId('details-title')).toHaveText('Service default/frontend-external');
  const ports = page.getByTestId('service-ports');
  await expect(ports.locator('tbody tr')).toHaveCount(1);
  // Each value under its column's name, on its own line.
  const cells = ports.locator('tbody td');
  expect(await cells.nth(3).evaluate((td) => getComputedStyle(td, '::before').content)).toBe('"NodePort"');
  expect(await cells.nth(3).textContent()).toMatch(/^3\d{4}$/);
  const port = await cells.nth(1).boundingBox();
  const target = await cells.nth(2).boundingBox();
  expect(target.y).toBeGreaterThanOrEqual(port.y + port.height - 1);
  // The traffic runs meanwhile: its recent connections, whose rows hold the longest
  // unbroken text of the pane, are there to be checked too.
  await expect(page.getByTestId('flow-row')).not.toHaveCount(0);
  expect(await layoutProblems(page)).toEqual([]);
  await page.getByTestId('endpoints').scrollIntoViewIfNeeded();
  await app.screenshot('details-1024-service-endpoints');
  await ports.scrollIntoViewIfNeeded();
  await app.screenshot('details-1024-service');
  // A Service with endpoints: pod names, addresses and nodes are the long values.
  await app.select('svc:default/cartservice');
  await expect(page.getByTestId('endpoint-row')).not.toHaveCount(0);
  expect(await layoutProblems(page)).toEqual([]);
  await app.assertClean();
});

test('a details pane made wide keeps its tables as tables', async ({ page }) => {
  await page.setViewportSize({ width: 1920, height: 1080 });
  const app = new App(page);
  await app.openFresh();
  // Widen the details pane with its splitter, by keyboard.
  const splitter = page.getByTestId('splitter-details');
  await splitter.focus();
  for (let i = 0; i < 12; i++) await page.keyboard.press('ArrowLeft');
  expect((await page.getByTestId('details').boundingBox()).width).toBeGreaterThan(480);
  await app.select('svc:default/frontend-external');
  const ports = page.getByTestId('service-ports');
  await expect(ports.locator('thead')).toBeVisible();
  expect(await ports.locator('tbody tr').evaluate((tr) => getComputedStyle(tr).display)).toBe('table-row');
  expect(await layoutProblems(page)).toEqual([]);
  await app.assertClean();
});

test('at 1024x768 the NetworkPolicies list keeps its Disable buttons inside the details pane', async ({ page }) => {
  await page.setViewportSize({ width: 1024, height: 768 });
  const app = new App(page);
  await app.openFresh();
  const outside = await page.getByTestId('details').evaluate((pane) => {
    const right = pane.getBoundingClientRect().left + pane.clientWidth;
    const buttons = [...pane.querySelectorAll('[data-testid="policies"] button')];
    return { n: buttons.length, outside: buttons.filter((b) => b.getBoundingClientRect().right > right + 1).length };
  });
  expect(outside.n).toBeGreaterThan(10);
  expect(outside.outside).toBe(0);
  await app.screenshot('details-1024-policies');
  await app.assertClean();
});

test('at 1024x768 the drop and flow counters keep each name on a line of its own, above its five counts', async ({ page }) => {
  await page.setViewportSize({ width: 1024, height: 768 });
  const app = new App(page);
  await app.openFresh();
  const row = page.locator('[data-testid="service-counter"]').first();
  await expect(row).toBeAttached({ timeout: 20_000 });
  await row.scrollIntoViewIfNeeded();
  const layout = await row.evaluate((tr) => {
    const pane = tr.closest('[data-testid="details"]').getBoundingClientRect();
    const [name, ...counts] = [...tr.children].map((cell) => cell.getBoundingClientRect());
    return { pane: pane.width, name, counts };
  });
  // The name has the pane's width (it was squeezed to a fifth of it, a few letters
  // a line); the five counts sit side by side below it.
  expect(layout.name.width).toBeGreaterThan(layout.pane * 0.8);
  expect(layout.counts).toHaveLength(5);
  for (const count of layout.counts) {
    expect(count.top).toBeGreaterThanOrEqual(layout.name.bottom - 1);
    expect(Math.abs(count.top - layout.counts[0].top)).toBeLessThan(1);
  }
  expect(await layoutProblems(page)).toEqual([]);
  await app.screenshot('details-1024-counters');
  await app.assertClean();
});

test('at 1024x768 the counters\' column names are abbreviated, readable and whole, with the full name in their title', async ({ page }) => {
  await page.setViewportSize({ width: 1024, height: 768 });
  const app = new App(page);
  await app.openFresh();
  const table = page.locator('table.counters').filter({ has: page.getByTestId('service-counter') });
  await expect(table.getByTestId('service-counter').first()).toBeAttached({ timeout: 20_000 });
  await table.scrollIntoViewIfNeeded();
  const headers = await table.locator('thead th').evaluateAll((ths) => ths.slice(1).map((th) => {
    const after = getComputedStyle(th, '::after');
    const box = th.getBoundingClientRect();
    return {
      name: th.textContent, title: th.title, shown: after.content, px: parseFloat(after.fontSize),
      height: box.height, fits: th.scrollWidth <= th.clientWidth + 1,
    };
  }));
  expect(headers.map((h) => h.name)).toEqual(['Delivered', 'Dropped', 'Rejected', 'Redirected', 'Answered']);
  expect(headers.map((h) => h.shown)).toEqual(['"Deliv"', '"Drop"', '"Rej"', '"Redir"', '"Ans"']);
  for (const header of headers) {
    // At least 9 px (they were 9 px and broke mid-word: "Redirecte|d").
    expect(header.px, header.name).toBeGreaterThanOrEqual(10);
    expect(header.title.startsWith(header.name), header.name).toBe(true);
    // One line, inside its column.
    expect(header.height, header.name).toBeLessThan(2 * header.px + 6);
    expect(header.fits, header.name).toBe(true);
  }
  await app.screenshot('details-1024-counter-headers');
  // Wide, the names are written out.
  await page.setViewportSize({ width: 1920, height: 1080 });
  const splitter = page.getByTestId('splitter-details');
  await splitter.focus();
  for (let i = 0; i < 12; i++) await page.keyboard.press('ArrowLeft');
  await expect.poll(() => table.locator('thead th').nth(1).evaluate((th) => getComputedStyle(th, '::after').content)).toBe('none');
  await app.assertClean();
});
