// Unit tests of the page's pure functions, run with node --test by
// TestPageFunctions (dashboard_test.go).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { roundCents, money, parseRoute } from '../assets/ui.js';
import { withGaps, timeTicks } from '../assets/charts.js';
import { request, ApiError } from '../assets/api.js';
import { pageSize, nextSort, ariaSort, params, failuresOf, sourceText, detail } from '../assets/panels/resources.js';

test('roundCents rounds exact decimals half away from zero, as the API does', () => {
  assert.equal(roundCents('2517.0949999999'), '2517.09');
  assert.equal(roundCents('2517.095'), '2517.10');
  assert.equal(roundCents('0.005'), '0.01');
  assert.equal(roundCents('-1.005'), '-1.01');
  assert.equal(roundCents('-0.004'), '0.00');
  assert.equal(roundCents('12'), '12.00');
  assert.equal(roundCents('99999999999999999.999'), '100000000000000000.00'); // beyond a float's precision
  assert.throws(() => roundCents('1e3'));
});

test('money shows cents with the currency', () => {
  assert.equal(money('1234.5650000001', 'USD'), '$1,234.57');
  assert.equal(money('3.1', 'EUR'), '€3.10');
});

const at = (minutes, v) => ({ t: new Date(Date.UTC(2026, 10, 1, 0, minutes)).toISOString(), v });

test('withGaps breaks the line where datapoints are missing', () => {
  const pts = [at(0, 1), at(5, 2), at(10, 3), at(30, 4), at(35, 5)]; // 5-minute data, 15 minutes missing
  const out = withGaps(pts, 300);
  assert.deepEqual(out.map(p => p.y), [1, 2, 3, null, 4, 5]);
});

test('withGaps draws a sparse but regular series as a line', () => {
  const hourly = [0, 60, 120, 180, 240].map((m, i) => at(m, i)); // hourly data at 10-minute periods
  assert.deepEqual(withGaps(hourly, 600).map(p => p.y), [0, 1, 2, 3, 4]);
  const outage = [0, 60, 120, 360, 420].map((m, i) => at(m, i)); // three hours missing
  assert.deepEqual(withGaps(outage, 600).map(p => p.y), [0, 1, 2, null, 3, 4]);
});

test('timeTicks fall on whole hours and are few', () => {
  const min = Date.UTC(2026, 10, 1, 0, 7), max = min + 24 * 3600_000;
  const ticks = timeTicks(min, max).map(t => t.value);
  assert.ok(ticks.length >= 4 && ticks.length <= 8, `${ticks.length} ticks`);
  assert.ok(ticks.every(t => t % 3600_000 === 0 && t >= min && t <= max));
});

test('parseRoute reads the routes notifications link to', () => {
  const r = parseRoute('#bottlenecks?finding=ec2.high_cpu%2Fec2%2Fus-east-1%2Fi-0abc');
  assert.equal(r.panel, 'bottlenecks');
  assert.equal(r.params.get('finding'), 'ec2.high_cpu/ec2/us-east-1/i-0abc');
  const d = parseRoute('#history?base=evt+1%262&head=b');
  assert.equal(d.panel, 'history');
  assert.deepEqual([d.params.get('base'), d.params.get('head')], ['evt 1&2', 'b']);
  assert.equal(parseRoute('costs').panel, 'costs');
  assert.equal([...parseRoute('#costs').params].length, 0);
  assert.equal(parseRoute('').panel, '');
});

test('a credentials_missing answer becomes a message saying how to sign in', async () => {
  const { request } = await import('../assets/api.js');
  const saved = { fetch: globalThis.fetch, location: globalThis.location };
  globalThis.location = { href: 'http://127.0.0.1:8080/' };
  const message = 'no AWS credentials found: run `aws configure` (access keys) or `aws sso login` (SSO)';
  globalThis.fetch = async () => new Response(JSON.stringify({ success: false, error: { code: 'credentials_missing', message } }),
    { status: 503, headers: { 'Content-Type': 'application/json' } });
  try {
    await assert.rejects(request('/resources'), e => {
      assert.equal(e.title, 'No AWS credentials.');
      assert.equal(e.message, message);
      assert.equal(e.code, 'credentials_missing');
      assert.match(e.hint, /Sign in/);
      return true;
    });
  } finally {
    Object.assign(globalThis, saved);
  }
});

test('pageSize is ?limit= from 1 to 1000, else the API\'s 500', () => {
  assert.equal(pageSize('?limit=5'), 5);
  assert.equal(pageSize('?x=1&limit=1000'), 1000);
  for (const q of ['', '?limit=0', '?limit=1001', '?limit=2.5', '?limit=abc']) assert.equal(pageSize(q), 500, q);
});

test('a column sorts ascending on the first click, descending on the next', () => {
  assert.equal(nextSort('', 'name'), 'name');
  assert.equal(nextSort('name', 'name'), '-name');
  assert.equal(nextSort('-name', 'name'), 'name');
  assert.equal(nextSort('-name', 'type'), 'type');
  // The stored order is region ascending: a click turns it, the next comes back to it.
  assert.equal(nextSort('', 'region'), '-region');
  assert.equal(nextSort('-region', 'region'), '');
  assert.equal(ariaSort('', 'region'), 'ascending');
  assert.equal(ariaSort('-name', 'name'), 'descending');
  assert.equal(ariaSort('-name', 'region'), 'none');
});

test('params ask the API for one page of the view', () => {
  const view = { regions: ['eu-west-1'], types: [], state: 'running', search: 'web', sort: '-name', live: false };
  assert.deepEqual(params(view, 5), { regions: ['eu-west-1'], types: [], states: ['running'], search: 'web', sort: '-name', source: '', limit: 5 });
  assert.equal(params({ ...view, live: true, state: '' }, 500).source, 'live');
  assert.deepEqual(params({ ...view, state: '' }, 500).states, []);
});

test('failuresOf keeps the failures of the regions and types in view', () => {
  const f = [{ region: 'sa-east-1', service: 'ec2' }, { region: 'eu-west-1', service: 'rds' }, { region: 'global', service: 's3' }];
  assert.deepEqual(failuresOf(f, { regions: [], types: [] }), f);
  assert.deepEqual(failuresOf(f, { regions: ['eu-west-1'], types: [] }), f.slice(1));
  assert.deepEqual(failuresOf(f, { regions: ['eu-west-1'], types: ['ec2', 'rds'] }), [f[1]]);
  assert.deepEqual(failuresOf(f, { regions: [], types: ['s3'] }), [f[2]]);
});

test('sourceText says where the table comes from and how old it is', () => {
  const asOf = '2026-11-01T12:00:00Z', now = Date.parse('2026-11-01T12:04:10Z');
  assert.equal(sourceText({ source: 'latest', as_of: asOf }, now), 'Stored scan, as of 1 Nov 2026, 12:00 UTC, 4 min ago');
  assert.match(sourceText({ source: 'live', as_of: asOf }, now), /^Live from AWS, as of /);
});

test('a 429 becomes a message with when to try again', async t => {
  globalThis.location = { href: 'http://localhost/' };
  const answer = (status, body, headers = {}) => { globalThis.fetch = async () => new Response(JSON.stringify(body), { status, headers }); };
  t.after(() => { delete globalThis.fetch; delete globalThis.location; });

  answer(429, { success: false, error: { code: 'busy', message: '2 live reads are running' } }, { 'Retry-After': '5' });
  const busy = await request('/resources', { params: { source: 'live' } }).catch(e => e);
  assert.ok(busy instanceof ApiError);
  assert.deepEqual([busy.title, busy.message, busy.hint, busy.status], ['cloudscope is busy.', '2 live reads are running', 'Try again in 5 s.', 429]);

  answer(429, { message: 'Too Many Requests' }); // API Gateway's own throttling
  const gateway = await request('/resources').catch(e => e);
  assert.deepEqual([gateway.title, gateway.hint], ['cloudscope is busy.', 'Try again in a moment.']);
});

test('detail is each type\'s key detail: size and attachment, AMIs, address, kind and health, billing', () => {
  assert.equal(detail({ ebs: { volume_type: 'gp2', size_gb: 500, attached_to: [] } }), 'gp2, 500 GB, unattached');
  assert.equal(detail({ ebs: { volume_type: 'gp3', size_gb: 8, attached_to: ['i-1'], boot: true } }), 'gp3, 8 GB, on i-1 (boot)');
  assert.equal(detail({ ebs_snapshot: { size_gb: 50, volume_exists: false, images: [] } }), '50 GB, volume gone, no AMI');
  assert.equal(detail({ ebs_snapshot: { size_gb: 15, images: ['ami-1'] } }), '15 GB, used by 1 AMI');
  assert.equal(detail({ eip: { public_ip: '198.51.100.7' } }), '198.51.100.7');
  assert.equal(detail({ eip: { public_ip: '198.51.100.7', instance_id: 'i-1' } }), '198.51.100.7 on i-1');
  assert.equal(detail({ nat: { connectivity_type: 'public', public_ips: ['203.0.113.1'] } }), 'public, 203.0.113.1');
  assert.equal(detail({ elb: { kind: 'application', targets: 0, healthy_targets: 0 } }), 'application, 0 of 0 targets healthy');
  assert.equal(detail({ elb: { kind: 'classic', targets: 1, healthy_targets: 1 } }), 'classic, 1 of 1 target healthy');
  assert.equal(detail({ dynamodb: { billing_mode: 'PROVISIONED', read_capacity_units: 100, write_capacity_units: 5 } }), 'provisioned 100 RCU / 5 WCU');
  assert.equal(detail({ dynamodb: { billing_mode: 'PAY_PER_REQUEST' } }), 'on demand');
  assert.equal(detail({ ec2: { instance_type: 't3.micro' } }), 't3.micro');
});
