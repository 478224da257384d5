// Must NOT type-check against the generated client: an organization's name is a string
// (tests/integration/sdk_test.cpp expects tsc to reject this file, pointing at `name`).
import { createClient, createOrganization } from "./sdk/index.js";

const client = createClient({ baseUrl: "http://127.0.0.1:1" });
export const wrong = createOrganization(client, { name: 42, slug: "wrong" });
