// Small DOM and formatting helpers shared by the pages. No innerHTML with data: every value
// is set as text, so a run's input or a log message cannot inject markup.

// el('td', {class: 'x', onclick: fn}, 'text', childNode): attributes, listeners (on*), children.
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  append(e, children);
  return e;
}

function append(e, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(e, c);
    else e.append(c instanceof Node ? c : String(c));
  }
}

export const link = (href, text, attrs = {}) => el('a', { href, ...attrs }, text);
export const runHref = (id) => `#/runs/${encodeURIComponent(id)}`;
export const runLink = (id, text) => (id ? link(runHref(id), text ?? shortId(id), { class: 'mono' }) : '—');
export const shortId = (id) => (id && id.length > 13 ? id.slice(0, 8) + '…' + id.slice(-4) : id || '');

export function badge(status) {
  return el('span', { class: `badge s-${status || 'none'}` }, status || '—');
}

export function ms(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (v < 1) return `${v.toFixed(2)} ms`;
  if (v < 1000) return `${v.toFixed(v < 10 ? 1 : 0)} ms`;
  return `${(v / 1000).toFixed(2)} s`;
}

export const pct = (v) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(v === 1 ? 0 : 1)}%`);

// A stored ISO time as local "HH:MM:SS" (today) or "YYYY-MM-DD HH:MM:SS", in a <time>.
export function time(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n) => String(n).padStart(2, '0');
  const hms = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const today = new Date().toDateString() === d.toDateString();
  const text = today ? hms : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hms}`;
  return el('time', { datetime: iso, title: iso }, text);
}

export function json(value) {
  return el('pre', { class: 'json' }, value === undefined ? '' : JSON.stringify(value, null, 2));
}

// A table in a horizontally scrolling wrapper; `columns` [{label, cell(row) -> node|text,
// class}], the row element gets rowAttrs(row).
export function table({ label, columns, rows, rowAttrs = () => ({}), empty = 'Nothing yet.' }) {
  const body = el('tbody', {}, rows.map((r) => tableRow(columns, r, rowAttrs)));
  const t = el('table', { 'aria-label': label },
    el('thead', {}, el('tr', {}, columns.map((c) => el('th', { scope: 'col', class: c.class }, c.label)))), body);
  const wrap = el('div', { class: 'table-wrap' }, t);
  if (!rows.length) wrap.append(el('p', { class: 'muted empty' }, empty));
  return wrap;
}

export function tableRow(columns, row, rowAttrs = () => ({})) {
  return el('tr', rowAttrs(row), columns.map((c) => el('td', { class: c.class, 'data-label': c.label }, c.cell(row))));
}

// A line saying what failed, in place of the page's content.
export function problem(err) {
  const code = err?.problem?.code ? ` (${err.problem.code})` : '';
  return el('p', { class: 'error', role: 'alert' }, `${err.message}${code}`);
}

export function clear(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

// The hash route's query: "#/runs?status=error" -> {status: 'error'}.
export function hashQuery() {
  const h = location.hash;
  const i = h.indexOf('?');
  return Object.fromEntries(new URLSearchParams(i < 0 ? '' : h.slice(i + 1)));
}

export function setHashQuery(path, query) {
  const q = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== ''));
  const target = `#${path}${q.toString() ? '?' + q : ''}`;
  if (location.hash !== target) location.hash = target;
}

// A datetime-local value ("2026-11-25T10:04", local) <-> the API's UTC ISO time.
export const toIso = (local) => (local ? new Date(local).toISOString().replace(/\.\d{3}Z$/, 'Z') : '');
export function toLocal(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
