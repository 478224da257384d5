// Drives the generated TypeScript client (./sdk/index.ts, written by `saas-demo sdk --lang ts`)
// against a running demo: signs up, creates an organization, calls org-scoped actions (by the
// X-Org-Id header and by an {orgId} path parameter) and two failing calls, then prints one JSON
// line that tests/integration/sdk_test.cpp checks. Usage: node smoke.js BASE_URL
import {
  BunbaseError,
  createClient,
  createInvoice,
  createOrganization,
  getOrganization,
  listInvoices,
  listMembers,
  me,
  signIn,
  signUp,
} from "./sdk/index.js";

declare const process: { argv: string[]; exitCode?: number };

async function failure(call: () => Promise<unknown>) {
  try {
    await call();
    return { thrown: false };
  } catch (e) {
    if (!(e instanceof BunbaseError)) return { thrown: true, bunbaseError: false, message: String(e) };
    return { thrown: true, bunbaseError: true, status: e.status, code: e.code, detail: e.detail, errors: e.errors.length };
  }
}

async function main() {
  const baseUrl = process.argv[2];
  const anonymous = createClient({ baseUrl });
  // Sign-up answers the same for a free and a taken email and signs nobody in: then sign in.
  const signedUp = await signUp(anonymous, { email: "sdk@example.com", password: "correct horse", name: "Sdk" });
  const session = await signIn(anonymous, { email: "sdk@example.com", password: "correct horse" });

  const client = createClient({ baseUrl, token: session.token });
  const self = await me(client);
  const org = await createOrganization(client, { name: "Sdk Org", slug: "sdk-org" });
  const scoped = { headers: { "X-Org-Id": org.id } };
  const invoice = await createInvoice(client, { customer: "ACME", amountCents: 1200 }, scoped);
  const invoices = await listInvoices(client, scoped);
  const members = await listMembers(client, { orgId: org.id });

  const invalid = await failure(() => createInvoice(client, { customer: "ACME", amountCents: 0 }, scoped));
  const foreign = await failure(() => getOrganization(client, { orgId: "no such/org?" }));
  const signedOut = await failure(() => me(anonymous));

  console.log(JSON.stringify({
    signUpStatus: signedUp.status,
    userEmail: self.email,
    sessionUser: session.user.id === self.id,
    org: { name: org.name, slug: org.slug, role: org.role },
    invoice: { customer: invoice.customer, amountCents: invoice.amountCents, status: invoice.status },
    invoiceCount: invoices.items.length,
    members: members.items.map((m) => ({ email: m.email, role: m.role })),
    invalid,
    foreign,
    signedOut,
  }));
}

main().catch((e) => {
  console.log(JSON.stringify({ error: String(e), problem: e instanceof BunbaseError ? e.problem : null }));
  process.exitCode = 1;
});
