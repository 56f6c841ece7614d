// Times the Resources panel over a large inventory paged by the API
// (BenchmarkResourcesTable10000): milliseconds to the first page, to a
// search's answer, to a sort by name, and to the next page appended. Writes
// them as JSON to OUT.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { launch } from './browser.mjs';

const base = process.env.BASE_URL;
const rows = Number(process.env.ROWS);
const { browser, page, problems, step } = await launch({ shots: '' });
const ms = {};
const timed = async (name, f) => { const t = Date.now(); await f(); ms[name] = Date.now() - t; };
const count = () => page.locator('#resources-table tbody tr').count();
const rowsAre = n => page.waitForFunction(n => document.querySelectorAll('#resources-table tbody tr').length === n, n);
const idle = () => page.waitForFunction(() => !document.querySelector('#resources-status').classList.contains('loading'));
let biggest = 0; // the most resources one answer carried
page.on('response', async r => {
  if (new URL(r.url()).pathname === '/resources') biggest = Math.max(biggest, (await r.json()).data.resources.length);
});

await step(`the panel over ${rows} resources`, async () => {
  await timed('first-page', async () => {
    await page.goto(base + '/#resources');
    await page.waitForSelector('#count-total');
  });
  assert.equal(await page.innerText('#count-total b'), String(rows));
  assert.equal(await count(), 500, 'the first page');
  await timed('search', async () => {
    await page.fill('#resources-search', 'web-4242');
    await rowsAre(1);
  });
  await page.fill('#resources-search', '');
  await rowsAre(500);
  await idle();
  const top = await page.getAttribute('#resources-table tbody tr', 'data-id');
  await timed('sort-by-name', async () => {
    await page.click('#resources-table th[data-key="name"] button');
    await idle();
  });
  assert.notEqual(await page.getAttribute('#resources-table tbody tr', 'data-id'), top, 'sorted by name');
  await timed('next-page', async () => {
    await page.click('#resources-show-more');
    await rowsAre(1000);
    await page.evaluate(() => new Promise(requestAnimationFrame));
  });
  assert.match(await page.innerText('#resources-shown'), new RegExp(`1000 of ${rows} shown`));
  assert.equal(biggest, 500, 'no answer held more than a page');
  assert.deepEqual(problems, []);
});
writeFileSync(process.env.OUT, JSON.stringify(ms));
await browser.close();
