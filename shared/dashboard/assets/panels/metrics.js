// Metrics: one chart per metric for the chosen resources, every statistic
// the API returned overlaid (Average solid, Maximum dashed, p99 dotted).
import { request } from '../api.js';
import { $, h, status, loading, showError, fillSelect, selected, latest, typeOptions } from '../ui.js';
import { lineChart, clearWithin } from '../charts.js';
import { selectedAccounts } from '../accounts.js';

let shared;
let ready = null; // resolves once the region list is filled
let pending = null; // a resource chosen on another panel
const lists = new Map(); // "type region" -> Promise of resources
const nextList = latest();
const nextLoad = latest();

/** select shows a resource chosen elsewhere (the Resources table). */
export function select(resource) {
  pending = resource;
  if (ready) ready.then(ok => ok && apply());
}

export function init(s) {
  shared = s;
  $('#metrics-type').replaceChildren(...typeOptions(true));
  $('#metrics-form').addEventListener('submit', e => { e.preventDefault(); load(); });
  $('#metrics-type').addEventListener('change', () => refreshList());
  $('#metrics-region').addEventListener('change', () => refreshList());
  start();
}

export function shown() {
  if (!ready) start();
}

/** accountChanged lists the resources of the account chosen at the top. */
export function accountChanged() {
  if (ready) ready.then(ok => ok && refreshList());
}

async function start() {
  ready = shared.enabledRegions().then(regions => {
    fillSelect($('#metrics-region'), regions);
    $('#metrics-region').value = regions.includes('us-east-1') ? 'us-east-1' : regions[0];
    return true;
  }, e => {
    showError($('#metrics-status'), e);
    ready = null; // shown() tries again
    return false;
  });
  if (!(await ready)) return;
  if (pending) return apply();
  if (await refreshList(3)) load();
}

async function apply() {
  const r = pending;
  pending = null;
  if (!r) return;
  $('#metrics-type').value = r.type;
  $('#metrics-region').value = r.region;
  if (await refreshList(0, [r.id])) load();
}

function list(type, region) {
  const accounts = selectedAccounts();
  const key = `${type} ${region} ${accounts}`;
  if (!lists.has(key)) {
    const p = request('/resources', { params: { types: [type], regions: [region], accounts } }).then(inv => inv.resources);
    p.catch(() => lists.delete(key));
    lists.set(key, p);
  }
  return lists.get(key);
}

/** refreshList fills the resource picker for the type and region, selecting
 * the ids given or else the first n; false when it was overtaken or failed. */
async function refreshList(n = 0, ids = null) {
  const type = $('#metrics-type').value;
  const region = $('#metrics-region').value;
  const picker = $('#metrics-resources');
  const st = $('#metrics-status');
  const mine = nextList();
  nextLoad(); // charts asked for before this change no longer apply
  picker.replaceChildren();
  const done = loading(st, `Listing ${type} resources in ${region}…`);
  try {
    const resources = await list(type, region);
    if (!mine.current()) return false;
    done();
    picker.replaceChildren(...resources.map((r, i) => h('option', { value: r.id, selected: ids ? ids.includes(r.id) : i < n },
      r.name && r.name !== r.id ? `${r.name} (${r.id})` : r.id)));
    if (resources.length === 0) status(st, `No ${type} resources in ${region}: pick another region or type.`, 'empty');
    return resources.length > 0;
  } catch (e) {
    if (mine.current()) showError(st, e);
    return false;
  }
}

async function load() {
  const type = $('#metrics-type').value;
  const region = $('#metrics-region').value;
  const ids = selected($('#metrics-resources'));
  const hours = Number($('#metrics-window').value);
  const st = $('#metrics-status');
  const out = $('#metrics-charts');
  if (ids.length === 0) {
    status(st, 'Pick one or more resources first.', 'empty');
    return;
  }
  const mine = nextLoad();
  const done = loading(st, `Reading ${ids.length} resource${ids.length === 1 ? '' : 's'}' metrics for the last ${hours} h…`);
  try {
    const [data, resources] = await Promise.all([
      // The chosen account's metrics: the API says so when it cannot read that account's.
      request('/metrics', { params: { resource_type: type, resource_ids: ids, region, hours, accounts: selectedAccounts() } }),
      list(type, region),
    ]);
    if (!mine.current()) return;
    done();
    const names = new Map(resources.map(r => [r.id, r.name]));
    clearWithin(out);
    out.replaceChildren();
    const byMetric = new Map();
    for (const r of data.resources) {
      for (const m of r.metrics) {
        if (!byMetric.has(m.name)) byMetric.set(m.name, { metric: m, series: [] });
        // A resource keeps its colour in every chart: its place in the selection.
        byMetric.get(m.name).series.push({ id: r.id, name: names.get(r.id), index: ids.indexOf(r.id), metric: m });
      }
    }
    const empty = data.resources.filter(r => !r.has_data).map(r => names.get(r.id) || r.id);
    if (empty.length) {
      out.append(h('p', { class: 'status empty' }, `No datapoints in this window for ${empty.join(', ')} (CloudWatch has nothing for ${empty.length === 1 ? 'it' : 'them'} yet).`));
    }
    for (const [name, { metric, series }] of byMetric) {
      if (!series.some(s => Object.values(s.metric.stats).some(p => p.length))) continue;
      const canvas = h('canvas', { id: `metric-${name}`, role: 'img', 'aria-label': `${name} in ${metric.unit}, for ${series.map(s => s.name || s.id).join(', ')}` });
      out.append(h('figure', { class: 'chart-box', dataset: { metric: name } }, canvas,
        h('figcaption', {}, `period ${metric.period / 60} min · ${metric.unit}`)));
      lineChart(canvas, { metric, series, hours, window: data.window });
    }
    if (!out.querySelector('canvas') && !empty.length) status(st, 'No datapoints in this window.', 'empty');
  } catch (e) {
    if (!mine.current()) return;
    clearWithin(out);
    out.replaceChildren();
    showError(st, e);
  }
}
