// Hand-drawn SVG charts: runs per minute by status (stacked bars) and duration percentiles per
// action (horizontal bars, p50 over p99). Colours come from admin.css; every bar has a <title>.
import { el, ms } from './dom.js';

const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, ...children) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  for (const c of children) if (c != null) e.append(c);
  return e;
}

const title = (text) => svg('title', {}, text);

function hhmm(minute) {
  // "2026-11-25T10:04" is UTC; show the local clock.
  const d = new Date(minute + ':00Z');
  return Number.isNaN(d.getTime()) ? minute.slice(11) : d.toTimeString().slice(0, 5);
}

// perMinute: [{minute, success, error}], oldest first.
// `width`: the box's width in CSS pixels (the chart's units, so text keeps its size).
export function runsPerMinute(perMinute, width = 600) {
  const W = Math.max(280, Math.round(width) || 600), H = 170, top = 10, bottom = 22, left = 34, right = 6;
  const max = Math.max(1, ...perMinute.map((m) => m.success + m.error));
  const plotH = H - top - bottom;
  const step = (W - left - right) / Math.max(1, perMinute.length);
  const bar = Math.max(1, step * 0.8);
  const y = (v) => top + plotH - (v / max) * plotH;
  const total = perMinute.reduce((a, m) => ({ s: a.s + m.success, e: a.e + m.error }), { s: 0, e: 0 });
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img',
    'aria-label': `Runs per minute over the last ${perMinute.length} minutes: ${total.s} succeeded, ${total.e} failed` });
  chart.append(
    svg('line', { x1: left, x2: W - right, y1: y(0), y2: y(0), class: 'axis' }),
    svg('line', { x1: left, x2: W - right, y1: y(max), y2: y(max), class: 'grid' }),
    svg('text', { x: left - 4, y: y(max) + 4, class: 'label end' }, String(max)),
    svg('text', { x: left - 4, y: y(0) + 4, class: 'label end' }, '0'));
  perMinute.forEach((m, i) => {
    const x = left + i * step + (step - bar) / 2;
    const g = svg('g', {}, title(`${hhmm(m.minute)}: ${m.success} succeeded, ${m.error} failed`));
    // A transparent full-height rect keeps the tooltip reachable on empty minutes.
    g.append(svg('rect', { x: left + i * step, y: top, width: step, height: plotH, class: 'hit' }));
    if (m.success) g.append(svg('rect', { x, y: y(m.success), width: bar, height: y(0) - y(m.success), class: 'bar-ok' }));
    if (m.error) g.append(svg('rect', { x, y: y(m.success + m.error), width: bar, height: y(m.success) - y(m.success + m.error), class: 'bar-err' }));
    chart.append(g);
  });
  const n = perMinute.length;
  if (n) {
    chart.append(svg('text', { x: left, y: H - 6, class: 'label' }, hhmm(perMinute[0].minute)));
    if (n > 2) chart.append(svg('text', { x: left + Math.floor((n - 1) / 2) * step + step / 2, y: H - 6, class: 'label mid' }, hhmm(perMinute[Math.floor((n - 1) / 2)].minute)));
    if (n > 1) chart.append(svg('text', { x: W - right, y: H - 6, class: 'label end' }, hhmm(perMinute[n - 1].minute)));
  }
  return el('figure', { class: 'chart-box' }, chart,
    el('figcaption', {}, el('span', { class: 'key ok' }, 'success'), ' ', el('span', { class: 'key err' }, 'error'),
      ` · ${total.s + total.e} runs in ${perMinute.length} min`));
}

// actions: ActionView[]; those with runs, slowest p99 first.
export function durationPercentiles(actions, width = 600) {
  const rows = actions.filter((a) => a.stats?.runs > 0 && a.stats.p99Ms != null)
    .sort((a, b) => b.stats.p99Ms - a.stats.p99Ms).slice(0, 12);
  if (!rows.length) return el('p', { class: 'muted' }, 'No runs yet: invoke an action to see its durations.');
  const W = Math.max(280, Math.round(width) || 600), rowH = 24, left = Math.min(170, W * 0.4), right = 70, H = rows.length * rowH + 8;
  const maxChars = Math.floor(left / 7.5);
  const max = Math.max(...rows.map((a) => a.stats.p99Ms), 0.001);
  const x = (v) => left + (v / max) * (W - left - right);
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img',
    'aria-label': 'Duration percentiles per action: ' +
      rows.map((a) => `${a.name} p50 ${ms(a.stats.p50Ms)}, p99 ${ms(a.stats.p99Ms)}`).join('; ') });
  rows.forEach((a, i) => {
    const y0 = 4 + i * rowH;
    const name = a.name.length > maxChars ? a.name.slice(0, maxChars - 1) + '…' : a.name;
    chart.append(svg('g', {},
      title(`${a.name}: p50 ${ms(a.stats.p50Ms)}, p90 ${ms(a.stats.p90Ms)}, p99 ${ms(a.stats.p99Ms)} over ${a.stats.runs} runs`),
      svg('text', { x: left - 6, y: y0 + 15, class: 'label end' }, name),
      svg('rect', { x: left, y: y0 + 3, width: Math.max(1, x(a.stats.p99Ms) - left), height: rowH - 8, class: 'bar-p99' }),
      svg('rect', { x: left, y: y0 + 3, width: Math.max(1, x(a.stats.p50Ms) - left), height: rowH - 8, class: 'bar-p50' }),
      svg('text', { x: x(a.stats.p99Ms) + 4, y: y0 + 15, class: 'label' }, ms(a.stats.p99Ms))));
  });
  return el('figure', { class: 'chart-box' }, chart,
    el('figcaption', {}, el('span', { class: 'key p50' }, 'p50'), ' ', el('span', { class: 'key p99' }, 'p99'),
      ' · of each action\'s last runs (at most 500)'));
}
