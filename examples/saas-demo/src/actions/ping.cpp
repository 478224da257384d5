// A standalone action: no module, found by bunbase_add_app in src/actions/.
#include <bunbase/bunbase.hpp>

namespace {
struct Pong {
  std::string message;
  std::string time;
  std::string database;  // "sqlite" or "postgres"
};
BOOST_DESCRIBE_STRUCT(Pong, (), (message, time, database))
}  // namespace

BUNBASE_ACTION(ping) {
  return bb::action<bb::Empty, Pong>(
      {.name = "ping",
       .description = "Answers pong once the database answers, with the time and which database it is",
       .triggers = {bb::triggers::api("GET", "/ping")}},
      [](const bb::Empty&, bb::Context& ctx) {
        ctx.db.query_one("SELECT 1 AS ok");
        return Pong{"pong", bb::iso_now(), std::string(ctx.db.dialect())};
      });
}
