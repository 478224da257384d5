// Bunbase API reference: reads the app's own /openapi.json and renders one card per operation,
// grouped by tag, with its parameters, request body schema and a "Try it" form. No dependencies.
const kMethods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
let doc = {};

// Builds an element: el('td', {class: 'x'}, 'text', childNode).
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) if (c != null) e.append(c);
  return e;
}

// Follows local $refs ("#/components/schemas/X"); others are left as they are.
function deref(node, depth = 0) {
  if (!node || typeof node !== 'object' || depth > 8) return node;
  if (typeof node.$ref === 'string' && node.$ref.startsWith('#/')) {
    const target = node.$ref.slice(2).split('/').reduce((o, k) => o?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
    return target ? deref(target, depth + 1) : node;
  }
  return node;
}

// The schema with its components inlined (for display), cycles cut at `depth`.
function expand(node, depth = 0) {
  node = deref(node);
  if (Array.isArray(node)) return node.map((n) => expand(n, depth));
  if (!node || typeof node !== 'object' || depth > 6) return node;
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, expand(v, depth + 1)]));
}

// A JSON value shaped like the schema, to start the body textarea from.
function example(schema, depth = 0) {
  schema = deref(schema);
  if (!schema || depth > 5) return null;
  if ('example' in schema) return schema.example;
  if ('default' in schema) return schema.default;
  if (schema.enum) return schema.enum[0];
  if (schema.oneOf || schema.anyOf) return example((schema.oneOf || schema.anyOf)[0], depth + 1);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (type === 'object' || schema.properties) {
    const out = {};
    const required = schema.required || Object.keys(schema.properties || {});
    for (const k of required) out[k] = example(schema.properties?.[k], depth + 1);
    return out;
  }
  if (type === 'array') return [];
  if (type === 'integer' || type === 'number') return 0;
  if (type === 'boolean') return false;
  if (type === 'string') return schema.format === 'email' ? 'user@example.com' : '';
  return null;
}

function parametersTable(params) {
  if (!params.length) return null;
  const rows = params.map((p) => el('tr', {},
    el('td', {}, el('code', {}, p.name), p.required ? ' *' : ''),
    el('td', {}, p.in),
    el('td', {}, p.schema ? JSON.stringify(expand(p.schema).type ?? '') : ''),
    el('td', {}, p.description || '')));
  return el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'Name'), el('th', {}, 'In'), el('th', {}, 'Type'),
    el('th', {}, 'Description'))), el('tbody', {}, ...rows));
}

// Sends the form's request with the page's token and shows the status and the body.
async function send(form, method, path, params) {
  const status = form.querySelector('.status');
  const out = form.querySelector('.response');
  let url = path.replace(/\{([^}]+)\}/g, (_, name) => encodeURIComponent(form.elements[`p-${name}`]?.value ?? ''));
  const query = new URLSearchParams();
  for (const p of params.filter((p) => p.in === 'query')) {
    const v = form.elements[`p-${p.name}`].value;
    if (v !== '') query.append(p.name, v);
  }
  if ([...query].length) url += `?${query}`;
  const headers = {};
  const token = document.getElementById('token').value.trim();
  if (token) headers.Authorization = `Bearer ${token}`;
  const init = { method: method.toUpperCase(), headers };
  const body = form.elements.body?.value.trim();
  if (body) {
    headers['Content-Type'] = 'application/json';
    init.body = body;
  }
  status.textContent = 'Sending…';
  status.className = 'status';
  try {
    const res = await fetch(url, init);
    const text = await res.text();
    let shown = text;
    try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch { /* not JSON: as it came */ }
    status.textContent = `${res.status} ${res.statusText}`;
    status.dataset.status = String(res.status);
    status.className = `status ${res.ok ? 'ok' : 'error'}`;
    out.textContent = shown;
  } catch (e) {
    status.textContent = `Network error: ${e.message}`;
    status.className = 'status error';
  }
}

function tryForm(method, path, params, bodySchema) {
  const fields = params.filter((p) => p.in === 'path' || p.in === 'query').map((p) =>
    el('label', {}, `${p.name} (${p.in}${p.required ? ', required' : ''})`,
      el('input', { name: `p-${p.name}`, ...(p.required ? { required: '' } : {}) })));
  const body = bodySchema
    ? el('label', {}, 'Body (JSON)', el('textarea', { name: 'body', spellcheck: 'false' }))
    : null;
  if (body) body.querySelector('textarea').value = JSON.stringify(example(bodySchema), null, 2);
  const form = el('form', { class: 'try' }, el('h3', {}, 'Try it'), ...fields, body,
    el('button', { type: 'submit' }, 'Send'), el('output', { class: 'status' }), el('pre', { class: 'response' }));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    send(form, method, path, params);
  });
  return form;
}

function operationCard(method, path, op, shared) {
  const params = [...shared, ...(op.parameters || [])].map((p) => deref(p));
  const bodySchema = deref(op.requestBody)?.content?.['application/json']?.schema;
  const card = el('details', { class: 'op', id: `op-${op.operationId || `${method}-${path}`}`,
    'data-operation-id': op.operationId || '' },
  el('summary', {}, el('span', { class: `method ${method}` }, method), el('span', { class: 'path' }, path),
    el('span', { class: 'summary' }, op.summary || '')));
  const body = el('div', { class: 'body' },
    el('p', {}, el('span', { class: 'opid' }, op.operationId || ''), op.security?.length ? ' · needs sign-in' : ''),
    op.description ? el('p', {}, op.description) : null);
  const table = parametersTable(params);
  if (table) body.append(el('h3', {}, 'Parameters'), table);
  if (bodySchema) body.append(el('h3', {}, 'Request body'), el('pre', {}, JSON.stringify(expand(bodySchema), null, 2)));
  body.append(tryForm(method, path, params, bodySchema));
  card.append(body);
  return card;
}

function render() {
  const title = `${doc.info?.title || 'API'} ${doc.info?.version || ''}`.trim();
  document.title = `${title} · API reference`;
  document.getElementById('title').textContent = title;
  const groups = new Map((doc.tags || []).map((t) => [t.name, []]));
  for (const [path, item] of Object.entries(doc.paths || {})) {
    for (const method of kMethods.filter((m) => item[m])) {
      const tag = item[method].tags?.[0] || 'default';
      if (!groups.has(tag)) groups.set(tag, []);
      groups.get(tag).push(operationCard(method, path, item[method], item.parameters || []));
    }
  }
  const list = document.getElementById('operations');
  const toc = document.getElementById('toc');
  for (const [tag, cards] of groups) {
    if (!cards.length) continue;
    toc.append(el('a', { href: `#tag-${tag}` }, tag));
    list.append(el('section', { class: 'tag', id: `tag-${tag}` }, el('h2', {}, tag), ...cards));
  }
  document.getElementById('state').remove();
  list.dataset.ready = 'true';
}

try {
  const res = await fetch('/openapi.json');
  if (!res.ok) throw new Error(`GET /openapi.json answered ${res.status}`);
  doc = await res.json();
  render();
} catch (e) {
  document.getElementById('state').textContent = `Could not load the API description: ${e.message}`;
}
