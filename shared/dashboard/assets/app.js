// cloudscope's dashboard: one page, five panels over the API. config.json
// says where the API is and, deployed, how to sign in.
import { configure, request } from './api.js';
import { Session } from './auth.js';
import { $, $$, h, showError, parseRoute } from './ui.js';
import { loadAccounts, onAccountChange } from './accounts.js';
import * as resources from './panels/resources.js';
import * as metrics from './panels/metrics.js';
import * as costs from './panels/costs.js';
import * as bottlenecks from './panels/bottlenecks.js';
import * as history from './panels/history.js';

const panels = { resources, metrics, costs, bottlenecks, history };
const opened = new Set();

/** shared is what the panels share: the enabled regions, and a way to move
 * from one panel to another with a selection (a resource to chart). */
export const shared = {
  regions: null,
  async enabledRegions() {
    if (!this.regions) {
      this.regions = request('/regions').then(d => d.regions.map(r => r.name));
      this.regions.catch(() => { this.regions = null; }); // the next panel to ask tries again
    }
    return this.regions;
  },
  open(name, selection) {
    if (selection) panels[name].select?.(selection);
    if (location.hash === '#' + name) show(name);
    else location.hash = name;
  },
};

/** show opens the panel a route names ("bottlenecks", or with parameters
 * "bottlenecks?finding=<id>"), handing it the parameters first. */
function show(route, { focus = true } = {}) {
  const { panel, params } = parseRoute(route);
  const name = panels[panel] ? panel : 'resources';
  panels[name].route?.(params);
  for (const a of $$('nav a')) a.setAttribute('aria-current', a.dataset.panel === name ? 'page' : 'false');
  for (const p of $$('.panel')) p.hidden = p.id !== 'panel-' + name;
  document.title = `${name[0].toUpperCase() + name.slice(1)} · cloudscope`;
  if (focus) $(`#panel-${name} h2`).focus(); // keyboard and screen-reader users land on the panel
  if (!opened.has(name)) {
    opened.add(name);
    panels[name].init(shared);
  } else {
    panels[name].shown?.();
  }
}

async function start() {
  const banner = $('#banner');
  try {
    const res = await fetch('config.json', { headers: { Accept: 'application/json' } });
    const config = res.ok ? await res.json() : { api: '' };
    let session = null;
    if (config.auth) {
      session = new Session(config.auth);
      if (!(await session.start())) return; // off to the sign-in page
      $('#signed-in').append(`Signed in as ${session.who()} `, h('button', { type: 'button', class: 'link', onclick: () => session.signOut() }, 'Sign out'));
    }
    configure(config.api || '', session);
    if (!window.Chart) {
      banner.hidden = false;
      banner.textContent = 'Charts are unavailable: vendor/chart.umd.js did not load (run make web before building).';
    }
    // The accounts of the newest scan, before the first panel draws its
    // table (with an account column when there are several); without them
    // (no scan yet, or an error) the page shows every account, no selector.
    await loadAccounts().catch(() => {});
    onAccountChange(() => { for (const name of opened) panels[name].accountChanged?.(); });
    window.addEventListener('hashchange', () => show(location.hash));
    show(location.hash || 'resources', { focus: false });
  } catch (e) {
    banner.hidden = false;
    showError(banner, e);
  }
}

// Chart.js loads with defer, before this module runs.
start();
