// Actions: every action with its module, description, triggers, guards, schemas and recent
// figures, and a form generated from its input schema that invokes it through the executor
// (trigger "admin"), showing the result with a link to the run.
import { api } from './api.js';
import { badge, clear, el, json, link, ms, pct, problem, runHref } from './dom.js';
import { schemaForm } from './schema_form.js';

const slug = (name) => name.replace(/[^A-Za-z0-9_-]/g, '_');

function triggerChip(t) {
  return el('span', { class: `chip t-${t.type}`, title: `${t.type}: ${t.detail}` }, `${t.type} ${t.detail}`);
}

function invokeForm(a) {
  const form = schemaForm(a.inputSchema, `in-${slug(a.name)}`);
  const result = el('div', { class: 'result', role: 'status', 'aria-live': 'polite', 'aria-label': `Result of ${a.name}` });
  const button = el('button', { type: 'submit' }, 'Invoke');
  const f = el('form', { class: 'invoke', novalidate: true, 'aria-label': `Invoke ${a.name}` }, form.fields,
    el('div', { class: 'row' }, button, el('small', { class: 'muted' }, 'Runs through the executor as the system, trigger "admin".')),
    result);
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    let input;
    try { input = form.read(); } catch (err) { clear(result, problem(err)); return; }
    button.disabled = true;
    clear(result, el('p', { class: 'muted' }, 'Running…'));
    try {
      const r = await api(`/actions/${encodeURIComponent(a.name)}/invoke`, { method: 'POST', body: { input } });
      const errors = r.error?.details?.errors || r.error?.errors;
      clear(result,
        el('p', { class: 'result-line', 'data-status': r.status }, badge(r.status), ' in ', ms(r.durationMs), ' · ',
          link(runHref(r.runId), 'Open run', { 'data-run-id': r.runId }), ' · ',
          link(`#/runs?traceId=${r.traceId}`, 'Runs of this trace')),
        r.status === 'success' ? json(r.output) : [
          el('p', { class: 'error' }, `${r.error?.code || 'error'}: ${r.error?.message || ''}`),
          Array.isArray(errors) ? el('ul', { class: 'errors' }, errors.map((x) => el('li', {}, el('code', {}, x.path || '/'), ' ', x.message))) : null,
          json(r.error)]);
    } catch (err) {
      clear(result, problem(err));
    } finally {
      button.disabled = false;
    }
  });
  return f;
}

function actionCard(a, open) {
  const s = a.stats || {};
  const figures = s.runs
    ? `${pct(s.successRate)} ok · p50 ${ms(s.p50Ms)} · p99 ${ms(s.p99Ms)} · ${s.runs} runs`
    : 'no runs yet';
  const summary = el('summary', {},
    el('span', { class: 'action-name' }, a.name),
    a.triggers.map((t) => el('span', { class: `chip t-${t.type}` }, t.type === 'api' || t.type === 'webhook' ? t.detail : t.type)),
    el('span', { class: 'figures muted' }, figures),
    a.description ? el('span', { class: 'summary-text muted' }, a.description) : null);
  const body = el('div', { class: 'card-body' },
    a.description ? el('p', {}, a.description) : null,
    el('dl', { class: 'facts' },
      el('dt', {}, 'Triggers'), el('dd', {}, a.triggers.length ? a.triggers.map(triggerChip) : el('span', { class: 'muted' }, 'none (invoked by code, the CLI or here)')),
      el('dt', {}, 'Guards'), el('dd', {}, a.guards.length ? a.guards.map((g) => el('span', { class: 'chip guard' }, g)) : el('span', { class: 'muted' }, 'none')),
      el('dt', {}, 'Recent runs'), el('dd', {}, s.runs ? [`${s.runs} runs, ${s.errors} errors, success ${pct(s.successRate)}; p50 ${ms(s.p50Ms)}, p90 ${ms(s.p90Ms)}, p99 ${ms(s.p99Ms)} `, link(`#/runs?action=${encodeURIComponent(a.name)}`, 'see runs')] : 'none'),
      el('dt', {}, 'Defined in'), el('dd', { class: 'mono' }, a.where || '—')),
    el('div', { class: 'schemas' },
      el('details', {}, el('summary', {}, 'Input schema'), json(a.inputSchema)),
      el('details', {}, el('summary', {}, 'Output schema'), json(a.outputSchema))),
    el('h3', {}, 'Invoke'),
    invokeForm(a));
  return el('details', { class: 'action', id: `action-${slug(a.name)}`, 'data-action': a.name, open }, summary, body);
}

export function render(view, { params }) {
  let alive = true;
  const wanted = params[0];
  const filter = el('input', { type: 'search', id: 'action-filter', placeholder: 'name, module or trigger' });
  const count = el('span', { class: 'muted', 'aria-live': 'polite' });
  const list = el('div', { class: 'actions', 'data-ready': 'false' }, el('p', { class: 'muted' }, 'Loading…'));
  view.append(el('h1', {}, 'Actions'),
    el('div', { class: 'toolbar' }, el('label', { for: 'action-filter' }, 'Filter actions'), filter, count), list);

  api('/actions').then((r) => {
    if (!alive) return;
    // Grouped by module (standalone actions first), by name within a module.
    const items = [...r.items].sort((x, y) => (x.module || '').localeCompare(y.module || '') || x.name.localeCompare(y.name));
    const groups = new Map();
    for (const a of items) {
      const key = a.module || '';
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push({ a, node: actionCard(a, a.name === wanted),
        text: [a.name, a.module, a.description, ...a.triggers.map((t) => `${t.type} ${t.detail}`)].join(' ').toLowerCase() });
    }
    const sections = [...groups].map(([module, cards]) => ({ cards,
      node: el('section', { class: 'module', 'aria-label': module ? `Module ${module}` : 'Standalone actions' },
        el('h2', {}, module || 'standalone', el('span', { class: 'muted count' }, ` ${cards.length}`)), cards.map((c) => c.node)) }));
    clear(list, sections.map((g) => g.node));
    list.dataset.ready = 'true';
    const apply = () => {
      const q = filter.value.trim().toLowerCase();
      let shown = 0;
      for (const g of sections) {
        let inGroup = 0;
        for (const c of g.cards) { c.node.hidden = q !== '' && !c.text.includes(q); inGroup += !c.node.hidden; }
        g.node.hidden = inGroup === 0;
        shown += inGroup;
      }
      count.textContent = `${shown} of ${items.length}`;
    };
    filter.addEventListener('input', apply);
    apply();
    if (wanted) document.getElementById(`action-${slug(wanted)}`)?.scrollIntoView({ block: 'start' });
  }).catch((e) => alive && clear(list, problem(e)));
  return () => { alive = false; };
}
