// Bottlenecks: the findings of the newest snapshot by severity, each with
// its evidence against its threshold and what to do; "Scan now" starts a
// scan and waits for its snapshot.
import { request } from '../api.js';
import { $, h, status, loading, showError, failuresBox, ago, dateTime, typeLabels, latest } from '../ui.js';
import { sparklineWhenSeen, clearWithin } from '../charts.js';
import { multi, selectedAccounts } from '../accounts.js';

const SEVERITIES = ['critical', 'warning', 'info'];
const POLL_MS = 2000;
const STALE_MS = 16 * 60 * 1000; // a shard function's time limit, and a minute

let scanning = null; // the wait for a scan started here: {stopped}
let shownSnapshot = null; // the snapshot on screen, so a revisit redraws nothing
let wanted = null; // the finding the address asks for (#bottlenecks?finding=<id>)
let shownAnswer = null; // the /bottlenecks answer on screen, to sort again
const next = latest();
const nextSaved = latest();

export function init() {
  $('#scan-now').addEventListener('click', scanNow);
  $('#bottlenecks-sort').addEventListener('change', () => { if (shownAnswer) render(shownAnswer); });
  load();
}

/** accountChanged redraws the findings of the account chosen at the top. */
export function accountChanged() {
  shownSnapshot = null;
  if (!scanning) load();
}

/** cents is an exact decimal string rounded to the cent, halves away from
 * zero, as the server rounds ("16.425" -> "16.43"): no float in between. */
export function cents(s) {
  const neg = s.startsWith('-');
  const [i, f = ''] = (neg ? s.slice(1) : s).split('.');
  const d = (f + '000').slice(0, 3);
  const n = BigInt(i + d.slice(0, 2)) + (Number(d[2]) >= 5 ? 1n : 0n);
  const str = n.toString().padStart(3, '0');
  return (neg && n ? '-' : '') + str.slice(0, -2) + '.' + str.slice(-2);
}

/** savedSoFar puts "Saved so far: X USD/month since <date>" beside the
 * potential savings: what the findings resolved since the ledger began
 * save a month (GET /savings, the accounts chosen at the top). It stays
 * hidden before the ledger has recorded a scan, or when it cannot be read. */
async function savedSoFar() {
  const el = $('#bottlenecks-saved');
  const mine = nextSaved();
  try {
    const s = await request('/savings', { params: { limit: 1, accounts: selectedAccounts() } });
    if (!mine.current()) return;
    el.hidden = !s.since;
    if (s.since) {
      el.textContent = `Saved so far: ${cents(s.realized.monthly)} ${s.currency}/month since ${s.since.slice(0, 10)}`;
      el.title = `${s.realized.findings} finding${s.realized.findings === 1 ? '' : 's'} resolved since ${dateTime(s.since)}; ` +
        `${cents(s.open.monthly)} ${s.currency}/month still open`;
    }
  } catch {
    if (mine.current()) el.hidden = true;
  }
}

/** monthly is a finding's saving a month as a number for sorting (-1: none). */
const monthly = f => (f.savings?.monthly ? Number(f.savings.monthly) : -1);

export function shown() {
  if (!scanning) load();
  else reveal();
}

/** route takes the address's parameters: finding=<id> scrolls to that
 * finding and highlights it, once the findings are on screen. */
export function route(params) {
  wanted = params.get('finding');
}

/** reveal shows the finding the address asked for, or says it is not in
 * the newest snapshot (resolved since the message that linked to it). */
function reveal() {
  if (!wanted) return;
  const id = wanted;
  wanted = null;
  const list = $('#bottlenecks-list');
  $('#finding-missing')?.remove();
  for (const a of list.querySelectorAll('article.finding.highlight')) a.classList.remove('highlight');
  const card = [...list.querySelectorAll('article.finding')].find(a => a.dataset.id === id);
  if (!card) {
    list.prepend(h('p', { id: 'finding-missing', class: 'status empty' },
      `The finding ${id} is not in the newest snapshot: it has been resolved since, or its resource is gone.`));
    return;
  }
  card.classList.add('highlight');
  card.tabIndex = -1;
  card.scrollIntoView({ block: 'center' });
  card.focus({ preventScroll: true });
}

export async function load() {
  const st = $('#bottlenecks-status');
  const list = $('#bottlenecks-list');
  const mine = next();
  const done = loading(st, 'Reading the newest snapshot…');
  try {
    // Asking /snapshots first keeps a fresh install (no scan yet) free of 404s.
    const { snapshots } = await request('/snapshots', { params: { limit: 1 } });
    if (!mine.current()) return;
    if (snapshots.length === 0) {
      clearWithin(list);
      list.replaceChildren();
      shownSnapshot = null;
      status(st, 'No scan has finished yet. Press "Scan now", or wait for the daily scan.', 'empty');
      return;
    }
    if (snapshots[0].id === shownSnapshot) {
      done();
      reveal();
      return;
    }
    const b = await request('/bottlenecks', { params: { source: 'latest', accounts: selectedAccounts() } });
    if (!mine.current()) return;
    done();
    render(b);
    reveal();
    savedSoFar();
  } catch (e) {
    if (!mine.current()) return;
    clearWithin(list);
    list.replaceChildren();
    shownSnapshot = null;
    showError(st, e);
  }
}

const fmt = v => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2)).replace(/\.0+$/, '');

function render(b) {
  shownAnswer = b;
  const st = $('#bottlenecks-status');
  const list = $('#bottlenecks-list');
  const regions = b.regions ?? [];
  shownSnapshot = b.snapshot_id ?? null;
  status(st, `Snapshot ${b.snapshot_id || ''}${b.finished_at ? `, finished ${dateTime(b.finished_at)} (${ago(b.finished_at)})` : ''}: ` +
    `${b.findings.length} finding${b.findings.length === 1 ? '' : 's'} in ${regions.length} region${regions.length === 1 ? '' : 's'}.`);
  $('#bottlenecks-errors').replaceChildren(...[failuresBox(b.errors, 'The list')].filter(Boolean));
  clearWithin(list);
  list.replaceChildren();
  const sv = b.summary?.savings;
  const headline = $('#bottlenecks-savings');
  headline.hidden = !sv;
  if (sv) {
    // Each resource counts once: savings another finding's covers are left out.
    const notes = [
      ...(sv.covered ? [`${sv.covered} more counted in another finding's saving`] : []),
      ...(sv.unpriced ? [`${sv.unpriced} waste finding${sv.unpriced === 1 ? '' : 's'} without a price`] : []),
    ];
    headline.textContent = `Potential savings: ${cents(sv.monthly)} ${sv.currency}/month` +
      (notes.length ? ` (${notes.join('; ')})` : '') + recordedPrices(b.findings);
  }
  if (b.findings.length === 0) {
    list.append(h('p', { class: 'status empty' }, 'Nothing needs attention: no rule fired on this snapshot.'));
  }
  const byAccount = Object.entries(b.counts?.by_account || {});
  if (multi() && byAccount.length) {
    list.append(h('div', { class: 'chips', id: 'findings-by-account' }, 'By account: ',
      byAccount.sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))
        .map(([a, n]) => h('span', { class: 'chip', dataset: { key: a, count: String(n) } }, `${a} `, h('b', {}, n)))));
  }
  if ($('#bottlenecks-sort').value === 'savings' && b.findings.length) {
    // One list, the largest saving first; findings without a figure after, by severity.
    const sorted = [...b.findings].sort((x, y) => monthly(y) - monthly(x) ||
      SEVERITIES.indexOf(x.severity) - SEVERITIES.indexOf(y.severity));
    const group = h('section', { class: 'severity by-savings', dataset: { sort: 'savings' } },
      h('h3', {}, 'By savings ', h('span', { class: 'count' }, sorted.length)));
    for (const f of sorted) group.append(card(f, b.rules?.[f.rule]));
    list.append(group);
  }
  for (const sev of $('#bottlenecks-sort').value === 'savings' ? [] : SEVERITIES) {
    const findings = b.findings.filter(f => f.severity === sev);
    if (!findings.length) continue;
    const group = h('section', { class: `severity severity-${sev}`, dataset: { severity: sev } },
      h('h3', {}, `${sev[0].toUpperCase() + sev.slice(1)} `, h('span', { class: 'count' }, findings.length)));
    for (const f of findings) group.append(card(f, b.rules?.[f.rule]));
    list.append(group);
  }
  const ins = $('#bottlenecks-insufficient');
  const insufficient = b.insufficient_data ?? [];
  ins.hidden = !insufficient.length;
  ins.querySelector('summary').textContent = `${insufficient.length} checks skipped for lack of data`;
  ins.querySelector('ul').replaceChildren(...insufficient.map(i =>
    h('li', {}, `${typeLabels[i.resource_type] || i.resource_type} ${i.resource_id} (${i.region}${multi() && i.account_id ? `, account ${i.account_id}` : ''}): ${i.rule} needs ${i.hours_needed} h of data, has ${fmt(i.hours_of_data)} h`)));
}

// size is one side of a rightsizing: "m5.2xlarge: 8 vCPU, 32 GiB, 0.384 USD/hour".
const size = s => `${s.type}: ${s.vcpu} vCPU, ${fmt(s.memory_gib)} GiB${s.architecture ? ` (${s.architecture})` : ''}` +
  (s.hourly_price ? `, ${s.hourly_price} ${s.currency}/hour` : ', price unknown');

// rightsizeRows shows current -> target, the projected load against the headroom, and the memory note.
function rightsizeRows(r) {
  const mem = r.projected_memory_percent != null
    ? `memory ${fmt(r.observed_memory_percent)}% -> ${fmt(r.projected_memory_percent)}%`
    : (r.memory_note || '');
  return [
    h('dt', {}, 'Current'), h('dd', { class: 'rightsize-current' }, size(r.current)),
    h('dt', {}, 'Target'), h('dd', { class: 'rightsize-target', dataset: { type: r.target.type, migration: String(r.migration) } },
      size(r.target), r.migration ? h('span', { class: 'migration' }, ' · Graviton: a migration') : null,
      r.alternative ? ` · without a migration: ${r.alternative}` : ''),
    h('dt', {}, 'Projected'), h('dd', { class: 'rightsize-projected' },
      `CPU (${r.basis}) ${fmt(r.observed_cpu_percent)}% -> ${fmt(r.projected_cpu_percent)}%` + (mem ? `; ${mem}` : '') +
      `; headroom under ${fmt(r.headroom_percent)}%`),
  ];
}

function card(f, ruleSource) {
  const t = f.threshold;
  const observed = Object.entries(f.observed).map(([k, v]) => `${k.replace(/_/g, ' ')} ${fmt(v)}`).join(', ');
  const evidence = f.evidence ?? [];
  const canvas = evidence.length ? h('canvas', { role: 'img', 'aria-label': `${f.rule}: the ${evidence.length} datapoints that decided it, against the threshold` }) : null;
  const el = h('article', { class: 'finding', dataset: { id: f.id, rule: f.rule, resource: f.resource_id, severity: f.severity, account: f.account_id || '' } },
    h('header', {},
      h('h4', {}, f.title),
      h('span', { class: 'resource' }, `${typeLabels[f.resource_type] || f.resource_type} `, h('code', {}, f.resource_id),
        f.resource_name && f.resource_name !== f.resource_id ? ` (${f.resource_name})` : '', ` · ${f.region}`,
        multi() && f.account_id ? h('span', { class: 'account' }, ` · account ${f.account_id}`) : null)),
    h('div', { class: 'evidence' },
      h('div', { class: 'spark' }, canvas || h('span', { class: 'hint' }, 'no datapoints: decided by the resource\'s state')),
      h('dl', {},
        h('dt', {}, 'Observed'), h('dd', { class: 'observed' }, observed),
        h('dt', {}, 'Threshold'), h('dd', { class: 'threshold', dataset: { value: String(t.value) } }, `${t.op} ${fmt(t.value)} ${t.unit}`),
        h('dt', {}, 'Source'), h('dd', { class: 'source' }, t.source || ruleSource || ''),
        h('dt', {}, 'Window'), h('dd', {}, `${dateTime(f.window.start)} to ${dateTime(f.window.end)}`),
        h('dt', {}, 'Rule'), h('dd', {}, h('code', {}, f.rule)),
        ...(f.rightsize ? rightsizeRows(f.rightsize) : []),
        ...(f.savings ? [h('dt', {}, 'Saves'), h('dd', { class: 'savings', dataset: { monthly: f.savings.monthly ?? '', coveredBy: f.savings.covered_by ?? '' } },
          f.savings.estimate ? `${f.savings.estimate} (${f.savings.price_source}, ${f.savings.price_date})` : f.savings.unavailable,
          f.savings.covered_by ? h('span', { class: 'covered' }, `; counted once, in the saving of ${f.savings.covered_by}`) : null)] : []))),
    h('p', { class: 'recommendation' }, h('b', {}, 'Recommendation: '), f.recommendation,
      f.see_also ? h('a', { class: 'see-also', href: `#bottlenecks`, dataset: { target: f.see_also },
        onclick: e => { e.preventDefault(); document.querySelector(`article.finding[data-id="${CSS.escape(f.see_also)}"]`)?.scrollIntoView({ block: 'center' }); } }, ' (see that finding)') : null));
  if (canvas) sparklineWhenSeen(canvas, evidence, t);
  return el;
}

const stepText = {
  queued: 'Waiting for the scan to begin',
  discover: 'Listing resources in every region',
  metrics: 'Reading 14 days of metrics, region by region',
  rules: 'Judging the metrics',
  store: 'Saving the snapshot',
  notify: 'Sending new findings to the topic',
};

async function scanNow() {
  const button = $('#scan-now');
  const st = $('#scan-status');
  button.disabled = true;
  const began = Date.now();
  const waiting = { stopped: false };
  const stop = h('button', { type: 'button', class: 'link', id: 'scan-stop', onclick: () => { waiting.stopped = true; } }, 'Stop waiting');
  scanning = waiting;
  try {
    const started = await request('/scans', { method: 'POST' });
    const id = started.scan_id;
    let scan = { state: 'queued', regions_done: 0, regions: 0 };
    for (;;) {
      const seconds = Math.round((Date.now() - began) / 1000);
      const step = scan.state === 'queued' ? stepText.queued : stepText[scan.step] || scan.step || 'Starting';
      status(st, `${step}${scan.detail ? ` (${scan.detail})` : ''}: scan ${id}, ${seconds} s so far. `, 'loading');
      if (scan.regions) {
        st.append(h('progress', { id: 'scan-progress', max: scan.regions, value: scan.regions_done, 'aria-label': 'regions done' }),
          ` ${scan.regions_done} of ${scan.regions} regions `);
      }
      st.append(stop);
      await new Promise(r => setTimeout(r, POLL_MS));
      if (waiting.stopped) {
        status(st, `Stopped waiting; scan ${id} goes on, and its findings appear here (and in History) when it is saved.`);
        return;
      }
      scan = await request(`/scans/${encodeURIComponent(id)}`);
      if (scan.state === 'done') break;
      if (scan.state === 'failed') {
        throw Object.assign(new Error(`${scan.error}.`), { title: 'The scan failed.', hint: 'The scan function\'s log (locally, the server\'s) has the details.' });
      }
      if (Date.now() - Date.parse(scan.updated_at) > STALE_MS) {
        throw Object.assign(new Error(`Scan ${id} has said nothing for ${Math.round(STALE_MS / 60000)} minutes: it was stopped, most likely by its time limit.`),
          { title: 'The scan did not finish.', hint: 'The scan function\'s log has the details.' });
      }
    }
    status(st, `Scan ${id} finished in ${Math.round((Date.now() - began) / 1000)} s.`, 'done');
    scanning = null;
    await load();
  } catch (e) {
    showError(st, e);
  } finally {
    scanning = null;
    button.disabled = false;
  }
}

// recordedPrices says, when the savings were priced by a Price List
// stand-in (the demo's), that they are recorded list prices and of when.
function recordedPrices(findings) {
  const priced = findings.map((f) => f.savings).filter((s) => s?.monthly && s.price_source?.startsWith('recorded list prices'));
  if (!priced.length) return '';
  const dates = [...new Set(priced.flatMap((s) => (s.price_date || '').split(', ')).filter(Boolean))].sort();
  return ` at recorded list prices${dates.length ? ` of ${dates.join(', ')}` : ''}, not today's`;
}
