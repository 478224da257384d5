// The official MCP TypeScript SDK client (@modelcontextprotocol/sdk) driving a Bunbase app, for
// tests/integration/mcp_test.cpp. Connects, lists every tool (following nextCursor), makes the
// calls asked for, ends the session, and prints one JSON object on stdout:
//   {"protocolVersion", "serverInfo", "sessionId", "tools": [...], "calls": [{name, result} | {name, error}]}
//
//   node mcp_client.mjs --url http://127.0.0.1:3000/mcp [--token T] [--call NAME JSON]...
//   node mcp_client.mjs --command ./saas-demo --arg mcp [--cwd DIR] [--env K=V]... [--call NAME JSON]...
//
// Exits 2 on a protocol failure (connecting, listing tools); a failed call is reported, not fatal.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const args = process.argv.slice(2);
const opts = { args: [], env: {}, calls: [] };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === "--url") opts.url = args[++i];
  else if (a === "--token") opts.token = args[++i];
  else if (a === "--command") opts.command = args[++i];
  else if (a === "--arg") opts.args.push(args[++i]);
  else if (a === "--cwd") opts.cwd = args[++i];
  else if (a === "--env") {
    const kv = args[++i];
    const eq = kv.indexOf("=");
    opts.env[kv.slice(0, eq)] = kv.slice(eq + 1);
  } else if (a === "--call") {
    opts.calls.push({ name: args[++i], arguments: JSON.parse(args[++i]) });
  } else {
    console.error(`unknown argument ${a}`);
    process.exit(64);
  }
}

function describeError(e) {
  return { message: String(e?.message ?? e), code: e?.code ?? null, name: e?.constructor?.name ?? null };
}

let transport;
if (opts.url) {
  const headers = opts.token ? { Authorization: `Bearer ${opts.token}` } : {};
  transport = new StreamableHTTPClientTransport(new URL(opts.url), { requestInit: { headers } });
} else if (opts.command) {
  transport = new StdioClientTransport({
    command: opts.command,
    args: opts.args,
    cwd: opts.cwd,
    env: { PATH: process.env.PATH ?? "", ...opts.env },
    stderr: "inherit",
  });
} else {
  console.error("give --url or --command");
  process.exit(64);
}

const client = new Client({ name: "bunbase-mcp-test", version: "1.0.0" });
const out = { calls: [] };
try {
  await client.connect(transport);
  out.protocolVersion = transport.protocolVersion ?? null;
  out.serverInfo = client.getServerVersion() ?? null;
  out.capabilities = client.getServerCapabilities() ?? null;
  out.sessionId = transport.sessionId ?? null;
  out.tools = [];
  let cursor;
  do {
    const page = await client.listTools(cursor ? { cursor } : {});
    out.tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor);
  await client.ping();
} catch (e) {
  console.error(`protocol failure: ${e?.stack ?? e}`);
  console.log(JSON.stringify({ ...out, failure: describeError(e) }));
  process.exit(2);
}

for (const call of opts.calls) {
  try {
    // callTool validates structuredContent against the tool's outputSchema (Ajv).
    const result = await client.callTool(call);
    out.calls.push({ name: call.name, result });
  } catch (e) {
    out.calls.push({ name: call.name, error: describeError(e) });
  }
}

try {
  if (opts.url) await transport.terminateSession();  // DELETE
  await client.close();
} catch (e) {
  console.error(`closing: ${e?.stack ?? e}`);
  console.log(JSON.stringify({ ...out, failure: describeError(e) }));
  process.exit(2);
}
console.log(JSON.stringify(out));
