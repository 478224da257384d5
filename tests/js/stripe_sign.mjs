// `node stripe_sign.mjs <secret> [timestamp] < payload` prints the Stripe-Signature header value
// that the official SDK (stripe@23.1.0) makes for the raw payload read from stdin.
import Stripe from "stripe";

const [secret, timestamp] = process.argv.slice(2);
if (!secret) {
  process.stderr.write("usage: node stripe_sign.mjs <secret> [unix timestamp] < payload\n");
  process.exit(2);
}
if (timestamp !== undefined && !/^\d+$/.test(timestamp)) {
  process.stderr.write("stripe_sign: the timestamp must be unix seconds\n");
  process.exit(2);
}

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const payload = Buffer.concat(chunks).toString("utf8");

const stripe = new Stripe("sk_test_unused");
const header = stripe.webhooks.generateTestHeaderString({
  payload,
  secret,
  ...(timestamp !== undefined ? { timestamp: Number(timestamp) } : {}),
});
process.stdout.write(header + "\n");
