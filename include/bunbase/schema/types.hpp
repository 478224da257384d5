// Constrained value types: the C++ spelling of JSON Schema keywords.
// A field's type carries its constraints, so validation, decoding and the JSON Schema all
// come from one place:
//
//   struct CreateUserInput {
//     bb::Email email;                                        // string, format: email
//     bb::String<bb::MinLength<1>, bb::MaxLength<200>> name;  // string, 1..200 code points
//     bb::Int<bb::Minimum<1>, bb::Maximum<100>> limit;        // integer in [1, 100]
//     bb::Array<std::string, bb::MinItems<1>> tags;           // non-empty list
//   };
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace bb {

// A string usable as a template argument: bb::Pattern<"^[a-z]+$">.
template <std::size_t N>
struct FixedString {
  char data[N]{};
  constexpr FixedString(const char (&s)[N]) { std::copy_n(s, N, data); }
  constexpr std::string_view view() const { return {data, N - 1}; }
};

enum class StringFormat { none, email, uuid, date_time, uri };

// --- string keywords
template <std::size_t N>
struct MinLength {
  static constexpr std::size_t value = N;
};
template <std::size_t N>
struct MaxLength {
  static constexpr std::size_t value = N;
};
template <FixedString P>
struct Pattern {
  static constexpr std::string_view value = P.view();
};
template <StringFormat F>
struct Format {
  static constexpr StringFormat value = F;
};

// --- numeric keywords (integer or floating-point literals)
template <auto V>
struct Minimum {
  static constexpr auto value = V;
};
template <auto V>
struct Maximum {
  static constexpr auto value = V;
};
template <auto V>
struct ExclusiveMinimum {
  static constexpr auto value = V;
};
template <auto V>
struct ExclusiveMaximum {
  static constexpr auto value = V;
};

// --- array keywords
template <std::size_t N>
struct MinItems {
  static constexpr std::size_t value = N;
};
template <std::size_t N>
struct MaxItems {
  static constexpr std::size_t value = N;
};

// A std::string with constraints. It is a std::string, so handlers use it as one.
template <class... Constraints>
struct String : std::string {
  using std::string::string;
  String() = default;
  String(std::string s) : std::string(std::move(s)) {}
};

using Email = String<Format<StringFormat::email>>;
using Uuid = String<Format<StringFormat::uuid>>;
using DateTime = String<Format<StringFormat::date_time>>;
using Uri = String<Format<StringFormat::uri>>;

// A string that is a secret (a password, a token, a key): validated and used like T (std::string
// or a bb::String<...>), but never kept: recorded as "[redacted]" in the run history (and so on
// the dashboard, in MCP's and the CLI's views of runs), and marked `format: password` in JSON
// Schema so documentation UIs mask it.
//
//   struct SignInInput { bb::Email email; bb::Secret<bb::String<bb::MaxLength<1024>>> password; };
template <class T = std::string>
struct Secret : T {
  using T::T;
  Secret() = default;
  Secret(T v) : T(std::move(v)) {}
  Secret(std::string s) requires(!std::is_same_v<T, std::string>) : T(std::move(s)) {}
};

// A 64-bit integer with constraints; converts to and from std::int64_t.
template <class... Constraints>
struct Int {
  std::int64_t value = 0;
  Int() = default;
  Int(std::int64_t v) : value(v) {}
  operator std::int64_t() const { return value; }
};

// A double with constraints; converts to and from double.
template <class... Constraints>
struct Number {
  double value = 0;
  Number() = default;
  Number(double v) : value(v) {}
  operator double() const { return value; }
};

// A std::vector with constraints.
template <class T, class... Constraints>
struct Array : std::vector<T> {
  using std::vector<T>::vector;
  Array() = default;
  Array(std::vector<T> v) : std::vector<T>(std::move(v)) {}
};

}  // namespace bb
