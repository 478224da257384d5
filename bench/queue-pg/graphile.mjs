#!/usr/bin/env node
// graphile-worker measured the way build/bin/bench-queue --only drain | latency measures
// Bunbase's queue (bench/README.md, "Queue on PostgreSQL against graphile-worker"); run by
// bench/queue-pg/run, which starts the PostgreSQL server and pins the processes.
//
//   node graphile.mjs --url URL --mode drain --jobs 100000 --instances 1 [--pg-postmaster PID]
//   node graphile.mjs --url URL --mode latency --samples 3000 --interval-us 2000 --enqueue-from same
//
// Both modes: this process (the coordinator) installs graphile-worker's schema into a fresh
// schema of the database, then forks worker processes (this script again, --role worker), each
// a graphile-worker runner in the high-throughput setting of its performance docs and perfTest
// (concurrentJobs 24, maxPoolSize 25, localQueue size 500, completeJobBatchDelay 0,
// failJobBatchDelay 0).
//
//   drain:   N no-op jobs added with one add_jobs() call (as perfTest's init.js, batched), then
//            CHECKPOINT; the workers start together; jobs/s = N / (start to the moment the jobs
//            table is empty, i.e. every completion committed).
//   latency: one worker; `stamp` jobs added one per add_job call every U µs, from the worker's
//            own process (as perfTest/latencyTest.js) or from this one; each task records its
//            start minus the enqueue time (CLOCK_MONOTONIC, comparable across processes).
//
// Prints one line per run to stderr: `result tool=graphile mode=... key=value ...`.
import { fork } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import graphile from "graphile-worker";
import pg from "pg";

const { run, runMigrations, Logger } = graphile;
const self = fileURLToPath(import.meta.url);

// ---- settings -------------------------------------------------------------------------------------

const usage = `usage: node graphile.mjs --url URL --mode drain|latency [options]
  --jobs N              drain: jobs in the backlog (default 100000)
  --instances K         drain: worker processes (default 1)
  --runs R              runs, one result line each (default 1)
  --concurrency C       concurrentJobs per worker (default 24; maxPoolSize C+1)
  --local-queue S       localQueue.size (default 500; -1 disables)
  --complete-batch-delay MS  completeJobBatchDelay and failJobBatchDelay (default 0; -1 disables)
  --samples S           latency: measured jobs (default 3000), after --warmup-samples (default 200)
  --interval-us U       latency: one add_job every U µs (default 2000)
  --enqueue-from same|other  latency: add_job from the worker's process or from another (default same)
  --enqueuers E         latency: connections adding the measured jobs on schedule (default 4)
  --pg-postmaster PID   report the CPU time of this PostgreSQL server's processes`;

function parse(argv) {
  const o = {
    url: "", mode: "", jobs: 100000, instances: 1, runs: 1, concurrency: 24, localQueue: 500, batchDelay: 0,
    samples: 3000, warmupSamples: 200, intervalUs: 2000, enqueuers: 4, enqueueFrom: "same", pgPostmaster: 0,
    role: "", schema: "", enqueuer: false,
  };
  const num = (v, name) => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`${name}: not a number: ${v}`);
    return n;
  };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case "--url": o.url = v(); break;
      case "--mode": o.mode = v(); break;
      case "--jobs": o.jobs = num(v(), a); break;
      case "--instances": o.instances = num(v(), a); break;
      case "--runs": o.runs = num(v(), a); break;
      case "--concurrency": o.concurrency = num(v(), a); break;
      case "--local-queue": o.localQueue = num(v(), a); break;
      case "--complete-batch-delay": o.batchDelay = num(v(), a); break;
      case "--samples": o.samples = num(v(), a); break;
      case "--warmup-samples": o.warmupSamples = num(v(), a); break;
      case "--interval-us": o.intervalUs = num(v(), a); break;
      case "--enqueue-from": o.enqueueFrom = v(); break;
      case "--enqueuers": o.enqueuers = Math.max(1, num(v(), a)); break;
      case "--pg-postmaster": o.pgPostmaster = num(v(), a); break;
      case "--role": o.role = v(); break;        // internal: worker processes
      case "--schema": o.schema = v(); break;    // internal
      case "--enqueuer": o.enqueuer = v() === "1"; break;  // internal
      case "-h": case "--help": console.log(usage); process.exit(0);
      default: console.error(usage); process.exit(2);
    }
  }
  if (!o.url || (!o.role && o.mode !== "drain" && o.mode !== "latency")) { console.error(usage); process.exit(2); }
  if (o.enqueueFrom !== "same" && o.enqueueFrom !== "other") { console.error(usage); process.exit(2); }
  return o;
}

const opts = parse(process.argv);

// ---- helpers --------------------------------------------------------------------------------------

const nowUs = () => Number(process.hrtime.bigint() / 1000n);  // CLOCK_MONOTONIC, as steady_clock
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor(s.length / 2)] : 0; };
const cpuUs = () => { const u = process.cpuUsage(); return u.user + u.system; };  // this process, all threads

// utime + stime (seconds) of a PostgreSQL server: the postmaster and its children.
const hz = 100;  // USER_HZ on Linux
function pgCpuSeconds(postmaster) {
  if (!postmaster) return 0;
  let total = 0;
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let stat;
    try { stat = readFileSync(`/proc/${name}/stat`, "utf8"); } catch { continue; }
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");  // rest[0] is field 3
    const ppid = Number(rest[1]);
    if (Number(name) === postmaster || ppid === postmaster) total += (Number(rest[11]) + Number(rest[12])) / hz;
  }
  return total;
}

// The server's transaction commits (this database) and WAL syncs (fsyncs of the log), from its
// cumulative statistics; a backend reports its own at the latest when it exits.
async function pgCounters(pool) {
  const { rows } = await pool.query(
    `select (select xact_commit from pg_stat_database where datname = current_database())::float8 as commits,
            wal_sync::float8 as syncs from pg_stat_wal`);
  return rows[0];
}

function preset(schema) {
  return {
    worker: {
      connectionString: opts.url,
      schema,
      concurrentJobs: opts.concurrency,
      maxPoolSize: opts.concurrency + 1,
      localQueue: { size: opts.localQueue },
      completeJobBatchDelay: opts.batchDelay,
      failJobBatchDelay: opts.batchDelay,
    },
  };
}

// Warnings and errors only: graphile-worker logs every start and stop at info level.
const logger = new Logger(() => (level, message) => {
  if (level === "error" || level === "warning") console.error(`graphile-worker ${level}: ${message}`);
});

let schemaCounter = 0;
async function freshSchema(pool) {
  const schema = `gw_${process.pid}_${++schemaCounter}`;
  await pool.query(`drop schema if exists ${schema} cascade`);
  await runMigrations({ preset: preset(schema), logger });
  return schema;
}

// ---- worker processes -----------------------------------------------------------------------------

async function worker() {
  const total = opts.warmupSamples + opts.samples;
  const started = new Array(total).fill(-1);
  let completed = 0;
  let warm = 0;
  const taskList = {
    noop: () => { completed++; },
    stamp: (payload) => {
      const t = nowUs();
      if (payload.seq >= 0 && payload.seq < total && started[payload.seq] < 0) {
        started[payload.seq] = t - payload.t;
        if (payload.seq < opts.warmupSamples && ++warm === opts.warmupSamples) process.send({ warm: true });
      }
    },
  };
  let runner = null, cpu0 = 0, timer = null, enqueued = null;
  process.on("message", async (m) => {
    if (m.go) {
      cpu0 = cpuUs();
      runner = await run({ preset: preset(opts.schema), logger, taskList });
      let last = -1;
      timer = setInterval(() => {  // the coordinator's clock: within 2 ms of the last task
        if (completed !== last) { last = completed; process.send({ completed }); }
      }, 2);
      if (opts.enqueuer) {
        const warmed = new Promise((resolve) => {
          const check = setInterval(() => { if (warm >= opts.warmupSamples) { clearInterval(check); resolve(); } }, 1);
        });
        enqueued = enqueueStamps(opts.schema, warmed);
        process.send({ enqueued: await enqueued });
      }
    } else if (m.stop) {
      clearInterval(timer);
      const cpu = cpuUs() - cpu0;
      await runner.stop();
      process.send({ stopped: true, cpuUs: cpu, started }, () => process.exit(0));
    }
  });
  process.send({ ready: true });
}

// add_job, one job per call: the warm-up jobs one at a time, then the measured ones at fixed
// times start + seq * interval from --enqueuers connections (an open loop: a slow add_job does
// not delay the next one while another connection is free), as bench-queue's enqueue threads.
// Resolves to {spacingUs, callUs} of the measured part.
async function enqueueStamps(schema, warmed) {
  const clients = [];
  for (let i = 0; i < opts.enqueuers; i++) {
    const c = new pg.Client({ connectionString: opts.url });
    await c.connect();
    clients.push(c);
  }
  const sql = `select ${schema}.add_job('stamp', json_build_object('seq', $1::int, 't', $2::bigint))`;
  const sleepUntil = async (at) => {
    const wait = (at - nowUs()) / 1000;
    if (wait >= 1) await sleep(Math.floor(wait));
    while (nowUs() < at) await new Promise(setImmediate);  // the sub-millisecond rest
  };
  const enqueue = async (client, seq) => {
    const t = nowUs();
    await client.query(sql, [seq, t]);
    return nowUs() - t;
  };
  let next = nowUs();
  for (let seq = 0; seq < opts.warmupSamples; seq++) {
    await sleepUntil(next);
    next += opts.intervalUs;
    await enqueue(clients[0], seq);
  }
  await warmed;
  const start = nowUs();
  const calls = [];
  let taken = 0;
  await Promise.all(clients.map(async (client) => {
    for (let i; (i = taken++) < opts.samples;) {
      await sleepUntil(start + i * opts.intervalUs);
      calls.push(await enqueue(client, opts.warmupSamples + i));
    }
  }));
  const end = nowUs();
  await Promise.all(clients.map((c) => c.end()));
  return { spacingUs: (end - start) / opts.samples, callUs: median(calls) };
}

// ---- the coordinator --------------------------------------------------------------------------------

function startWorkers(k, schema, enqueuer) {
  const workers = [];
  for (let i = 0; i < k; i++) {
    const args = ["--role", "worker", "--url", opts.url, "--schema", schema, "--concurrency", String(opts.concurrency),
      "--local-queue", String(opts.localQueue), "--complete-batch-delay", String(opts.batchDelay),
      "--samples", String(opts.samples), "--warmup-samples", String(opts.warmupSamples),
      "--interval-us", String(opts.intervalUs), "--enqueuers", String(opts.enqueuers), "--enqueuer", enqueuer && i === 0 ? "1" : "0"];
    const child = fork(self, args, { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const w = { child, completed: 0, ready: false, warm: false, enqueued: null, stopped: null, exited: false };
    child.on("message", (m) => {
      if (m.ready) w.ready = true;
      if (m.completed !== undefined) w.completed = m.completed;
      if (m.warm) w.warm = true;
      if (m.enqueued) w.enqueued = m.enqueued;
      if (m.stopped) w.stopped = m;
    });
    child.on("exit", (code) => {
      w.exited = true;
      setTimeout(() => {  // its last message may follow the exit event
        if (!w.stopped) { console.error(`graphile worker ${i} exited (${code}) before it was told to stop`); process.exit(1); }
      }, 500);
    });
    workers.push(w);
  }
  return workers;
}

async function until(cond, limitMs, what, stepMs = 1) {
  const deadline = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(stepMs);
  }
}

async function stopWorkers(workers) {
  for (const w of workers) w.child.send({ stop: true });
  await until(() => workers.every((w) => w.stopped), 60000, "the workers to stop");
  return workers.map((w) => w.stopped);
}

async function drainOnce(pool, k) {
  const n = opts.jobs;
  const schema = await freshSchema(pool);
  const f0 = nowUs();
  await pool.query(
    `select count(*) from ${schema}.add_jobs(array(
       select row('noop', '{}'::json, null, null, null, null, null, null)::${schema}.job_spec
       from generate_series(1, $1::int)))`, [n]);
  const fillPerS = n / ((nowUs() - f0) / 1e6);
  await pool.query("checkpoint");
  const workers = startWorkers(k, schema, false);
  await until(() => workers.every((w) => w.ready), 60000, "the workers to start");
  const before = await pgCounters(pool);
  const pg0 = pgCpuSeconds(opts.pgPostmaster);
  const t0 = nowUs();
  for (const w of workers) w.child.send({ go: true });
  await until(() => workers.reduce((s, w) => s + w.completed, 0) >= n, 600000, "the jobs to run", 1);
  // Every task ran; the last completions are committed in a batch: the table is empty then.
  const probe = await pool.connect();
  try {
    for (;;) {
      const { rows } = await probe.query(`select exists (select 1 from ${schema}._private_jobs) as left`);
      if (!rows[0].left) break;
      if (nowUs() - t0 > 600e6) throw new Error("jobs left in the table");
      await sleep(1);
    }
  } finally { probe.release(); }
  const t1 = nowUs();
  const pg1 = pgCpuSeconds(opts.pgPostmaster);
  const stopped = await stopWorkers(workers);
  await until(() => workers.every((w) => w.exited), 30000, "the workers to exit");
  await sleep(200);  // their backends report their statistics as they exit
  const after = await pgCounters(pool);
  const seconds = (t1 - t0) / 1e6;
  const cpu = stopped.reduce((s, m) => s + m.cpuUs, 0);
  const ran = workers.reduce((s, w) => s + w.completed, 0);
  await pool.query(`drop schema ${schema} cascade`);
  console.error(`result tool=graphile mode=drain instances=${k} concurrency=${opts.concurrency} ` +
    `local_queue=${opts.localQueue} jobs=${n} fill_per_s=${fillPerS.toFixed(0)} seconds=${seconds.toFixed(3)} ` +
    `jobs_per_s=${(n / seconds).toFixed(0)} cpu_us_per_job=${(cpu / n).toFixed(2)} ` +
    `pg_cpu_us_per_job=${((pg1 - pg0) * 1e6 / n).toFixed(2)} pg_core_pct=${((pg1 - pg0) / seconds * 100).toFixed(0)} ` +
    `commits_per_job=${((after.commits - before.commits) / n).toFixed(3)} ` +
    `wal_syncs_per_job=${((after.syncs - before.syncs) / n).toFixed(4)} ` +
    `tasks_run=${ran}`);
  if (ran !== n) console.error(`warning: ${ran} tasks ran for ${n} jobs`);
}

async function latencyOnce(pool) {
  const schema = await freshSchema(pool);
  const same = opts.enqueueFrom === "same";
  const workers = startWorkers(1, schema, same);
  const w = workers[0];
  await until(() => w.ready, 60000, "the worker to start");
  const pg0 = pgCpuSeconds(opts.pgPostmaster);
  const t0 = nowUs();
  w.child.send({ go: true });
  let enq;
  if (same) {
    await until(() => w.enqueued, 600000, "the enqueues", 5);
    enq = w.enqueued;
  } else {
    await sleep(200);  // the runner connects and listens
    enq = await enqueueStamps(schema, until(() => w.warm, 60000, "the warm-up jobs"));
  }
  // Every job started? The worker says so when it stops; give the last ones a moment first.
  await sleep(500);
  const pgCore = (pgCpuSeconds(opts.pgPostmaster) - pg0) / ((nowUs() - t0) / 1e6) * 100;
  const [stopped] = await stopWorkers(workers);
  const lat = stopped.started.slice(opts.warmupSamples).filter((x) => x >= 0).sort((a, b) => a - b);
  const at = (q) => (lat.length ? lat[Math.min(Math.floor(q * lat.length), lat.length - 1)] : 0);
  await pool.query(`drop schema ${schema} cascade`);
  console.error(`result tool=graphile mode=latency from=${opts.enqueueFrom} concurrency=${opts.concurrency} ` +
    `local_queue=${opts.localQueue} samples=${opts.samples} interval_us=${opts.intervalUs} ` +
    `p50_us=${at(0.5).toFixed(0)} p99_us=${at(0.99).toFixed(0)} max_us=${(lat.at(-1) ?? 0).toFixed(0)} ` +
    `spacing_us=${enq.spacingUs.toFixed(0)} enqueue_us=${enq.callUs.toFixed(0)} started=${lat.length} ` +
    `pg_core_pct=${pgCore.toFixed(0)}`);
}

async function main() {
  if (opts.role === "worker") return worker();
  const pool = new pg.Pool({ connectionString: opts.url, max: 2 });
  try {
    for (let r = 0; r < opts.runs; r++) {
      if (opts.mode === "drain") await drainOnce(pool, opts.instances);
      else await latencyOnce(pool);
    }
  } finally {
    await pool.end();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
