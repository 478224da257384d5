// A fake of the few Stripe API endpoints Bunbase's billing calls, for integration tests.
// `node fake_stripe.mjs` listens on 127.0.0.1 on a free port and prints {"port": N} as its first
// stdout line. Requests are form-encoded like Stripe's; answers and errors have Stripe's shapes.
//
// API:      POST /v1/checkout/sessions, POST /v1/billing_portal/sessions,
//           GET|POST /v1/subscriptions/:id  (current API shape: items.data[].current_period_end)
// Controls: GET /__requests            every API request seen: method, path, query, headers, form, params
//           POST /__fail?count=N&status=500   the next N API calls fail with that status
//           POST /__subscriptions      JSON {id, customer, status, price, current_period_end, ...}
//                                      creates or replaces a subscription
//           POST /__reset              forget requests, failures, subscriptions, idempotent replies
import { randomBytes } from "node:crypto";
import http from "node:http";

const state = {};
function reset() {
  state.requests = [];
  state.fail = { count: 0, status: 500 };
  state.subscriptions = new Map();
  state.idempotent = new Map(); // Idempotency-Key -> {path, raw, status, body}
}
reset();

const now = () => Math.floor(Date.now() / 1000);
const id = (prefix) => `${prefix}_${randomBytes(12).toString("hex")}`;

class StripeError extends Error {
  constructor(status, type, message, param, code) {
    super(message);
    Object.assign(this, { status, type, param, code });
  }
  get body() {
    const error = { type: this.type, message: this.message };
    if (this.param) error.param = this.param;
    if (this.code) error.code = this.code;
    return { error };
  }
}
const missing = (param) =>
  new StripeError(400, "invalid_request_error", `Missing required param: ${param}.`, param, "parameter_missing");
const unknown = (param) =>
  new StripeError(400, "invalid_request_error", `Received unknown parameter: ${param}`, param, "parameter_unknown");

// "line_items[0][price]=p&metadata[a]=b&expand[]=x" -> {line_items: [{price: "p"}], metadata: {a: "b"}, expand: ["x"]}
function decodeParams(pairs) {
  const root = {};
  for (const [name, value] of pairs) {
    const path = name.split(/[[\]]+/).filter((p, i, all) => p !== "" || (i > 0 && i < all.length - 1));
    if (name.endsWith("[]")) path.push("");
    let node = root;
    path.forEach((key, i) => {
      const last = i === path.length - 1;
      if (key === "") key = Object.keys(node).length; // "[]": append
      if (last) node[key] = value;
      else node = node[key] ??= {};
    });
  }
  const arrays = (v) => {
    if (v === null || typeof v !== "object") return v;
    const keys = Object.keys(v);
    for (const k of keys) v[k] = arrays(v[k]);
    return keys.length > 0 && keys.every((k, i) => String(i) === k) ? keys.map((k) => v[k]) : v;
  };
  return arrays(root);
}

const bool = (v) => v === true || v === "true";
const int = (v) => (v === undefined || v === "" ? null : Number.parseInt(v, 10));

function subscription({ id: subId, customer = "cus_fake", status = "active", price = "price_fake",
                        current_period_start, current_period_end, trial_end = null, metadata = {},
                        cancel_at_period_end = false, cancel_at = null }) {
  const start = current_period_start ?? now();
  const end = current_period_end ?? start + 30 * 86400;
  return {
    id: subId, object: "subscription", customer, status, livemode: false, created: start, start_date: start,
    cancel_at_period_end, cancel_at, canceled_at: null, ended_at: null, trial_end, metadata,
    latest_invoice: null,
    items: {
      object: "list", has_more: false, total_count: 1, url: `/v1/subscription_items?subscription=${subId}`,
      data: [{
        id: id("si"), object: "subscription_item", subscription: subId, quantity: 1, created: start,
        current_period_start: start, current_period_end: end,
        price: { id: price, object: "price", active: true, currency: "usd", product: "prod_fake", type: "recurring",
                 recurring: { interval: "month", interval_count: 1 }, unit_amount: 1000 },
      }],
    },
  };
}

const routes = [
  ["POST", /^\/v1\/checkout\/sessions$/, (p) => {
    if (!p.mode) throw missing("mode");
    if (!["payment", "subscription", "setup"].includes(p.mode))
      throw new StripeError(400, "invalid_request_error", `Invalid mode: must be one of payment, setup, or subscription`, "mode");
    if (p.mode !== "setup" && !(Array.isArray(p.line_items) && p.line_items.length)) throw missing("line_items");
    const sid = id("cs_test");
    return {
      id: sid, object: "checkout.session", livemode: false, created: now(), expires_at: now() + 86400,
      url: `https://checkout.stripe.test/c/pay/${sid}`, mode: p.mode, status: "open", payment_status: "unpaid",
      customer: p.customer ?? null, customer_email: p.customer_email ?? null,
      client_reference_id: p.client_reference_id ?? null, metadata: p.metadata ?? {},
      success_url: p.success_url ?? null, cancel_url: p.cancel_url ?? null, subscription: null,
      subscription_data: p.subscription_data ?? null, allow_promotion_codes: p.allow_promotion_codes ?? null,
    };
  }],
  ["POST", /^\/v1\/billing_portal\/sessions$/, (p) => {
    if (!p.customer) throw missing("customer");
    const bid = id("bps");
    return {
      id: bid, object: "billing_portal.session", livemode: false, created: now(), customer: p.customer,
      return_url: p.return_url ?? null, url: `https://billing.stripe.test/p/session/${bid}`,
    };
  }],
  ["GET", /^\/v1\/subscriptions\/([^/]+)$/, (_p, [subId]) => findSubscription(subId)],
  ["POST", /^\/v1\/subscriptions\/([^/]+)$/, (p, [subId]) => {
    const sub = findSubscription(subId);
    const allowed = ["cancel_at_period_end", "cancel_at", "metadata", "items", "proration_behavior", "trial_end",
                     "description", "default_payment_method", "expand"];
    for (const key of Object.keys(p)) if (!allowed.includes(key)) throw unknown(key);
    const item = sub.items.data[0];
    if ("metadata" in p) sub.metadata = p.metadata === "" ? {} : { ...sub.metadata, ...p.metadata };
    if ("cancel_at_period_end" in p) {
      sub.cancel_at_period_end = bool(p.cancel_at_period_end);
      sub.cancel_at = sub.cancel_at_period_end ? item.current_period_end : null;
    }
    if ("cancel_at" in p) sub.cancel_at = int(p.cancel_at);
    if ("trial_end" in p) sub.trial_end = p.trial_end === "now" ? now() : int(p.trial_end);
    if (Array.isArray(p.items) && p.items[0]?.price) item.price.id = p.items[0].price;
    return sub;
  }],
];

function findSubscription(subId) {
  const sub = state.subscriptions.get(subId);
  if (!sub)
    throw new StripeError(404, "invalid_request_error", `No such subscription: '${subId}'`, "id", "resource_missing");
  return sub;
}

function send(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  // A Content-Length, not chunked: the integration tests' small HTTP client reads plain bodies.
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
    "Request-Id": id("req"),
    ...headers,
  });
  res.end(text);
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

async function control(req, res, url, raw) {
  if (req.method === "GET" && url.pathname === "/__requests") return send(res, 200, state.requests);
  if (req.method === "POST" && url.pathname === "/__reset") return reset(), send(res, 200, { ok: true });
  if (req.method === "POST" && url.pathname === "/__fail") {
    state.fail = { count: int(url.searchParams.get("count")) ?? 1, status: int(url.searchParams.get("status")) ?? 500 };
    return send(res, 200, state.fail);
  }
  if (req.method === "POST" && url.pathname === "/__subscriptions") {
    const spec = JSON.parse(raw || "{}");
    const sub = subscription({ ...spec, id: spec.id ?? id("sub") });
    state.subscriptions.set(sub.id, sub);
    return send(res, 200, sub);
  }
  send(res, 404, { error: { type: "invalid_request_error", message: `Unknown control ${url.pathname}` } });
}

async function handle(req, res) {
  const url = new URL(req.url, "http://127.0.0.1");
  const raw = await readBody(req);
  if (url.pathname.startsWith("/__")) return control(req, res, url, raw);

  const pairs = [...new URLSearchParams(raw)];
  const params = { ...decodeParams([...url.searchParams]), ...decodeParams(pairs) };
  state.requests.push({
    method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers,
    body: raw, form: Object.fromEntries(pairs), params,
  });

  const auth = req.headers.authorization ?? "";
  if (!/^Bearer sk_test_\S+$/.test(auth)) {
    const message = auth
      ? "Invalid API Key provided: " + auth.replace(/^Bearer /, "").replace(/^(.{8}).*(.{4})$/, "$1****$2")
      : "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').";
    return send(res, 401, { error: { type: "invalid_request_error", message } });
  }
  if (state.fail.count > 0) {
    state.fail.count--;
    return send(res, state.fail.status, { error: { type: "api_error", message: "Injected failure (fake_stripe /__fail)" } });
  }
  // Like Stripe: a key replays its first successful answer, and only for the same request.
  const key = req.method === "POST" ? req.headers["idempotency-key"] : undefined;
  if (key && state.idempotent.has(key)) {
    const saved = state.idempotent.get(key);
    if (saved.path !== url.pathname || saved.raw !== raw)
      return send(res, 400, { error: { type: "idempotency_error", message:
        `Keys for idempotent requests can only be used with the same parameters they were first used with. ` +
        `Try using a key other than '${key}' if you meant to execute a different request.` } });
    return send(res, saved.status, saved.body, { "Idempotent-Replayed": "true" });
  }

  let status = 200, body;
  try {
    const route = routes.find(([m, re]) => m === req.method && re.test(url.pathname));
    if (!route)
      throw new StripeError(404, "invalid_request_error", `Unrecognized request URL (${req.method}: ${url.pathname}).`);
    body = route[2](params, url.pathname.match(route[1]).slice(1));
  } catch (e) {
    if (!(e instanceof StripeError)) throw e;
    status = e.status;
    body = e.body;
  }
  if (key && status === 200) state.idempotent.set(key, { path: url.pathname, raw, status, body: structuredClone(body) });
  send(res, status, body);
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((e) => send(res, 500, { error: { type: "api_error", message: String(e?.message ?? e) } }));
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + "\n");
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.close(() => process.exit(0)));
