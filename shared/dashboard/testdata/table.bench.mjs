// Times the Resources panel over a large inventory (BenchmarkResourcesTable10000):
// milliseconds to the first table, to a search's answer, to a sort, and to
// drawing 500 rows more. Writes them as JSON to OUT.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { launch } from './browser.mjs';

const base = process.env.BASE_URL;
const rows = Number(process.env.ROWS);
const { browser, page, problems, step } = await launch({ shots: '' });
const ms = {};
const timed = async (name, f) => { const t = Date.now(); await f(); ms[name] = Date.now() - t; };
const count = () => page.locator('#resources-table tbody tr').count();

await step(`the panel over ${rows} resources`, async () => {
  await timed('first-table', async () => {
    await page.goto(base + '/#resources');
    await page.waitForSelector('#count-total');
  });
  assert.equal(await page.innerText('#count-total b'), String(rows));
  assert.equal(await count(), 500, 'the first 500 rows are drawn');
  await timed('search', async () => {
    await page.fill('#resources-search', 'web-4242');
    await page.waitForFunction(() => document.querySelectorAll('#resources-table tbody tr').length === 1);
  });
  await page.fill('#resources-search', '');
  await page.waitForFunction(() => document.querySelectorAll('#resources-table tbody tr').length === 500);
  await timed('sort-by-tags', async () => {
    await page.click('#resources-table th[data-key="tags"] button');
    await page.waitForSelector('#resources-table th[data-key="tags"][aria-sort="ascending"]');
    await page.evaluate(() => new Promise(requestAnimationFrame));
  });
  await timed('show-500-more', async () => {
    await page.click('#resources-show-more');
    await page.waitForFunction(() => document.querySelectorAll('#resources-table tbody tr').length === 1000);
    await page.evaluate(() => new Promise(requestAnimationFrame));
  });
  assert.match(await page.innerText('#resources-shown'), new RegExp(`1000 of ${rows} shown`));
  assert.deepEqual(problems, []);
});
writeFileSync(process.env.OUT, JSON.stringify(ms));
await browser.close();
