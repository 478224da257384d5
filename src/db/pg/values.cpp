#include "src/db/pg/values.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <cstdint>
#include <string_view>

namespace bb::db::pg {

namespace {
// Type OIDs from PostgreSQL's pg_type.dat; they are fixed for built-in types.
constexpr Oid kBool = 16, kInt8 = 20, kInt2 = 21, kInt4 = 23, kJson = 114, kFloat4 = 700,
              kFloat8 = 701, kNumeric = 1700, kJsonb = 3802;

}  // namespace

std::string real_text(double d) {
  char buf[32];  // enough for the shortest round-trip form of any double
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

void reject_nul(std::string_view text) {
  if (text.find('\0') != std::string_view::npos)
    throw DbError(DbError::Kind::other,
                  "a text parameter holds a NUL byte, which PostgreSQL text cannot store");
}

namespace {

boost::json::value cell_value(Oid type, std::string_view text) {
  switch (type) {
    case kInt2:
    case kInt4:
    case kInt8: {
      std::int64_t v = 0;
      if (std::from_chars(text.data(), text.data() + text.size(), v).ec == std::errc{}) return v;
      break;
    }
    case kFloat4:
    case kFloat8:
    case kNumeric: {
      double v = 0;
      if (std::from_chars(text.data(), text.data() + text.size(), v).ec == std::errc{}) return v;
      break;
    }
    case kBool:
      return text == "t";
    case kJson:
    case kJsonb: {
      boost::system::error_code ec;
      boost::json::value v =
          boost::json::parse(boost::json::string_view(text.data(), text.size()), ec);
      if (!ec) return v;
      break;
    }
    default:
      break;
  }
  return boost::json::string(boost::json::string_view(text.data(), text.size()));
}
}  // namespace

TextParams::TextParams(Params params) {
  values_.reserve(params.size());
  for (const Value& v : params) add(v);
}

void TextParams::add(const Value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      values_.push_back(nullptr);
      break;
    case boost::json::kind::bool_:
      values_.push_back(v.get_bool() ? "true" : "false");
      break;
    case boost::json::kind::int64:
      values_.push_back(own(std::to_string(v.get_int64())));
      break;
    case boost::json::kind::uint64:
      values_.push_back(own(std::to_string(v.get_uint64())));
      break;
    case boost::json::kind::double_:
      values_.push_back(own(real_text(v.get_double())));
      break;
    case boost::json::kind::string:
      reject_nul(std::string_view(v.get_string().data(), v.get_string().size()));
      values_.push_back(v.get_string().c_str());
      break;
    case boost::json::kind::array:
    case boost::json::kind::object:
      values_.push_back(own(boost::json::serialize(v)));
      break;
  }
}

void TextParams::add(const Cell& c) {
  switch (c.kind) {
    case Cell::Kind::null:
      values_.push_back(nullptr);
      break;
    case Cell::Kind::integer:
      values_.push_back(own(std::to_string(c.integer)));
      break;
    case Cell::Kind::real:
      values_.push_back(own(real_text(c.real)));
      break;
    case Cell::Kind::text:
      reject_nul(c.text);
      values_.push_back(own(std::string(c.text)));
      break;
  }
}

void TextParams::clear() {
  values_.clear();
  owned_.clear();
}

Rows to_rows(const PGresult* result) {
  const int n = PQntuples(result), m = PQnfields(result);
  std::vector<Oid> types(m);
  std::vector<boost::json::string_view> names(m);
  for (int c = 0; c < m; ++c) {
    types[c] = PQftype(result, c);
    names[c] = PQfname(result, c);
  }
  Rows rows;
  rows.reserve(n);
  for (int r = 0; r < n; ++r) {
    Row row;
    row.reserve(m);
    for (int c = 0; c < m; ++c) {
      if (PQgetisnull(result, r, c)) {
        row[names[c]] = nullptr;
        continue;
      }
      std::string_view text(PQgetvalue(result, r, c),
                            static_cast<std::size_t>(PQgetlength(result, r, c)));
      row[names[c]] = cell_value(types[c], text);
    }
    rows.emplace_back(std::move(row));
  }
  return rows;
}

}  // namespace bb::db::pg
