// Schedules: the cron schedules with next and last run and the last status; pause, resume and
// run now. A schedule's id holds spaces and slashes: always encodeURIComponent in a path.
import { api } from './api.js';
import { badge, clear, el, link, problem, runLink, table, time } from './dom.js';

export function render(view) {
  let alive = true;
  const note = el('p', { class: 'note', role: 'status', 'aria-live': 'polite' });
  const body = el('div', { 'data-ready': 'false' }, el('p', { class: 'muted' }, 'Loading…'));
  view.append(el('h1', {}, 'Schedules'), note, body);

  async function act(s, what, label) {
    try {
      await api(`/schedules/${encodeURIComponent(s.id)}/${what}`, { method: 'POST' });
      note.textContent = `${label}: ${s.id}`;
    } catch (e) {
      clear(note, problem(e));
    }
    await load();
  }

  const columns = [
    { label: 'Schedule', cell: (s) => el('span', { class: 'mono' }, s.id) },
    { label: 'Action', cell: (s) => link(`#/actions/${encodeURIComponent(s.action)}`, s.action) },
    { label: 'Cron', cell: (s) => [el('code', {}, s.cron_expression), el('span', { class: 'muted' }, ` ${s.timezone}`)] },
    { label: 'State', cell: (s) => el('span', { class: `badge ${s.enabled ? 's-success' : 's-paused'}`, 'data-enabled': String(s.enabled) }, s.enabled ? 'active' : 'paused') },
    { label: 'Next run', cell: (s) => (s.enabled ? time(s.next_run_at) : '—') },
    { label: 'Last run', cell: (s) => [time(s.last_run_at), s.last_run_id ? [' ', runLink(s.last_run_id, 'run')] : null] },
    { label: 'Last status', cell: (s) => (s.last_status ? badge(s.last_status) : '—') },
    { label: 'Do', cell: (s) => el('div', { class: 'buttons' },
      s.enabled
        ? el('button', { type: 'button', 'aria-label': `Pause ${s.id}`, onclick: () => act(s, 'pause', 'Paused') }, 'Pause')
        : el('button', { type: 'button', 'aria-label': `Resume ${s.id}`, onclick: () => act(s, 'resume', 'Resumed') }, 'Resume'),
      el('button', { type: 'button', class: 'secondary', 'aria-label': `Run ${s.id} now`, onclick: () => act(s, 'run', 'Queued to run now') }, 'Run now')) },
  ];

  async function load() {
    try {
      const r = await api('/schedules');
      if (!alive) return;
      clear(body, table({ label: 'Schedules', columns, rows: r.items, rowAttrs: (s) => ({ 'data-schedule': s.id, 'data-enabled': String(s.enabled) }),
        empty: 'No cron schedules: an action with a cron trigger gets one.' }));
      body.dataset.ready = 'true';
    } catch (e) {
      if (alive) clear(body, problem(e));
    }
  }
  load();
  const timer = setInterval(load, 10000);
  return () => { alive = false; clearInterval(timer); };
}
