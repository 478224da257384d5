#include "bunbase/db/migrations.hpp"

#include <sodium.h>

#include "src/util/iso_time.hpp"
#include <set>
#include <unordered_map>

namespace bb::db {

std::string sha256_hex(std::string_view data) {
  unsigned char hash[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(hash, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
  return hex;
}

namespace {

void ensure_table(Database& db) {
  db.exec_script(
      "CREATE TABLE IF NOT EXISTS bunbase_migrations ("
      " name TEXT PRIMARY KEY,"
      " checksum TEXT NOT NULL,"
      " applied_at TEXT NOT NULL)");
}

}  // namespace

MigrationStatus migration_status(Database& db, std::span<const Migration> migrations) {
  ensure_table(db);
  std::unordered_map<std::string, std::string> recorded;
  for (const auto& row : db.query("SELECT name, checksum FROM bunbase_migrations"))
    recorded.emplace(std::string(row.at("name").as_string()), std::string(row.at("checksum").as_string()));
  MigrationStatus status;
  std::set<std::string> seen;
  for (const auto& m : migrations) {
    if (!seen.insert(m.name).second) throw MigrationError("migration \"" + m.name + "\" is listed twice");
    auto it = recorded.find(m.name);
    if (it == recorded.end()) {
      status.pending.push_back(m.name);
    } else if (it->second != sha256_hex(m.sql)) {
      throw MigrationError("migration \"" + m.name +
                           "\" was changed after it was applied (checksum " + it->second.substr(0, 12) +
                           "... recorded, " + sha256_hex(m.sql).substr(0, 12) +
                           "... now); add a new migration instead of editing an applied one");
    } else {
      status.applied.push_back(m.name);
    }
  }
  return status;
}

std::vector<std::string> migrate(Database& db, std::span<const Migration> migrations) {
  MigrationStatus status = migration_status(db, migrations);
  std::vector<std::string> done;
  for (const auto& name : status.pending) {
    const Migration* m = nullptr;
    for (const auto& candidate : migrations)
      if (candidate.name == name) m = &candidate;
    try {
      db.transaction([&](Database& tx) {
        tx.exec_script(m->sql);
        tx.exec("INSERT INTO bunbase_migrations (name, checksum, applied_at) VALUES ($1, $2, $3)",
                {m->name, sha256_hex(m->sql), util::iso_now()});
      });
    } catch (const std::exception& e) {
      throw MigrationError("migration \"" + m->name + "\" failed: " + e.what());
    }
    done.push_back(m->name);
  }
  return done;
}

}  // namespace bb::db
