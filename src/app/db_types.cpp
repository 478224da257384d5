// The `gen db-types` generator (see db_types.hpp).
#include "src/app/db_types.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <stdexcept>
#include <vector>

namespace bb {

namespace {

// The framework's and the built-in modules' tables: left out unless asked for.
const std::set<std::string, std::less<>> kFrameworkTables = {
    "action_logs", "action_metrics", "action_runs", "api_keys", "auth_tokens", "bunbase_migrations", "event_deliveries", "events", "features",
    "jobs", "mail_outbox", "org_invitations", "org_memberships", "organizations", "permissions", "plan_features", "plans",
    "rate_limits", "role_permissions", "role_set_roles", "role_sets", "roles", "scheduled_jobs", "sessions", "sqlite_sequence", "stripe_events",
    "subscription_events", "subscriptions", "users", "webhook_deliveries"};

const std::set<std::string, std::less<>> kKeywords = {
    "alignas", "alignof", "and", "asm", "auto", "bool", "break", "case", "catch", "char", "class", "const", "continue",
    "default", "delete", "do", "double", "else", "enum", "explicit", "export", "extern", "false", "float", "for",
    "friend", "goto", "if", "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not", "nullptr",
    "operator", "or", "private", "protected", "public", "register", "return", "short", "signed", "sizeof", "static",
    "struct", "switch", "template", "this", "throw", "true", "try", "typedef", "typename", "union", "unsigned",
    "using", "virtual", "void", "volatile", "while", "xor"};

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

// SQLite's type affinity rules (https://sqlite.org/datatype3.html, 3.1), plus BOOLEAN.
std::string sqlite_cpp_type(const std::string& declared) {
  const std::string t = upper(declared);
  if (t.find("BOOL") != std::string::npos) return "bool";
  if (t.find("INT") != std::string::npos) return "std::int64_t";
  if (t.find("CHAR") != std::string::npos || t.find("CLOB") != std::string::npos || t.find("TEXT") != std::string::npos)
    return "std::string";
  if (t.empty() || t.find("BLOB") != std::string::npos) return "std::string";
  return "double";  // REAL, FLOA, DOUB, NUMERIC, DECIMAL...
}

// PostgreSQL's type (pg_type.typname) as the driver reads its values back: integers, reals
// and numeric as numbers, bool as bool, json and jsonb parsed (any JSON value), everything
// else (text, timestamps, bytea...) as text.
std::string pg_cpp_type(const std::string& udt) {
  if (udt == "int2" || udt == "int4" || udt == "int8") return "std::int64_t";
  if (udt == "float4" || udt == "float8" || udt == "numeric") return "double";
  if (udt == "bool") return "bool";
  if (udt == "json" || udt == "jsonb") return "boost::json::value";
  return "std::string";
}

struct Column {
  std::string name;
  std::string type;      // as declared, for the comment
  std::string cpp_type;
  bool required = false;  // NOT NULL or primary key
};

struct Table {
  std::string name;
  std::vector<Column> columns;
};

std::string text(const boost::json::value& v) { return v.is_string() ? std::string(v.as_string()) : std::string(); }

bool truthy(const boost::json::value& v) { return v.is_bool() ? v.as_bool() : v.to_number<std::int64_t>() != 0; }

std::vector<Table> sqlite_tables(db::Database& db) {
  std::vector<Table> out;
  for (const auto& t : db.query(
           "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")) {
    Table table{.name = text(t.as_object().at("name"))};
    for (const auto& c :
         db.query("SELECT name, type, \"notnull\", pk FROM pragma_table_info($1) ORDER BY cid", {table.name})) {
      const auto& col = c.as_object();
      const std::string type = text(col.at("type"));
      table.columns.push_back({.name = text(col.at("name")),
                               .type = type,
                               .cpp_type = sqlite_cpp_type(type),
                               .required = truthy(col.at("notnull")) || truthy(col.at("pk"))});
    }
    out.push_back(std::move(table));
  }
  return out;
}

// The tables of the schema the connection works in (current_schema(): the first of its
// search_path), from information_schema; one query for every column of every table.
std::vector<Table> pg_tables(db::Database& db) {
  std::vector<Table> out;
  for (const auto& c : db.query(
           "SELECT c.table_name, c.column_name, c.data_type, c.udt_name, c.is_nullable "
           "FROM information_schema.columns c JOIN information_schema.tables t "
           "ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
           "WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' "
           "ORDER BY c.table_name, c.ordinal_position")) {
    const auto& col = c.as_object();
    const std::string table = text(col.at("table_name"));
    if (out.empty() || out.back().name != table) out.push_back({.name = table});
    out.back().columns.push_back({.name = text(col.at("column_name")),
                                  .type = text(col.at("data_type")),
                                  .cpp_type = pg_cpp_type(text(col.at("udt_name"))),
                                  .required = text(col.at("is_nullable")) == "NO"});
  }
  return out;
}

bool identifier(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

// "org_memberships" -> "OrgMembershipsRow".
std::string struct_name(const std::string& table) {
  std::string out;
  bool up = true;
  for (char c : table) {
    if (c == '_') {
      up = true;
      continue;
    }
    out += up ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    up = false;
  }
  return out + "Row";
}

}  // namespace

std::string db_types_header(db::Database& db, const DbTypesOptions& options) {
  std::vector<Table> tables;
  if (db.dialect() == "sqlite")
    tables = sqlite_tables(db);
  else if (db.dialect() == "postgres")
    tables = pg_tables(db);
  else
    throw std::runtime_error("gen db-types cannot read a " + std::string(db.dialect()) + " database");
  std::string out =
      "// Generated by `gen db-types` from the migrated database: one described struct per table.\n"
      "// Do not edit; run the command again after a migration.\n"
      "#pragma once\n\n#include <bunbase/bunbase.hpp>\n\n#include <cstdint>\n#include <optional>\n#include <string>\n\n"
      "namespace " + options.ns + " {\n";
  for (const auto& table : tables) {
    if (!options.framework_tables && kFrameworkTables.count(table.name)) continue;
    if (!identifier(table.name)) continue;
    std::string fields, names;
    for (const auto& col : table.columns) {
      if (!identifier(col.name) || kKeywords.count(col.name)) {
        fields += "  // column \"" + col.name + "\" is not a C++ name: select it AS another one\n";
        continue;
      }
      fields += "  " + (col.required ? col.cpp_type : "std::optional<" + col.cpp_type + ">") + " " + col.name + ";" +
                (col.type.empty() ? "" : "  // " + col.type) + "\n";
      names += (names.empty() ? "" : ", ") + col.name;
    }
    if (names.empty()) continue;
    const std::string s = struct_name(table.name);
    out += "\n// " + table.name + "\nstruct " + s + " {\n" + fields + "};\nBOOST_DESCRIBE_STRUCT(" + s +
           ", (), (" + names + "))\n";
  }
  out += "\n}  // namespace " + options.ns + "\n";
  return out;
}

}  // namespace bb
