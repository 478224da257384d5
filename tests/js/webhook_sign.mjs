// Webhook signatures made by the senders' own libraries, for tests/integration/webhook_test.cpp.
//
//   node webhook_sign.mjs <scheme> <secret> [id] [unix_ts] < payload
//     prints the header(s) as one JSON object {name: value, ...}:
//     stripe    stripe@23.1.0 stripe.webhooks.generateTestHeaderString -> stripe-signature
//     standard  standardwebhooks@1.1.1 new Webhook(secret).sign(id, date, payload)
//               -> webhook-id, webhook-timestamp, webhook-signature
//     github    @octokit/webhooks-methods@6.0.0 sign(secret, payload)
//               -> x-hub-signature-256 (and x-github-delivery = id when given)
//   node webhook_sign.mjs --batch < cases.jsonl
//     the same for many payloads in one process (a node start costs ~0.2 s): each input line is
//     {"scheme", "secret", "id"?, "ts"?, "payload"} and each output line that case's headers.
// The timestamp defaults to now; the id to a fresh random one (standard) or none (github).
import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline";

import { sign as githubSign } from "@octokit/webhooks-methods";
import { Webhook } from "standardwebhooks";
import Stripe from "stripe";

const stripe = new Stripe("sk_test_unused");

async function headers({ scheme, secret, id, ts, payload }) {
  if (typeof secret !== "string" || secret === "") throw new Error("a secret is required");
  if (typeof payload !== "string") throw new Error("the payload must be a string");
  if (ts !== undefined && ts !== null && !/^\d+$/.test(String(ts)))
    throw new Error("the timestamp must be unix seconds");
  const seconds = ts === undefined || ts === null ? Math.floor(Date.now() / 1000) : Number(ts);
  switch (scheme) {
    case "stripe":
      return {
        "stripe-signature": stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: seconds }),
      };
    case "standard": {
      const msgId = id || `msg_${randomUUID()}`;
      return {
        "webhook-id": msgId,
        "webhook-timestamp": String(seconds),
        "webhook-signature": new Webhook(secret).sign(msgId, new Date(seconds * 1000), payload),
      };
    }
    case "github": {
      const out = { "x-hub-signature-256": await githubSign(secret, payload) };
      if (id) out["x-github-delivery"] = id;
      return out;
    }
    default:
      throw new Error(`unknown scheme "${scheme}" (stripe, standard or github)`);
  }
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

try {
  const args = process.argv.slice(2);
  if (args[0] === "--batch") {
    const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
    for await (const line of lines) {
      if (line.trim() === "") continue;
      process.stdout.write(JSON.stringify(await headers(JSON.parse(line))) + "\n");
    }
  } else {
    const [scheme, secret, id, ts] = args;
    if (!scheme || !secret) {
      process.stderr.write(
        "usage: node webhook_sign.mjs <stripe|standard|github> <secret> [id] [unix_ts] < payload\n" +
          "       node webhook_sign.mjs --batch < cases.jsonl\n",
      );
      process.exit(2);
    }
    const payload = await readStdin();
    process.stdout.write(JSON.stringify(await headers({ scheme, secret, id, ts, payload })) + "\n");
  }
} catch (e) {
  process.stderr.write(`webhook_sign: ${e.message}\n`);
  process.exit(1);
}
