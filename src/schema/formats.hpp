// String formats of JSON Schema that bunbase checks: email, uuid, date-time, uri.
#pragma once

#include <cstddef>
#include <string_view>

#include "bunbase/schema/types.hpp"

namespace bb {

const char* format_name(StringFormat f);
bool check_format(StringFormat f, std::string_view s);
// Code points in a UTF-8 string (the parser has already rejected invalid UTF-8).
std::size_t utf8_length(std::string_view s);

bool is_email(std::string_view s);
bool is_uuid(std::string_view s);
bool is_date_time(std::string_view s);  // RFC 3339
bool is_uri(std::string_view s);        // RFC 3986, absolute (with a scheme)

}  // namespace bb
