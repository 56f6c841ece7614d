// The account selector: which AWS account the panels show, from the newest
// snapshot's counts.by_account. Hidden when the snapshot names one account
// or none (a one-account scan): nothing changes for a single account.
import { request } from './api.js';
import { $, h } from './ui.js';

let known = []; // the accounts of the newest snapshot, sorted
let chosen = ''; // '' is every account
const listeners = [];

/** multi reports whether the newest snapshot has several accounts: the
 * tables then show an account column. */
export const multi = () => known.length > 1;

/** selectedAccounts is the accounts= value of the view: [] for every account. */
export const selectedAccounts = () => (chosen ? [chosen] : []);

/** onAccountChange calls fn when the selection changes. */
export const onAccountChange = fn => listeners.push(fn);

/** accountsOf lists the accounts of a snapshot header's counts, sorted. */
export function accountsOf(header) {
  return Object.keys(header?.counts?.by_account || {}).sort();
}

/** loadAccounts reads the newest snapshot's accounts and draws the selector. */
export async function loadAccounts() {
  const { snapshots } = await request('/snapshots', { params: { limit: 1 } });
  known = accountsOf(snapshots[0]);
  if (!known.includes(chosen)) chosen = '';
  const box = $('#account');
  if (!multi()) {
    box.replaceChildren();
    return;
  }
  const counts = snapshots[0].counts.by_account;
  const select = h('select', { id: 'account-select', onchange: e => { chosen = e.target.value; for (const fn of listeners) fn(); } },
    h('option', { value: '' }, `All ${known.length} accounts`),
    known.map(a => h('option', { value: a, selected: a === chosen }, `${a} (${counts[a]} resources)`)));
  box.replaceChildren(h('label', { id: 'account-picker' }, 'Account ', select));
}
