// Runs: the run history newest first, filtered by action, status, trigger, trace and time,
// paged with the server's keyset cursor (`next`). On the first page new runs appear at the top
// as they happen: from the live stream, or by polling every 2 s while there is none.
import { api } from './api.js';
import { badge, clear, el, link, ms, problem, runHref, setHashQuery, shortId, table, tableRow, time, toIso, toLocal } from './dom.js';
import * as live from './live.js';

const kTriggers = ['api', 'admin', 'event', 'queue', 'cron', 'tool', 'webhook', 'cli'];
const kMaxRows = 300;

const columns = [
  { label: 'Started', cell: (r) => time(r.startedAt) },
  { label: 'Action', cell: (r) => link(runHref(r.id), r.action, { class: 'run-link' }) },
  { label: 'Status', cell: (r) => [badge(r.status), r.errorCode ? el('span', { class: 'muted' }, ` ${r.errorCode}`) : null] },
  { label: 'Duration', class: 'num', cell: (r) => ms(r.durationMs) },
  { label: 'Trigger', cell: (r) => [el('span', { class: `chip t-${r.trigger}` }, r.trigger), r.triggerDetail ? el('span', { class: 'muted detail' }, ` ${r.triggerDetail}`) : null] },
  { label: 'Trace', cell: (r) => link(`#/runs?traceId=${r.traceId}`, shortId(r.traceId), { class: 'mono', title: `Runs of trace ${r.traceId}` }) },
];
const rowAttrs = (r) => ({ 'data-run-id': r.id, 'data-status': r.status });

function matches(r, f) {
  if (f.action && r.action !== f.action) return false;
  if (f.status && r.status !== f.status) return false;
  if (f.trigger && r.trigger !== f.trigger) return false;
  if (f.traceId && r.traceId !== f.traceId) return false;
  if (f.since && r.startedAt < f.since) return false;
  if (f.until && r.startedAt > f.until) return false;
  return true;
}

// The form; the action names' datalist is filled once the catalog arrives (the form stays as typed).
function filtersForm(q, actionNames) {
  const input = (name, label, attrs = {}) => el('label', {}, label, el('input', { name, value: q[name] || '', ...attrs }));
  const status = el('select', { name: 'status' }, ['', 'success', 'error'].map((s) => el('option', { value: s, selected: (q.status || '') === s }, s || 'any')));
  const form = el('form', { class: 'filters', role: 'search', 'aria-label': 'Filter runs' },
    input('action', 'Action', { list: 'action-names', autocomplete: 'off' }),
    actionNames,
    el('label', {}, 'Status', status),
    input('trigger', 'Trigger', { list: 'trigger-names', autocomplete: 'off' }),
    el('datalist', { id: 'trigger-names' }, kTriggers.map((t) => el('option', { value: t }))),
    input('traceId', 'Trace id', { class: 'mono', pattern: '[0-9a-f]{32}', autocomplete: 'off' }),
    input('since', 'Since', { type: 'datetime-local', value: toLocal(q.since) }),
    input('until', 'Until', { type: 'datetime-local', value: toLocal(q.until) }),
    el('div', { class: 'buttons' }, el('button', { type: 'submit' }, 'Apply'), el('a', { href: '#/runs', class: 'button-link' }, 'Clear')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const d = Object.fromEntries(new FormData(form));
    setHashQuery('/runs', { action: d.action.trim(), status: d.status, trigger: d.trigger.trim(), traceId: d.traceId.trim(),
      since: toIso(d.since), until: toIso(d.until) });
  });
  return form;
}

export function render(view, { query }) {
  let alive = true;
  const f = { action: query.action, status: query.status, trigger: query.trigger, traceId: query.traceId, since: query.since, until: query.until };
  const firstPage = !query.before;
  const actionNames = el('datalist', { id: 'action-names' });
  const filters = filtersForm(query, actionNames);
  const body = el('div', { 'data-ready': 'false', class: 'runs' }, el('p', { class: 'muted' }, 'Loading…'));
  const pager = el('div', { class: 'pager' });
  view.append(el('h1', {}, 'Runs'), filters, body, pager);
  api('/actions').then((r) => alive && clear(actionNames, r.items.map((a) => el('option', { value: a.name })))).catch(() => {});

  let tbody = null;
  let newest = null;  // the newest run id shown
  const seen = new Set();

  function prepend(items) {
    // items newest first; shown above what is there, newest on top.
    for (const r of [...items].reverse()) {
      if (seen.has(r.id) || !matches(r, f)) continue;
      seen.add(r.id);
      const tr = tableRow(columns, r, rowAttrs);
      tr.classList.add('fresh');
      tbody.prepend(tr);
      body.querySelector('.empty')?.remove();
      if (!newest || r.id > newest) newest = r.id;
    }
    while (tbody.rows.length > kMaxRows) tbody.lastElementChild.remove();
  }

  async function pollNewer() {
    if (!tbody) return;
    const page = await api('/runs', { query: { ...f, limit: 50 } });
    if (alive) prepend(page.items.filter((r) => !newest || r.id > newest));
  }

  api('/runs', { query: { ...f, before: query.before, limit: 50 } }).then((page) => {
    if (!alive) return;
    const t = table({ label: 'Runs', columns, rows: page.items, rowAttrs, empty: 'No runs match.' });
    clear(body, t);
    body.dataset.ready = 'true';
    tbody = t.querySelector('tbody');
    for (const r of page.items) { seen.add(r.id); if (!newest || r.id > newest) newest = r.id; }
    clear(pager,
      query.before ? el('a', { href: '#/runs?' + new URLSearchParams(Object.entries(f).filter(([, v]) => v)), class: 'button-link' }, 'Newest') : null,
      page.next ? el('button', { type: 'button', onclick: () => setHashQuery('/runs', { ...f, before: page.next }) }, 'Next page') : null);
  }).catch((e) => alive && clear(body, problem(e)));

  if (!firstPage) return () => { alive = false; };
  const offRun = live.on('run', (r) => alive && tbody && prepend([r]));
  const stopPolling = live.whileNotLive(pollNewer, 2000);
  return () => { alive = false; offRun(); stopPolling(); };
}
