// Events: recent events newest first, optionally of one name; each links to the run that emitted
// it and to its trace, where the runs it triggered are.
import { api } from './api.js';
import { clear, el, link, problem, runLink, setHashQuery, table, time } from './dom.js';
import * as live from './live.js';

const kLimit = 50;

function payload(text) {
  let shown = text;
  try { shown = JSON.stringify(JSON.parse(text)); } catch { /* as stored */ }
  return el('code', { class: 'meta', title: shown }, shown.length > 160 ? shown.slice(0, 159) + '…' : shown);
}

export function render(view, { query }) {
  let alive = true;
  const f = { name: query.name };
  const form = el('form', { class: 'filters', role: 'search', 'aria-label': 'Filter events' },
    el('label', {}, 'Name', el('input', { name: 'name', value: f.name || '', autocomplete: 'off', placeholder: 'user.created' })),
    el('div', { class: 'buttons' }, el('button', { type: 'submit' }, 'Apply'), el('a', { href: '#/events', class: 'button-link' }, 'Clear')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    setHashQuery('/events', { name: new FormData(form).get('name').trim() });
  });
  const body = el('div', { 'data-ready': 'false' }, el('p', { class: 'muted' }, 'Loading…'));
  const pager = el('div', { class: 'pager' });
  view.append(el('h1', {}, 'Events'), form, body, pager);

  const columns = [
    { label: 'Emitted', cell: (e) => time(e.emitted_at) },
    { label: 'Name', cell: (e) => el('strong', {}, e.name) },
    { label: 'Payload', cell: (e) => payload(e.payload) },
    { label: 'Emitted by', cell: (e) => runLink(e.run_id) },
    { label: 'Runs it triggered', cell: (e) => (e.trace_id ? link(`#/runs?traceId=${e.trace_id}&trigger=event`, 'subscribers', { title: `Event-triggered runs of trace ${e.trace_id}` }) : '—') },
  ];

  async function load() {
    const r = await api('/events', { query: { ...f, before: query.before, limit: kLimit } });
    if (!alive) return;
    clear(body, table({ label: 'Events', columns, rows: r.items, empty: 'No events yet.', rowAttrs: (e) => ({ 'data-event': e.name }) }));
    body.dataset.ready = 'true';
    const last = r.items[r.items.length - 1];
    clear(pager, r.items.length === kLimit && last
      ? el('button', { type: 'button', onclick: () => setHashQuery('/events', { ...f, before: last.id }) }, 'Next page') : null);
  }
  load().catch((e) => alive && clear(body, problem(e)));
  if (query.before) return () => { alive = false; };
  // New events come with runs: reload on an event-triggered run, or every 5 s without a stream.
  let soon = null;
  const offRun = live.on('run', (r) => { if (r.trigger === 'event' && !soon) soon = setTimeout(() => { soon = null; load().catch(() => {}); }, 500); });
  const stop = live.whileNotLive(load, 5000);
  return () => { alive = false; offRun(); stop(); clearTimeout(soon); };
}
