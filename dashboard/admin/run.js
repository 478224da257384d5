// A run: input, output or error, duration, guards, its logs in order with their meta, and the
// whole trace as a tree (runs under the run that caused them, events under the run that emitted
// them, jobs under the run that queued them, a job's attempts under the job) with a timeline bar
// per run. Refreshed while the trace is still moving (recent, or jobs pending or running).
import { api } from './api.js';
import { badge, clear, el, json, link, ms, problem, runHref, shortId, table, time } from './dom.js';
import * as live from './live.js';

const kRecentMs = 60000;
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

// The tree of a trace: [{kind: 'run'|'event'|'job', item, children}] roots, oldest first.
export function traceTree(trace) {
  const runNodes = new Map(trace.runs.map((r) => [r.id, { kind: 'run', item: r, children: [] }]));
  const jobNodes = new Map(trace.jobs.map((j) => [j.id, { kind: 'job', item: j, children: [] }]));
  const eventNodes = trace.events.map((e) => ({ kind: 'event', item: e, children: [] }));
  const roots = [];
  const under = (parent, node) => (parent ? parent.children : roots).push(node);

  for (const e of eventNodes) under(runNodes.get(e.item.runId), e);
  for (const j of jobNodes.values()) under(runNodes.get(j.item.parentRunId), j);
  for (const r of runNodes.values()) {
    const run = r.item;
    let parent = null;
    if (run.trigger === 'queue') {
      const m = /job\s+(\S+)/.exec(run.triggerDetail || '');
      parent = (m && jobNodes.get(m[1])) || [...jobNodes.values()].find((j) => j.item.lastRunId === run.id) || null;
    } else if (run.trigger === 'event') {
      const detail = run.triggerDetail || '';
      const candidates = eventNodes.filter((e) => e.item.runId === run.parentRunId);
      parent = candidates.find((e) => detail.includes(e.item.id)) || candidates.find((e) => detail.includes(e.item.name)) ||
        (candidates.length === 1 ? candidates[0] : null);
    }
    if (!parent && run.parentRunId) parent = runNodes.get(run.parentRunId) || null;
    under(parent, r);
  }
  return roots;
}

function timeline(trace) {
  const starts = trace.runs.map((r) => Date.parse(r.startedAt)).filter((t) => !Number.isNaN(t));
  if (!starts.length) return () => null;
  const t0 = Math.min(...starts);
  const t1 = Math.max(...trace.runs.map((r) => Date.parse(r.startedAt) + r.durationMs).filter((t) => !Number.isNaN(t)), t0 + 1);
  return (run) => {
    const start = Date.parse(run.startedAt);
    if (Number.isNaN(start)) return null;
    const bar = el('span', { class: `bar s-${run.status}`, title: `+${ms(start - t0)}, ${ms(run.durationMs)}` });
    const width = Math.max(1.5, (run.durationMs / (t1 - t0)) * 100);  // a sub-millisecond run stays visible
    bar.style.left = `${Math.min(((start - t0) / (t1 - t0)) * 100, 100 - width)}%`;
    bar.style.width = `${width}%`;
    return el('span', { class: 'track', 'aria-hidden': 'true' }, bar);
  };
}

// One line of the tree: what it is, then (runs) a timeline bar in a column of its own.
function nodeLine(n, currentId, bar) {
  if (n.kind === 'run') {
    const r = n.item;
    return el('div', { class: 'node run', 'data-kind': 'run', 'data-run-id': r.id, 'aria-current': r.id === currentId ? 'true' : null },
      el('span', { class: 'node-main' }, el('span', { class: 'kind' }, 'run'),
        r.id === currentId ? el('strong', {}, r.action) : link(runHref(r.id), r.action),
        badge(r.status), el('span', { class: 'muted' }, `${r.trigger} · ${ms(r.durationMs)} ·`), time(r.startedAt)),
      bar(r));
  }
  if (n.kind === 'event') {
    const e = n.item;
    return el('div', { class: 'node event', 'data-kind': 'event' },
      el('span', { class: 'node-main' }, el('span', { class: 'kind' }, 'event'), el('strong', {}, e.name),
        el('span', { class: 'muted' }, 'emitted'), time(e.emittedAt)));
  }
  const j = n.item;
  return el('div', { class: 'node job', 'data-kind': 'job', 'data-job-id': j.id },
    el('span', { class: 'node-main' }, el('span', { class: 'kind' }, 'job'), el('strong', {}, j.action), badge(j.status),
      el('span', { class: 'muted' }, `${j.attempts} ${j.attempts === 1 ? 'attempt' : 'attempts'} ·`),
      link(`#/jobs?action=${encodeURIComponent(j.action)}`, shortId(j.id), { class: 'mono', title: `job ${j.id}` })));
}

function treeList(nodes, currentId, bar) {
  return el('ul', { class: 'tree' }, nodes.map((n) =>
    el('li', {}, nodeLine(n, currentId, bar), n.children.length ? treeList(n.children, currentId, bar) : null)));
}

function section(id, title, ...content) {
  return el('section', { class: 'panel', 'aria-labelledby': id }, el('h2', { id }, title), ...content);
}

function renderRun(d) {
  const r = d.run;
  const failed = r.status === 'error';
  return [
    el('h1', {}, 'Run of ', link(`#/actions/${encodeURIComponent(r.action)}`, r.action), ' ', badge(r.status)),
    el('dl', { class: 'facts wide' },
      el('dt', {}, 'Run id'), el('dd', { class: 'mono' }, r.id),
      el('dt', {}, 'Module'), el('dd', {}, r.module || '—'),
      el('dt', {}, 'Started'), el('dd', {}, time(r.startedAt)),
      el('dt', {}, 'Duration'), el('dd', {}, ms(r.durationMs)),
      el('dt', {}, 'Trigger'), el('dd', {}, `${r.trigger}${r.triggerDetail ? ' · ' + r.triggerDetail : ''}`),
      el('dt', {}, 'Trace'), el('dd', {}, link(`#/runs?traceId=${r.traceId}`, r.traceId, { class: 'mono' })),
      el('dt', {}, 'Caused by'), el('dd', {}, r.parentRunId ? link(runHref(r.parentRunId), r.parentRunId, { class: 'mono' }) : '—'),
      el('dt', {}, 'Guards'), el('dd', {}, d.guards.length ? d.guards.map((g) => el('span', { class: 'chip guard' }, g)) : 'none')),
    el('div', { class: 'io' },
      section('h-input', 'Input', json(d.input)),
      failed ? section('h-error', 'Error', json(d.error)) : section('h-output', 'Output', json(d.output))),
  ];
}

function renderLogs(logs) {
  return table({
    label: 'Logs of this run', empty: 'This run wrote no logs.', rows: logs,
    rowAttrs: (l) => ({ 'data-level': l.level }),
    columns: [
      { label: 'Time', cell: (l) => time(l.createdAt) },
      { label: 'Level', cell: (l) => el('span', { class: `level l-${l.level}` }, l.level) },
      { label: 'Message', cell: (l) => l.message },
      { label: 'Meta', cell: (l) => (l.meta && Object.keys(l.meta).length ? el('code', { class: 'meta' }, JSON.stringify(l.meta)) : '') },
    ],
  });
}

export function render(view, { params }) {
  const id = params[0];
  let alive = true;
  let timer = null;
  let last = '';
  let waited = 0;
  const head = el('div', {}, el('p', { class: 'muted' }, 'Loading…'));
  const logs = el('div', { 'data-ready': 'false' });
  const trace = el('div', { class: 'trace', 'data-ready': 'false' });
  view.append(head, section('h-logs', 'Logs', logs), section('h-trace', 'Trace', trace));

  function moving(d) {
    const recent = Date.now() - Date.parse(d.run.startedAt) < kRecentMs;
    return recent || d.trace.jobs.some((j) => j.status === 'pending' || j.status === 'running');
  }

  async function load() {
    timer = null;
    let d;
    try {
      d = await api(`/runs/${encodeURIComponent(id)}`);
    } catch (e) {
      if (!alive) return;
      // Runs reach the database every couple of seconds: a run just made may not be there yet.
      if (e.status === 404 && waited++ < 20) {
        clear(head, el('h1', {}, 'Run'), el('p', { class: 'muted', role: 'status' }, 'Waiting for the run to be written…'));
        timer = setTimeout(load, 1000);
      } else {
        clear(head, el('h1', {}, 'Run'), problem(e));
      }
      return;
    }
    if (!alive) return;
    const key = JSON.stringify(d);
    if (key !== last) {
      last = key;
      clear(head, renderRun(d));
      clear(logs, renderLogs(d.logs));
      logs.dataset.ready = 'true';
      clear(trace, treeList(traceTree(d.trace), d.run.id, timeline(d.trace)),
        el('p', { class: 'muted' }, `${plural(d.trace.runs.length, 'run')}, ${plural(d.trace.events.length, 'event')}, ${plural(d.trace.jobs.length, 'job')} · `,
          link(`#/runs?traceId=${d.trace.traceId}`, 'all runs of this trace')));
      trace.dataset.ready = 'true';
      trace.dataset.events = d.trace.events.map((e) => e.name).join(' ');
      trace.dataset.jobs = d.trace.jobs.map((j) => `${j.action}:${j.status}`).join(' ');
    }
    if (moving(d)) timer = setTimeout(load, 2000);
  }

  // Live: a run of this trace or a log of this run refreshes the page (soon, once).
  let soon = null;
  const refreshSoon = () => { if (!soon) soon = setTimeout(() => { soon = null; if (alive && !timer) load(); }, 500); };
  const offRun = live.on('run', (r) => { if (last && last.includes(r.traceId)) refreshSoon(); });
  const offLog = live.on('log', (l) => { if (l.runId === id) refreshSoon(); });
  load();
  return () => { alive = false; clearTimeout(timer); clearTimeout(soon); offRun(); offLog(); };
}
