// Reading the admin actions' rows (as both drivers return them) and closing a keyset page.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bb::admin {

inline std::optional<std::string> text_or_null(const boost::json::object& row, std::string_view column) {
  const auto* v = row.if_contains(column);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->as_string());
}

inline std::string text(const boost::json::object& row, std::string_view column) {
  return text_or_null(row, column).value_or("");
}

inline std::optional<std::int64_t> integer_or_null(const boost::json::object& row, std::string_view column) {
  const auto* v = row.if_contains(column);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  if (v->is_double()) return static_cast<std::int64_t>(v->as_double());
  return std::nullopt;
}

inline std::int64_t integer(const boost::json::object& row, std::string_view column) {
  return integer_or_null(row, column).value_or(0);
}

// REAL / DOUBLE PRECISION, which a driver may hand back as an integer when it is whole.
inline double number(const boost::json::object& row, std::string_view column) {
  const auto* v = row.if_contains(column);
  if (!v) return 0;
  if (v->is_double()) return v->as_double();
  return static_cast<double>(integer(row, column));
}

// SQLite answers a BOOLEAN column with 0 or 1, PostgreSQL with true or false.
inline bool boolean(const boost::json::object& row, std::string_view column) {
  const auto* v = row.if_contains(column);
  if (v && v->is_bool()) return v->as_bool();
  return integer(row, column) != 0;
}

// A page read with LIMIT limit + 1: drops the extra row and sets `next` (the `before` of the next
// page) from the last item kept, or leaves it empty on the last page.
template <class Page>
void close_page(Page& page, std::int64_t limit) {
  if (static_cast<std::int64_t>(page.items.size()) <= limit) return;
  page.items.pop_back();
  page.next = page.items.back().id;
}

}  // namespace bb::admin
