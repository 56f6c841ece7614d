// Costs: spend per day stacked by group, the ranked groups with their
// shares, the forecast as a band, and how old the figures are (answers are
// cached, since every Cost Explorer request is billed).
import { request } from '../api.js';
import { $, h, status, loading, showError, money, percent, ago, roundCents } from '../ui.js';
import { costBars, forecastBand, clear } from '../charts.js';
import { multi, selectedAccounts } from '../accounts.js';

const MAX_DATASETS = 12; // beyond that, the smallest groups share one "other" bar

export function init() {
  if (multi()) $('#costs-group').value = 'LINKED_ACCOUNT'; // an organization's spend by account first
  $('#costs-form').addEventListener('submit', e => { e.preventDefault(); load(); });
  $('#costs-group').addEventListener('change', () => { $('#costs-tag-label').hidden = $('#costs-group').value !== 'TAG'; });
  load();
  forecast();
}

/** accountChanged reads the costs of the account chosen at the top. */
export function accountChanged() {
  load();
  forecast();
}

async function load() {
  const days = Number($('#costs-days').value);
  let group = $('#costs-group').value;
  const st = $('#costs-status');
  if (group === 'TAG') {
    const key = $('#costs-tag').value.trim();
    if (!key) {
      status(st, 'Name the tag key to group by (for example team).', 'error');
      return;
    }
    group = 'TAG:' + key;
  }
  const button = $('#costs-load');
  button.disabled = true;
  const done = loading(st, `Reading ${days} days of costs by ${group.toLowerCase()}…`);
  try {
    const [r, anomalies] = await Promise.all([
      request('/costs', { params: { days, group_by: group, granularity: 'DAILY', accounts: selectedAccounts() } }),
      request('/anomalies', { params: { days } }).catch(e => ({ error: e })),
    ]);
    done();
    render(r, anomalies);
  } catch (e) {
    $('#costs-summary').replaceChildren();
    $('#costs-table').hidden = true;
    clear($('#costs-chart'));
    showError(st, e);
  } finally {
    button.disabled = false;
  }
}

function render(r, anomalies) {
  const estimatedDays = r.periods.filter(p => p.estimated).length;
  $('#costs-summary').replaceChildren(
    h('div', { class: 'total' }, h('span', {}, 'Total '), h('b', { id: 'costs-total', dataset: { amount: r.total } }, money(r.total, r.currency)),
      ` for ${r.start} to ${r.end} (end exclusive), ${r.metric}`),
    h('div', { class: 'fetched', id: 'costs-fetched' },
      r.cached ? `Figures fetched ${ago(r.fetched_at)} (cached; no Cost Explorer request made now).`
        : `Figures fetched just now: ${r.cost_explorer_requests} billed Cost Explorer request${r.cost_explorer_requests === 1 ? '' : 's'}.`),
    estimatedDays ? h('div', { class: 'hint' }, `${estimatedDays} day${estimatedDays === 1 ? ' is' : 's are'} estimated (*): AWS has not finalised ${estimatedDays === 1 ? 'it' : 'them'} yet.`) : null,
  );
  if (r.groups.length === 0) {
    status($('#costs-status'), 'No spend in this window.', 'empty');
    clear($('#costs-chart'));
    $('#costs-table').hidden = true;
    return;
  }
  const shown = r.groups.length > MAX_DATASETS ? r.groups.slice(0, MAX_DATASETS - 1) : r.groups;
  const rest = r.groups.slice(shown.length).map(g => g.key);
  const datasets = shown.map(g => ({ label: g.key, data: r.periods.map(p => Number(p.groups[g.key] || 0)) }));
  if (rest.length) {
    datasets.push({ label: `${rest.length} others`, data: r.periods.map(p => rest.reduce((s, k) => s + Number(p.groups[k] || 0), 0)) });
  }
  const list = anomalies && !anomalies.error ? anomalies.anomalies.filter(a => !r.accounts || !a.account_id || r.accounts.includes(a.account_id)) : [];
  const days = new Set(list.flatMap(a => a.days.map(d => d.date)));
  costBars($('#costs-chart'), { labels: r.periods.map(p => p.start), datasets, currency: r.currency, estimated: r.periods.map(p => p.estimated),
    anomalous: r.periods.map(p => days.has(p.start)) });
  renderAnomalies(anomalies, list);
  const table = $('#costs-table');
  table.hidden = false;
  table.tBodies[0].replaceChildren(...r.groups.map((g, i) => h('tr', { dataset: { key: g.key, amount: g.amount } },
    h('td', {}, i + 1),
    h('td', {}, g.key),
    h('td', { class: 'num', title: `${g.amount} ${r.currency} exactly` }, money(g.amount, r.currency)),
    h('td', { class: 'num' }, percent(g.share)),
    h('td', { class: 'bar-cell' }, h('meter', { min: 0, max: 1, value: g.share, 'aria-label': `${g.key} share` })),
  )));
}

// renderAnomalies lists the window's spend anomalies with their
// explanation: what changed in the inventory that day, priced at list
// price for the hours it ran, and what is left unexplained.
function renderAnomalies(answer, list) {
  const st = $('#anomalies-status');
  const ul = $('#anomalies-list');
  ul.replaceChildren();
  if (!answer || answer.error) {
    showError(st, answer ? answer.error : new Error('no answer'));
    return;
  }
  if (list.length === 0) {
    status(st, 'No spend anomaly in this window: every day is within its usual range for its weekday.', 'empty');
    return;
  }
  status(st, `${list.length} spend anomal${list.length === 1 ? 'y' : 'ies'} (a day above the median of its weekday by more than 3.5 robust deviations and the floors).`);
  ul.replaceChildren(...list.map(a => {
    const where = [a.service, a.region, a.account_id].filter(Boolean).join(', ');
    const when = a.start === a.end ? a.start : `${a.start} to ${a.end}`;
    const kind = { spike: '', level_shift: ', a level shift (now the normal)', new_spend: ', new spend' }[a.kind] || '';
    const ex = a.explanation;
    let why = null;
    if (ex && !ex.covered) {
      why = h('div', { class: 'hint' }, ex.note);
    } else if (ex) {
      why = h('div', {},
        h('div', {}, `Explained ${money(ex.explained, a.currency)} by ${ex.changes.length} change${ex.changes.length === 1 ? '' : 's'}; unexplained ${money(ex.unexplained, a.currency)}.` +
          (ex.note ? ` ${ex.note}.` : '')),
        ex.changes.length ? h('ul', {}, ...ex.changes.map(c => h('li', { dataset: { resource: c.resource_id } },
          `${c.resource_type} ${c.name || c.resource_id} (${c.region}) ${c.change}${c.detail ? ` (${c.detail})` : ''}, ${c.hours} h that day: ` +
          (c.cost ? money(c.cost, a.currency) : `unpriced (${c.unpriced})`)))) : null);
    }
    return h('li', { dataset: { anomaly: a.id, status: a.status } },
      h('b', {}, `${when} ${where}`),
      `: ${money(a.actual, a.currency)} against ${money(a.expected, a.currency)} expected (+${money(a.excess, a.currency)})${kind}; ${a.status}` +
        (a.provisional ? ', provisional (estimated days)' : ''),
      why);
  }));
}

async function forecast() {
  const st = $('#forecast-status');
  const done = loading(st, 'Reading the forecast…');
  try {
    const f = await request('/costs/forecast', { params: { days: 30, granularity: 'DAILY', accounts: selectedAccounts() } });
    done();
    status(st, `Next ${f.periods.length} days: ${money(f.total, f.currency)} expected (${f.prediction_interval}% interval shown). ` +
      (f.cached ? `Fetched ${ago(f.fetched_at)} (cached).` : `Fetched just now.`));
    forecastBand($('#forecast-chart'), {
      labels: f.periods.map(p => p.start), currency: f.currency, interval: f.prediction_interval,
      lower: f.periods.map(p => Number(roundCents(p.lower))), mean: f.periods.map(p => Number(roundCents(p.mean))), upper: f.periods.map(p => Number(roundCents(p.upper))),
    });
  } catch (e) {
    clear($('#forecast-chart'));
    showError(st, e);
  }
}
