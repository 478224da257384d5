// Logs: across runs, newest first, by level (and above), text in the message, action and time;
// paged with the server's cursor. On the first page new logs appear at the top (live stream, or
// polling every 2 s while there is none).
import { api } from './api.js';
import { clear, el, link, problem, runLink, setHashQuery, table, tableRow, time, toIso, toLocal } from './dom.js';
import * as live from './live.js';

const kLevels = ['debug', 'info', 'warn', 'error'];

const columns = [
  { label: 'Time', cell: (l) => time(l.createdAt) },
  { label: 'Level', cell: (l) => el('span', { class: `level l-${l.level}` }, l.level) },
  { label: 'Message', cell: (l) => [l.message, l.meta && Object.keys(l.meta).length ? el('code', { class: 'meta' }, ' ' + JSON.stringify(l.meta)) : null] },
  { label: 'Action', cell: (l) => (l.action ? link(`#/actions/${encodeURIComponent(l.action)}`, l.action) : '—') },
  { label: 'Run', cell: (l) => runLink(l.runId) },
];

function matches(l, f) {
  if (f.level && kLevels.indexOf(l.level) < kLevels.indexOf(f.level)) return false;
  if (f.q && !l.message.toLowerCase().includes(f.q.toLowerCase())) return false;
  return !f.action && !f.since && !f.until;  // the stream's logs carry no action; those filters wait for a reload
}

export function render(view, { query }) {
  let alive = true;
  const f = { level: query.level, q: query.q, action: query.action, since: query.since, until: query.until };
  const level = el('select', { name: 'level' }, ['', ...kLevels].map((l) => el('option', { value: l, selected: (f.level || '') === l }, l ? `${l} and above` : 'any')));
  const form = el('form', { class: 'filters', role: 'search', 'aria-label': 'Filter logs' },
    el('label', {}, 'Level', level),
    el('label', {}, 'Message contains', el('input', { name: 'q', type: 'search', value: f.q || '' })),
    el('label', {}, 'Action', el('input', { name: 'action', value: f.action || '', autocomplete: 'off' })),
    el('label', {}, 'Since', el('input', { name: 'since', type: 'datetime-local', value: toLocal(f.since) })),
    el('label', {}, 'Until', el('input', { name: 'until', type: 'datetime-local', value: toLocal(f.until) })),
    el('div', { class: 'buttons' }, el('button', { type: 'submit' }, 'Search'), el('a', { href: '#/logs', class: 'button-link' }, 'Clear')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const d = Object.fromEntries(new FormData(form));
    setHashQuery('/logs', { level: d.level, q: d.q.trim(), action: d.action.trim(), since: toIso(d.since), until: toIso(d.until) });
  });
  const body = el('div', { 'data-ready': 'false' }, el('p', { class: 'muted' }, 'Loading…'));
  const pager = el('div', { class: 'pager' });
  view.append(el('h1', {}, 'Logs'), form, body, pager);

  let tbody = null;
  let newest = 0;
  // Streamed logs have no id yet: a later poll must not show them twice.
  const seen = new Set();
  const keyOf = (l) => `${l.runId}|${l.createdAt}|${l.message}`;
  function prepend(items) {
    for (const l of [...items].reverse()) {
      if ((l.id && l.id <= newest) || seen.has(keyOf(l))) continue;
      seen.add(keyOf(l));
      const tr = tableRow(columns, l);
      tr.classList.add('fresh');
      tbody.prepend(tr);
      body.querySelector('.empty')?.remove();
      if (l.id) newest = l.id;
    }
    while (tbody.rows.length > 300) tbody.lastElementChild.remove();
  }

  api('/logs', { query: { ...f, before: query.before, limit: 100 } }).then((page) => {
    if (!alive) return;
    const t = table({ label: 'Logs', columns, rows: page.items, empty: 'No logs match.' });
    clear(body, t);
    body.dataset.ready = 'true';
    tbody = t.querySelector('tbody');
    newest = Math.max(0, ...page.items.map((l) => l.id));
    for (const l of page.items) seen.add(keyOf(l));
    clear(pager, page.next ? el('button', { type: 'button', onclick: () => setHashQuery('/logs', { ...f, before: page.next }) }, 'Next page') : null);
  }).catch((e) => alive && clear(body, problem(e)));

  if (query.before) return () => { alive = false; };
  const offLog = live.on('log', (l) => alive && tbody && matches(l, f) && prepend([{ ...l, id: 0, meta: {} }]));
  const stop = live.whileNotLive(async () => {
    if (!tbody) return;
    const page = await api('/logs', { query: { ...f, limit: 100 } });
    if (alive) prepend(page.items.filter((l) => l.id > newest));
  }, 2000);
  return () => { alive = false; offLog(); stop(); };
}
