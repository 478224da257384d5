#include "src/db/pg/target.hpp"

#include <algorithm>

namespace bb::db::pg {

namespace {
std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}
}  // namespace

std::string scrub(std::string message, const Target& target) {
  message = trim(std::move(message));
  for (std::size_t nl; (nl = message.find('\n')) != std::string::npos;) {
    std::size_t end = message.find_first_not_of("\n\t ", nl);
    message.replace(nl, (end == std::string::npos ? message.size() : end) - nl, " ");
  }
  if (target.password.size() < 2) return message;  // one character would mangle everything
  for (std::size_t at; (at = message.find(target.password)) != std::string::npos;)
    message.replace(at, target.password.size(), "***");
  return message;
}

Target parse_url(const std::string& url, const OpenOptions& options) {
  char* err = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(url.c_str(), &err);
  if (!parsed) {
    std::string why = err ? trim(err) : "out of memory";
    PQfreemem(err);
    // libpq's message quotes the offending part only; the password may still be in it when
    // that part is the password, so it is scrubbed with a best guess of it.
    Target guess;
    std::size_t start = url.find("://"), at = url.rfind('@');
    if (start != std::string::npos && at != std::string::npos && at > start) {
      std::string userinfo = url.substr(start + 3, at - start - 3);
      if (auto colon = userinfo.find(':'); colon != std::string::npos)
        guess.password = userinfo.substr(colon + 1);
    }
    throw DbError(DbError::Kind::connection, scrub("bad PostgreSQL URL: " + why, guess));
  }
  std::string host, port;
  Target t;
  for (PQconninfoOption* o = parsed; o->keyword; ++o) {
    std::string_view key = o->keyword;
    std::string value = o->val ? o->val : "";
    if (key == "host" || (key == "hostaddr" && host.empty())) host = value;
    if (key == "port") port = value;
    if (key == "password") t.password = value;
  }
  PQconninfoFree(parsed);
  // Unset values fall back to libpq's defaults (PGHOST, the local socket, 5432).
  t.url = url;
  t.where = (host.empty() ? std::string("localhost") : host) + ":" + (port.empty() ? "5432" : port);
  t.connect_timeout_ms = options.connect_timeout_ms > 0 ? options.connect_timeout_ms : 5000;
  t.statement_timeout_ms = std::max(0, options.statement_timeout_ms);
  return t;
}

DbError::Kind kind_of_sqlstate(std::string_view s) {
  if (s == "23505") return DbError::Kind::unique_violation;
  if (s == "23503") return DbError::Kind::foreign_key_violation;
  if (s.starts_with("23")) return DbError::Kind::constraint;
  if (s == "40001" || s == "40P01" || s == "55P03" || s == "57014") return DbError::Kind::busy;
  if (s.starts_with("08")) return DbError::Kind::connection;
  return DbError::Kind::other;
}

DbError error_of(const PGresult* result, PGconn* conn, const Target& target) {
  const bool dead = !conn || PQstatus(conn) != CONNECTION_OK;
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  if (state && !dead) {
    const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
    std::string msg = std::string(primary ? primary : "error") + " (SQLSTATE " + state + ")";
    return DbError(kind_of_sqlstate(state), scrub(std::move(msg), target));
  }
  std::string msg = result ? PQresultErrorMessage(result) : "";
  if (msg.empty() && conn) msg = PQerrorMessage(conn);
  msg = trim(std::move(msg));
  if (msg.empty()) msg = "unknown error";
  if (dead)
    return DbError(DbError::Kind::connection,
                   scrub("connection to PostgreSQL at " + target.where + " lost: " + msg, target));
  return DbError(state ? kind_of_sqlstate(state) : DbError::Kind::other,
                 scrub(std::move(msg), target));
}

}  // namespace bb::db::pg
