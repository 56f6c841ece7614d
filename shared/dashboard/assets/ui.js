// Small DOM and formatting helpers shared by the panels. No framework: the
// page is a handful of forms, tables and charts.

import { resourceTypes } from './resourcetypes.js';

/** h builds an element: h('td', {class: 'num'}, '12', childNode). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

/** status shows a one-line state (loading, empty, done) in a status element. */
export function status(el, text, kind = '') {
  el.textContent = text || '';
  el.className = 'status' + (kind ? ' ' + kind : '');
}

/** loading marks el as busy with a message; it returns a function that ends it. */
export function loading(el, text) {
  status(el, text, 'loading');
  return () => status(el, '');
}

/** errorBox renders an API error as a message a person can act on. */
export function showError(el, err) {
  el.replaceChildren();
  el.className = 'status error';
  el.append(h('strong', {}, err.title || 'Something went wrong'), ' ', err.message || String(err));
  if (err.hint) el.append(h('div', { class: 'hint' }, err.hint));
  if (err.retry) el.append(' ', h('button', { type: 'button', class: 'link', onclick: err.retry }, 'Sign in again'));
}

/** failuresBox lists the regions and services a response could not read. */
export function failuresBox(failures, what) {
  if (!failures || failures.length === 0) return null;
  const regions = new Set(failures.map(f => f.region));
  return h('div', { class: 'warning', role: 'alert', dataset: { failures: String(failures.length) } },
    h('strong', {}, `Incomplete: ${failures.length} ${failures.length === 1 ? 'part' : 'parts'} of the account could not be read `,
      `(${[...regions].sort().join(', ')}). `),
    `${what} shows everything else.`,
    h('ul', {}, failures.map(f => h('li', {}, h('code', {}, `${f.region} / ${f.service}`), ` ${codeText(f.code)}: ${f.message}`))));
}

const codeTexts = {
  upstream_access_denied: 'access denied',
  upstream_throttled: 'throttled by AWS',
  upstream_unavailable: 'AWS unavailable',
  upstream_timeout: 'timed out',
  upstream_error: 'AWS error',
};
export const codeText = code => codeTexts[code] || code;

/** roundCents rounds an exact decimal string to cents, halves away from zero
 * (as the API's own Amount.Cents does), without going through floats. */
export function roundCents(amount) {
  const m = /^(-?)(\d+)(?:\.(\d*))?$/.exec(String(amount).trim());
  if (!m) throw new Error(`not an amount: ${amount}`);
  const [, sign, int, frac = ''] = m;
  const digits = BigInt(int + (frac + '00').slice(0, 2));
  const rest = frac.slice(2);
  const up = rest.length > 0 && rest[0] >= '5';
  let cents = digits + (up ? 1n : 0n);
  const neg = sign === '-' && cents !== 0n;
  const s = cents.toString().padStart(3, '0');
  return `${neg ? '-' : ''}${s.slice(0, -2)}.${s.slice(-2)}`;
}

/** money formats an exact amount for people: "$1,234.56". */
export function money(amount, currency = 'USD') {
  const cents = roundCents(amount);
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(Number(cents));
  } catch {
    return `${currency} ${cents}`;
  }
}

export const percent = share => `${(share * 100).toFixed(1)}%`;

/** ago says how long ago a time was: "4 min ago". */
export function ago(iso, now = Date.now()) {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 172800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
}

export const dateTime = iso => new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }) + ' UTC';

/** selected is the values of a multiple select. */
export const selected = select => [...select.selectedOptions].map(o => o.value);

/** fillSelect replaces a select's options, keeping the values still present. */
export function fillSelect(select, values, labelOf = v => v, keep = true) {
  const before = new Set(selected(select));
  select.replaceChildren(...values.map(v => h('option', { value: v, selected: keep && before.has(v) }, labelOf(v))));
}

/** upperFirst capitalizes a label for a cell or an option: "load balancer" -> "Load balancer". */
const upperFirst = s => s.charAt(0).toUpperCase() + s.slice(1);

/** typeLabels name each resource type for the page ("EC2 instance"), from the types' descriptors. */
export const typeLabels = Object.fromEntries(resourceTypes.map(t => [t.name, upperFirst(t.label)]));

/** noMetrics are the types CloudWatch publishes no metrics for. */
export const noMetrics = new Set(resourceTypes.filter(t => !t.charts).map(t => t.name));

/** typeOptions are the options of a type filter ("EC2 instances"): every type, or those with charts. */
export const typeOptions = (chartsOnly = false) => resourceTypes.filter(t => !chartsOnly || t.charts)
  .map(t => h('option', { value: t.name }, upperFirst(t.plural)));

/** stateOptions are the states the types' filters offer, each once, in the types' order. */
export const stateOptions = () => [...new Set(resourceTypes.flatMap(t => t.states))].map(s => h('option', { value: s }, s));

/** latest hands out tickets for overlapping requests: only the newest
 * ticket's answer may change the page (an older, slower one is dropped). */
export function latest() {
  let n = 0;
  return () => {
    const mine = ++n;
    return { current: () => mine === n };
  };
}

/** parseRoute splits the address's hash into the panel's name and its
 * parameters: "#history?base=a&head=b" is history with base a and head b,
 * "#bottlenecks?finding=<id>" the bottlenecks panel with one finding to
 * show. Notifications link to these routes (shared/notify/links.go). */
export function parseRoute(hash) {
  const s = String(hash ?? '').replace(/^#/, '');
  const i = s.indexOf('?');
  return { panel: i < 0 ? s : s.slice(0, i), params: new URLSearchParams(i < 0 ? '' : s.slice(i + 1)) };
}
