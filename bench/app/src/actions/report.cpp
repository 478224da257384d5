// GET /report: about 20 KB of JSON (130 invoices of a made-up customer base), the size of a
// typical list page, to measure a large response and what compressing it costs (bench/run's
// json20k routes). Run inline like the others: what is measured is encoding and compression.
#include <array>
#include <bunbase/bunbase.hpp>
#include <cstdint>
#include <cstdio>
#include <string_view>

namespace {

struct ReportRow {
  std::string id;
  std::string customer;
  std::string plan;
  std::int64_t seats = 0;
  std::int64_t amountCents = 0;
  std::string status;
  std::string createdAt;
};
BOOST_DESCRIBE_STRUCT(ReportRow, (), (id, customer, plan, seats, amountCents, status, createdAt))

struct Report {
  std::string period;
  std::int64_t total = 0;
  std::vector<ReportRow> items;
};
BOOST_DESCRIBE_STRUCT(Report, (), (period, total, items))

// splitmix64: the same rows on every start, varied enough that gzip finds repeats in the keys
// and the vocabulary but not whole rows (ids and amounts are as random as real ones).
std::uint64_t next(std::uint64_t& s) {
  std::uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

template <std::size_t N>
std::string_view pick(const std::array<std::string_view, N>& a, std::uint64_t& s) {
  return a[next(s) % N];
}

// What the handler of a list page would have read from its database; built once.
const Report& report_data() {
  static const Report report = [] {
    static constexpr std::array<std::string_view, 24> kFirst = {
        "Ada",       "Grace",   "Alan",  "Edsger", "Barbara",  "Donald", "Frances", "John",
        "Hedy",      "Ken",     "Radia", "Linus",  "Margaret", "Dennis", "Sophie",  "Tim",
        "Katherine", "Niklaus", "Jean",  "Bjarne", "Anita",    "Leslie", "Shafi",   "Guido"};
    static constexpr std::array<std::string_view, 24> kLast = {
        "Lovelace", "Hopper",     "Turing", "Dijkstra",    "Liskov",     "Knuth",
        "Allen",    "Backus",     "Lamarr", "Thompson",    "Perlman",    "Torvalds",
        "Hamilton", "Ritchie",    "Wilson", "Berners-Lee", "Johnson",    "Wirth",
        "Sammet",   "Stroustrup", "Borg",   "Lamport",     "Goldwasser", "van Rossum"};
    static constexpr std::array<std::string_view, 4> kPlan = {"free", "starter", "team",
                                                              "enterprise"};
    static constexpr std::array<std::string_view, 4> kStatus = {"draft", "sent", "paid", "overdue"};
    Report r;
    r.period = "2026-10";
    std::uint64_t s = 20261001;
    for (int i = 0; i < 130; ++i) {
      ReportRow row;
      char buf[64];
      std::snprintf(buf, sizeof buf, "inv_%012llx", static_cast<unsigned long long>(next(s) >> 16));
      row.id = buf;
      const std::string_view first = pick(kFirst, s), last = pick(kLast, s);
      row.customer = std::string(first) + " " + std::string(last);
      row.plan = pick(kPlan, s);
      row.seats = 1 + static_cast<std::int64_t>(next(s) % 250);
      row.amountCents = 900 + static_cast<std::int64_t>(next(s) % 2500000);
      row.status = pick(kStatus, s);
      const int day = 1 + static_cast<int>(next(s) % 31), hour = static_cast<int>(next(s) % 24);
      const int minute = static_cast<int>(next(s) % 60), second = static_cast<int>(next(s) % 60);
      std::snprintf(buf, sizeof buf, "2026-10-%02dT%02d:%02d:%02dZ", day, hour, minute, second);
      row.createdAt = buf;
      r.total += row.amountCents;
      r.items.push_back(std::move(row));
    }
    return r;
  }();
  return report;
}

}  // namespace

BUNBASE_ACTION(report) {
  return bb::action<bb::Empty, Report>(
      {.name = "report", .triggers = {bb::triggers::api("GET", "/report")}, .run_inline = true},
      [](const bb::Empty&, bb::Context&) { return report_data(); });
}
