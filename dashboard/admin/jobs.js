// Jobs: by status (pending, running, completed, dead, cancelled) and action; retry a dead,
// cancelled or completed job, cancel a pending one; the last attempt's run is a link. The list
// refreshes every 2 s while any job in it is pending or running.
import { api } from './api.js';
import { badge, clear, el, link, problem, runLink, setHashQuery, shortId, table, time } from './dom.js';

const kStatuses = ['pending', 'running', 'completed', 'dead', 'cancelled'];
const kLimit = 50;

// last_error is the error record as JSON text: "code: message", the whole record on hover.
function lastError(text) {
  if (!text) return '—';
  let shown = text;
  try {
    const e = JSON.parse(text);
    if (e && typeof e === 'object' && e.message) shown = `${e.code || e.kind || 'error'}: ${e.message}`;
  } catch { /* as stored */ }
  return el('span', { class: 'last-error', title: text }, shown);
}

export function render(view, { query }) {
  let alive = true;
  let timer = null;
  const f = { status: query.status, action: query.action };
  const status = el('select', { name: 'status', id: 'job-status' }, ['', ...kStatuses].map((s) => el('option', { value: s, selected: (f.status || '') === s }, s || 'any')));
  const form = el('form', { class: 'filters', role: 'search', 'aria-label': 'Filter jobs' },
    el('label', {}, 'Status', status),
    el('label', {}, 'Action', el('input', { name: 'action', value: f.action || '', autocomplete: 'off' })),
    el('div', { class: 'buttons' }, el('button', { type: 'submit' }, 'Apply')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const d = Object.fromEntries(new FormData(form));
    setHashQuery('/jobs', { status: d.status, action: d.action.trim() });
  });
  status.addEventListener('change', () => form.requestSubmit());
  const note = el('p', { class: 'note', role: 'status', 'aria-live': 'polite' });
  const body = el('div', { 'data-ready': 'false' }, el('p', { class: 'muted' }, 'Loading…'));
  const pager = el('div', { class: 'pager' });
  view.append(el('h1', {}, 'Jobs'), form, note, body, pager);

  async function act(j, what) {
    try {
      const r = await api(`/jobs/${encodeURIComponent(j.id)}/${what}`, { method: 'POST' });
      note.textContent = `${what === 'retry' ? 'Retrying' : 'Cancelled'} job ${j.id} (${r.action}): now ${r.status}`;
    } catch (e) {
      clear(note, problem(e));
    }
    await load();
  }

  const columns = [
    { label: 'Job', cell: (j) => el('span', { class: 'mono', title: j.id }, shortId(j.id)) },
    { label: 'Action', cell: (j) => link(`#/actions/${encodeURIComponent(j.action)}`, j.action) },
    { label: 'Status', cell: (j) => badge(j.status) },
    { label: 'Attempts', class: 'num', cell: (j) => `${j.attempts} / ${j.max_attempts}` },
    { label: 'Queue', cell: (j) => j.queue },
    { label: 'Run at', cell: (j) => time(j.run_at) },
    { label: 'Last error', cell: (j) => lastError(j.last_error) },
    { label: 'Last run', cell: (j) => runLink(j.last_run_id) },
    { label: 'Do', cell: (j) => el('div', { class: 'buttons' },
      ['dead', 'cancelled', 'completed'].includes(j.status)
        ? el('button', { type: 'button', 'aria-label': `Retry job ${j.id}`, onclick: () => act(j, 'retry') }, 'Retry') : null,
      j.status === 'pending'
        ? el('button', { type: 'button', class: 'danger', 'aria-label': `Cancel job ${j.id}`, onclick: () => act(j, 'cancel') }, 'Cancel') : null) },
  ];

  async function load() {
    clearTimeout(timer);
    timer = null;
    try {
      const r = await api('/jobs', { query: { ...f, before: query.before, limit: kLimit } });
      if (!alive) return;
      clear(body, table({ label: 'Jobs', columns, rows: r.items, empty: 'No jobs match.',
        rowAttrs: (j) => ({ 'data-job-id': j.id, 'data-status': j.status, 'data-action': j.action }) }));
      body.dataset.ready = 'true';
      const last = r.items[r.items.length - 1];
      clear(pager, r.items.length === kLimit && last
        ? el('button', { type: 'button', onclick: () => setHashQuery('/jobs', { ...f, before: last.id }) }, 'Next page') : null);
      const moving = r.items.some((j) => j.status === 'pending' || j.status === 'running');
      timer = setTimeout(load, moving ? 2000 : 5000);
    } catch (e) {
      if (alive) clear(body, problem(e));
    }
  }
  load();
  return () => { alive = false; clearTimeout(timer); };
}
