// The dashboard's JSON API (/_admin/api), same origin. Errors are application/problem+json and
// become ApiError; a 401 shows the sign-in form once (however many calls were refused) and the
// calls are retried after a successful sign-in, which sets the admin cookie.
export const kApi = '/_admin/api';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

let pendingSignIn = null;

export async function api(path, { method = 'GET', query, body } = {}) {
  const url = new URL(kApi + path, location.origin);
  for (const [k, v] of Object.entries(query || {}))
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
  for (;;) {
    const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (body !== undefined || method === 'POST') {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body ?? {});
    }
    const res = await fetch(url, init);
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = { detail: text }; }
    if (res.status === 401 && path !== '/session') {
      await signIn(data?.detail);
      continue;
    }
    if (!res.ok) throw new ApiError(res.status, data);
    return data;
  }
}

// Shows the sign-in form and resolves once the admin key was accepted.
function signIn(reason) {
  if (pendingSignIn) return pendingSignIn;
  const box = document.getElementById('sign-in');
  const form = document.getElementById('sign-in-form');
  const error = document.getElementById('sign-in-error');
  document.getElementById('sign-in-reason').textContent = reason || 'The dashboard needs the admin key.';
  error.textContent = '';
  box.hidden = false;
  document.getElementById('view').hidden = true;
  form.elements.key.focus();
  pendingSignIn = new Promise((resolve) => {
    form.onsubmit = async (e) => {
      e.preventDefault();
      error.textContent = '';
      try {
        await api('/session', { method: 'POST', body: { key: form.elements.key.value } });
        form.reset();
        box.hidden = true;
        document.getElementById('view').hidden = false;
        form.onsubmit = null;
        pendingSignIn = null;
        resolve();
        window.dispatchEvent(new Event('admin:signed-in'));
      } catch (err) {
        error.textContent = err.message;
      }
    };
  });
  return pendingSignIn;
}
