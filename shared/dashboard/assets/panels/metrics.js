// Metrics: one chart per metric for the chosen resources, every statistic
// the API returned overlaid (Average solid, Maximum dashed, p99 dotted).
import { request } from '../api.js';
import { $, h, status, loading, showError, fillSelect, selected } from '../ui.js';
import { lineChart } from '../charts.js';

let shared;
let pending = null; // a resource chosen on another panel
const lists = new Map(); // "type region" -> Promise of resources

export function select(resource) {
  pending = resource;
  if (shared) apply();
}

export async function init(s) {
  shared = s;
  $('#metrics-form').addEventListener('submit', e => { e.preventDefault(); load(); });
  $('#metrics-type').addEventListener('change', () => refreshList());
  $('#metrics-region').addEventListener('change', () => refreshList());
  try {
    const regions = await shared.enabledRegions();
    fillSelect($('#metrics-region'), regions);
    $('#metrics-region').value = regions.includes('us-east-1') ? 'us-east-1' : regions[0];
  } catch (e) {
    showError($('#metrics-status'), e);
    return;
  }
  if (pending) return apply();
  await refreshList(3);
  if (selected($('#metrics-resources')).length) load();
}

async function apply() {
  const r = pending;
  pending = null;
  $('#metrics-type').value = r.type;
  $('#metrics-region').value = r.region;
  await refreshList(0, [r.id]);
  load();
}

function list(type, region) {
  const key = `${type} ${region}`;
  if (!lists.has(key)) {
    const p = request('/resources', { params: { types: [type], regions: [region] } }).then(inv => inv.resources);
    p.catch(() => lists.delete(key));
    lists.set(key, p);
  }
  return lists.get(key);
}

/** refreshList fills the resource picker for the type and region, selecting
 * the ids given or else the first n. */
async function refreshList(n = 0, ids = null) {
  const type = $('#metrics-type').value;
  const region = $('#metrics-region').value;
  const picker = $('#metrics-resources');
  const st = $('#metrics-status');
  const done = loading(st, `Listing ${type} resources in ${region}…`);
  try {
    const resources = await list(type, region);
    done();
    picker.replaceChildren(...resources.map((r, i) => h('option', { value: r.id, selected: ids ? ids.includes(r.id) : i < n },
      r.name && r.name !== r.id ? `${r.name} (${r.id})` : r.id)));
    if (resources.length === 0) status(st, `No ${type} resources in ${region}: pick another region or type.`, 'empty');
  } catch (e) {
    picker.replaceChildren();
    showError(st, e);
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
  const button = $('#metrics-load');
  button.disabled = true;
  const done = loading(st, `Reading ${ids.length} resource${ids.length === 1 ? '' : 's'}' metrics for the last ${hours} h…`);
  try {
    const data = await request('/metrics', { params: { resource_type: type, resource_ids: ids, region, hours } });
    const names = new Map((await list(type, region)).map(r => [r.id, r.name]));
    done();
    out.replaceChildren();
    const byMetric = new Map();
    for (const r of data.resources) {
      for (const m of r.metrics) {
        if (!byMetric.has(m.name)) byMetric.set(m.name, { metric: m, series: [] });
        byMetric.get(m.name).series.push({ id: r.id, name: names.get(r.id), metric: m });
      }
    }
    const empty = data.resources.filter(r => !r.has_data).map(r => r.id);
    if (empty.length) {
      out.append(h('p', { class: 'status empty' }, `No datapoints in this window for ${empty.join(', ')} (CloudWatch has nothing for ${empty.length === 1 ? 'it' : 'them'} yet).`));
    }
    for (const [name, { metric, series }] of byMetric) {
      if (!series.some(s => Object.values(s.metric.stats).some(p => p.length))) continue;
      const canvas = h('canvas', { id: `metric-${name}`, role: 'img', 'aria-label': `${name} chart` });
      out.append(h('figure', { class: 'chart-box', dataset: { metric: name } }, canvas,
        h('figcaption', {}, `period ${metric.period / 60} min · ${metric.unit}`)));
      lineChart(canvas, { metric, series, hours, window: data.window });
    }
    if (!out.querySelector('canvas') && !empty.length) status(st, 'No datapoints in this window.', 'empty');
  } catch (e) {
    out.replaceChildren();
    showError(st, e);
  } finally {
    button.disabled = false;
  }
}
