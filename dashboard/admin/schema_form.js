// A form generated from an action's input JSON Schema: a field per property (text, email,
// number, a select for enums, a checkbox or tri-state select for booleans), and a JSON textarea
// for anything nested (objects, arrays, oneOf, free-form). Optional fields left empty are
// omitted; the server validates everything and its errors are shown as they come.
import { el } from './dom.js';

// Follows "#/..." refs inside the root schema.
function deref(node, root, depth = 0) {
  if (!node || typeof node !== 'object' || depth > 8) return node || {};
  if (typeof node.$ref === 'string' && node.$ref.startsWith('#/')) {
    const target = node.$ref.slice(2).split('/').reduce((o, k) => o?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], root);
    return deref(target, root, depth + 1);
  }
  return node;
}

function typeOf(s) {
  if (Array.isArray(s.type)) return s.type.find((t) => t !== 'null');
  return s.type;
}

function kindOf(s) {
  if (Array.isArray(s.enum) && s.enum.length && s.enum.every((v) => typeof v === 'string' || typeof v === 'number')) return 'enum';
  if (s.oneOf || s.anyOf || s.allOf) return 'json';
  const t = typeOf(s);
  if (t === 'string' || t === 'integer' || t === 'number' || t === 'boolean') return t;
  return 'json';
}

// A JSON value shaped like the schema, to start a textarea from.
function example(s, root, depth = 0) {
  s = deref(s, root);
  if (depth > 5) return null;
  if ('default' in s) return s.default;
  if (s.enum) return s.enum[0];
  if (s.oneOf || s.anyOf) return example((s.oneOf || s.anyOf)[0], root, depth + 1);
  const t = typeOf(s);
  if (t === 'object' || s.properties) {
    const out = {};
    for (const k of s.required || []) out[k] = example(s.properties?.[k], root, depth + 1);
    return out;
  }
  if (t === 'array') return [];
  if (t === 'integer' || t === 'number') return 0;
  if (t === 'boolean') return false;
  if (t === 'string') return '';
  return null;
}

function hint(s) {
  const bits = [];
  if (s.format) bits.push(s.format);
  if (s.minLength != null) bits.push(`≥ ${s.minLength} chars`);
  if (s.maxLength != null) bits.push(`≤ ${s.maxLength} chars`);
  if (s.minimum != null) bits.push(`≥ ${s.minimum}`);
  if (s.maximum != null) bits.push(`≤ ${s.maximum}`);
  if (s.pattern) bits.push(`/${s.pattern}/`);
  return bits.join(', ');
}

function field(name, s, required, root, idPrefix) {
  const kind = kindOf(s);
  const id = `${idPrefix}-${name}`;
  let control;
  if (kind === 'enum') {
    control = el('select', { id, name },
      required ? null : el('option', { value: '' }, '(not set)'),
      s.enum.map((v) => el('option', { value: String(v) }, String(v))));
  } else if (kind === 'boolean') {
    control = required
      ? el('input', { id, name, type: 'checkbox', class: 'check' })
      : el('select', { id, name }, el('option', { value: '' }, '(not set)'), el('option', { value: 'true' }, 'true'),
        el('option', { value: 'false' }, 'false'));
  } else if (kind === 'integer' || kind === 'number') {
    control = el('input', { id, name, type: 'number', step: kind === 'integer' ? '1' : 'any', inputmode: 'decimal' });
  } else if (kind === 'string') {
    const type = s.format === 'email' ? 'email' : s.format === 'uri' ? 'url' : s.format === 'password' ? 'password' : 'text';
    control = el('input', { id, name, type, autocomplete: 'off', spellcheck: 'false' });
  } else {
    control = el('textarea', { id, name, rows: 4, spellcheck: 'false', class: 'mono' });
    control.value = JSON.stringify(example(s, root), null, 2);
  }
  if (required) control.setAttribute('aria-required', 'true');
  // The label is the property's name alone, so a test (or a screen reader) finds the field by it.
  const label = el('div', { class: 'label-line' }, el('label', { for: id }, name),
    required ? el('span', { class: 'req', title: 'required' }, '*') : el('span', { class: 'muted' }, '(optional)'));
  const help = [s.description, kind === 'json' ? 'JSON' : hint(s)].filter(Boolean).join(' · ');
  const row = el('div', { class: 'field', 'data-kind': kind }, label, control, help ? el('small', { class: 'muted' }, help) : null);
  const read = () => {
    if (kind === 'boolean' && required) return { set: true, value: control.checked };
    const raw = control.value;
    if (raw === '' && kind !== 'string') return { set: false };
    if (raw === '' && !required) return { set: false };
    if (kind === 'boolean') return { set: true, value: raw === 'true' };
    if (kind === 'integer' || kind === 'number') {
      const n = Number(raw);
      return { set: true, value: Number.isFinite(n) ? n : raw };  // the server says what is wrong
    }
    if (kind === 'enum') return { set: true, value: typeof s.enum[0] === 'number' ? Number(raw) : raw };
    if (kind === 'json') {
      try { return { set: true, value: JSON.parse(raw) }; } catch (e) { throw new Error(`${name}: not valid JSON (${e.message})`); }
    }
    return { set: true, value: raw };
  };
  return { name, row, read };
}

// Returns {fields: Node[], read(): input object}; `read` throws on malformed JSON in a field.
export function schemaForm(schema, idPrefix) {
  const root = schema || {};
  const s = deref(root, root);
  const props = s.properties;
  if (!props || typeof props !== 'object' || (typeOf(s) && typeOf(s) !== 'object')) {
    // Not an object of known properties: the whole input as JSON.
    const f = field('input', s, true, root, idPrefix);
    return { fields: [f.row], read: () => f.read().value };
  }
  const required = new Set(s.required || []);
  const fields = Object.entries(props).map(([name, p]) => field(name, deref(p, root), required.has(name), root, idPrefix));
  if (!fields.length) return { fields: [el('p', { class: 'muted' }, 'This action takes no input.')], read: () => ({}) };
  return {
    fields: fields.map((f) => f.row),
    read: () => {
      const out = {};
      for (const f of fields) {
        const v = f.read();
        if (v.set) out[f.name] = v.value;
      }
      return out;
    },
  };
}
