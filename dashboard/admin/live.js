// Live updates from GET /_admin/api/live (Server-Sent Events): `run` (a RunSummary) and `log`
// ({runId, level, message, createdAt}). While the stream is not open (the server has none, the
// key is missing, or the connection dropped) pages poll instead: whileNotLive() runs their
// refresh every few seconds until the stream is back.
const kUrl = '/_admin/api/live';
const listeners = { run: new Set(), log: new Set(), mode: new Set() };
let source = null;
let mode = 'connecting';  // then 'live' while the stream is open, 'polling' while it is not
let retryMs = 5000;
let retryTimer = null;

function setMode(m) {
  if (m === mode) return;
  mode = m;
  paint();
  for (const fn of listeners.mode) fn(m);
}

function paint() {
  const badge = document.getElementById('live');
  if (badge) {
    badge.dataset.mode = mode;
    badge.textContent = mode;
    badge.title = mode === 'live' ? 'New runs and logs arrive as they happen' : 'No live stream: refreshing every 2 s';
  }
}

function dispatch(type, e) {
  let data;
  try { data = JSON.parse(e.data); } catch { return; }
  for (const fn of listeners[type]) fn(data);
}

export function start() {
  paint();
  connect();
}

function connect() {
  clearTimeout(retryTimer);
  if (typeof EventSource === 'undefined') return;
  source = new EventSource(kUrl);
  source.addEventListener('open', () => { retryMs = 5000; setMode('live'); });
  source.addEventListener('run', (e) => dispatch('run', e));
  source.addEventListener('log', (e) => dispatch('log', e));
  source.addEventListener('error', () => {
    setMode('polling');
    // CONNECTING: the browser retries by itself. CLOSED: refused (404, 401, not an event
    // stream); try again later, less and less often.
    if (source.readyState === EventSource.CLOSED) {
      source = null;
      retryTimer = setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 60000);
    }
  });
}

// Reconnects now (after a sign-in, the stream may be allowed).
export function reconnect() {
  if (source && source.readyState !== EventSource.CLOSED) return;
  retryMs = 5000;
  connect();
}

export function on(type, fn) {
  listeners[type].add(fn);
  return () => listeners[type].delete(fn);
}

export const isLive = () => mode === 'live';

// Calls fn every `everyMs` while the stream is not live; returns the stop function.
export function whileNotLive(fn, everyMs = 2000) {
  let timer = null;
  const tick = async () => {
    timer = null;
    if (mode !== 'live') {
      try { await fn(); } catch { /* the next tick tries again */ }
    }
    if (!stopped) timer = setTimeout(tick, everyMs);
  };
  let stopped = false;
  timer = setTimeout(tick, everyMs);
  // Catch up when the stream drops or comes back: what happened in between was missed. Again a
  // little later, for runs that were not yet in the history (it is written every couple of seconds).
  let later = null;
  const off = on('mode', () => {
    Promise.resolve().then(fn).catch(() => {});
    clearTimeout(later);
    later = setTimeout(() => { if (!stopped) Promise.resolve().then(fn).catch(() => {}); }, 2500);
  });
  return () => { stopped = true; clearTimeout(timer); clearTimeout(later); off(); };
}
