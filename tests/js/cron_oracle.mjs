// The cron oracle: croner (pinned in package.json) computes next run times for the C++ tests.
// stdin: JSON lines {expr, zone, from (ISO 8601), count}; stdout, one line per input line:
// {"times": ["2026-01-01T09:15:00Z", ...]} (UTC, whole seconds), or {"error": "..."} if croner
// rejects the expression. tests/apps/cron-next prints the same for bb::cron.
import { createInterface } from "node:readline";
import { Cron } from "croner";

const iso = (d) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (!line.trim()) continue;
  let out;
  try {
    const { expr, zone, from, count } = JSON.parse(line);
    // Defaults on purpose (OR of restricted day fields, fixedTimeRule "single-value"); only
    // `a/n` steps need sloppyRanges, which reads them as a-max/n like bb::cron.
    const job = new Cron(expr, { timezone: zone, sloppyRanges: true });
    out = { times: job.nextRuns(count, new Date(from)).map(iso) };
  } catch (e) {
    out = { error: String(e && e.message ? e.message : e) };
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}
