// Bottlenecks: the findings of the newest snapshot by severity, each with
// its evidence against its threshold and what to do; "Scan now" starts a
// scan and waits for its snapshot.
import { request } from '../api.js';
import { $, h, status, loading, showError, failuresBox, ago, dateTime, typeLabels } from '../ui.js';
import { sparkline } from '../charts.js';

const SEVERITIES = ['critical', 'warning', 'info'];
const POLL_MS = 2000;
const SCAN_LIMIT_MS = 16 * 60 * 1000; // the scan function's timeout, and a minute

let scanning = false;

export function init() {
  $('#scan-now').addEventListener('click', scanNow);
  load();
}

export function shown() {
  if (!scanning) load();
}

export async function load() {
  const st = $('#bottlenecks-status');
  const list = $('#bottlenecks-list');
  const done = loading(st, 'Reading the newest snapshot…');
  try {
    // Asking /snapshots first keeps a fresh install (no scan yet) free of 404s.
    const { snapshots } = await request('/snapshots', { params: { limit: 1 } });
    if (snapshots.length === 0) {
      list.replaceChildren();
      status(st, 'No scan has finished yet. Press "Scan now", or wait for the daily scan.', 'empty');
      return;
    }
    const b = await request('/bottlenecks', { params: { source: 'latest' } });
    done();
    render(b);
  } catch (e) {
    list.replaceChildren();
    showError(st, e);
  }
}

const fmt = v => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2)).replace(/\.0+$/, '');

function render(b) {
  const st = $('#bottlenecks-status');
  const list = $('#bottlenecks-list');
  status(st, `Snapshot ${b.snapshot_id || ''}${b.finished_at ? `, finished ${dateTime(b.finished_at)} (${ago(b.finished_at)})` : ''}: ` +
    `${b.findings.length} finding${b.findings.length === 1 ? '' : 's'} in ${b.regions.length} region${b.regions.length === 1 ? '' : 's'}.`);
  $('#bottlenecks-errors').replaceChildren(...[failuresBox(b.errors, 'The list')].filter(Boolean));
  list.replaceChildren();
  if (b.findings.length === 0) {
    list.append(h('p', { class: 'status empty' }, 'Nothing needs attention: no rule fired on this snapshot.'));
  }
  for (const sev of SEVERITIES) {
    const findings = b.findings.filter(f => f.severity === sev);
    if (!findings.length) continue;
    const group = h('section', { class: `severity severity-${sev}`, dataset: { severity: sev } },
      h('h3', {}, `${sev[0].toUpperCase() + sev.slice(1)} `, h('span', { class: 'count' }, findings.length)));
    for (const f of findings) group.append(card(f, b.rules?.[f.rule]));
    list.append(group);
  }
  const ins = $('#bottlenecks-insufficient');
  ins.hidden = !b.insufficient_data.length;
  ins.querySelector('summary').textContent = `${b.insufficient_data.length} checks skipped for lack of data`;
  ins.querySelector('ul').replaceChildren(...b.insufficient_data.map(i =>
    h('li', {}, `${typeLabels[i.resource_type] || i.resource_type} ${i.resource_id} (${i.region}): ${i.rule} needs ${i.hours_needed} h of data, has ${fmt(i.hours_of_data)} h`)));
}

function card(f, ruleSource) {
  const t = f.threshold;
  const observed = Object.entries(f.observed).map(([k, v]) => `${k.replace(/_/g, ' ')} ${fmt(v)}`).join(', ');
  const canvas = h('canvas', { role: 'img', 'aria-label': `${f.rule} evidence for ${f.resource_id}` });
  const el = h('article', { class: 'finding', dataset: { rule: f.rule, resource: f.resource_id, severity: f.severity } },
    h('header', {},
      h('h4', {}, f.title),
      h('span', { class: 'resource' }, `${typeLabels[f.resource_type] || f.resource_type} `, h('code', {}, f.resource_id),
        f.resource_name && f.resource_name !== f.resource_id ? ` (${f.resource_name})` : '', ` · ${f.region}`)),
    h('div', { class: 'evidence' },
      h('div', { class: 'spark' }, canvas),
      h('dl', {},
        h('dt', {}, 'Observed'), h('dd', { class: 'observed' }, observed),
        h('dt', {}, 'Threshold'), h('dd', { class: 'threshold', dataset: { value: String(t.value) } }, `${t.op} ${fmt(t.value)} ${t.unit}`),
        h('dt', {}, 'Source'), h('dd', { class: 'source' }, t.source || ruleSource || ''),
        h('dt', {}, 'Window'), h('dd', {}, `${dateTime(f.window.start)} to ${dateTime(f.window.end)}`),
        h('dt', {}, 'Rule'), h('dd', {}, h('code', {}, f.rule)))),
    h('p', { class: 'recommendation' }, h('b', {}, 'Recommendation: '), f.recommendation));
  requestAnimationFrame(() => sparkline(canvas, f.evidence, t));
  return el;
}

async function scanNow() {
  const button = $('#scan-now');
  const st = $('#scan-status');
  button.disabled = true;
  scanning = true;
  const began = Date.now();
  try {
    const started = await request('/scans', { method: 'POST' });
    const id = started.scan_id;
    for (;;) {
      const seconds = Math.round((Date.now() - began) / 1000);
      status(st, `Scanning every region (scan ${id}, ${seconds} s so far)… the findings refresh when its snapshot is saved.`, 'loading');
      await new Promise(r => setTimeout(r, POLL_MS));
      const { snapshots } = await request('/snapshots', { params: { limit: 10 } });
      if (snapshots.some(s => s.id === id)) break;
      if (Date.now() - began > SCAN_LIMIT_MS) throw Object.assign(new Error(`scan ${id} has not saved a snapshot after ${Math.round(SCAN_LIMIT_MS / 60000)} minutes; the server log says why.`), { title: 'The scan did not finish.' });
    }
    status(st, `Scan ${id} finished in ${Math.round((Date.now() - began) / 1000)} s.`, 'done');
    await load();
  } catch (e) {
    showError(st, e);
  } finally {
    scanning = false;
    button.disabled = false;
  }
}
