// sync_catalog(): bunbase.toml's plans and features into the database, after every migrate.
#include "src/saas/plan_catalog_sync.hpp"

#include <algorithm>

#include "bunbase/core/time.hpp"
#include "src/saas/plan_catalog.hpp"

namespace bb::saas {

namespace {

using Limits = std::vector<std::pair<std::string, std::optional<std::int64_t>>>;

Limits configured_limits(const Config::Saas::PlanEntry& p) {
  Limits out;
  for (const auto& f : p.features) out.emplace_back(f.key, f.limit);
  std::sort(out.begin(), out.end());
  return out;
}

Limits stored_limits(db::Database& db, const std::string& plan) {
  Limits out;
  for (const auto& row :
       db.query("SELECT feature_key, limit_value FROM plan_features WHERE plan_key = $1 ORDER BY feature_key",
                {plan})) {
    const auto& r = row.as_object();
    const auto& limit = r.at("limit_value");
    out.emplace_back(std::string(r.at("feature_key").as_string()),
                     limit.is_null()
                         ? std::nullopt
                         : std::optional<std::int64_t>(limit.to_number<std::int64_t>()));
  }
  return out;
}

bool same(const PlanRow& row, const Config::Saas::PlanEntry& p) {
  return row.name == p.name && row.price_cents == p.price_cents && row.interval == p.interval &&
         row.trial_days == p.trial_days && row.is_public == p.is_public &&
         row.is_default == p.is_default && row.stripe_price.value_or("") == p.stripe_price;
}

std::optional<std::string> stripe_price(const Config::Saas::PlanEntry& p) {
  return p.stripe_price.empty() ? std::nullopt : std::optional<std::string>(p.stripe_price);
}

// The keys of `table` that `listed` does not hold.
template <class Entries>
std::vector<std::string> unlisted(db::Database& db, std::string_view table, const Entries& listed) {
  std::vector<std::string> out;
  for (const auto& row : db.query("SELECT key FROM " + std::string(table) + " ORDER BY key")) {
    std::string key(row.as_object().at("key").as_string());
    if (std::none_of(listed.begin(), listed.end(), [&](const auto& e) { return e.key == key; }))
      out.push_back(std::move(key));
  }
  return out;
}

void sync_features(db::Database& tx, const Config::Saas& saas, CatalogSyncReport& report) {
  for (const auto& f : saas.features) {
    auto row = tx.query_one_as<FeatureView>(
        "SELECT key, name, description FROM features WHERE key = $1", {f.key});
    if (!row) {
      tx.exec("INSERT INTO features (key, name, description) VALUES ($1, $2, $3)",
              {f.key, f.name, f.description});
      report.features_created.push_back(f.key);
    } else if (row->name != f.name || row->description != f.description) {
      tx.exec("UPDATE features SET name = $1, description = $2 WHERE key = $3",
              {f.name, f.description, f.key});
      report.features_updated.push_back(f.key);
    }
  }
}

void sync_plans(db::Database& tx, const Config::Saas& saas, CatalogSyncReport& report) {
  const std::string now = iso_now();
  // The default moves first: the unique index allows one default at a time.
  for (const auto& p : saas.plans)
    if (p.is_default)
      tx.exec("UPDATE plans SET is_default = FALSE, updated_at = $1 WHERE is_default AND key <> $2",
              {now, p.key});
  for (const auto& p : saas.plans) {
    auto row = find_plan(tx, p.key);
    const Limits want = configured_limits(p);
    bool changed = false;
    if (!row) {
      tx.exec(
          "INSERT INTO plans (key, name, price_cents, interval, trial_days, is_public, is_default, stripe_price, "
          "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
          {p.key, p.name, p.price_cents, p.interval, p.trial_days, p.is_public, p.is_default, stripe_price(p), now});
      report.plans_created.push_back(p.key);
    } else if (!same(*row, p)) {
      tx.exec(
          "UPDATE plans SET name = $1, price_cents = $2, interval = $3, trial_days = $4, is_public = $5, "
          "is_default = $6, stripe_price = $7, updated_at = $8 WHERE key = $9",
          {p.name, p.price_cents, p.interval, p.trial_days, p.is_public, p.is_default, stripe_price(p), now, p.key});
      changed = true;
    }
    if (stored_limits(tx, p.key) != want) {
      tx.exec("DELETE FROM plan_features WHERE plan_key = $1", {p.key});
      for (const auto& [feature, limit] : want)
        tx.exec(
            "INSERT INTO plan_features (plan_key, feature_key, limit_value) VALUES ($1, $2, $3)",
            {p.key, feature, limit});
      if (row) {
        tx.exec("UPDATE plans SET updated_at = $1 WHERE key = $2", {now, p.key});
        changed = true;
      }
    }
    if (changed) report.plans_updated.push_back(p.key);
  }
}

}  // namespace

CatalogSyncReport sync_catalog(db::Database& db, const Config::Saas& saas, LogSink& sink) {
  CatalogSyncReport report;
  db.transaction([&](db::Database& tx) {
    // Instances starting together on one PostgreSQL database take turns (each then sees the
    // rows the one before inserted, instead of inserting them again and failing on the key);
    // on SQLite the transaction's write lock does the same.
    if (tx.dialect() == "postgres")
      tx.query("SELECT pg_advisory_xact_lock(25187, hashtext(current_schema()))", db::Params{});
    sync_features(tx, saas, report);
    sync_plans(tx, saas, report);
    report.features_unlisted = unlisted(tx, "features", saas.features);
    report.plans_unlisted = unlisted(tx, "plans", saas.plans);
  });
  Log log(&sink, {});
  auto list = [](const std::vector<std::string>& keys) {
    boost::json::array out;
    for (const auto& k : keys) out.emplace_back(k);
    return out;
  };
  if (!report.features_created.empty() || !report.features_updated.empty() ||
      !report.plans_created.empty() || !report.plans_updated.empty())
    log.info("plan catalog synced from the configuration",
             {{"features_created", list(report.features_created)},
              {"features_updated", list(report.features_updated)},
              {"plans_created", list(report.plans_created)},
              {"plans_updated", list(report.plans_updated)}});
  for (const auto& key : report.features_unlisted)
    log.warn("feature not in the configuration: kept (declare it in [[saas.features]] or leave it)",
             {{"feature", key}});
  for (const auto& key : report.plans_unlisted)
    if (!find_plan(db, key)->archived_at)  // an archived plan is the expected way out: no warning
      log.warn(
          "plan not in the configuration: kept (declare it in [[saas.plans]], or archive it with archivePlan)",
          {{"plan", key}});
  return report;
}

}  // namespace bb::saas
