// The TypeScript generator's mapping from JSON Schema and operations to TypeScript text; that the
// result type-checks and runs is tests/integration/sdk_test.cpp.
#include "src/app/sdk_ts.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace bb {
namespace {

boost::json::object doc() {
  return boost::json::parse(R"({
    "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
    "paths": {
      "/things/{thingId}": {
        "patch": {"operationId": "updateThing", "summary": "Changes a thing",
          "parameters": [{"name": "thingId", "in": "path", "required": true, "schema": {"type": "string"}}],
          "requestBody": {"required": true, "content": {"application/json": {"schema":
            {"type": "object", "properties": {"label": {"type": "string"}}, "additionalProperties": false}}}},
          "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}}},
        "delete": {"operationId": "delete", "parameters": [{"name": "thingId", "in": "path", "required": true}],
          "responses": {"204": {"description": "No content"}}}
      },
      "/things": {"get": {"operationId": "listThings",
        "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}}}}}}}
    },
    "components": {"schemas": {
      "Thing": {"type": "object", "description": "A thing */ here",
        "properties": {"id": {"type": "string"}, "size": {"type": ["integer", "null"]},
                       "kind": {"$ref": "#/components/schemas/Kind"}, "odd-key": {"type": "boolean"}},
        "required": ["id", "size"], "additionalProperties": true},
      "Kind": {"type": "string", "enum": ["small", "large"]},
      "Client": {"type": "object", "properties": {}, "additionalProperties": false},
      "UpdateThingRequest": {"type": "string"}
    }}
  })")
      .as_object();
}

TEST(SdkTs, SchemasBecomeNamedTypes) {
  std::string ts = typescript_sdk(doc());
  EXPECT_NE(ts.find("/** A thing *\\/ here */\nexport interface Thing {\n"), std::string::npos)
      << ts;
  EXPECT_NE(
      ts.find("  id: string;\n  size: number | null;\n  kind?: Kind;\n  \"odd-key\"?: boolean;\n"
              "  [key: string]: unknown;\n}"),
      std::string::npos);
  EXPECT_NE(ts.find("export type Kind = \"small\" | \"large\";"), std::string::npos);
  // A schema named like a runtime export is renamed rather than clashing with it.
  EXPECT_NE(ts.find("export type ClientSchema = Record<string, never>;"), std::string::npos);
}

TEST(SdkTs, OperationsSplitInputIntoPathQueryAndBody) {
  std::string ts = typescript_sdk(doc());
  // The component UpdateThingRequest keeps its name; the operation's input type moves aside.
  EXPECT_NE(
      ts.find(
          "export type UpdateThingRequest_ = {\n  thingId: string;\n} & {\n  label?: string;\n};"),
      std::string::npos)
      << ts;
  EXPECT_NE(
      ts.find(
          "export async function updateThing(client: Client, input: UpdateThingRequest_, "
          "options?: CallOptions): Promise<UpdateThingResponse> {\n  return (await client.request("
          "\"PATCH\", \"/things/\" + encodeURIComponent(String(input[\"thingId\"])) + \"\", "
          "undefined, "
          "omit(input, [\"thingId\"]), options)) as UpdateThingResponse;"),
      std::string::npos);
  EXPECT_NE(
      ts.find("export async function listThings(client: Client, input: ListThingsRequest = {}"),
      std::string::npos);
  EXPECT_NE(ts.find("pick(input, [\"limit\"]), undefined, options"), std::string::npos);
  EXPECT_NE(ts.find("export type ListThingsResponse = Array<Thing>;"), std::string::npos);
  // A reserved word as operationId still makes a valid function name; 204 answers void.
  EXPECT_NE(
      ts.find(
          "export async function deleteOperation(client: Client, input: DeleteOperationRequest"),
      std::string::npos);
  EXPECT_NE(ts.find("export type DeleteOperationResponse = void;"), std::string::npos);
}

}  // namespace
}  // namespace bb
