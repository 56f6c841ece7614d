// Drives the dashboard over a stored scan of two accounts (EXPECT names
// them): the account selector, the account column, and the selection
// filtering the resources table and the findings. Run by
// TestDashboardAccountsInABrowser; exits non-zero on the first failed check.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch } from '../../../shared/dashboard/testdata/browser.mjs';

const base = process.env.BASE_URL;
const want = JSON.parse(readFileSync(process.env.EXPECT, 'utf8'));
const [a, b] = want.accounts;
const { browser, page, problems, shot, step } = await launch();

const notLoading = sel => page.waitForFunction(s => !document.querySelector(s).classList.contains('loading'), sel);
const accountsOfRows = () => page.$$eval('#resources-table tbody tr', trs => trs.map(tr => tr.dataset.account));
const asked = [];
page.on('request', r => { const u = new URL(r.url()); if (u.pathname === '/resources' || u.pathname === '/bottlenecks') asked.push(u); });

await step('resources: two accounts show the selector and an account column', async () => {
  await page.goto(base + '/#resources');
  await page.waitForSelector('#count-total');
  await notLoading('#resources-status');
  const options = await page.$$eval('#account-select option', os => os.map(o => o.value));
  assert.deepEqual(options, ['', a, b], 'every account, then each');
  assert.ok(await page.isVisible('#resources-account-col'), 'the account column');
  assert.deepEqual((await accountsOfRows()).sort(), [a, a, b, b]);
  const cells = await page.$$eval('#resources-table tbody td.account', tds => tds.map(td => td.textContent));
  assert.deepEqual(cells.sort(), [a, a, b, b], 'each row names its account');
  await shot('accounts-resources');
});

await step('resources: choosing an account filters the table through the API', async () => {
  await page.selectOption('#account-select', b);
  await page.waitForFunction(acct => {
    const rows = [...document.querySelectorAll('#resources-table tbody tr')];
    return rows.length > 0 && rows.every(tr => tr.dataset.account === acct);
  }, b);
  await notLoading('#resources-status');
  assert.deepEqual(await accountsOfRows(), Array(want.per_account).fill(b));
  assert.equal(await page.innerText('#count-total b'), String(want.per_account));
  const last = asked.filter(u => u.pathname === '/resources').at(-1);
  assert.equal(last.searchParams.get('accounts'), b, 'the API filters, not the page');
});

await step('bottlenecks: the findings of the chosen account, then of both', async () => {
  await page.goto(base + '/#bottlenecks');
  await page.waitForSelector('#bottlenecks-list article.finding');
  await notLoading('#bottlenecks-status');
  let cards = await page.$$eval('#bottlenecks-list article.finding', as => as.map(x => x.dataset.account));
  assert.deepEqual(cards, [b], 'the selection holds across panels');
  assert.match(await page.innerText('#bottlenecks-list article.finding .resource'), new RegExp(`account ${b}`));
  await page.selectOption('#account-select', '');
  await page.waitForFunction(() => document.querySelectorAll('#bottlenecks-list article.finding').length === 2);
  cards = await page.$$eval('#bottlenecks-list article.finding', as => as.map(x => x.dataset.account));
  assert.deepEqual(cards.sort(), [a, b]);
  const chips = await page.$$eval('#findings-by-account .chip', cs => cs.map(c => `${c.dataset.key}=${c.dataset.count}`));
  assert.deepEqual(chips.sort(), [`${a}=1`, `${b}=1`], 'findings by account');
  await shot('accounts-bottlenecks');
});

await step('history: the diff of two scans counts the changes per account', async () => {
  await page.goto(base + '/#history?base=org-scan-1&head=org-scan-2');
  await page.waitForSelector('#diff-by-account');
  const rows = await page.$$eval('#diff-by-account tbody tr', trs => trs.map(tr => [...tr.cells].map(td => td.textContent).join(' ')));
  assert.deepEqual(rows, [`${a} 0 0 0 1 0`, `${b} 1 0 0 0 0`], 'account, added, removed, new, worse, resolved');
  assert.match(await page.innerText('#diff-added'), new RegExp(`account ${b}`));
  await shot('accounts-history');
});

await step('no console errors, failed requests or error statuses', async () => {
  assert.deepEqual(problems, []);
});
await browser.close();
