// bb::db::open: picks the driver from the URL's scheme. The only file that knows every driver.
#include "bunbase/db/database.hpp"
#include "bunbase/db/notifications.hpp"
#include "src/db/pg/listener.hpp"
#include "src/db/pg/pg_database.hpp"
#include "src/db/sqlite/sqlite_database.hpp"

namespace bb::db {

namespace {
// A mistyped postgres URL may hold a password: error messages show "user:***@host" instead.
std::string without_password(std::string_view url) {
  std::string out(url);
  std::size_t start = out.find("://");
  if (start == std::string::npos) return out;
  start += 3;
  std::size_t at = out.find('@', start);
  std::size_t colon = out.find(':', start);
  if (at != std::string::npos && colon < at && out.find('/', start) > at)
    out.replace(colon + 1, at - colon - 1, "***");
  return out;
}
}  // namespace

std::unique_ptr<Database> open(std::string_view url, const OpenOptions& options) {
  constexpr std::string_view kSqlite = "sqlite://";
  if (url.starts_with(kSqlite)) {
    std::string path(url.substr(kSqlite.size()));
    if (path.empty())
      throw DbError(DbError::Kind::connection, "sqlite URL has no path: " + std::string(url));
    return std::make_unique<sqlite::SqliteDatabase>(path, options);
  }
  if (is_postgres_url(url))
    return std::make_unique<pg::PgDatabase>(std::string(url), options);
  throw DbError(DbError::Kind::connection, "unsupported DATABASE_URL \"" + without_password(url) +
                                               "\" (expected sqlite://PATH or postgres://...)");
}

std::string with_search_path(std::string_view url, std::string_view schema) {
  return std::string(url) + (url.find('?') == std::string_view::npos ? "?" : "&") + "options=-c%20search_path%3D" +
         std::string(schema);
}

std::unique_ptr<Listener> listen(std::string_view url, const std::vector<std::string>& channels,
                                 const OpenOptions& options) {
  if (!is_postgres_url(url))
    throw DbError(DbError::Kind::connection, "LISTEN/NOTIFY needs PostgreSQL, not \"" + without_password(url) + "\"");
  return std::make_unique<pg::PgListener>(pg::parse_url(std::string(url), options), channels);
}

}  // namespace bb::db
