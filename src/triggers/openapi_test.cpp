// The OpenAPI document of a small registry: paths and parameters, request bodies, status codes,
// problem responses, security from guards, shared component schemas whose $refs all resolve,
// and the GET /openapi.json handler.
#include "src/triggers/openapi.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bunbase/bunbase.hpp"

namespace bb::triggers {
namespace {

namespace json = boost::json;

struct Note {
  std::string id;
  std::string text;
};
BOOST_DESCRIBE_STRUCT(Note, (), (id, text))
struct NoteList {
  std::vector<Note> items;
  std::optional<Note> first;
};
BOOST_DESCRIBE_STRUCT(NoteList, (), (items, first))
struct GetNoteInput {
  std::string id;
  std::optional<bool> verbose;
};
BOOST_DESCRIBE_STRUCT(GetNoteInput, (), (id, verbose))
struct CreateNoteInput {
  std::string text;
};
BOOST_DESCRIBE_STRUCT(CreateNoteInput, (), (text))
struct UpdateNoteInput {
  std::string id;
  std::string text;
};
BOOST_DESCRIBE_STRUCT(UpdateNoteInput, (), (id, text))

namespace a {
struct Dup {
  std::int64_t x;
};
BOOST_DESCRIBE_STRUCT(Dup, (), (x))
}  // namespace a
namespace b {
struct Dup {
  std::string y;
};
BOOST_DESCRIBE_STRUCT(Dup, (), (y))
}  // namespace b

Guard authenticated() {
  return Guard("authenticated", [](Context&) {});
}
Guard rate_limited() {
  return Guard("rate_limit(5/60s by ip)", [](Context&) {});
}
Guard org_permission() {
  return Guard("has_permission(notes.write)", [](Context&) {});
}
Guard in_org() {
  return Guard("in_org", [](Context&) {});
}
struct OrgNotesInput {
  std::string orgId;
};
BOOST_DESCRIBE_STRUCT(OrgNotesInput, (), (orgId))

Module notes_module() {
  std::vector<Action> actions;
  actions.push_back(action<Empty, NoteList>({.name = "listNotes",
                                             .description = "Lists notes. Newest first.",
                                             .triggers = {triggers::api("GET", "/")}},
                                            [](const Empty&, Context&) { return NoteList{}; }));
  actions.push_back(action<GetNoteInput, Note>(
      {.name = "getNote", .triggers = {triggers::api("GET", "/:id")}, .guards = {authenticated()}},
      [](const GetNoteInput&, Context&) { return Note{}; }));
  actions.push_back(
      action<CreateNoteInput, Note>({.name = "createNote",
                                     .triggers = {triggers::api("POST", "/", {.status = 201})},
                                     .guards = {rate_limited()}},
                                    [](const CreateNoteInput&, Context&) { return Note{}; }));
  actions.push_back(
      action<UpdateNoteInput, Note>({.name = "updateNote",
                                     .triggers = {triggers::api("PATCH", "/:id")},
                                     .guards = {org_permission()}},
                                    [](const UpdateNoteInput&, Context&) { return Note{}; }));
  actions.push_back(action<GetNoteInput, Empty>(
      {.name = "deleteNote", .triggers = {triggers::api("DELETE", "/:id", {.status = 204})}},
      [](const GetNoteInput&, Context&) { return Empty{}; }));
  actions.push_back(
      action<a::Dup, Empty>({.name = "dupA", .triggers = {triggers::api("POST", "/dup-a")}},
                            [](const a::Dup&, Context&) { return Empty{}; }));
  actions.push_back(
      action<b::Dup, Empty>({.name = "dupB", .triggers = {triggers::api("POST", "/dup-b")}},
                            [](const b::Dup&, Context&) { return Empty{}; }));
  actions.push_back(action<OrgNotesInput, NoteList>(
      {.name = "listOrgNotes", .triggers = {triggers::api("GET", "/orgs/:orgId")}, .guards = {in_org()}},
      [](const OrgNotesInput&, Context&) { return NoteList{}; }));
  actions.push_back(
      action<Empty, Empty>({.name = "notRouted"}, [](const Empty&, Context&) { return Empty{}; }));
  return module({.name = "notes",
                 .description = "Short notes",
                 .api_prefix = "/notes",
                 .actions = std::move(actions)});
}

class OpenApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_.add(notes_module());
    registry_.seal();
    doc_ = openapi_document(registry_, {.title = "notes-app", .version = "1.2.3"});
    whole_ = doc_;
  }

  const json::object& op(std::string_view path, std::string_view method) {
    return doc_.at("paths").at(path).at(method).as_object();
  }
  // Follows a local "#/a/b" reference; null when it does not resolve.
  const json::value* resolve(std::string_view ref) {
    if (ref.substr(0, 2) != "#/") return nullptr;
    boost::system::error_code ec;
    const json::value* v = whole_.find_pointer(ref.substr(1), ec);
    return ec ? nullptr : v;
  }
  const json::object& deref(const json::value& v) {
    const auto& o = v.as_object();
    if (auto* r = o.if_contains("$ref")) return resolve(r->as_string())->as_object();
    return o;
  }
  json::object param(const json::object& operation, std::string_view name) {
    for (const auto& p : operation.at("parameters").as_array())
      if (p.at("name").as_string() == name) return p.as_object();
    return {};
  }

  Registry registry_;
  json::object doc_;
  json::value whole_;
};

TEST_F(OpenApiTest, HeaderAndInfo) {
  EXPECT_EQ(doc_.at("openapi").as_string(), "3.1.0");
  EXPECT_EQ(doc_.at("info").at("title").as_string(), "notes-app");
  EXPECT_EQ(doc_.at("info").at("version").as_string(), "1.2.3");
  EXPECT_EQ(doc_.at("tags").as_array().at(0).at("name").as_string(), "notes");
  EXPECT_EQ(doc_.at("tags").as_array().at(0).at("description").as_string(), "Short notes");
  // Relative to where the document is served.
  EXPECT_EQ(doc_.at("servers").as_array().at(0).at("url").as_string(), "/");
  // No `$schema` inside the document: OpenAPI's dialect applies.
  EXPECT_EQ(json::serialize(doc_).find("$schema"), std::string::npos);
}

TEST_F(OpenApiTest, OneOperationPerRoute) {
  const auto& paths = doc_.at("paths").as_object();
  EXPECT_TRUE(paths.contains("/notes"));
  EXPECT_TRUE(paths.contains("/notes/{id}"));
  EXPECT_FALSE(paths.contains("/notes/:id"));
  const auto& list = op("/notes", "get");
  EXPECT_EQ(list.at("operationId").as_string(), "listNotes");
  EXPECT_EQ(list.at("summary").as_string(), "Lists notes");
  EXPECT_EQ(list.at("description").as_string(), "Lists notes. Newest first.");
  EXPECT_EQ(list.at("tags").as_array().at(0).as_string(), "notes");
  EXPECT_FALSE(list.contains("parameters"));  // Empty input: nothing to send
  EXPECT_EQ(op("/notes/{id}", "get").at("summary").as_string(), "getNote");
  std::size_t operations = 0;
  for (const auto& p : paths) operations += p.value().as_object().size();
  EXPECT_EQ(operations, 8u);  // notRouted has no api trigger
}

TEST_F(OpenApiTest, PathAndQueryParameters) {
  const auto& get = op("/notes/{id}", "get");
  auto id = param(get, "id");
  EXPECT_EQ(id.at("in").as_string(), "path");
  EXPECT_TRUE(id.at("required").as_bool());
  EXPECT_EQ(id.at("schema").at("type").as_string(), "string");
  auto verbose = param(get, "verbose");
  EXPECT_EQ(verbose.at("in").as_string(), "query");
  EXPECT_FALSE(verbose.contains("required"));
  EXPECT_EQ(get.at("parameters").as_array().size(), 2u);
  EXPECT_FALSE(get.contains("requestBody"));
}

TEST_F(OpenApiTest, RequestBodies) {
  const auto& create = op("/notes", "post");
  EXPECT_FALSE(create.contains("parameters"));
  const auto& body = create.at("requestBody").as_object();
  EXPECT_TRUE(body.at("required").as_bool());
  const auto& schema = body.at("content").at("application/json").at("schema");
  EXPECT_EQ(schema.at("$ref").as_string(), "#/components/schemas/CreateNoteInput");
  // PATCH /:id: the body is the input without the path parameter.
  const auto& update = op("/notes/{id}", "patch");
  EXPECT_EQ(param(update, "id").at("in").as_string(), "path");
  const auto& patch =
      deref(update.at("requestBody").at("content").at("application/json").at("schema"));
  EXPECT_TRUE(patch.at("properties").as_object().contains("text"));
  EXPECT_FALSE(patch.at("properties").as_object().contains("id"));
  EXPECT_EQ(patch.at("required").as_array(), (json::array{"text"}));
}

TEST_F(OpenApiTest, SuccessAndErrorResponses) {
  const auto& created = op("/notes", "post").at("responses").as_object();
  EXPECT_EQ(
      created.at("201").at("content").at("application/json").at("schema").at("$ref").as_string(),
      "#/components/schemas/Note");
  EXPECT_FALSE(created.contains("200"));
  EXPECT_TRUE(created.contains("429"));  // a rate_limit guard
  EXPECT_TRUE(created.contains("403"));
  const auto& deleted = op("/notes/{id}", "delete").at("responses").as_object();
  EXPECT_FALSE(deleted.at("204").as_object().contains("content"));
  EXPECT_FALSE(deleted.contains("401"));  // no guards
  EXPECT_FALSE(deleted.contains("429"));
  for (const char* code : {"400", "404", "409", "500"}) EXPECT_TRUE(deleted.contains(code)) << code;
  const auto& bad = deref(deleted.at("400"));
  const auto& problem = deref(bad.at("content").at("application/problem+json").at("schema"));
  EXPECT_TRUE(problem.at("properties").as_object().contains("errors"));
  EXPECT_TRUE(problem.at("properties").as_object().contains("code"));
  EXPECT_TRUE(op("/notes/{id}", "get").at("responses").as_object().contains("401"));
}

TEST_F(OpenApiTest, SecurityFromGuards) {
  auto expected = json::array{json::object{{"bearerAuth", json::array()}},
                              json::object{{"sessionCookie", json::array()}}};
  EXPECT_EQ(op("/notes/{id}", "get").at("security").as_array(), expected);    // authenticated
  EXPECT_EQ(op("/notes/{id}", "patch").at("security").as_array(), expected);  // an org permission
  // Public: an empty list (overrides nothing, but says so explicitly).
  EXPECT_EQ(op("/notes", "get").at("security").as_array(), json::array());
  EXPECT_EQ(op("/notes", "post").at("security").as_array(),
            json::array());  // a rate limit needs no credentials
  const auto& schemes = doc_.at("components").at("securitySchemes");
  EXPECT_EQ(schemes.at("bearerAuth").at("scheme").as_string(), "bearer");
  EXPECT_EQ(schemes.at("sessionCookie").at("in").as_string(), "cookie");
  EXPECT_EQ(schemes.at("sessionCookie").at("name").as_string(), "bb_session");
}

TEST_F(OpenApiTest, OrgScopedOperationsTakeAnOptionalXOrgIdHeader) {
  // has_permission(...) on a path without {orgId}: the header names the organization.
  auto header = param(op("/notes/{id}", "patch"), "X-Org-Id");
  ASSERT_FALSE(header.empty());
  EXPECT_EQ(header.at("in").as_string(), "header");
  EXPECT_FALSE(header.at("required").as_bool());
  EXPECT_EQ(header.at("schema").at("type").as_string(), "string");
  EXPECT_NE(header.at("description").as_string().find("active organization"), std::string::npos);
  // Not org-scoped (authenticated only, or no guards): no header.
  EXPECT_TRUE(param(op("/notes/{id}", "get"), "X-Org-Id").empty());
  EXPECT_TRUE(param(op("/notes/{id}", "delete"), "X-Org-Id").empty());
  // Org-scoped, but {orgId} in the path names it: no header.
  const auto& by_path = op("/notes/orgs/{orgId}", "get");
  EXPECT_TRUE(param(by_path, "X-Org-Id").empty());
  EXPECT_EQ(param(by_path, "orgId").at("in").as_string(), "path");
  EXPECT_EQ(by_path.at("parameters").as_array().size(), 1u);
}

TEST_F(OpenApiTest, SharedSchemasAndRefsResolve) {
  const auto& schemas = doc_.at("components").at("schemas").as_object();
  EXPECT_TRUE(schemas.contains("Note"));
  EXPECT_TRUE(schemas.contains("NoteList"));
  EXPECT_TRUE(schemas.contains("Problem"));
  // Nested uses refer to the shared type; an optional one adds null beside it.
  const auto& list = schemas.at("NoteList").at("properties").as_object();
  EXPECT_EQ(list.at("items").at("items").at("$ref").as_string(), "#/components/schemas/Note");
  EXPECT_EQ(list.at("first").at("$ref").as_string(), "#/components/schemas/Note");
  EXPECT_EQ(list.at("first").as_object().size(), 1u);
  // Two types titled "Dup" stay inline.
  EXPECT_FALSE(schemas.contains("Dup"));
  EXPECT_EQ(op("/notes/dup-a", "post")
                .at("requestBody")
                .at("content")
                .at("application/json")
                .at("schema")
                .at("properties")
                .as_object()
                .contains("x"),
            true);
  // Every $ref in the document resolves.
  std::vector<std::string> refs;
  auto walk = [&](auto& self, const json::value& v) -> void {
    if (v.is_array())
      for (const auto& e : v.as_array()) self(self, e);
    if (!v.is_object()) return;
    for (const auto& kv : v.as_object()) {
      if (kv.key() == "$ref")
        refs.emplace_back(kv.value().as_string());
      else
        self(self, kv.value());
    }
  };
  walk(walk, doc_);
  EXPECT_GT(refs.size(), 10u);
  for (const auto& r : refs) EXPECT_NE(resolve(r), nullptr) << r;
}

TEST_F(OpenApiTest, HandlerServesTheDocument) {
  OpenApiHandler handler(doc_);
  int finished = 0;
  http::Exchange ex([&] { ++finished; });
  ex.message().method(boost::beast::http::verb::get);
  handler.handle(ex);
  EXPECT_EQ(finished, 1);
  EXPECT_EQ(ex.status, 200);
  EXPECT_EQ(ex.content_type, "application/json");
  EXPECT_EQ(json::parse(ex.body_to_send()), json::value(doc_)) << "sent from the handler's copy, not body_out";
  EXPECT_TRUE(ex.body_out.empty());
  std::string etag;
  for (const auto& [name, value] : ex.response.headers)
    if (name == "ETag") etag = value;
  ASSERT_FALSE(etag.empty());
  http::Exchange again([&] { ++finished; });
  again.message().method(boost::beast::http::verb::get);
  again.message().set("If-None-Match", etag);
  handler.handle(again);
  EXPECT_EQ(again.status, 304);
  http::Exchange post([&] { ++finished; });
  post.message().method(boost::beast::http::verb::post);
  handler.handle(post);
  EXPECT_EQ(post.status, 405);
}

}  // namespace
}  // namespace bb::triggers
