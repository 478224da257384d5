// Overview: the app at a glance (counts of the last hour, jobs waiting and dead), runs per
// minute by status and the duration percentiles of each action. Refreshed every 10 s.
import { api } from './api.js';
import { durationPercentiles, runsPerMinute } from './charts.js';
import { clear, el, problem } from './dom.js';

function card(label, value, href, tone) {
  const body = [el('span', { class: `card-value${typeof value === 'number' ? '' : ' text'}` }, String(value)), el('span', { class: 'card-label' }, label)];
  return href ? el('a', { class: `card ${tone || ''}`, href }, body) : el('div', { class: `card ${tone || ''}` }, body);
}

export function render(view) {
  let alive = true;
  const cards = el('div', { class: 'cards', 'aria-label': 'Figures' });
  const perMinute = el('div', {}, el('p', { class: 'muted' }, 'Loading…'));
  const durations = el('div', {}, el('p', { class: 'muted' }, 'Loading…'));
  view.append(
    el('h1', {}, 'Overview'),
    cards,
    el('section', { 'aria-labelledby': 'h-per-minute', class: 'panel' }, el('h2', { id: 'h-per-minute' }, 'Runs per minute (last hour)'), perMinute),
    el('section', { 'aria-labelledby': 'h-durations', class: 'panel' }, el('h2', { id: 'h-durations' }, 'Duration per action'), durations));

  let tick = 0;
  async function load() {
    const withActions = tick++ % 3 === 0;  // the catalog's figures cost more: every 30 s
    const [o, stats, actions] = await Promise.all([
      api('/overview'), api('/stats', { query: { minutes: 60 } }), withActions ? api('/actions') : null]);
    if (!alive) return;
    clear(cards,
      card('app', o.app),
      card('environment', o.environment),
      card('database', o.database),
      card('actions', o.actions, '#/actions'),
      card('runs, last hour', o.runsLastHour, '#/runs'),
      card('errors, last hour', o.errorsLastHour, '#/runs?status=error', o.errorsLastHour ? 'bad' : ''),
      card('pending jobs', o.pendingJobs, '#/jobs?status=pending'),
      card('dead jobs', o.deadJobs, '#/jobs?status=dead', o.deadJobs ? 'bad' : ''),
      card('schedules', o.schedules, '#/schedules'),
      card('SaaS', o.saas ? 'on' : 'off'));
    last.stats = stats.perMinute;
    if (actions) last.actions = actions.items;
    draw();
  }
  // Charts are drawn at their box's width, so their text keeps its size; again on a resize.
  const last = { stats: null, actions: null };
  function draw() {
    if (last.stats) clear(perMinute, runsPerMinute(last.stats, perMinute.clientWidth));
    if (last.actions) clear(durations, durationPercentiles(last.actions, durations.clientWidth));
  }
  let width = 0;
  const resized = new ResizeObserver(() => {
    if (Math.abs(perMinute.clientWidth - width) < 8) return;
    width = perMinute.clientWidth;
    draw();
  });
  resized.observe(perMinute);
  const show = (e) => alive && clear(cards, problem(e));
  load().catch(show);
  const timer = setInterval(() => load().catch(show), 10000);
  return () => { alive = false; clearInterval(timer); resized.disconnect(); };
}
