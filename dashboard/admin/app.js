// The dashboard's shell: hash routes to pages, the live-updates badge, the app's name. Each
// page is a module with render(view, {params, query}) that may return a cleanup function
// (timers, live subscriptions), called when the route changes.
import { api } from './api.js';
import { clear, el, problem } from './dom.js';
import * as live from './live.js';
import * as overview from './overview.js';
import * as actions from './actions.js';
import * as runs from './runs.js';
import * as run from './run.js';
import * as logs from './logs.js';
import * as schedules from './schedules.js';
import * as jobs from './jobs.js';
import * as events from './events.js';
import * as cockpit from './cockpit.js';

const kRoutes = [
  { re: /^\/?$/, page: overview, nav: 'overview', title: 'Overview' },
  { re: /^\/overview$/, page: overview, nav: 'overview', title: 'Overview' },
  { re: /^\/actions(?:\/([^/]+))?$/, page: actions, nav: 'actions', title: 'Actions' },
  { re: /^\/runs$/, page: runs, nav: 'runs', title: 'Runs' },
  { re: /^\/runs\/([^/]+)$/, page: run, nav: 'runs', title: 'Run' },
  { re: /^\/logs$/, page: logs, nav: 'logs', title: 'Logs' },
  { re: /^\/schedules$/, page: schedules, nav: 'schedules', title: 'Schedules' },
  { re: /^\/jobs$/, page: jobs, nav: 'jobs', title: 'Jobs' },
  { re: /^\/events$/, page: events, nav: 'events', title: 'Events' },
  { re: /^\/cockpit(?:\/orgs\/([^/]+))?$/, page: cockpit, nav: 'cockpit', title: 'SaaS' },
];

let cleanup = null;
let appName = 'Bunbase';
let lastPath = null;

function route() {
  const hash = location.hash.replace(/^#/, '');
  const [path, qs] = hash.split('?');
  const query = Object.fromEntries(new URLSearchParams(qs || ''));
  if (path !== lastPath) window.scrollTo(0, 0);  // a new page starts at its top; new filters keep the place
  lastPath = path;
  if (typeof cleanup === 'function') cleanup();
  cleanup = null;
  const view = document.getElementById('view');
  clear(view);
  for (const r of kRoutes) {
    const m = path.match(r.re);
    if (!m) continue;
    for (const a of document.querySelectorAll('nav a'))
      a.toggleAttribute('aria-current', a.getAttribute('href') === `#/${r.nav}`);
    document.title = `${r.title} · ${appName} dashboard`;
    try {
      cleanup = r.page.render(view, { params: m.slice(1).map((p) => (p ? decodeURIComponent(p) : p)), query });
    } catch (e) {
      view.append(problem(e));
    }
    return;
  }
  view.append(el('h1', {}, 'Not found'), el('p', {}, 'No page here. ', el('a', { href: '#/overview' }, 'Overview')));
}

async function boot() {
  window.addEventListener('hashchange', route);
  window.addEventListener('admin:signed-in', () => live.reconnect());
  live.start();
  route();
  try {
    const o = await api('/overview');
    appName = o.app;
    document.getElementById('app-name').textContent = o.app;
    document.getElementById('nav-cockpit').hidden = !o.saas;  // the cockpit's pages, where SaaS is on
    document.title = document.title.replace('Bunbase', o.app);
  } catch { /* the page in view shows what failed */ }
}

boot();
