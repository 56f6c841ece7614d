// Drives the dashboard in headless Chromium and checks what a person sees
// against what the Go test seeded (EXPECT). Run by TestDashboardInABrowser;
// exits non-zero on the first failed check. Screenshots go to SCREENSHOTS.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch } from '../../../shared/dashboard/testdata/browser.mjs';

const base = process.env.BASE_URL;
const want = JSON.parse(readFileSync(process.env.EXPECT, 'utf8'));
const { browser, page, problems, shot, step } = await launch();

const notLoading = sel => page.waitForFunction(s => !document.querySelector(s).classList.contains('loading'), sel);
const key = r => `${r.type} ${r.id} ${r.region}`;
const rowsOf = () => page.$$eval('#resources-table tbody tr', trs => trs.map(tr => `${tr.dataset.type} ${tr.dataset.id} ${tr.dataset.region}`).sort());
const idsOf = () => page.$$eval('#resources-table tbody tr', trs => trs.map(tr => tr.dataset.id)); // in the table's order
const rowCount = () => page.locator('#resources-table tbody tr').count();
const added = { type: 's3', id: want.added_bucket, region: 'us-east-1', name: want.added_bucket };

// Every /resources request the page makes, to check what it asked the API.
const asked = [];
page.on('request', r => { if (new URL(r.url()).pathname === '/resources') asked.push(r); });
const paramsOf = r => Object.fromEntries(new URL(r.url()).searchParams);
const answerOf = async r => (await (await r.response()).json()).data;

await step('resources: the first view is the first scan, as of its time, with the failing region warned', async () => {
  await page.goto(base + '/#resources');
  await page.waitForSelector('#count-total');
  await notLoading('#resources-status');
  assert.deepEqual(await rowsOf(), want.resources.map(key).sort(), 'the first scan exactly (no bucket added since)');
  assert.equal(await page.getAttribute('#resources-source', 'data-source'), 'latest');
  assert.equal(await page.getAttribute('#resources-source', 'data-snapshot'), want.first_scan);
  assert.match(await page.innerText('#resources-asof'), /^Stored scan, as of \d+ \w+ \d{4}, \d\d:\d\d UTC, \d+ (s|min) ago$/);
  const warning = page.locator('#resources-errors .warning');
  await warning.waitFor({ state: 'visible' });
  assert.match(await warning.innerText(), new RegExp(`${want.failing_region} / ec2 access denied`));
  const byType = {};
  for (const r of want.resources) byType[r.type] = (byType[r.type] || 0) + 1;
  for (const [type, n] of Object.entries(byType)) {
    assert.equal(await page.getAttribute(`#count-by-type [data-key="${type}"]`, 'data-count'), String(n), `count of ${type}`);
  }
  assert.equal(await page.innerText('#count-total b'), String(want.resources.length));
  assert.equal(await page.innerText('#resources-shown'), `${want.resources.length} of ${want.resources.length} shown`);
  assert.ok(await page.isHidden('#resources-show-more'), 'one page holds them all');
  await shot('resources');
});

await step('resources: Refresh from AWS reads the account now, with the bucket added since', async () => {
  await page.click('#resources-refresh');
  await page.waitForSelector('#resources-source[data-source="live"]', { timeout: 120_000 });
  await notLoading('#resources-status');
  assert.deepEqual(await rowsOf(), [...want.resources, added].map(key).sort());
  assert.equal(paramsOf(asked.at(-1)).source, 'live');
  assert.match(await page.innerText('#resources-asof'), /^Live from AWS, as of .+ UTC, \d+ s ago$/);
  assert.equal(await page.innerText('#count-total b'), String(want.resources.length + 1));
  assert.match(await page.innerText('#resources-errors .warning'), new RegExp(`${want.failing_region} / ec2`));
  await page.click('#resources-stored'); // back to the first scan
  await page.waitForSelector('#resources-source[data-source="latest"]');
  await notLoading('#resources-status');
  assert.deepEqual(await rowsOf(), want.resources.map(key).sort());
  assert.ok(await page.isHidden('#resources-stored'));
});

await step('resources: the region and type filters narrow the table, search narrows it more, on the server', async () => {
  await page.selectOption('#resources-regions', ['eu-west-1']);
  await page.selectOption('#resources-types', ['ec2', 'rds']);
  await page.click('#resources-load');
  const expected = want.resources.filter(r => r.region === 'eu-west-1' && ['ec2', 'rds'].includes(r.type)).map(key).sort();
  await page.waitForFunction(n => document.querySelectorAll('#resources-table tbody tr').length === n, expected.length);
  await notLoading('#resources-status');
  assert.deepEqual(await rowsOf(), expected);
  assert.equal(await page.locator('#resources-errors .warning').count(), 0, 'no warning when the failing region is not asked');
  await page.fill('#resources-search', 'reporting'); // legacy-reporting and reporting-db
  await page.waitForFunction(() => document.querySelectorAll('#resources-table tbody tr').length === 2);
  assert.equal(await page.innerText('#resources-shown'), '2 of 2 shown');
  assert.deepEqual(paramsOf(asked.at(-1)), { regions: 'eu-west-1', types: 'ec2,rds', search: 'reporting', limit: '500' });
  await page.fill('#resources-search', '');
  await page.waitForFunction(n => document.querySelectorAll('#resources-table tbody tr').length === n, expected.length);
});

await step('resources: usable at phone width', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
  await shot('resources-phone');
  await page.setViewportSize({ width: 1280, height: 900 });
});

await step('resources: pages, sorts and searches through the API, one page at a time', async () => {
  const first = want.resources, n = first.length, size = 5;
  asked.length = 0;
  await page.goto(base + '/?limit=5#resources');
  await page.waitForSelector('#count-total');
  await notLoading('#resources-status');
  assert.equal(await rowCount(), size);
  assert.equal(await page.innerText('#resources-shown'), `${size} of ${n} shown`);
  assert.equal(await page.innerText('#count-total b'), String(n), 'the counts are of every page');

  // Name, then name descending: each click asks the server.
  for (const dir of ['ascending', 'descending']) {
    await page.click('#resources-table th[data-key="name"] button');
    await page.waitForSelector(`#resources-table th[data-key="name"][aria-sort="${dir}"]`);
    await notLoading('#resources-status');
  }
  const showAll = async () => {
    for (let i = 0; await page.isVisible('#resources-show-more'); i++) {
      assert.ok(i < 10, 'too many pages');
      const before = await rowCount();
      await page.focus('#resources-show-more');
      await page.keyboard.press('Enter');
      await page.waitForFunction(b => document.querySelectorAll('#resources-table tbody tr').length > b, before);
      await notLoading('#resources-status');
      // The keyboard stays on "Show more", or after the last page moves to the first new row.
      const focused = await page.evaluate(() => document.activeElement.id || document.activeElement.closest('tr')?.rowIndex);
      assert.equal(focused, await page.isVisible('#resources-show-more') ? 'resources-show-more' : before + 1);
    }
  };
  await showAll();
  // The server's order: name (case-insensitive) descending, then region, type, id.
  const types = ['ec2', 'rds', 's3', 'lambda', 'ebs', 'ebs-snapshot', 'eip', 'nat', 'elb', 'dynamodb']; // cloudscope.ResourceTypes
  const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  const byNameDesc = [...first].sort((a, b) => cmp(b.name.toLowerCase(), a.name.toLowerCase()) || cmp(a.region, b.region) ||
    types.indexOf(a.type) - types.indexOf(b.type) || cmp(a.id, b.id));
  assert.deepEqual(await idsOf(), byNameDesc.map(r => r.id));
  assert.equal(await page.innerText('#resources-shown'), `${n} of ${n} shown`);
  // Each page of the sort followed the previous page's next_cursor, to the last.
  const pages = asked.filter(r => paramsOf(r).sort === '-name');
  assert.equal(pages.length, Math.ceil(n / size));
  let cursor;
  for (const r of pages) {
    assert.equal(paramsOf(r).cursor, cursor);
    cursor = (await answerOf(r)).next_cursor;
  }
  assert.equal(cursor, undefined, 'the last page has no next_cursor');

  // A search waits for typing to pause, then asks once, keeping the sort.
  const searched = page.waitForResponse(r => new URL(r.url()).searchParams.get('search') === 'prod');
  await page.locator('#resources-search').pressSequentially('prod', { delay: 50 });
  await searched;
  await notLoading('#resources-status');
  assert.deepEqual(asked.map(r => paramsOf(r).search).filter(Boolean), ['prod'], 'one request for the typed search');
  await showAll();
  const res = await fetch(base + '/resources?search=prod&sort=-name&limit=1000');
  const server = (await res.json()).data;
  assert.ok(server.counts.total > size, 'the search spans pages');
  assert.deepEqual(await idsOf(), server.resources.map(r => r.id));
  assert.equal(await page.innerText('#count-total b'), String(server.counts.total));

  // No request asked for, or got, more than one page.
  for (const r of asked) {
    assert.equal(paramsOf(r).limit, String(size), r.url());
    assert.ok((await answerOf(r)).resources.length <= size, r.url());
  }
});

await step('metrics: the chart holds the seeded values, with units', async () => {
  const m = want.metric;
  await page.goto(base + '/#metrics');
  await page.waitForFunction(() => document.querySelector('#metrics-resources').options.length > 0);
  await notLoading('#metrics-status');
  await page.selectOption('#metrics-type', m.type);
  await page.selectOption('#metrics-region', m.region);
  await page.selectOption('#metrics-resources', [m.id]);
  await page.selectOption('#metrics-window', '24');
  await page.click('#metrics-load');
  const data = await page.waitForFunction(({ metric, id }) => {
    const c = document.querySelector(`#metric-${metric}`);
    const chart = c && window.Chart.getChart(c);
    if (!chart || chart.data.datasets.some(d => d.cloudscope.resource !== id)) return null;
    const avg = chart.data.datasets.find(d => d.cloudscope.stat === 'Average');
    return avg && { points: avg.data, unit: chart.options.scales.y.title.text, stats: chart.data.datasets.map(d => d.cloudscope.stat) };
  }, { metric: m.metric, id: m.id }).then(h => h.jsonValue());
  assert.equal(data.unit, m.unit);
  assert.ok(data.stats.includes('Maximum'), `statistics overlaid: ${data.stats}`);
  const seeded = new Map(m.points.map(p => [p.t, p.v]));
  const drawn = data.points.filter(p => p.y !== null);
  assert.ok(drawn.length >= 23, `only ${drawn.length} points drawn for 24 hours`);
  for (const p of drawn) {
    assert.ok(seeded.has(p.x), `a point at ${new Date(p.x).toISOString()} that was never seeded`);
    assert.ok(Math.abs(seeded.get(p.x) - p.y) < 1e-9, `at ${new Date(p.x).toISOString()}: drawn ${p.y}, seeded ${seeded.get(p.x)}`);
  }
  await shot('metrics');
});

await step('costs: the total to the cent, one dataset per group, estimated days, forecast, cache age', async () => {
  await page.goto(base + '/#costs');
  await page.waitForSelector('#costs-total');
  const shown = (await page.innerText('#costs-total')).replace(/[^0-9.-]/g, '');
  assert.equal(shown, want.cost_total_cents);
  const chart = await page.evaluate(() => {
    const c = window.Chart.getChart(document.querySelector('#costs-chart'));
    return { datasets: c.data.datasets.length, estimated: c.data.labels.filter(l => l.endsWith('*')).length, stacked: c.options.scales.y.stacked };
  });
  assert.equal(chart.datasets, want.cost_groups);
  assert.ok(chart.stacked);
  assert.ok(chart.estimated >= 1, 'estimated days are marked');
  assert.equal(await page.locator('#costs-table tbody tr').count(), want.cost_groups);
  assert.match(await page.innerText('#costs-fetched'), /cached/);
  await page.waitForFunction(() => { const c = document.querySelector('#forecast-chart'); return c && window.Chart.getChart(c); });
  const band = await page.evaluate(() => window.Chart.getChart(document.querySelector('#forecast-chart')).data.datasets.map(d => ({ label: d.label, n: d.data.length, fill: d.fill })));
  assert.equal(band.length, 3);
  assert.ok(band.every(d => d.n > 0));
  assert.equal(band[1].fill, '-1', 'the interval is drawn as a band');
  await shot('costs');
});

await step('bottlenecks: scan now, then the hot and idle resources with their thresholds', async () => {
  await page.goto(base + '/#bottlenecks');
  await page.waitForSelector('.finding');
  await page.click('#scan-now');
  await page.waitForSelector('#scan-progress', { timeout: 60_000 }); // regions done, of how many
  await page.waitForSelector('#scan-status.done', { timeout: 5 * 60_000 });
  await page.waitForSelector('.finding');
  for (const f of want.findings) {
    const card = page.locator(`article.finding[data-rule="${f.rule}"][data-resource="${f.resource}"]`);
    assert.equal(await card.count(), 1, `finding ${f.rule} on ${f.resource}`);
    assert.equal(Number(await card.locator('.threshold').getAttribute('data-value')), f.threshold, `threshold of ${f.rule}`);
    assert.ok((await card.locator('.recommendation').innerText()).length > 20, 'a recommendation');
    await card.scrollIntoViewIfNeeded(); // sparklines are drawn when seen
    await page.waitForFunction(c => window.Chart.getChart(c)?.data.datasets[0].data.length > 0, await card.locator('canvas').elementHandle());
  }
  // The rightsize card names current -> target with their sizes and the projected load;
  // the underutilised card of the same instance points at it.
  const rs = page.locator('article.finding[data-rule="ec2.rightsize"]').first();
  assert.equal(await rs.locator('.rightsize-target').getAttribute('data-type'), 'm5.large');
  assert.match(await rs.locator('.rightsize-current').innerText(), /^m5\.xlarge: 4 vCPU, 16 GiB/);
  assert.match(await rs.locator('.rightsize-projected').innerText(), /CPU \(hourly maximum\) .*%; memory .*%; headroom under 80%/);
  const under = page.locator(`article.finding[data-rule="ec2.underutilised"][data-resource="${await rs.getAttribute('data-resource')}"]`);
  assert.equal(await under.locator('a.see-also').getAttribute('data-target'), await rs.getAttribute('data-id'));
  const severities = await page.$$eval('#bottlenecks-list section.severity', s => s.map(x => x.dataset.severity));
  assert.deepEqual(severities, [...severities].sort((a, b) => ['critical', 'warning', 'info'].indexOf(a) - ['critical', 'warning', 'info'].indexOf(b)));
  assert.match(await page.innerText('#bottlenecks-errors'), new RegExp(want.failing_region));
  assert.match(await page.innerText('#bottlenecks-savings'), /^Potential savings: \d+\.\d{2} USD\/month/);
  // The demo prices from recorded list prices, and says so.
  assert.match(await page.innerText('#bottlenecks-savings'), /at recorded list prices of \d{4}-\d{2}-\d{2}/);
  assert.doesNotMatch(await page.innerText('#bottlenecks-savings'), /^Potential savings: 0\.00/);
  // Beside it, the ledger's savings realized since its first recorded scan.
  await page.waitForSelector('#bottlenecks-saved:not([hidden])');
  assert.match(await page.innerText('#bottlenecks-saved'), /^Saved so far: \d+\.\d{2} USD\/month since \d{4}-\d{2}-\d{2}$/);
  await shot('bottlenecks');
});

await step('history: two snapshots, and their diff shows the bucket added between them', async () => {
  await page.goto(base + '/#history');
  await page.waitForFunction(() => document.querySelectorAll('#history-table tbody tr').length >= 2);
  // Every scan shows what its own AWS calls cost, exact, in USD.
  const bills = await page.$$eval('#history-table tbody td.bill', cells => cells.map(c => [c.innerText, c.title]));
  assert.ok(bills.length >= 2);
  for (const [text, title] of bills) {
    assert.match(text, /^\d+\.\d{2,10} USD$/);
    assert.match(title, /cloudwatch:GetMetricData: \d+ metrics x 0\.00001 = /);
  }
  await page.click('#history-diff');
  const added = page.locator('#diff-added');
  await added.waitFor();
  assert.match(await added.innerText(), new RegExp(want.added_bucket));
  assert.equal(await added.locator('li').count(), 1);
  assert.equal(await page.locator('#diff-removed li').count(), 0);
  await shot('history');
});

await step('every panel fits a phone', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  for (const panel of ['resources', 'metrics', 'costs', 'bottlenecks', 'history']) {
    await page.evaluate(p => { location.hash = p; }, panel);
    await page.waitForSelector(`#panel-${panel}:not([hidden])`);
    await page.waitForTimeout(300); // charts resize on the next frames
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${panel} is ${overflow}px wider than the phone`);
    if (panel === 'bottlenecks') await shot('bottlenecks-phone');
  }
});

await step('no console errors and no failed requests during the run', async () => {
  assert.deepEqual(problems, []);
});
await browser.close();
