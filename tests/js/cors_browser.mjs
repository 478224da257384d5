// Cross-origin calls from a real browser (Debian's headless Chromium via playwright-core): a
// page served by a static server on one origin calls the app on another with
// fetch(..., {credentials: "include"}), as a single-page app and the generated SDK do. From the
// origin the app lists ([http.cors]) the preflighted sign-up and sign-in, the cookie-authenticated /auth/me
// and the cookie-authenticated unsafe sign-out succeed and the page can read traceparent; from
// an origin the app does not list, the browser itself blocks the calls. Prints a JSON report.
//
//   node cors_browser.mjs --api http://127.0.0.1:PORT --allowed-port N [--chromium PATH]
import { chromium } from 'playwright-core';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    api: { type: 'string' }, 'allowed-port': { type: 'string' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
  },
});

// A static server: every path answers a blank page (the page's script comes from evaluate()).
function pageServer(port) {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>spa</title><p>a single-page app</p>');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

// Runs in the page: the calls an SPA makes, each reported as status/body or the error thrown.
async function calls({ api, email }) {
  const out = {};
  const attempt = async (name, fn) => {
    try {
      out[name] = await fn();
    } catch (e) {
      out[name] = { error: String(e) };
    }
  };
  await attempt('signUp', async () => {
    const r = await fetch(`${api}/auth/sign-up`, {
      method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'correct horse battery', name: 'Spa' }),
    });
    return { status: r.status, body: await r.json(), traceparent: r.headers.get('traceparent') };
  });
  // Sign-up signs nobody in (202, the same answer for a taken email): the session comes from sign-in.
  await attempt('signIn', async () => {
    const r = await fetch(`${api}/auth/sign-in`, {
      method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'correct horse battery' }),
    });
    return { status: r.status, email: (await r.json()).user?.email, traceparent: r.headers.get('traceparent') };
  });
  await attempt('me', async () => {
    const r = await fetch(`${api}/auth/me`, { credentials: 'include' });
    return { status: r.status, email: r.status === 200 ? (await r.json()).email : null };
  });
  await attempt('ping', async () => {
    const r = await fetch(`${api}/ping`);
    return { status: r.status };
  });
  await attempt('signOut', async () => {
    const r = await fetch(`${api}/auth/sign-out`, { method: 'POST', credentials: 'include' });
    return { status: r.status };
  });
  await attempt('meAfter', async () => {
    const r = await fetch(`${api}/auth/me`, { credentials: 'include' });
    return { status: r.status };
  });
  return out;
}

const report = { ok: false };
let browser;
const servers = [];
try {
  const allowed = await pageServer(Number(args['allowed-port']));
  const denied = await pageServer(0);
  servers.push(allowed, denied);
  browser = await chromium.launch({
    executablePath: args.chromium, headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  const context = await browser.newContext();
  for (const [name, server] of [['allowed', allowed], ['denied', denied]]) {
    const page = await context.newPage();
    const consoleErrors = [];
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    report[name] = await page.evaluate(calls, { api: args.api, email: `${name}@example.com` });
    report[name].origin = `http://127.0.0.1:${server.address().port}`;
    report[name].consoleErrors = consoleErrors;
    await page.close();
  }
  report.ok = true;
} catch (e) {
  report.error = String(e && e.stack || e);
} finally {
  if (browser) await browser.close();
  for (const s of servers) s.close();
}
console.log(JSON.stringify(report));
process.exit(report.ok ? 0 : 1);
