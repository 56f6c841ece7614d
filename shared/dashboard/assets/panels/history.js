// History: the stored snapshots, and what changed between two of them.
import { request } from '../api.js';
import { $, h, status, loading, showError, money, dateTime, typeLabels, latest } from '../ui.js';
import { multi, selectedAccounts } from '../accounts.js';

const LIMIT = 50; // the newest snapshots listed
const nextList = latest();
const nextDiff = latest();
let wanted = null; // what the address asks for: {snapshot} or {base, head}

/** route takes the address's parameters: snapshot=<id> highlights that
 * snapshot's row; base=<id>&head=<id> picks the two and compares them. */
export function route(params) {
  const [snapshot, base, head] = [params.get('snapshot'), params.get('base'), params.get('head')];
  wanted = snapshot || (base && head) ? { snapshot, base, head } : null;
}

export function init() {
  $('#history-diff').addEventListener('click', diff);
  load();
}

export function shown() {
  load();
}

async function load() {
  const st = $('#history-status');
  const table = $('#history-table');
  const mine = nextList();
  const done = loading(st, 'Reading the snapshots…');
  // The choice of base and head survives a reload, where those still exist.
  const chosen = name => document.querySelector(`input[name=${name}]:checked`)?.value;
  const asked = wanted;
  wanted = null;
  const [base, head] = [asked?.base || chosen('base'), asked?.head || chosen('head')];
  try {
    const { snapshots } = await request('/snapshots', { params: { limit: LIMIT } });
    if (!mine.current()) return;
    done();
    const ids = snapshots.map(s => s.id);
    const baseID = ids.includes(base) ? base : ids[1];
    const headID = ids.includes(head) ? head : ids[0];
    table.hidden = snapshots.length === 0;
    $('#history-diff').disabled = snapshots.length < 2;
    if (snapshots.length === 0) {
      status(st, 'No snapshots yet: the daily scan, or "Scan now" on the Bottlenecks panel, makes one.', 'empty');
    } else if (snapshots.length === 1) {
      status(st, 'One snapshot so far; a second one can be compared with it.', 'empty');
    } else if (snapshots.length === LIMIT) {
      status(st, `The newest ${LIMIT} snapshots.`);
    }
    table.tBodies[0].replaceChildren(...snapshots.map(s => h('tr', { dataset: { id: s.id } },
      h('td', {}, h('input', { type: 'radio', name: 'base', value: s.id, checked: s.id === baseID, 'aria-label': `base ${s.id}` })),
      h('td', {}, h('input', { type: 'radio', name: 'head', value: s.id, checked: s.id === headID, 'aria-label': `head ${s.id}` })),
      h('td', { class: 'mono' }, s.id),
      h('td', {}, dateTime(s.finished_at)),
      h('td', { class: 'num' }, s.counts?.resources ?? ''),
      h('td', { class: 'num' }, s.counts?.findings ?? ''),
      h('td', {}, s.costs ? `${money(s.costs.total, s.costs.currency)} (${s.costs.start} to ${s.costs.end})` : ''),
      h('td', { class: 'num bill', title: billDetail(s.bill) }, s.bill ? `${s.bill.total} ${s.bill.currency}` : 'not counted'),
      h('td', {}, s.errors?.length ? `${s.errors.length} region or service${s.errors.length === 1 ? '' : 's'} unread` : 'none'),
    )));
    if (asked) follow(asked, ids);
  } catch (e) {
    if (!mine.current()) return;
    table.hidden = true;
    showError(st, e);
  }
}

/** billDetail is a scan's own bill item by item, for the cell's tooltip:
 * the exact amounts, since a scan often costs less than a cent. */
function billDetail(bill) {
  if (!bill) return 'Scans stored before cloudscope counted its own calls have no bill.';
  const lines = bill.items.map(i => `${i.api}: ${i.units} ${i.unit}${i.units === 1 ? '' : 's'}` +
    (Number(i.unit_price) ? ` x ${i.unit_price} = ${i.charge} ${bill.currency}` : ' (free)'));
  return [...lines, `List prices of ${bill.price_date}; an estimate, not an invoice.`].join('\n');
}

/** follow does what a link asked for, once the list is on screen. */
function follow(asked, ids) {
  const missing = [asked.snapshot, asked.base, asked.head].filter(id => id && !ids.includes(id));
  if (missing.length) {
    status($('#history-status'), `Not among the newest ${LIMIT} snapshots: ${missing.join(', ')}.`, 'empty');
    return;
  }
  if (asked.snapshot) {
    const row = [...$('#history-table').tBodies[0].rows].find(r => r.dataset.id === asked.snapshot);
    row.classList.add('highlight');
    row.scrollIntoView({ block: 'center' });
  }
  if (asked.base && asked.head) diff();
}

const inAccount = x => (multi() && x.account_id ? ` · account ${x.account_id}` : '');
const resourceItem = r => h('li', {}, `${typeLabels[r.type] || r.type} `, h('code', {}, r.id), r.name && r.name !== r.id ? ` (${r.name})` : '', ` · ${r.region}`, inAccount(r));
const findingItem = f => h('li', { class: `sev-${f.severity}` }, h('b', {}, f.severity), ` ${f.title}: `, h('code', {}, f.resource_id), ` · ${f.region}`, inAccount(f));

/** byAccountTable counts a diff's changes per account, when it has several. */
function byAccountTable(byAccount) {
  const rows = Object.entries(byAccount || {}).sort((a, b) => a[0].localeCompare(b[0]));
  if (rows.length < 2) return null;
  return h('table', { class: 'data', id: 'diff-by-account' },
    h('thead', {}, h('tr', {}, ['Account', 'Added', 'Removed', 'New', 'Worse', 'Resolved'].map(t => h('th', {}, t)))),
    h('tbody', {}, rows.map(([a, c]) => h('tr', { dataset: { account: a } }, h('td', { class: 'mono' }, a),
      [c.resources_added, c.resources_removed, c.findings_new, c.findings_worse, c.findings_resolved].map(n => h('td', { class: 'num' }, n))))));
}

async function diff() {
  const base = document.querySelector('input[name=base]:checked')?.value;
  const head = document.querySelector('input[name=head]:checked')?.value;
  const out = $('#history-diff-out');
  if (!base || !head || base === head) {
    out.replaceChildren(h('p', { class: 'status error' }, 'Pick two different snapshots: a base (older) and a head (newer).'));
    return;
  }
  const mine = nextDiff();
  out.replaceChildren();
  const done = loading($('#history-status'), `Comparing ${base} with ${head}…`);
  try {
    const d = await request(`/snapshots/${encodeURIComponent(head)}/diff`, { params: { base, accounts: selectedAccounts() } });
    if (!mine.current()) return;
    done();
    const part = (title, items, render, id) => h('section', { class: 'diff-part', id },
      h('h4', {}, `${title} `, h('span', { class: 'count' }, items.length)),
      items.length ? h('ul', {}, items.map(render)) : h('p', { class: 'status empty' }, 'none'));
    out.replaceChildren(
      h('p', {}, `From ${d.base} to ${d.head}. `, d.cost_change !== undefined
        ? h('span', { id: 'diff-cost' }, `Cost change over the scan window: ${d.cost_change.startsWith('-') ? '' : '+'}${money(d.cost_change)}`) : 'No cost summary to compare.'),
      byAccountTable(d.by_account),
      h('div', { class: 'diff' },
        part('Resources added', d.resources_added, resourceItem, 'diff-added'),
        part('Resources removed', d.resources_removed, resourceItem, 'diff-removed'),
        part('New findings', d.findings_new, findingItem, 'diff-new'),
        part('Worse findings', d.findings_worse, findingItem, 'diff-worse'),
        part('Resolved findings', d.findings_resolved, findingItem, 'diff-resolved')));
  } catch (e) {
    if (mine.current()) showError($('#history-status'), e);
  }
}
