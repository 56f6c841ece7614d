// Resources: what the account has, by region and type, with the regions and
// services that could not be read shown, not hidden. Built for thousands of
// rows: each row's text is worked out once per load, sorting uses one
// collator, the search waits for typing to pause, and the table draws 500
// rows at a time (a browser takes seconds to lay out 10,000).
import { request } from '../api.js';
import { $, h, status, loading, showError, failuresBox, fillSelect, selected, typeLabels, latest } from '../ui.js';

const PAGE = 500; // rows drawn at a time
const KEYS = ['type', 'id', 'name', 'region', 'state', 'size', 'tags'];
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

let shared;
let rows = []; // {r, text: {key: string}, haystack}
let sortKey = 'region';
let sortDir = 1;
let limit = PAGE; // rows drawn now
let regionsReady = false;
const next = latest();

export function init(s) {
  shared = s;
  $('#resources-form').addEventListener('submit', e => { e.preventDefault(); load(); });
  let typing;
  $('#resources-search').addEventListener('input', () => { clearTimeout(typing); typing = setTimeout(() => { limit = PAGE; render(); }, 150); });
  for (const th of document.querySelectorAll('#resources-table th[data-key]')) {
    th.querySelector('button').addEventListener('click', () => {
      const key = th.dataset.key;
      sortDir = key === sortKey ? -sortDir : 1;
      sortKey = key;
      for (const other of document.querySelectorAll('#resources-table th[data-key]')) other.setAttribute('aria-sort', 'none');
      th.setAttribute('aria-sort', sortDir > 0 ? 'ascending' : 'descending');
      sortRows();
      render();
    });
  }
  start();
}

export function shown() {
  if (!regionsReady) start(); // the region list failed before: try again
}

/** start fills the region picker, then loads everything once. */
async function start() {
  try {
    fillSelect($('#resources-regions'), await shared.enabledRegions());
    regionsReady = true;
  } catch (e) {
    showError($('#resources-status'), e);
    return;
  }
  load();
}

const size = r => r.ec2?.instance_type || (r.rds ? `${r.rds.instance_class}, ${r.rds.allocated_storage_gb} GB${r.rds.multi_az ? ', multi-AZ' : ''}` : '') ||
  (r.lambda ? `${r.lambda.memory_mb} MB, ${r.lambda.timeout_seconds} s` : '');
const tagText = r => Object.entries(r.tags || {}).sort().map(([k, v]) => `${k}=${v}`).join(' ');

function row(r) {
  const text = { type: typeLabels[r.type] || r.type, id: r.id, name: r.name || '', region: r.region, state: r.state || '', size: size(r), tags: tagText(r) };
  return { r, text, haystack: KEYS.map(k => text[k]).join('\n').toLowerCase() };
}

function sortRows() {
  rows.sort((a, b) => sortDir * (collator.compare(a.text[sortKey], b.text[sortKey]) || collator.compare(a.text.id, b.text.id)));
}

async function load() {
  const regions = selected($('#resources-regions'));
  const types = selected($('#resources-types'));
  const st = $('#resources-status');
  const button = $('#resources-load');
  const mine = next();
  button.disabled = true;
  const done = loading(st, `Reading ${types.length ? types.map(t => typeLabels[t]).join(', ') : 'every type'} in ${regions.length ? regions.length : 'every enabled'} region${regions.length === 1 ? '' : 's'}…`);
  try {
    const inv = await request('/resources', { params: { regions, types } });
    if (!mine.current()) return; // a newer load is under way
    done();
    rows = inv.resources.map(row);
    sortRows();
    limit = PAGE;
    $('#resources-errors').replaceChildren(...[failuresBox(inv.errors, 'The table')].filter(Boolean));
    counts(inv);
    if (rows.length === 0) {
      status(st, `No resources of these types in ${regions.length ? 'these regions' : 'any enabled region'}.`, 'empty');
    }
    render();
  } catch (e) {
    if (!mine.current()) return;
    rows = [];
    render();
    $('#resources-counts').replaceChildren();
    $('#resources-errors').replaceChildren();
    showError(st, e);
  } finally {
    if (mine.current()) button.disabled = false;
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
  const matching = q ? rows.filter(x => x.haystack.includes(q)) : rows;
  const drawn = matching.slice(0, limit);
  table.hidden = rows.length === 0;
  $('#resources-tools').hidden = rows.length === 0;
  const more = matching.length - drawn.length;
  $('#resources-shown').replaceChildren(
    q || more ? `${drawn.length} of ${matching.length}${q ? ` matching (of ${rows.length})` : ''} shown ` : '',
    more ? h('button', { type: 'button', class: 'link', id: 'resources-show-more', onclick: () => { limit += PAGE; render(); } },
      `Show ${Math.min(PAGE, more)} more`) : '');
  table.tBodies[0].replaceChildren(...drawn.map(({ r, text }) => h('tr', { dataset: { type: r.type, region: r.region, id: r.id } },
    h('td', {}, text.type),
    h('td', { class: 'mono' }, r.id),
    h('td', {}, text.name),
    h('td', { class: 'nowrap' }, r.region),
    h('td', {}, h('span', { class: `state state-${text.state.toLowerCase()}` }, text.state)),
    h('td', {}, text.size),
    h('td', {}, Object.entries(r.tags || {}).sort().map(([k, v]) => h('span', { class: 'tag' }, `${k}=${v}`))),
    h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => shared.open('metrics', r), 'aria-label': `Metrics of ${r.name || r.id}` }, 'Metrics')),
  )));
}
