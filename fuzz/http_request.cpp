// Bytes in, responses out, through the real server: one connection per input to a bb::http::Server
// on 127.0.0.1 (src/http: server, session, framing, exchange, compression, CORS, forwarding
// headers, static files) serving an App's routes (src/triggers: router, API adapter, OpenAPI
// handler; src/runtime: executor, validation). Built once; each input is written on a fresh
// connection, which is half-closed, read to its end and reset (no TIME_WAIT pile-up).
//
// What must hold, besides no crash, leak or undefined behaviour in the server's threads:
// - the server answers or closes within 5 s;
// - what it sends parses as a sequence of HTTP/1.1 responses, one per request it read (a HEAD's
//   response without its body), interim 100 Continue allowed; nothing after them;
// - no file outside the static folder is ever sent (a marker file sits beside it).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/describe.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bunbase/core/action.hpp"
#include "bunbase/core/error.hpp"
#include "bunbase/core/module.hpp"
#include "bunbase/runtime/app.hpp"
#include "bunbase/runtime/worker_pool.hpp"
#include "fuzz/check.hpp"
#include "src/http/cors.hpp"
#include "src/http/framing.hpp"
#include "src/http/server.hpp"
#include "src/http/static_files.hpp"
#include "src/triggers/api_adapter.hpp"
#include "src/triggers/openapi.hpp"

namespace fuzz {

enum class Kind { book, film, game };
BOOST_DESCRIBE_ENUM(Kind, book, film, game)

using Tag = bb::String<bb::MinLength<1>, bb::MaxLength<10>>;

struct ItemQuery {
  bb::Int<bb::Minimum<1>> id;
  std::optional<bb::Int<bb::Minimum<1>, bb::Maximum<100>>> limit;
  std::optional<Kind> kind;
  std::optional<bool> full;
  std::optional<std::vector<Tag>> tag;
};
BOOST_DESCRIBE_STRUCT(ItemQuery, (), (id, limit, kind, full, tag))

struct Price {
  bb::Number<bb::ExclusiveMinimum<0>> amount;
  bb::String<bb::Pattern<"^[A-Z]{3}$">> currency;
};
BOOST_DESCRIBE_STRUCT(Price, (), (amount, currency))

struct NewItem {
  bb::String<bb::MinLength<1>, bb::MaxLength<50>> name;
  Kind kind;
  std::optional<std::vector<Tag>> tags;
  std::optional<Price> price;
};
BOOST_DESCRIBE_STRUCT(NewItem, (), (name, kind, tags, price))

struct ItemChange {
  bb::Int<bb::Minimum<1>> id;
  std::optional<bb::String<bb::MinLength<1>, bb::MaxLength<50>>> name;
  std::optional<Price> price;
};
BOOST_DESCRIBE_STRUCT(ItemChange, (), (id, name, price))

struct ItemRef {
  bb::Int<bb::Minimum<1>> id;
};
BOOST_DESCRIBE_STRUCT(ItemRef, (), (id))

struct NoteRef {
  bb::Int<bb::Minimum<1>> id;
  bb::String<bb::MaxLength<40>> note;
};
BOOST_DESCRIBE_STRUCT(NoteRef, (), (id, note))

struct Item {
  std::int64_t id = 0;
  std::string name;
  std::optional<Kind> kind;
  std::vector<std::string> tags;
};
BOOST_DESCRIBE_STRUCT(Item, (), (id, name, kind, tags))

struct Caller {
  std::string ip, host, scheme, origin;
  std::optional<std::string> session, agent;
  bool local = false;
};
BOOST_DESCRIBE_STRUCT(Caller, (), (ip, host, scheme, origin, session, agent, local))

struct BigIn {
  bb::Int<bb::Minimum<0>, bb::Maximum<20000>> n;
};
BOOST_DESCRIBE_STRUCT(BigIn, (), (n))
struct BigOut {
  std::string text;
};
BOOST_DESCRIBE_STRUCT(BigOut, (), (text))

bb::Module items() {
  // A guard that reads a header: refuses with 403 when asked to.
  bb::Guard refuse_when_asked = [](bb::Context& ctx) {
    if (ctx.request && ctx.request->header("x-deny"))
      throw bb::GuardError(403, "denied on request");
  };
  return bb::module(
      {.name = "items",
       .api_prefix = "/items",
       .guards = {refuse_when_asked},
       .actions = {
           bb::action<ItemQuery, Item>({.name = "getItem",
                                        .triggers = {bb::triggers::api("GET", "/:id")},
                                        .run_inline = true},
                                       [](const ItemQuery& q, bb::Context&) {
                                         Item it{.id = q.id, .name = "item", .kind = q.kind};
                                         if (q.tag) it.tags.assign(q.tag->begin(), q.tag->end());
                                         return it;
                                       }),
           bb::action<NewItem, Item>({.name = "createItem",
                                      .triggers = {bb::triggers::api("POST", "/", {.status = 201})},
                                      .run_inline = true},
                                     [](const NewItem& in, bb::Context&) {
                                       Item it{.id = 7, .name = in.name, .kind = in.kind};
                                       if (in.tags)
                                         it.tags.assign(in.tags->begin(), in.tags->end());
                                       return it;
                                     }),
           // On the worker pool, as an action that touches the database would be.
           bb::action<ItemChange, Item>(
               {.name = "updateItem", .triggers = {bb::triggers::api("PUT", "/:id")}},
               [](const ItemChange& in, bb::Context&) {
                 return Item{.id = in.id, .name = in.name.value_or("item")};
               }),
           bb::action<ItemRef, bb::Empty>(
               {.name = "deleteItem",
                .triggers = {bb::triggers::api("DELETE", "/:id", {.status = 204})},
                .run_inline = true},
               [](const ItemRef& in, bb::Context&) {
                 if (in.id == 429)
                   throw bb::Error(bb::ErrorCode::rate_limited, "slow down",
                                   boost::json::object{{"retry_after", 30}});
                 if (in.id > 1000) throw bb::Error(bb::ErrorCode::not_found, "no such item");
                 if (in.id == 500) throw std::runtime_error("a handler bug");
                 return bb::Empty{};
               }),
           bb::action<NoteRef, NoteRef>({.name = "getNote",
                                         .triggers = {bb::triggers::api("GET", "/:id/notes/:note")},
                                         .run_inline = true},
                                        [](const NoteRef& in, bb::Context&) { return in; }),
       }});
}

bb::Module misc() {
  return bb::module(
      {.name = "misc",
       .actions = {
           bb::action<bb::Empty, Caller>({.name = "whoami",
                                          .triggers = {bb::triggers::api("GET", "/whoami")},
                                          .run_inline = true},
                                         [](const bb::Empty&, bb::Context& ctx) {
                                           const bb::Request& r = *ctx.request;
                                           Caller c{.ip = std::string(r.ip()),
                                                    .host = std::string(r.host()),
                                                    .scheme = std::string(r.scheme()),
                                                    .origin = r.origin(),
                                                    .local = r.from_this_machine()};
                                           if (auto s = r.cookie("session"))
                                             c.session = std::string(*s);
                                           if (auto a = r.header("user-agent"))
                                             c.agent = std::string(*a);
                                           // The caller's own words in a cookie and a header:
                                           // refused or sent intact.
                                           if (auto v = r.header("x-echo")) {
                                             ctx.response->set_cookie("echo", *v, {.max_age = 60});
                                             ctx.response->set_header("X-Echo", std::string(*v));
                                           }
                                           return c;
                                         }),
           bb::action<BigIn, BigOut>(
               {.name = "big", .triggers = {bb::triggers::api("GET", "/big")}, .run_inline = true},
               [](const BigIn& in, bb::Context&) {
                 BigOut out;
                 for (std::int64_t i = 0; i < in.n; ++i)
                   out.text += static_cast<char>('a' + i % 26);
                 return out;
               }),
       }});
}

}  // namespace fuzz

namespace {

namespace http = boost::beast::http;

constexpr std::string_view kMarker = "NOT-FOR-THE-WEB-7f3a91";
constexpr std::size_t kBodyLimit = 64 * 1024, kHeaderLimit = 8 * 1024;

struct World {
  std::filesystem::path dir;
  bb::AppManifest manifest{.name = "fuzz", .modules = {&fuzz::items, &fuzz::misc}};
  std::unique_ptr<bb::App> app;
  std::unique_ptr<bb::WorkerPool> pool;
  std::unique_ptr<bb::triggers::ApiAdapter> adapter;
  std::unique_ptr<bb::triggers::OpenApiHandler> openapi;
  std::unique_ptr<bb::http::Cors> cors;
  std::unique_ptr<bb::http::StaticFiles> files;
  std::unique_ptr<bb::http::Server> server;
  sockaddr_in address{};
};
World* world = nullptr;

void write_file(const std::filesystem::path& p, std::string_view text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

// The methods of the requests the server will read, as its own parser and framing check see
// them; stops at the first it refuses (which it answers, then closes).
std::vector<http::verb> request_methods(std::string_view input) {
  std::vector<http::verb> out;
  while (!input.empty()) {
    http::request_parser<http::string_body> p;
    p.body_limit(kBodyLimit);
    p.header_limit(kHeaderLimit);
    p.eager(false);
    boost::beast::error_code ec;
    std::size_t used = p.put(boost::asio::buffer(input.data(), input.size()), ec);
    input.remove_prefix(used);
    if (ec || !p.is_header_done()) break;
    if (bb::http::check_framing(p.get().base(), p.get().version())) break;
    p.eager(true);
    while (!p.is_done() && !input.empty()) {
      used = p.put(boost::asio::buffer(input.data(), input.size()), ec);
      input.remove_prefix(used);
      if (ec || used == 0) break;
    }
    if (ec || !p.is_done()) break;
    out.push_back(p.get().method());
    if (!p.keep_alive()) break;
  }
  return out;
}

// Checks what the server sent (`out`) for the bytes `in`: whole responses, in order;
// `clean_end`: the server closed with a FIN (after a reset the last response may be cut short).
void check_responses(std::string_view in, std::string_view out,
                     const std::vector<http::verb>& methods, bool clean_end) {
  // (The fuzzer learns the marker from this very comparison; echoed back it proves nothing.)
  FUZZ_CHECK(
      out.find(kMarker) == std::string_view::npos || in.find(kMarker) != std::string_view::npos,
      "a file outside the static folder was sent");
  std::size_t answered = 0;
  while (!out.empty()) {
    http::response_parser<http::string_body> p;
    p.body_limit(boost::none);
    p.header_limit(1024 * 1024);
    p.eager(true);
    if (answered < methods.size() && methods[answered] == http::verb::head) p.skip(true);
    boost::beast::error_code ec;
    while (!p.is_done() && !out.empty()) {
      const std::size_t used = p.put(boost::asio::buffer(out.data(), out.size()), ec);
      out.remove_prefix(used);
      if (ec == http::error::need_more && used > 0) ec = {};
      if (ec) break;
    }
    if (!p.is_done() && !ec) p.put_eof(ec);  // a body that runs to the end of the connection
    if (ec == http::error::need_more || ec == http::error::partial_message) {
      FUZZ_CHECK(!clean_end, "a response was cut short before the server closed");
      return;
    }
    FUZZ_CHECK(!ec, "the server sent a malformed response: %s", ec.message().c_str());
    const unsigned status = p.get().result_int();
    FUZZ_CHECK(status >= 100 && status <= 599, "status %u", status);
    if (status == 100) continue;
    FUZZ_CHECK(answered <= methods.size(), "more responses than requests");
    ++answered;
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  signal(SIGPIPE, SIG_IGN);
  world = new World;
  char dir_template[] = "/tmp/bunbase-fuzz-http-XXXXXX";
  if (!mkdtemp(dir_template)) return 1;
  world->dir = dir_template;
  write_file(world->dir / "public/index.html", "<!doctype html><title>fuzz</title>");
  write_file(world->dir / "public/assets/app.js", std::string(3000, 'j'));
  write_file(world->dir / "public/assets/app.js.gz", "not really gzip");
  write_file(world->dir / "public/notes/a b.txt", "spaced");
  write_file(world->dir / "public/.hidden", kMarker);
  write_file(world->dir / "secret.txt", kMarker);

  bb::Config c;
  c.database.url = "sqlite://:memory:";
  c.persistence.enabled = false;  // no run history: nothing grows per request
  c.log.level = bb::LogLevel::error;
  c.log.format = "json";
  world->app = std::make_unique<bb::App>(world->manifest, c);
  world->app->open();
  world->app->migrate();
  world->pool = std::make_unique<bb::WorkerPool>(1);
  world->adapter = std::make_unique<bb::triggers::ApiAdapter>(
      world->app->registry(), world->app->executor(), *world->pool, [] { return true; });
  world->openapi = std::make_unique<bb::triggers::OpenApiHandler>(
      bb::triggers::openapi_document(world->app->registry(), {.title = "fuzz"}));
  world->adapter->mount("/openapi.json", *world->openapi);
  world->cors =
      std::make_unique<bb::http::Cors>(bb::http::CorsOptions{.origins = {"https://app.example.com"},
                                                             .credentials = true,
                                                             .expose_headers = {"traceparent"}});
  world->adapter->use_cors(*world->cors, {"/_admin"});
  world->files = std::make_unique<bb::http::StaticFiles>(bb::http::StaticFilesOptions{
      .dir = (world->dir / "public").string(), .prefix = "/static", .spa_fallback = "index.html"});
  world->adapter->add_fallback([](bb::http::Exchange& ex) { return world->files->try_handle(ex); });

  bb::http::Server::Options o{
      .host = "127.0.0.1", .port = 0, .body_limit = kBodyLimit, .header_limit = kHeaderLimit};
  o.trusted_proxies = bb::http::AddressSet::parse({"127.0.0.1/32"});
  o.compression.enabled = true;
  o.compression.min_size = 256;
  world->server = std::make_unique<bb::http::Server>(std::move(o), *world->adapter);
  const unsigned short port = world->server->start();
  world->address.sin_family = AF_INET;
  world->address.sin_port = htons(port);
  world->address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // Non-blocking from the start: libFuzzer's timers interrupt system calls (EINTR), and a
  // blocking connect cannot be resumed.
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  FUZZ_CHECK(fd >= 0, "socket: %s", strerror(errno));
  const int connected =
      connect(fd, reinterpret_cast<const sockaddr*>(&world->address), sizeof world->address);
  FUZZ_CHECK(connected == 0 || errno == EINPROGRESS, "connect: %s", strerror(errno));

  std::string out;
  std::size_t sent = 0;
  bool writing = true, clean_end = false;
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);;) {
    pollfd p{.fd = fd, .events = static_cast<short>(POLLIN | (writing ? POLLOUT : 0))};
    const int ready = poll(&p, 1, 100);
    FUZZ_CHECK(ready >= 0 || errno == EINTR, "poll: %s", strerror(errno));
    FUZZ_CHECK(std::chrono::steady_clock::now() < deadline,
               "the server neither answered nor closed in 5 s");
    if (ready <= 0) continue;
    if (writing && (p.revents & (POLLOUT | POLLERR | POLLHUP))) {
      const ssize_t n = send(fd, input.data() + sent, input.size() - sent, MSG_NOSIGNAL);
      if (n > 0) sent += static_cast<std::size_t>(n);
      if (n < 0 && errno != EAGAIN && errno != EINTR)
        writing = false;  // closed early: it may have answered
      if (sent == input.size()) writing = false;
      if (!writing) shutdown(fd, SHUT_WR);
    }
    if (p.revents & (POLLIN | POLLERR | POLLHUP)) {
      char buf[16384];
      const ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n > 0) {
        out.append(buf, static_cast<std::size_t>(n));
      } else if (n == 0) {
        clean_end = true;
        break;
      } else if (errno != EAGAIN && errno != EINTR) {
        break;  // reset: the server closed with our bytes unread
      }
    }
  }
  const linger reset{.l_onoff = 1, .l_linger = 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  close(fd);

  check_responses(input, out, request_methods(input), clean_end);
  return 0;
}
