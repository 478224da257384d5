// The database of an app a test starts, on either driver: a SQLite file in the test's scratch
// directory, or, when BUNBASE_TEST_DATABASE_URL names a PostgreSQL server (ctest's "pg." tests,
// tests/CMakeLists.txt), a fresh schema on that server, made before the app starts and dropped
// afterwards. Db reads it back (and writes, for the tests that tamper with it) through sqlite3
// or libpq, with every value as text, so that the assertions are the same for both.
//
//   TestDatabase database(dir.path());              // DATABASE_URL=database.url() for the app
//   Db db(database.url());
//   db.count("SELECT count(*) FROM users WHERE id = ?", {id});   // ? placeholders on both
#pragma once

#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace bbit {

inline bool is_postgres_url(std::string_view url) {
  return url.starts_with("postgres://") || url.starts_with("postgresql://");
}

// The PostgreSQL server the suites run on (BUNBASE_TEST_DATABASE_URL), or "" for SQLite.
inline std::string test_server_url() {
  const char* url = std::getenv("BUNBASE_TEST_DATABASE_URL");
  return url && is_postgres_url(url) ? url : "";
}
inline bool on_postgres() { return !test_server_url().empty(); }

// Reads and writes an app's database by URL (sqlite://PATH, or a PostgreSQL URL). Parameters
// are written `?` and bound as text; a PostgreSQL boolean reads "1" or "0", as SQLite stores it.
class Db {
 public:
  using Row = std::map<std::string, std::optional<std::string>>;

  explicit Db(const std::string& url) {
    if (is_postgres_url(url)) {
      pg_ = PQconnectdb(url.c_str());
      if (PQstatus(pg_) != CONNECTION_OK) {
        std::string why = PQerrorMessage(pg_);
        PQfinish(pg_);
        throw std::runtime_error("cannot connect to " + url + ": " + why);
      }
      PGresult* r = PQexec(pg_, "SET client_min_messages = warning");
      PQclear(r);
      return;
    }
    const std::string path = url.starts_with("sqlite://") ? url.substr(9) : url;
    if (sqlite3_open_v2(path.c_str(), &lite_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      std::string why = sqlite3_errmsg(lite_);
      sqlite3_close(lite_);
      throw std::runtime_error("cannot open " + path + ": " + why);
    }
    sqlite3_busy_timeout(lite_, 5000);
  }
  ~Db() {
    if (lite_) sqlite3_close(lite_);
    if (pg_) PQfinish(pg_);
  }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  bool postgres() const { return pg_ != nullptr; }

  std::vector<Row> query(const std::string& sql, const std::vector<std::string>& params = {}) {
    return pg_ ? pg_query(sql, params) : sqlite_query(sql, params);
  }

  // The first column of the first row as a number (0 without a row or for NULL).
  std::int64_t count(const std::string& sql, const std::vector<std::string>& params = {}) {
    auto rows = query(sql, params);
    return rows.empty() || !rows[0].begin()->second ? 0 : std::stoll(*rows[0].begin()->second);
  }

 private:
  std::vector<Row> sqlite_query(const std::string& sql, const std::vector<std::string>& params) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(lite_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
      throw std::runtime_error("prepare \"" + sql + "\": " + sqlite3_errmsg(lite_));
    for (std::size_t i = 0; i < params.size(); ++i)
      sqlite3_bind_text(st, static_cast<int>(i + 1), params[i].c_str(), -1, SQLITE_TRANSIENT);
    std::vector<Row> rows;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      Row row;
      for (int c = 0; c < sqlite3_column_count(st); ++c) {
        const char* name = sqlite3_column_name(st, c);
        if (sqlite3_column_type(st, c) == SQLITE_NULL) row[name] = std::nullopt;
        else row[name] = std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, c)));
      }
      rows.push_back(std::move(row));
    }
    std::string error = rc == SQLITE_DONE ? "" : sqlite3_errmsg(lite_);
    sqlite3_finalize(st);
    if (!error.empty()) throw std::runtime_error("step \"" + sql + "\": " + error);
    return rows;
  }

  // `?` outside quotes -> $1, $2, ...
  static std::string numbered(const std::string& sql) {
    std::string out;
    int n = 0;
    char quote = 0;
    for (char c : sql) {
      if (quote) {
        if (c == quote) quote = 0;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '?') {
        out += "$" + std::to_string(++n);
        continue;
      }
      out += c;
    }
    return out;
  }

  std::vector<Row> pg_query(const std::string& sql, const std::vector<std::string>& params) {
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p.c_str());
    PGresult* r = PQexecParams(pg_, numbered(sql).c_str(), static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, 0);
    const auto status = PQresultStatus(r);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      std::string why = PQresultErrorMessage(r);
      PQclear(r);
      throw std::runtime_error("\"" + sql + "\": " + why);
    }
    constexpr Oid kBool = 16;
    std::vector<Row> rows;
    for (int i = 0; i < PQntuples(r); ++i) {
      Row row;
      for (int c = 0; c < PQnfields(r); ++c) {
        if (PQgetisnull(r, i, c)) {
          row[PQfname(r, c)] = std::nullopt;
          continue;
        }
        std::string v = PQgetvalue(r, i, c);
        if (PQftype(r, c) == kBool) v = v == "t" ? "1" : "0";
        row[PQfname(r, c)] = std::move(v);
      }
      rows.push_back(std::move(row));
    }
    PQclear(r);
    return rows;
  }

  sqlite3* lite_ = nullptr;
  PGconn* pg_ = nullptr;
};

// One app's database (see the top of this file). `file` names the SQLite file in `dir`; on
// PostgreSQL it only hints the schema's name. keep() leaves the schema for a post-mortem.
class TestDatabase {
 public:
  explicit TestDatabase(const std::filesystem::path& dir, std::string_view file = "app.db")
      : path_(dir / file), server_(test_server_url()) {
    if (server_.empty()) {
      url_ = "sqlite://" + path_.string();
      return;
    }
    static std::atomic<int> counter{0};
    std::string hint;
    for (unsigned char c : path_.stem().string()) hint += std::isalnum(c) ? static_cast<char>(std::tolower(c)) : '_';
    schema_ = "it_" + hint + "_" + std::to_string(::getpid()) + "_" + std::to_string(++counter) + "_" +
              std::to_string(std::random_device{}() % 1000000);
    admin("CREATE SCHEMA " + schema_);
    url_ = server_ + (server_.find('?') == std::string::npos ? "?" : "&") +
           "options=-c%20search_path%3D" + schema_ + "&application_name=" + schema_;
  }
  ~TestDatabase() {
    if (schema_.empty() || keep_) return;
    try {
      admin("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
    } catch (const std::exception&) {
      // The server is gone (the fixture stopped it): nothing left to tidy.
    }
  }
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  // What the app's DATABASE_URL (or [database] url) is set to.
  const std::string& url() const { return url_; }
  bool postgres() const { return !schema_.empty(); }
  // The SQLite file (meaningful on SQLite only).
  const std::filesystem::path& sqlite_path() const { return path_; }
  const std::string& schema() const { return schema_; }
  void keep() {
    if (postgres() && !keep_) std::cerr << "[ schema kept: " << schema_ << " ]\n";
    keep_ = true;
  }

  // Nothing was ever opened or created: no SQLite file, or no table in the schema.
  bool untouched() const {
    if (!postgres()) return !std::filesystem::exists(path_);
    Db db(url_);
    return db.count("SELECT count(*) FROM information_schema.tables WHERE table_schema = ?", {schema_}) == 0;
  }

  // Everything the database holds, to search for what must never be stored: the SQLite file's
  // bytes (with its -wal and -journal), or every row of every table of the schema as JSON.
  std::string contents() const {
    std::string out;
    if (!postgres()) {
      for (const char* suffix : {"", "-wal", "-journal"}) {
        const std::filesystem::path p = path_.string() + suffix;
        if (!std::filesystem::exists(p)) continue;
        std::ifstream in(p, std::ios::binary);
        std::ostringstream s;
        s << in.rdbuf();
        out += s.str();
      }
      return out;
    }
    Db db(url_);
    for (const auto& t :
         db.query("SELECT table_name FROM information_schema.tables WHERE table_schema = ?", {schema_}))
      for (const auto& row :
           db.query("SELECT row_to_json(t)::text AS j FROM \"" + t.at("table_name").value_or("") + "\" t"))
        out += row.at("j").value_or("") + "\n";
    return out;
  }

 private:
  void admin(const std::string& sql) const {
    PGconn* c = PQconnectdb(server_.c_str());
    std::string error;
    if (PQstatus(c) != CONNECTION_OK) {
      error = PQerrorMessage(c);
    } else {
      PGresult* r = PQexec(c, ("SET client_min_messages = warning; " + sql).c_str());
      if (PQresultStatus(r) != PGRES_COMMAND_OK) error = PQresultErrorMessage(r);
      PQclear(r);
    }
    PQfinish(c);
    if (!error.empty()) throw std::runtime_error(sql + ": " + error);
  }

  std::filesystem::path path_;
  std::string server_, schema_, url_;
  bool keep_ = false;
};

}  // namespace bbit
