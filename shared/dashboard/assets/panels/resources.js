// Resources: what the account has, by region and type, with the regions and
// services that could not be read shown, not hidden.
import { request } from '../api.js';
import { $, h, status, loading, showError, failuresBox, fillSelect, selected, typeLabels } from '../ui.js';

let shared;
let rows = [];
let sortKey = 'region';
let sortDir = 1;

export async function init(s) {
  shared = s;
  $('#resources-form').addEventListener('submit', e => { e.preventDefault(); load(); });
  $('#resources-search').addEventListener('input', render);
  for (const th of document.querySelectorAll('#resources-table th[data-key]')) {
    th.querySelector('button').addEventListener('click', () => {
      const key = th.dataset.key;
      sortDir = key === sortKey ? -sortDir : 1;
      sortKey = key;
      for (const other of document.querySelectorAll('#resources-table th[data-key]')) other.setAttribute('aria-sort', 'none');
      th.setAttribute('aria-sort', sortDir > 0 ? 'ascending' : 'descending');
      render();
    });
  }
  try {
    fillSelect($('#resources-regions'), await shared.enabledRegions());
  } catch (e) {
    showError($('#resources-status'), e);
    return;
  }
  load();
}

const size = r => r.ec2?.instance_type || (r.rds ? `${r.rds.instance_class}, ${r.rds.allocated_storage_gb} GB${r.rds.multi_az ? ', multi-AZ' : ''}` : '') ||
  (r.lambda ? `${r.lambda.memory_mb} MB, ${r.lambda.timeout_seconds} s` : '');
const tagText = r => Object.entries(r.tags || {}).sort().map(([k, v]) => `${k}=${v}`).join(' ');
const cell = (r, key) => key === 'size' ? size(r) : key === 'tags' ? tagText(r) : (r[key] || '');

async function load() {
  const regions = selected($('#resources-regions'));
  const types = selected($('#resources-types'));
  const st = $('#resources-status');
  const button = $('#resources-load');
  button.disabled = true;
  const done = loading(st, `Reading ${types.length ? types.map(t => typeLabels[t]).join(', ') : 'every type'} in ${regions.length ? regions.length : 'every enabled'} region${regions.length === 1 ? '' : 's'}…`);
  $('#resources-errors').replaceChildren();
  try {
    const inv = await request('/resources', { params: { regions, types } });
    done();
    rows = inv.resources;
    const warn = failuresBox(inv.errors, 'The table');
    if (warn) $('#resources-errors').append(warn);
    counts(inv);
    if (rows.length === 0) {
      status(st, `No resources of these types in ${regions.length ? 'these regions' : 'any enabled region'}.`, 'empty');
    }
    render();
  } catch (e) {
    rows = [];
    render();
    $('#resources-counts').replaceChildren();
    showError(st, e);
  } finally {
    button.disabled = false;
  }
}

function counts(inv) {
  const c = inv.counts;
  const chips = (obj, label) => Object.entries(obj).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => h('span', { class: 'chip', dataset: { key: k, count: String(n) } }, `${label(k)} `, h('b', {}, n)));
  const emptyRegions = inv.regions.filter(r => !c.by_region[r]).length;
  $('#resources-counts').replaceChildren(
    h('div', { id: 'count-total' }, h('b', {}, c.total), ` resource${c.total === 1 ? '' : 's'} in ${inv.regions.length} region${inv.regions.length === 1 ? '' : 's'}`),
    h('div', { class: 'chips', id: 'count-by-type' }, chips(c.by_type, k => typeLabels[k] || k)),
    h('div', { class: 'chips', id: 'count-by-region' }, chips(c.by_region, k => k),
      emptyRegions ? h('span', { class: 'hint' }, `${emptyRegions} region${emptyRegions === 1 ? '' : 's'} with none`) : null),
  );
}

function render() {
  const table = $('#resources-table');
  const q = $('#resources-search').value.trim().toLowerCase();
  const keys = ['type', 'id', 'name', 'region', 'state', 'size', 'tags'];
  const shown = rows
    .filter(r => !q || keys.some(k => cell(r, k).toLowerCase().includes(q)))
    .sort((a, b) => sortDir * (cell(a, sortKey).localeCompare(cell(b, sortKey), 'en', { numeric: true }) ||
      cell(a, 'id').localeCompare(cell(b, 'id'))));
  table.hidden = rows.length === 0;
  $('#resources-tools').hidden = rows.length === 0;
  $('#resources-shown').textContent = q ? `${shown.length} of ${rows.length} shown` : '';
  table.tBodies[0].replaceChildren(...shown.map(r => h('tr', { dataset: { type: r.type, region: r.region, id: r.id } },
    h('td', {}, typeLabels[r.type] || r.type),
    h('td', { class: 'mono' }, r.id),
    h('td', {}, r.name || ''),
    h('td', { class: 'nowrap' }, r.region),
    h('td', {}, h('span', { class: `state state-${(r.state || '').toLowerCase()}` }, r.state || '')),
    h('td', {}, size(r)),
    h('td', {}, Object.entries(r.tags || {}).sort().map(([k, v]) => h('span', { class: 'tag' }, `${k}=${v}`))),
    h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => shared.open('metrics', r) }, 'Metrics')),
  )));
}
