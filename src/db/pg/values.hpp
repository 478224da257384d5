// Values across libpq: parameters go out as text with no declared type (the server infers
// each from where it is used) and rows come back as JSON objects typed by column OID, the
// same shape as the SQLite driver's so query_as<T> reads either.
#pragma once

#include <libpq-fe.h>

#include <deque>
#include <string>
#include <vector>

#include "bunbase/db/database.hpp"

namespace bb::db::pg {

// Parameters as libpq takes them: NUL-terminated text, or a null pointer for NULL. JSON
// strings are borrowed (Boost.JSON keeps them NUL-terminated); everything else is rendered
// into storage owned here, so the object must outlive the call that uses values().
// The shortest text that reads back as exactly d.
std::string real_text(double d);
// libpq sends text parameters as C strings, so a NUL byte would silently cut the text short;
// PostgreSQL cannot store one in text anyway. Throws DbError instead of storing less.
void reject_nul(std::string_view text);

class TextParams {
 public:
  TextParams() = default;
  explicit TextParams(Params params);
  TextParams(const TextParams&) = delete;
  TextParams& operator=(const TextParams&) = delete;

  // null -> NULL, bool -> true/false, numbers -> their shortest exact text, strings as they
  // are, objects and arrays -> serialized JSON.
  void add(const Value& v);
  // A batch cell; its text is copied since a string_view has no terminating NUL.
  void add(const Cell& c);
  void clear();

  int size() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return values_.data(); }

 private:
  const char* own(std::string text) { return owned_.emplace_back(std::move(text)).c_str(); }
  std::vector<const char*> values_;
  std::deque<std::string> owned_;  // a deque never moves its elements, so pointers stay valid
};

// int2/int4/int8 -> int64, float4/float8/numeric -> double (numeric beyond a double's
// precision is rounded), bool -> bool, json/jsonb -> the parsed value, NULL -> null, every
// other type (text, timestamptz, uuid, bytea, ...) -> its text form.
Rows to_rows(const PGresult* result);

}  // namespace bb::db::pg
