// `<app> sdk --lang ts --out DIR`: a dependency-free, fetch-based TypeScript client written from
// the app's OpenAPI document, so the client and the document never disagree.
//
//   auto doc = bb::triggers::openapi_document(app.registry(), {.title = "saas-demo"});
//   bb::write_typescript_sdk(doc, "web/src/api");  // writes web/src/api/index.ts
//
// The client: `createClient({baseUrl, token?, fetch?, headers?, credentials?})`, one typed async
// function per operation named after its operationId (`signUp(client, input)`), input and output
// types from the JSON Schemas (`components.schemas` as named types), and failures thrown as a
// `BunbaseError` carrying the problem+json fields (status, code, detail, errors).
#pragma once

#include <boost/json/object.hpp>
#include <filesystem>
#include <string>

namespace bb {

// The text of index.ts for `openapi` (an OpenAPI 3.1 document as openapi_document() makes it).
std::string typescript_sdk(const boost::json::object& openapi);

// Writes DIR/index.ts (creating DIR); throws std::runtime_error when it cannot.
void write_typescript_sdk(const boost::json::object& openapi, const std::filesystem::path& dir);

}  // namespace bb
