// How cheap can one run record be in SQLite? Inserts 200,000 rows shaped like a POST /users run
// (ids, names, input and output JSON) in transactions of 500, as the WriteBuffer does, and prints
// the process CPU per row for several table layouts and journal settings. bench/README.md quotes it.
//
//   build/bin/bench-sqlite-floor [DIR]     (DIR: where the scratch database goes, default /tmp)
#include <sqlite3.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

double cpu_seconds() {
  rusage r{};
  getrusage(RUSAGE_SELF, &r);
  return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) + (r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

void exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::fprintf(stderr, "%s: %s\n", sql.c_str(), error);
    std::exit(1);
  }
}

constexpr const char* kColumns =
    "id TEXT NOT NULL, action_name TEXT NOT NULL, module_name TEXT, trace_id TEXT NOT NULL, parent_run_id TEXT, "
    "trigger_type TEXT NOT NULL, status TEXT NOT NULL, input TEXT, output TEXT, error TEXT, "
    "duration_ms REAL NOT NULL, started_at TEXT NOT NULL";

struct Layout {
  const char* name;
  std::string ddl;
};

double cpu_per_row(const std::string& path, const Layout& layout, const char* journal, const char* sync) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  exec(db, std::string("PRAGMA journal_mode=") + journal);
  exec(db, std::string("PRAGMA synchronous=") + sync);
  exec(db, layout.ddl);
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v3(db, "INSERT INTO runs VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", -1, SQLITE_PREPARE_PERSISTENT, &insert,
                     nullptr);
  const std::string input = R"({"email":"someone@example.com","name":"Some One","role":"user"})";
  const std::string output = R"({"id":"0193a5b2-1c3d-7e4f-8a9b-0c1d2e3f4a5b","email":"someone@example.com"})";
  constexpr int kRows = 200000, kBatch = 500;
  unsigned long long millis = 1764000000000ULL, state = 88172645463325252ULL;
  char id[40], trace[40];
  const double start = cpu_seconds();
  for (int batch = 0; batch < kRows / kBatch; ++batch) {
    exec(db, "BEGIN");
    for (int i = 0; i < kBatch; ++i) {
      ++millis;  // time-ordered ids and trace ids, as the runtime makes them
      state ^= state << 13, state ^= state >> 7, state ^= state << 17;
      std::snprintf(id, sizeof id, "%08llx-%04llx-7%03llx-%04llx-%012llx", millis >> 16, millis & 0xffff,
                    state & 0xfff, (state >> 12) & 0xffff, state >> 16 & 0xffffffffffffULL);
      std::snprintf(trace, sizeof trace, "%012llx%020llx", millis, state);
      int p = 1;
      sqlite3_bind_text(insert, p++, id, -1, SQLITE_STATIC);
      sqlite3_bind_text(insert, p++, "createUser", -1, SQLITE_STATIC);
      sqlite3_bind_text(insert, p++, "users", -1, SQLITE_STATIC);
      sqlite3_bind_text(insert, p++, trace, -1, SQLITE_STATIC);
      sqlite3_bind_null(insert, p++);
      sqlite3_bind_text(insert, p++, "api", -1, SQLITE_STATIC);
      sqlite3_bind_text(insert, p++, "success", -1, SQLITE_STATIC);
      sqlite3_bind_text(insert, p++, input.data(), static_cast<int>(input.size()), SQLITE_STATIC);
      sqlite3_bind_text(insert, p++, output.data(), static_cast<int>(output.size()), SQLITE_STATIC);
      sqlite3_bind_null(insert, p++);
      sqlite3_bind_double(insert, p++, 0.0123);
      sqlite3_bind_text(insert, p++, "2026-11-24T17:31:00.123Z", -1, SQLITE_STATIC);
      if (sqlite3_step(insert) != SQLITE_DONE) {
        std::fprintf(stderr, "insert: %s\n", sqlite3_errmsg(db));
        std::exit(1);
      }
      sqlite3_reset(insert);
    }
    exec(db, "COMMIT");
  }
  const double seconds = cpu_seconds() - start;
  sqlite3_finalize(insert);
  sqlite3_close(db);
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  return seconds / kRows * 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = std::string(argc > 1 ? argv[1] : "/tmp") + "/bench-sqlite-floor.db";
  const std::string cols = kColumns;
  const Layout layouts[] = {
      {"action_runs as migrated: WITHOUT ROWID on id, indexes (action_name, id) and (trace_id)",
       "CREATE TABLE runs (" + cols + ", PRIMARY KEY (id)) WITHOUT ROWID; "
       "CREATE INDEX runs_action ON runs (action_name, id); CREATE INDEX runs_trace ON runs (trace_id);"},
      {"WITHOUT ROWID on id, no secondary index", "CREATE TABLE runs (" + cols + ", PRIMARY KEY (id)) WITHOUT ROWID;"},
      {"rowid table, no index at all", "CREATE TABLE runs (" + cols + ");"},
  };
  std::printf("| layout | journal, synchronous | CPU µs per row |\n| --- | --- | ---: |\n");
  for (const Layout& layout : layouts)
    std::printf("| %s | WAL, NORMAL | %.2f |\n", layout.name, cpu_per_row(path, layout, "WAL", "NORMAL"));
  std::printf("| %s | OFF, OFF (unsafe: the floor) | %.2f |\n", layouts[2].name,
              cpu_per_row(path, layouts[2], "OFF", "OFF"));
}
