// Drives the /docs page in Debian's headless Chromium (playwright-core, no bundled browser):
// the page loads, lists the demo's operations, and a "Try it" call answers 200; no request
// leaves the app's origin. Prints a JSON report; exits 1 on any failure.
//
//   node docs_browser.mjs --url http://127.0.0.1:PORT --out SCREENSHOT_DIR --token BEARER [--chromium PATH]
import { chromium } from 'playwright-core';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: { url: { type: 'string' }, out: { type: 'string' }, token: { type: 'string' }, chromium: { type: 'string', default: '/usr/bin/chromium' } },
});
// Opens an operation, lets `fill` type into its form, sends it and returns the status shown.
async function tryIt(page, id, fill = async () => {}) {
  const op = page.locator(`#op-${id}`);
  await op.locator('summary').click();
  await fill(op);
  await op.getByRole('button', { name: 'Send' }).click();
  const status = op.locator('.status[data-status]');
  await status.waitFor({ timeout: 10000 });
  return Number(await status.getAttribute('data-status'));
}

const report = { ok: false, operations: [], foreignRequests: [], consoleErrors: [] };
let browser;
try {
  if (!args.url || !args.out) throw new Error('usage: docs_browser.mjs --url URL --out DIR');
  if (!existsSync(args.chromium)) throw new Error(`no browser at ${args.chromium} (apt-get install chromium)`);
  mkdirSync(args.out, { recursive: true });
  browser = await chromium.launch({ executablePath: args.chromium, headless: true, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const origin = new URL(args.url).origin;
  page.on('request', (r) => { if (!r.url().startsWith(origin)) report.foreignRequests.push(r.url()); });
  page.on('console', (m) => { if (m.type() === 'error') report.consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => report.consoleErrors.push(e.message));

  await page.goto(`${origin}/docs`);
  await page.waitForSelector('#operations[data-ready="true"]', { timeout: 10000 });
  report.operations = await page.$$eval('details.op', (ops) => ops.map((o) => o.dataset.operationId));
  for (const id of ['createUser', 'signUp', 'listPublicPlans'])
    if (!report.operations.includes(id)) throw new Error(`operation ${id} is not listed`);
  await page.screenshot({ path: join(args.out, 'docs.png'), fullPage: false });

  // Try it: a public operation, no token needed.
  const op = page.locator('#op-listPublicPlans');
  report.tryStatus = await tryIt(page, 'listPublicPlans');
  report.tryBody = JSON.parse(await op.locator('.response').textContent());
  if (report.tryStatus !== 200) throw new Error(`try it answered ${report.tryStatus}`);
  await op.screenshot({ path: join(args.out, 'docs-try-it.png') });

  // A path parameter typed into the form, then the bearer token field on a signed-in operation.
  report.getPlan = await tryIt(page, 'getPlan', async (o) => o.locator('input[name="p-planKey"]').fill('pro'));
  if (report.getPlan !== 200) throw new Error(`getPlan answered ${report.getPlan}`);
  if (args.token) {
    await page.locator('#token').fill(args.token);
    report.me = await tryIt(page, 'me');
    if (report.me !== 200) throw new Error(`me with the token answered ${report.me}`);
  }

  // A phone-sized window: nothing overflows sideways.
  await page.setViewportSize({ width: 375, height: 800 });
  report.narrowOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  await page.screenshot({ path: join(args.out, 'docs-narrow.png') });
  if (report.narrowOverflow > 0) throw new Error(`the page is ${report.narrowOverflow}px too wide at 375px`);
  if (report.foreignRequests.length) throw new Error(`requests to other hosts: ${report.foreignRequests.join(', ')}`);
  if (report.consoleErrors.length) throw new Error(`console errors: ${report.consoleErrors.join(' | ')}`);
  report.ok = true;
} catch (e) {
  report.error = e.message;
} finally {
  await browser?.close();
}
console.log(JSON.stringify(report));
process.exit(report.ok ? 0 : 1);
