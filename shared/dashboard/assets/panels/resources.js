// Resources: what the account has, by region and type, with the regions and
// services that could not be read shown, not hidden. The API filters, sorts
// and pages (from the newest stored scan, or from AWS now after "Refresh
// from AWS"); the table holds only the pages asked for, so it stays fast
// however large the account, and the counts are the API's, of every match.
import { request } from '../api.js';
import { $, $$, h, status, loading, showError, failuresBox, fillSelect, selected, typeLabels, noMetrics, typeOptions, stateOptions, latest, ago, dateTime } from '../ui.js';
import { multi, selectedAccounts } from '../accounts.js';

/** pageSize is the rows a page asks for: ?limit=N in the page's address (1 to 1000), else 500. */
export function pageSize(search) {
  const n = Number(new URLSearchParams(search).get('limit'));
  return Number.isInteger(n) && n >= 1 && n <= 1000 ? n : 500;
}

// A sort is the API's: a column, '-' before it for descending; '' is the
// stored order (region, type, id), shown as region ascending.

/** nextSort is the sort after a click on column key: ascending first, then the other way. */
export function nextSort(sort, key) {
  const next = (sort || 'region') === key ? '-' + key : key;
  return next === 'region' ? '' : next;
}

/** ariaSort is column key's aria-sort under sort. */
export function ariaSort(sort, key) {
  const current = sort || 'region';
  return current === key ? 'ascending' : current === '-' + key ? 'descending' : 'none';
}

/** params is the /resources query of a view, for one page. */
export function params(view, limit) {
  return {
    regions: view.regions, types: view.types, states: view.state ? [view.state] : [], search: view.search,
    sort: view.sort, source: view.live ? 'live' : '', limit,
  };
}

/** failuresOf keeps the failures that touch the view's regions and types
 * (a stored scan's answer lists all of the scan's). */
export function failuresOf(failures, view) {
  return failures.filter(f => (!view.regions.length || f.region === 'global' || view.regions.includes(f.region)) &&
    (!view.types.length || !(f.service in typeLabels) || view.types.includes(f.service)));
}

/** sourceText says where an answer comes from and how old it is. */
export function sourceText(inv, now = Date.now()) {
  return `${inv.source === 'live' ? 'Live from AWS' : 'Stored scan'}, as of ${dateTime(inv.as_of)}, ${ago(inv.as_of, now)}`;
}

let limit = 500;
let shared;
const view = { regions: [], types: [], state: '', search: '', sort: '', live: false };
let asked = null; // the first page's query, which "Show more" repeats with the cursor
let cursor = ''; // the last page's next_cursor
let drawn = 0; // rows in the table
let last = null; // the last answer, for its age
let regionsReady = false;
const next = latest();

export function init(s) {
  shared = s;
  limit = pageSize(location.search);
  $('#resources-types').replaceChildren(...typeOptions());
  $('#resources-state').append(...stateOptions());
  $('#resources-form').addEventListener('submit', e => {
    e.preventDefault();
    view.regions = selected($('#resources-regions'));
    view.types = selected($('#resources-types'));
    view.state = $('#resources-state').value;
    load();
  });
  let typing;
  $('#resources-search').addEventListener('input', e => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      if (e.target.value.trim() === view.search) return;
      view.search = e.target.value.trim();
      load();
    }, 250);
  });
  for (const th of $$('#resources-table th[data-key]')) {
    th.querySelector('button').addEventListener('click', () => { view.sort = nextSort(view.sort, th.dataset.key); load(); });
  }
  $('#resources-show-more').addEventListener('click', more);
  $('#resources-refresh').addEventListener('click', () => { view.live = true; load(); });
  $('#resources-stored').addEventListener('click', () => { view.live = false; load(); });
  setInterval(age, 30_000);
  start();
}

/** accountChanged reloads the table for the account chosen at the top. */
export function accountChanged() {
  if (regionsReady) load();
}

export function shown() {
  if (!regionsReady) start(); // the region list failed before: try again
  age();
}

/** start fills the region picker, then loads the first page. */
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

function age() {
  if (last) $('#resources-asof').textContent = sourceText(last);
}

/** load asks for the first page of the view, replacing the table. */
async function load() {
  const q = { ...params(view, limit), accounts: selectedAccounts() };
  const st = $('#resources-status');
  const button = $('#resources-load');
  const moreButton = $('#resources-show-more');
  const mine = next();
  for (const th of $$('#resources-table th[data-key]')) th.setAttribute('aria-sort', ariaSort(view.sort, th.dataset.key));
  button.disabled = moreButton.disabled = true; // "Show more" would page the view being replaced
  $('#resources-stored').hidden = !view.live;
  const what = view.types.length ? view.types.map(t => typeLabels[t]).join(', ') : 'every type';
  const where = view.regions.length ? `${view.regions.length} region${view.regions.length === 1 ? '' : 's'}` : 'every enabled region';
  const done = loading(st, `Reading ${what} in ${where} ${view.live ? 'from AWS now' : 'from the stored scan'}…`);
  try {
    const inv = await request('/resources', { params: q });
    if (!mine.current()) return; // a newer request is under way
    done();
    asked = q;
    last = inv;
    const line = $('#resources-source');
    line.dataset.source = inv.source;
    line.dataset.snapshot = inv.snapshot_id || '';
    age();
    $('#resources-errors').replaceChildren(...[failuresBox(failuresOf(inv.errors, q), 'The table')].filter(Boolean));
    counts(inv);
    show(inv, false);
    if (inv.counts.total === 0) {
      status(st, view.search || view.state ? 'No resources match these filters.' :
        `No resources of these types in ${view.regions.length ? 'these regions' : 'any enabled region'}.`, 'empty');
    }
  } catch (e) {
    if (!mine.current()) return;
    asked = last = null;
    $('#resources-asof').textContent = '';
    show({ resources: [], counts: { total: 0 } }, false);
    $('#resources-counts').replaceChildren();
    $('#resources-errors').replaceChildren();
    showError(st, e);
  } finally {
    if (mine.current()) button.disabled = false;
  }
}

/** more asks for the next page of the view and appends it. */
async function more() {
  const st = $('#resources-status');
  const button = $('#resources-show-more');
  const mine = next();
  const hadFocus = document.activeElement === button;
  button.disabled = true;
  const done = loading(st, `Reading the next ${limit}…`);
  try {
    const inv = await request('/resources', { params: { ...asked, cursor } });
    if (!mine.current()) return;
    done();
    const before = drawn;
    show(inv, true);
    // Keep the keyboard where it was, or on the first new row after the last page.
    if (hadFocus) (button.hidden ? $('#resources-table').tBodies[0].rows[before]?.querySelector('button') : button)?.focus();
  } catch (e) {
    if (!mine.current()) return;
    showError(st, e); // the rows shown stay
    button.disabled = false;
    if (hadFocus) button.focus();
  }
}

/** show draws a page: the first replaces the table, the next ones append. */
function show(inv, append) {
  $('#resources-account-col').hidden = !multi();
  const rows = inv.resources.map(row);
  const body = $('#resources-table').tBodies[0];
  if (append) body.append(...rows);
  else body.replaceChildren(...rows);
  drawn = (append ? drawn : 0) + rows.length;
  cursor = inv.next_cursor || '';
  const total = inv.counts.total;
  $('#resources-table').hidden = drawn === 0;
  $('#resources-tools').hidden = drawn === 0 && !view.search;
  $('#resources-shown').textContent = drawn ? `${drawn} of ${total} shown` : '';
  const button = $('#resources-show-more');
  button.hidden = !cursor;
  button.disabled = false;
  button.textContent = `Show ${Math.min(limit, total - drawn)} more`;
}

function counts(inv) {
  const c = inv.counts;
  const chips = (obj, label) => Object.entries(obj).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => h('span', { class: 'chip', dataset: { key: k, count: String(n) } }, `${label(k)} `, h('b', {}, n)));
  const emptyRegions = inv.regions.filter(r => !c.by_region[r]).length;
  $('#resources-counts').replaceChildren(
    h('div', { id: 'count-total' }, h('b', {}, c.total), ` resource${c.total === 1 ? '' : 's'}${view.search || view.state ? ' matching' : ''} in ${inv.regions.length} region${inv.regions.length === 1 ? '' : 's'}`),
    h('div', { class: 'chips', id: 'count-by-type' }, chips(c.by_type, k => typeLabels[k] || k)),
    h('div', { class: 'chips', id: 'count-by-region' }, chips(c.by_region, k => k),
      emptyRegions ? h('span', { class: 'hint' }, `${emptyRegions} region${emptyRegions === 1 ? '' : 's'} with none`) : null),
  );
}

/** detail is a resource's key detail, the table's last text column. */
export function detail(r) {
  const plural = (n, one) => `${n} ${one}${n === 1 ? '' : 's'}`;
  if (r.ec2) return r.ec2.instance_type;
  if (r.rds) return `${r.rds.instance_class}, ${r.rds.allocated_storage_gb} GB${r.rds.multi_az ? ', multi-AZ' : ''}`;
  if (r.lambda) return `${r.lambda.memory_mb} MB, ${r.lambda.timeout_seconds} s`;
  if (r.ebs) {
    const v = r.ebs;
    return `${v.volume_type}, ${v.size_gb} GB, ${v.attached_to.length ? `on ${v.attached_to.join(', ')}${v.boot ? ' (boot)' : ''}` : 'unattached'}`;
  }
  if (r.ebs_snapshot) {
    const b = r.ebs_snapshot;
    const volume = b.volume_exists === false ? 'volume gone' : b.volume_exists ? 'volume exists' : '';
    return [`${b.size_gb} GB`, volume, b.images.length ? `used by ${plural(b.images.length, 'AMI')}` : 'no AMI'].filter(Boolean).join(', ');
  }
  if (r.eip) return r.eip.instance_id ? `${r.eip.public_ip} on ${r.eip.instance_id}` : r.eip.public_ip;
  if (r.nat) return [r.nat.connectivity_type, ...(r.nat.public_ips || [])].filter(Boolean).join(', ');
  if (r.elb) return `${r.elb.kind}, ${r.elb.healthy_targets} of ${plural(r.elb.targets, 'target')} healthy`;
  if (r.dynamodb) {
    const t = r.dynamodb;
    return t.billing_mode === 'PROVISIONED' ? `provisioned ${t.read_capacity_units} RCU / ${t.write_capacity_units} WCU` : 'on demand';
  }
  return '';
}

function row(r) {
  const state = r.state || '';
  return h('tr', { dataset: { type: r.type, region: r.region, id: r.id, account: r.account_id || '' } },
    multi() ? h('td', { class: 'mono account' }, r.account_id || '') : null,
    h('td', {}, typeLabels[r.type] || r.type),
    h('td', { class: 'mono' }, r.id),
    h('td', {}, r.name || ''),
    h('td', { class: 'nowrap' }, r.region),
    h('td', {}, h('span', { class: `state state-${state.toLowerCase()}` }, state)),
    h('td', {}, detail(r)),
    h('td', {}, Object.entries(r.tags || {}).sort().map(([k, v]) => h('span', { class: 'tag' }, `${k}=${v}`))),
    h('td', {}, noMetrics.has(r.type) ? '' :
      h('button', { type: 'button', class: 'link', onclick: () => shared.open('metrics', r), 'aria-label': `Metrics of ${r.name || r.id}` }, 'Metrics')));
}
