// Where a PostgreSQL database lives and how to reach it, read once from the URL, plus the
// error vocabulary of the driver: PostgreSQL's SQLSTATEs and libpq's messages as DbError.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <string_view>

#include "bunbase/db/database.hpp"

namespace bb::db::pg {

struct Target {
  std::string url;       // handed to libpq as is (it parses URIs and their options)
  std::string where;     // "host:port" for messages; never the password
  std::string password;  // only to scrub it from libpq's messages
  int connect_timeout_ms = 5000;
  int statement_timeout_ms = 0;
};

// Checks the URL with libpq's own parser (PQconninfoParse), so a typo fails here with libpq's
// explanation rather than later as a refused connection. Throws DbError connection.
Target parse_url(const std::string& url, const OpenOptions& options);

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// SQLSTATE -> kind: 23505 unique, 23503 foreign key, other 23xxx constraint; serialization
// failure, deadlock, lock not available and statement timeout are busy (worth retrying);
// class 08 is a lost connection.
DbError::Kind kind_of_sqlstate(std::string_view sqlstate);

// The DbError for a failed call: PostgreSQL's primary message and SQLSTATE when the server
// answered, libpq's own message otherwise. A connection that is no longer usable makes it
// a connection error whatever the server said (shutdown, terminated backend).
DbError error_of(const PGresult* result, PGconn* conn, const Target& target);

// A message libpq built, fit for a log line: on one line ("...failed: Connection refused
// Is the server running...") and without the password (libpq echoes a malformed URL whole;
// otherwise it should never hold one, so this is cheap insurance).
std::string scrub(std::string message, const Target& target);

}  // namespace bb::db::pg
