// A standalone action: no module, found by bunbase_add_app in src/actions/.
#include <bunbase/bunbase.hpp>

namespace {
struct Pong {
  std::string message;
  std::string time;
};
BOOST_DESCRIBE_STRUCT(Pong, (), (message, time))
}  // namespace

BUNBASE_ACTION(ping) {
  return bb::action<bb::Empty, Pong>(
      {.name = "ping",
       .description = "Answers pong with the database's clock",
       .triggers = {bb::triggers::api("GET", "/ping")}},
      [](const bb::Empty&, bb::Context& ctx) {
        auto now = ctx.db.query_one("SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now') AS t");
        return Pong{"pong", std::string(now->at("t").as_string())};
      });
}
