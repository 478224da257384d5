// Drives the developer dashboard (/_admin) in Debian's headless Chromium (playwright-core, no
// bundled browser) against the running demo: the actions are listed; createUser is invoked from
// its generated form; its run appears on a Runs page that is never reloaded; the run shows its
// logs and a trace with the event and the job it caused; the cron schedule is paused; a dead
// job (requestReport queues one that always fails) is retried; the SaaS page lists an organization,
// its owner and the plans. With --prod-url and --key, a
// production server's dashboard asks for the admin key and opens with it. A screenshot of every
// page goes to --out (some at 390 px wide). Prints a JSON report; exits 1 on any failure.
//
//   node admin_browser.mjs --url http://127.0.0.1:PORT --out DIR [--prod-url URL --key KEY] [--chromium PATH]
import { chromium } from 'playwright-core';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' }, out: { type: 'string' }, 'prod-url': { type: 'string' }, key: { type: 'string' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
  },
});

const report = { ok: false, steps: [], foreignRequests: [], consoleErrors: [], screenshots: [] };
const started = Date.now();
const step = (name) => report.steps.push(`${name} (${Date.now() - started} ms)`);
let browser;

// Console noise the page expects and handles: failed fetches it reports itself (401 before
// signing in, a run not yet written), and the live stream refused while the server has none.
const expectedNoise = (text) => /Failed to load resource|EventSource|text\/event-stream/.test(text);

function watch(page, origin) {
  page.on('request', (r) => { if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) report.foreignRequests.push(r.url()); });
  page.on('console', (m) => { if (m.type() === 'error' && !expectedNoise(m.text())) report.consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => report.consoleErrors.push(e.message));
}

async function shot(page, name, options = {}) {
  const path = join(args.out, name);
  await page.screenshot({ path, ...options });
  report.screenshots.push(path);
}

// The page's own API, from inside the page (same origin, its cookies).
const apiGet = (page, path) => page.evaluate(async (p) => (await fetch(`/_admin/api${p}`)).json(), path);

async function until(what, fn, timeoutMs = 15000, everyMs = 250) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

async function open(page, hash, ready) {
  await page.evaluate((h) => { location.hash = h; }, hash);
  if (ready) await page.waitForSelector(ready, { timeout: 10000 });
}

// Opens an action's card, fills its form and invokes it; returns the result line's run id and status.
async function invoke(page, action, fill) {
  const card = page.locator(`details.action[data-action="${action}"]`);
  if (!(await card.evaluate((d) => d.open))) await card.locator(':scope > summary').click();
  const form = card.getByRole('form', { name: `Invoke ${action}` });
  await fill(form);
  let sentAt = 0;  // when the page sent the call (a click on a hidden tab waits for a frame)
  const onRequest = (r) => { if (!sentAt && r.url().endsWith('/invoke')) sentAt = Date.now(); };
  page.on('request', onRequest);
  await form.getByRole('button', { name: 'Invoke' }).click();
  const line = card.locator('.result-line[data-status]');
  await line.waitFor({ timeout: 10000 });
  page.off('request', onRequest);
  return {
    card,
    sentAt,
    status: await line.getAttribute('data-status'),
    runId: await line.getByRole('link', { name: 'Open run' }).getAttribute('data-run-id'),
    output: JSON.parse((await card.locator('.result pre.json').first().textContent()) || 'null'),
  };
}

async function narrowOverflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

try {
  if (!args.url || !args.out) throw new Error('usage: admin_browser.mjs --url URL --out DIR');
  if (!existsSync(args.chromium)) throw new Error(`no browser at ${args.chromium} (apt-get install chromium)`);
  mkdirSync(args.out, { recursive: true });
  const origin = new URL(args.url).origin;
  browser = await chromium.launch({ executablePath: args.chromium, headless: true, args: ['--no-sandbox'] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  watch(page, origin);

  // Overview: the figures and the charts.
  await page.goto(`${origin}/_admin`);
  await page.waitForSelector('.cards .card', { timeout: 10000 });
  await page.waitForSelector('svg.chart[role="img"]', { timeout: 10000 });
  report.appName = await page.locator('#app-name').textContent();
  step('overview');

  // Actions: every action listed, with its schema-generated form.
  await open(page, '#/actions', '.actions[data-ready="true"]');
  report.actions = await page.$$eval('details.action', (ds) => ds.map((d) => d.dataset.action));
  for (const a of ['createUser', 'ping', 'requestReport', 'sendWelcomeEmail'])
    if (!report.actions.includes(a)) throw new Error(`action ${a} is not listed`);
  await shot(page, 'actions.png');
  step('actions listed');

  // A second tab on the Runs page, opened before the invocation and never reloaded.
  const runsPage = await context.newPage();
  watch(runsPage, origin);
  await runsPage.goto(`${origin}/_admin#/runs`);
  await runsPage.waitForSelector('.runs[data-ready="true"]', { timeout: 10000 });
  // Marks the page (a reload would lose it) and notes when each run's row shows up.
  await runsPage.evaluate(() => {
    window.notReloaded = true;
    window.rowSeenAt = {};
    new MutationObserver((changes) => {
      for (const c of changes)
        for (const n of c.addedNodes) if (n.dataset?.runId && !window.rowSeenAt[n.dataset.runId]) window.rowSeenAt[n.dataset.runId] = Date.now();
    }).observe(document.getElementById('view'), { childList: true, subtree: true });
  });
  // The live stream is open, or refused (then the page polls).
  await runsPage.waitForSelector('#live:not([data-mode="connecting"])', { timeout: 10000 });
  report.liveMode = await runsPage.locator('#live').getAttribute('data-mode');
  // Typing and clicking want the visible tab (a hidden one renders no frames to act on); the
  // Runs tab behind it still receives the stream (and polls, at most once a second, without it).
  await page.bringToFront();

  // Invoke createUser from its form.
  const email = `ada.${Date.now()}@example.com`;
  const created = await invoke(page, 'createUser', async (form) => {
    await form.getByLabel('email', { exact: true }).fill(email);
    await form.getByLabel('name', { exact: true }).fill('Ada Lovelace');
    await form.getByLabel('role', { exact: true }).selectOption('user');
  });
  report.invoke = { status: created.status, runId: created.runId, output: created.output };
  if (created.status !== 'success') throw new Error(`createUser from the form: ${created.status}`);
  if (created.output?.email !== email) throw new Error(`createUser answered ${JSON.stringify(created.output)}`);
  await created.card.screenshot({ path: join(args.out, 'actions-invoke.png') });
  report.screenshots.push(join(args.out, 'actions-invoke.png'));
  step('createUser invoked from the form');

  // Its run appears on the Runs tab without a reload (live stream, or polling without one).
  const row = runsPage.locator(`tr[data-run-id="${created.runId}"]`);
  await row.waitFor({ timeout: 15000 });
  // (Node hears of the request a moment after the browser sent it: a row within that moment is 0.)
  report.runAppearedAfterMs = Math.max(0, (await runsPage.evaluate((id) => window.rowSeenAt[id], created.runId)) - created.sentAt);
  if (!(await runsPage.evaluate(() => window.notReloaded === true))) throw new Error('the Runs page was reloaded');
  await runsPage.bringToFront();
  await shot(runsPage, 'runs.png');
  step(`run appeared live (${report.liveMode})`);

  // Without the stream (refused here, as by a server without one or a dropped connection) the
  // Runs page polls: a new run still appears.
  const polled = await context.newPage();
  watch(polled, origin);
  await polled.route('**/_admin/api/live', (r) => r.fulfill({ status: 404, contentType: 'application/problem+json', body: '{}' }));
  await polled.goto(`${origin}/_admin#/runs`);
  await polled.waitForSelector('.runs[data-ready="true"]', { timeout: 10000 });
  const pinged = await polled.evaluate(async () => (await (await fetch('/_admin/api/actions/ping/invoke', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"input":{}}' })).json()).runId);
  await polled.locator(`tr[data-run-id="${pinged}"]`).waitFor({ timeout: 15000 });
  report.withoutStream = await polled.locator('#live').getAttribute('data-mode');
  if (report.withoutStream !== 'polling') throw new Error(`without a stream the page says ${report.withoutStream}`);
  await polled.close();
  step('run appeared by polling without the stream');

  // Open it: logs, and the trace with user.created and the sendWelcomeEmail job (and its run).
  await row.getByRole('link', { name: 'createUser' }).click();
  await runsPage.waitForSelector('section[aria-labelledby="h-logs"] [data-ready="true"]', { timeout: 15000 });
  const logsRegion = runsPage.getByRole('region', { name: 'Logs' });
  report.runLogs = await logsRegion.locator('tbody tr').allTextContents();
  if (!report.runLogs.some((t) => t.includes('user created'))) throw new Error(`the run's logs: ${report.runLogs}`);
  const trace = runsPage.getByRole('region', { name: 'Trace' });
  await until('the trace to show the event, the job and its run', async () =>
    (await trace.locator('[data-kind="event"]', { hasText: 'user.created' }).count()) > 0 &&
    (await trace.locator('[data-kind="job"]', { hasText: 'sendWelcomeEmail' }).count()) > 0 &&
    (await trace.locator('[data-kind="run"]', { hasText: 'sendWelcomeEmail' }).count()) > 0);
  report.trace = await trace.locator('.node').evaluateAll((nodes) => nodes.map((n) => {
    let depth = 0;
    for (let p = n.parentElement; p; p = p.parentElement) if (p.matches?.('ul.tree')) depth++;
    return { kind: n.dataset.kind, depth, text: n.textContent.replace(/\s+/g, ' ').trim().slice(0, 80) };
  }));
  // The tree: createUser > user.created > welcomeNewUser > job sendWelcomeEmail > its run.
  const depthOf = (kind, text) => report.trace.find((n) => n.kind === kind && n.text.includes(text))?.depth;
  const chain = [depthOf('run', 'createUser'), depthOf('event', 'user.created'), depthOf('run', 'welcomeNewUser'),
    depthOf('job', 'sendWelcomeEmail'), depthOf('run', 'sendWelcomeEmail')];
  if (chain.some((d, i) => d !== i + 1)) throw new Error(`the trace is not the expected tree: ${JSON.stringify(report.trace)}`);
  await shot(runsPage, 'run.png', { fullPage: true });
  step('run with logs and trace');

  // Logs and Events, back in the first tab.
  await page.bringToFront();
  await open(page, '#/logs', 'div[data-ready="true"] table[aria-label="Logs"]');
  if ((await page.locator('tbody tr', { hasText: 'user created' }).count()) === 0) throw new Error('the Logs page lacks "user created"');
  await shot(page, 'logs.png');
  await open(page, '#/events', 'div[data-ready="true"] table[aria-label="Events"]');
  await until('user.created on the Events page', async () => (await page.locator('tr[data-event="user.created"]').count()) > 0);
  await shot(page, 'events.png');
  step('logs and events');

  // Schedules: pause the demo's cron schedule.
  await open(page, '#/schedules', 'div[data-ready="true"] table[aria-label="Schedules"]');
  const schedule = page.locator('tr[data-schedule]').first();
  report.schedule = await schedule.getAttribute('data-schedule');
  if ((await schedule.getAttribute('data-enabled')) !== 'true') throw new Error('the schedule is not active to begin with');
  await schedule.getByRole('button', { name: `Pause ${report.schedule}` }).click();
  await page.waitForSelector(`tr[data-schedule="${report.schedule}"][data-enabled="false"]`, { timeout: 10000 });
  const schedules = await apiGet(page, '/schedules');
  report.scheduleEnabledAfterPause = schedules.items.find((s) => s.id === report.schedule)?.enabled;
  if (report.scheduleEnabledAfterPause !== false) throw new Error('the API still shows the schedule enabled');
  await shot(page, 'schedules.png');
  step('schedule paused');

  // Jobs: requestReport queues a job that dies at its only attempt; retry it.
  await open(page, '#/actions', '.actions[data-ready="true"]');
  const requested = await invoke(page, 'requestReport', (form) => form.getByLabel('name', { exact: true }).fill('monthly'));
  const jobId = requested.output?.jobId;
  if (requested.status !== 'success' || !jobId) throw new Error(`requestReport: ${JSON.stringify(requested.output)}`);
  const firstRun = await until('the job to be dead', async () => {
    const j = await apiGet(page, `/jobs/${encodeURIComponent(jobId)}`);
    return j.status === 'dead' && j.last_run_id ? j.last_run_id : null;
  });
  await open(page, '#/jobs?status=dead', 'div[data-ready="true"] table[aria-label="Jobs"]');
  const jobRow = page.locator(`tr[data-job-id="${jobId}"]`);
  await jobRow.waitFor({ timeout: 10000 });
  if ((await jobRow.locator(`a[href="#/runs/${firstRun}"]`).count()) === 0) throw new Error('the dead job has no link to its run');
  await shot(page, 'jobs.png');
  await jobRow.getByRole('button', { name: `Retry job ${jobId}` }).click();
  await page.locator('.note', { hasText: `Retrying job ${jobId}` }).waitFor({ timeout: 10000 });
  report.jobRetry = await until('the retried job to run again', async () => {
    const j = await apiGet(page, `/jobs/${encodeURIComponent(jobId)}`);
    return j.last_run_id && j.last_run_id !== firstRun && j.status === 'dead' ? { status: j.status, attempts: j.attempts, firstRun, secondRun: j.last_run_id } : null;
  });
  step('dead job retried');

  // The Runs page's filters: the failed runs, through the form.
  await open(page, '#/runs', '.runs[data-ready="true"]');
  const filters = page.getByRole('search', { name: 'Filter runs' });
  await filters.getByLabel('Status').selectOption('error');
  await filters.getByLabel('Action').fill('buildReport');
  await filters.getByRole('button', { name: 'Apply' }).click();
  const onlyFailedReports = (rows) => rows.length >= 2 && rows.every(([st, a]) => st === 'error' && a === 'buildReport');
  report.failedRuns = await until('only the failed buildReport runs', async () => {
    if (!page.url().includes('status=error')) return null;
    const rows = await page.$$eval('.runs[data-ready="true"] tbody tr', (trs) => trs.map((r) => [r.dataset.status, r.querySelector('.run-link')?.textContent]));
    return onlyFailedReports(rows) ? rows : null;
  }, 10000);
  step('runs filtered');

  // SaaS: a user signs up, signs in and creates an organization (the app's own API); the cockpit's page,
  // in the nav since SaaS is on, lists it with its plan, and shows its owner and subscription.
  report.cockpit = await page.evaluate(async () => {
    const post = async (path, body, token) => {
      const r = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
      return { status: r.status, body: await r.json() };
    };
    const up = await post('/auth/sign-up', { email: 'cockpit@example.com', password: 'correct horse', name: 'Cockpit Owner' });
    const signedIn = await post('/auth/sign-in', { email: 'cockpit@example.com', password: 'correct horse' });
    const org = await post('/_cockpit/orgs', { name: 'Cockpit Co', slug: 'cockpit-co' }, signedIn.body.token);
    return { signUp: up.status, signIn: signedIn.status, created: org.status, orgId: org.body.id };
  });
  if (report.cockpit.created !== 201) throw new Error(`could not create an organization: ${JSON.stringify(report.cockpit)}`);
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'SaaS', exact: true }).click();
  const orgRow = page.locator(`.orgs[data-ready="true"] tr[data-org-id="${report.cockpit.orgId}"]`);
  await orgRow.waitFor({ timeout: 10000 });
  await page.waitForSelector('.plans[data-ready="true"] tr[data-plan="pro"]', { timeout: 10000 });
  report.cockpit.row = await orgRow.evaluate((r) => [...r.cells].map((c) => c.textContent));
  await shot(page, 'cockpit.png', { fullPage: true });
  await orgRow.getByRole('link', { name: 'Cockpit Co' }).click();
  await page.waitForSelector('.org[data-ready="true"] table[aria-label="Members"] tbody tr', { timeout: 10000 });
  report.cockpit.members = await page.$$eval('.org table[aria-label="Members"] tbody tr', (trs) => trs.map((r) => r.cells[1].textContent));
  await shot(page, 'cockpit-org.png', { fullPage: true });
  step('cockpit: organization, members, plans');

  // The overview once there is history, then a phone-sized window: nothing overflows sideways.
  await open(page, '#/overview', '.cards .card');
  await page.waitForSelector('svg.chart[aria-label^="Duration percentiles"]', { timeout: 10000 });
  await shot(page, 'overview.png', { fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  report.narrowOverflow = {};
  for (const [name, hash, ready] of [
    ['overview', '#/overview', '.cards .card'],
    ['actions', '#/actions', '.actions[data-ready="true"]'],
    ['runs', '#/runs', '.runs[data-ready="true"]'],
    ['run', `#/runs/${created.runId}`, 'section[aria-labelledby="h-trace"] .trace[data-ready="true"]'],
    ['jobs', '#/jobs', 'div[data-ready="true"] table[aria-label="Jobs"]'],
    ['schedules', '#/schedules', 'div[data-ready="true"] table[aria-label="Schedules"]'],
    ['cockpit', '#/cockpit', '.orgs[data-ready="true"] table'],
  ]) {
    await open(page, hash, ready);
    report.narrowOverflow[name] = await narrowOverflow(page);
    await shot(page, `${name}-narrow.png`);
  }
  const wide = Object.entries(report.narrowOverflow).filter(([, px]) => px > 0);
  if (wide.length) throw new Error(`too wide at 390px: ${JSON.stringify(Object.fromEntries(wide))}`);
  step('narrow window');

  // A production server: the page asks for the admin key, refuses a wrong one, opens with it.
  if (args['prod-url']) {
    const prodOrigin = new URL(args['prod-url']).origin;
    const prod = await browser.newPage({ viewport: { width: 1000, height: 700 } });
    watch(prod, prodOrigin);
    await prod.goto(`${prodOrigin}/_admin`);
    const keyField = prod.getByLabel('Admin key');
    await keyField.waitFor({ timeout: 10000 });
    await keyField.fill('not-the-admin-key-at-all-no');
    await prod.getByRole('button', { name: 'Sign in' }).click();
    await prod.locator('#sign-in-error', { hasText: /not the dashboard/ }).waitFor({ timeout: 10000 });
    await shot(prod, 'sign-in.png');
    await keyField.fill(args.key);
    await prod.getByRole('button', { name: 'Sign in' }).click();
    await prod.locator('.card', { hasText: 'production' }).waitFor({ timeout: 10000 });
    report.signedIn = await prod.locator('#sign-in').isHidden();
    if (!report.signedIn) throw new Error('the sign-in form is still shown');
    step('signed in with the admin key');
  }

  if (report.foreignRequests.length) throw new Error(`requests to other hosts: ${report.foreignRequests.join(', ')}`);
  if (report.consoleErrors.length) throw new Error(`console errors: ${report.consoleErrors.join(' | ')}`);
  report.ok = true;
} catch (e) {
  report.error = e.stack || e.message;
} finally {
  await browser?.close();
}
console.log(JSON.stringify(report));
process.exit(report.ok ? 0 : 1);
