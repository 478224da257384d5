// The schema layer from the outside: every keyword valid and invalid, JSON pointer paths,
// all-failures reporting, the codec's round trips and the JSON Schema it emits.
#include "bunbase/schema/schema.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <variant>
#include <vector>

namespace {

namespace json = boost::json;
using Issues = std::vector<bb::ValidationIssue>;

// --- types under test

enum class Role { user, admin };
BOOST_DESCRIBE_ENUM(Role, user, admin)

struct Address {
  bb::String<bb::MinLength<5>, bb::MaxLength<5>, bb::Pattern<"^[0-9]+$">> zip;
  std::string city;
};
BOOST_DESCRIBE_STRUCT(Address, (), (zip, city))

struct Person {
  bb::Email email;
  bb::String<bb::MinLength<1>, bb::MaxLength<10>> name;
  bb::Int<bb::Minimum<0>, bb::Maximum<150>> age;
  bool active = false;
  Role role = Role::user;
  std::optional<std::string> nickname;
  bb::Array<bb::String<bb::MinLength<1>>, bb::MinItems<1>, bb::MaxItems<3>> tags;
  Address address;
  std::map<std::string, int> scores;
  json::value extra;
};
BOOST_DESCRIBE_STRUCT(Person, (),
                      (email, name, age, active, role, nickname, tags, address, scores, extra))

constexpr const char* kValidPerson = R"({
  "email": "ada@example.com", "name": "Ada", "age": 36, "active": true, "role": "admin",
  "tags": ["math", "engines"], "address": {"zip": "12345", "city": "London"},
  "scores": {"a": 1, "b": -2}, "extra": {"any": [1, "x", null]}
})";

struct Circle {
  bb::Number<bb::ExclusiveMinimum<0>> radius;
};
BOOST_DESCRIBE_STRUCT(Circle, (), (radius))
struct Square {
  bb::Number<bb::ExclusiveMinimum<0>> side;
};
BOOST_DESCRIBE_STRUCT(Square, (), (side))
struct Drawing {
  std::variant<Circle, Square> shape;
};
BOOST_DESCRIBE_STRUCT(Drawing, (), (shape))

struct Scores {
  std::map<std::string, bb::Int<bb::Minimum<0>>> m;
};
BOOST_DESCRIBE_STRUCT(Scores, (), (m))

struct Grid {
  std::vector<std::vector<int>> rows;
};
BOOST_DESCRIBE_STRUCT(Grid, (), (rows))

struct Strict {
  int a = 0;
};
BOOST_DESCRIBE_STRUCT(Strict, (), (a))

struct Open {
  static constexpr bool allow_unknown_properties = true;
  int a = 0;
};
BOOST_DESCRIBE_STRUCT(Open, (), (a))

struct Widths {
  int i32 = 0;
  std::int64_t i64 = 0;
  std::uint8_t u8 = 0;
};
BOOST_DESCRIBE_STRUCT(Widths, (), (i32, i64, u8))

struct Counter {
  unsigned count = 0;
  std::size_t total = 0;
};
BOOST_DESCRIBE_STRUCT(Counter, (), (count, total))

struct Doc {
  json::value data;
  std::optional<json::value> meta;
};
BOOST_DESCRIBE_STRUCT(Doc, (), (data, meta))

struct OnceProbe {
  int x = 0;
};
BOOST_DESCRIBE_STRUCT(OnceProbe, (), (x))

// --- helpers

std::string dump(const Issues& issues) {
  std::string s;
  for (const auto& i : issues) s += "\n  [" + i.path + "] " + i.message;
  return s.empty() ? " (none)" : s;
}

template <class T>
Issues issues_of_value(const json::value& v) {
  Issues out;
  bool ok = bb::validate(bb::schema_of<T>().root(), v, out);
  // validate() and the short-circuiting matches() must always agree.
  EXPECT_EQ(ok, out.empty());
  EXPECT_EQ(bb::matches(bb::schema_of<T>().root(), v), ok) << json::serialize(v);
  return out;
}
template <class T>
Issues issues_of(std::string_view text) {
  return issues_of_value<T>(json::parse(text));
}

template <class T>
::testing::AssertionResult Valid(std::string_view text) {
  Issues is = issues_of<T>(text);
  if (is.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << text << " should be valid, got:" << dump(is);
}

// Exactly one failure, at `path`, saying `message`.
template <class T>
::testing::AssertionResult FailsWith(std::string_view text, std::string_view path,
                                     std::string_view message) {
  Issues is = issues_of<T>(text);
  if (is.size() == 1 && is[0].path == path && is[0].message == message)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << text << " should fail once with [" << path << "] " << message << ", got:" << dump(is);
}

// --- strings

TEST(SchemaString, LengthCountsCodePointsNotBytes) {
  using S = bb::String<bb::MinLength<3>, bb::MaxLength<4>>;
  EXPECT_TRUE(Valid<S>(R"("abc")"));
  EXPECT_TRUE(Valid<S>(R"("abcd")"));
  EXPECT_TRUE(Valid<S>(R"("héé")"));       // 5 bytes, 3 code points
  EXPECT_TRUE(Valid<S>(R"("日本語の")"));  // 12 bytes, 4 code points
  EXPECT_TRUE(Valid<S>(R"("😀😀😀")"));       // 12 bytes, 3 code points
  EXPECT_TRUE(FailsWith<S>(R"("ab")", "", "must be at least 3 characters long"));
  EXPECT_TRUE(FailsWith<S>(R"("é")", "", "must be at least 3 characters long"));  // 2 bytes
  EXPECT_TRUE(FailsWith<S>(R"("日本語の本")", "", "must be at most 4 characters long"));
  EXPECT_TRUE(FailsWith<S>(R"("abcde")", "", "must be at most 4 characters long"));
}

TEST(SchemaString, SingularLengthMessages) {
  EXPECT_TRUE(
      FailsWith<bb::String<bb::MinLength<1>>>(R"("")", "", "must be at least 1 character long"));
  EXPECT_TRUE(
      FailsWith<bb::String<bb::MaxLength<1>>>(R"("ab")", "", "must be at most 1 character long"));
}

TEST(SchemaString, Pattern) {
  using S = bb::String<bb::Pattern<"^[a-z]+$">>;
  EXPECT_TRUE(Valid<S>(R"("abc")"));
  EXPECT_TRUE(FailsWith<S>(R"("abC")", "", "must match the pattern ^[a-z]+$"));
  EXPECT_TRUE(FailsWith<S>(R"("")", "", "must match the pattern ^[a-z]+$"));
  // JSON Schema patterns are not anchored: a match anywhere is enough.
  using Digit = bb::String<bb::Pattern<"[0-9]">>;
  EXPECT_TRUE(Valid<Digit>(R"("ab1cd")"));
  EXPECT_TRUE(FailsWith<Digit>(R"("abcd")", "", "must match the pattern [0-9]"));
}

TEST(SchemaString, InvalidPatternIsRejectedWhenCompiled) {
  EXPECT_THROW(bb::compile_pattern("([a-z"), std::invalid_argument);
  EXPECT_NO_THROW(bb::compile_pattern("^[a-z]+$"));
  // Only a backtracking matcher can follow them, and that one recursed per input character.
  EXPECT_THROW(bb::compile_pattern("^(a)\\1$"), std::invalid_argument);
}

TEST(SchemaString, APatternCopesWithAHugeString) {
  // A scope as the auth module types it: 30,000 characters overflowed the stack of the
  // backtracking matcher and crashed the server; a body may hold 1 MiB.
  using Scope = bb::String<bb::Pattern<"^[A-Za-z0-9_.*-]+(:[A-Za-z0-9_.*-]+)?$">>;
  const std::string huge(50'000, 'a');
  EXPECT_TRUE(issues_of<Scope>("\"" + huge + ":b\"").empty());
  Issues is = issues_of<Scope>("\"" + huge + "!\"");
  ASSERT_EQ(is.size(), 1u);
  EXPECT_EQ(is[0].message, "must match the pattern ^[A-Za-z0-9_.*-]+(:[A-Za-z0-9_.*-]+)?$");
  // Nested quantifiers: exponential for a backtracking matcher (seconds for 25 characters).
  EXPECT_TRUE(FailsWith<bb::String<bb::Pattern<"^(a+)+$">>>("\"" + std::string(5000, 'a') + "!\"", "",
                                                           "must match the pattern ^(a+)+$"));
}

TEST(SchemaString, TheNulCharacterIsRefusedAnywhereInAString) {
  EXPECT_TRUE(FailsWith<std::string>(R"("a\u0000b")", "", "must not contain the NUL character (U+0000)"));
  EXPECT_TRUE(FailsWith<bb::Email>(R"("\u0000")", "", "must not contain the NUL character (U+0000)"))
      << "one issue: the other checks say nothing more";
  EXPECT_TRUE(Valid<std::string>(R"("a\u0001b")"));
}

TEST(SchemaString, WrongTypes) {
  EXPECT_TRUE(FailsWith<std::string>("5", "", "expected string, got integer"));
  EXPECT_TRUE(FailsWith<std::string>("1.5", "", "expected string, got number"));
  EXPECT_TRUE(FailsWith<std::string>("null", "", "expected string, got null"));
  EXPECT_TRUE(FailsWith<std::string>("[]", "", "expected string, got array"));
  EXPECT_TRUE(FailsWith<std::string>("{}", "", "expected string, got object"));
  EXPECT_TRUE(FailsWith<std::string>("true", "", "expected string, got boolean"));
}

TEST(SchemaString, FormatsThroughTheSchema) {
  EXPECT_TRUE(Valid<bb::Email>(R"("a@b.co")"));
  EXPECT_TRUE(FailsWith<bb::Email>(R"("a@b")", "", "must be a valid email"));
  EXPECT_TRUE(FailsWith<bb::Uuid>(R"("123")", "", "must be a valid uuid"));
  EXPECT_TRUE(
      FailsWith<bb::DateTime>(R"("2024-02-30T00:00:00Z")", "", "must be a valid date-time"));
  EXPECT_TRUE(FailsWith<bb::Uri>(R"("/relative")", "", "must be a valid uri"));
}

TEST(SchemaString, EveryStringKeywordReportsItsOwnFailure) {
  using S =
      bb::String<bb::MinLength<5>, bb::Pattern<"^[a-z@.]+$">, bb::Format<bb::StringFormat::email>>;
  Issues is = issues_of<S>(R"("A1")");
  ASSERT_EQ(is.size(), 3u) << dump(is);
  EXPECT_EQ(is[0].message, "must be at least 5 characters long");
  EXPECT_EQ(is[1].message, "must match the pattern ^[a-z@.]+$");
  EXPECT_EQ(is[2].message, "must be a valid email");
}

// --- integers

TEST(SchemaInteger, MinimumAndMaximumAreInclusive) {
  using I = bb::Int<bb::Minimum<1>, bb::Maximum<100>>;
  EXPECT_TRUE(Valid<I>("1"));
  EXPECT_TRUE(Valid<I>("100"));
  EXPECT_TRUE(FailsWith<I>("0", "", "must be at least 1"));
  EXPECT_TRUE(FailsWith<I>("101", "", "must be at most 100"));
  EXPECT_TRUE(FailsWith<bb::Int<bb::Minimum<-5>>>("-6", "", "must be at least -5"));
}

TEST(SchemaInteger, ExclusiveBounds) {
  using I = bb::Int<bb::ExclusiveMinimum<0>, bb::ExclusiveMaximum<10>>;
  EXPECT_TRUE(Valid<I>("1"));
  EXPECT_TRUE(Valid<I>("9"));
  EXPECT_TRUE(FailsWith<I>("0", "", "must be greater than 0"));
  EXPECT_TRUE(FailsWith<I>("10", "", "must be less than 10"));
  EXPECT_TRUE(FailsWith<I>("-3", "", "must be greater than 0"));
}

TEST(SchemaInteger, IntegralDoublesAreIntegers) {
  using I = bb::Int<bb::Maximum<10>>;
  EXPECT_TRUE(Valid<I>("1.0"));
  EXPECT_TRUE(Valid<I>("1e1"));
  EXPECT_EQ(bb::from_json<I>(json::parse("1.0")).value, 1);
  EXPECT_EQ(bb::from_json<int>(json::parse("-7.0")), -7);
  EXPECT_TRUE(FailsWith<I>("11.0", "", "must be at most 10"));
  EXPECT_TRUE(FailsWith<I>("1.5", "", "expected integer, got number"));
  EXPECT_TRUE(FailsWith<int>("0.1", "", "expected integer, got number"));
  EXPECT_TRUE(FailsWith<I>(R"("1")", "", "expected integer, got string"));
  EXPECT_TRUE(FailsWith<I>("true", "", "expected integer, got boolean"));
  EXPECT_TRUE(FailsWith<I>("null", "", "expected integer, got null"));
}

TEST(SchemaInteger, PlainIntHasTheInt32Range) {
  EXPECT_TRUE(Valid<Widths>(R"({"i32": 2147483647, "i64": 0, "u8": 0})"));
  EXPECT_TRUE(Valid<Widths>(R"({"i32": -2147483648, "i64": 0, "u8": 255})"));
  EXPECT_TRUE(FailsWith<Widths>(R"({"i32": 2147483648, "i64": 0, "u8": 0})", "/i32",
                                "must be at most 2147483647"));
  EXPECT_TRUE(FailsWith<Widths>(R"({"i32": -2147483649, "i64": 0, "u8": 0})", "/i32",
                                "must be at least -2147483648"));
  EXPECT_TRUE(
      FailsWith<Widths>(R"({"i32": 0, "i64": 0, "u8": 256})", "/u8", "must be at most 255"));
  EXPECT_TRUE(FailsWith<Widths>(R"({"i32": 0, "i64": 0, "u8": -1})", "/u8", "must be at least 0"));
}

TEST(SchemaInteger, Int64LimitsAndUint64Overflow) {
  EXPECT_TRUE(Valid<std::int64_t>("9223372036854775807"));
  EXPECT_TRUE(Valid<std::int64_t>("-9223372036854775808"));
  EXPECT_EQ(bb::from_json<std::int64_t>(json::parse("9223372036854775807")), INT64_MAX);
  // One past INT64_MAX parses as a uint64: too big for any integer field.
  EXPECT_TRUE(
      FailsWith<std::int64_t>("9223372036854775808", "", "must be at most 9223372036854775807"));
  EXPECT_TRUE(
      FailsWith<bb::Int<>>("18446744073709551615", "", "must be at most 9223372036854775807"));
  // Past UINT64_MAX the parser gives a double: not an exact integer any more.
  EXPECT_TRUE(FailsWith<bb::Int<>>("18446744073709551616", "", "expected integer, got number"));
  EXPECT_TRUE(FailsWith<bb::Int<>>("1e300", "", "expected integer, got number"));
  EXPECT_THROW(bb::from_json<std::int64_t>(json::parse("9223372036854775808")), bb::SchemaError);
}

TEST(SchemaInteger, UnsignedFieldsRoundTrip) {
  Counter c{.count = 5, .total = 7};
  json::value v = bb::to_json(c);
  EXPECT_TRUE(issues_of_value<Counter>(v).empty()) << dump(issues_of_value<Counter>(v));
  EXPECT_TRUE(issues_of_value<int>(json::value(std::uint64_t{5})).empty());
  EXPECT_EQ(bb::from_json<Counter>(v).total, 7u);
}

// --- numbers and booleans

TEST(SchemaNumber, InclusiveBounds) {
  using N = bb::Number<bb::Minimum<0>, bb::Maximum<1>>;
  EXPECT_TRUE(Valid<N>("0"));
  EXPECT_TRUE(Valid<N>("0.5"));
  EXPECT_TRUE(Valid<N>("1"));
  EXPECT_TRUE(Valid<N>("1.0"));
  EXPECT_TRUE(FailsWith<N>("-0.1", "", "must be at least 0"));
  EXPECT_TRUE(FailsWith<N>("1.5", "", "must be at most 1"));
  EXPECT_TRUE(FailsWith<N>(R"("0.5")", "", "expected number, got string"));
  EXPECT_DOUBLE_EQ(bb::from_json<N>(json::parse("1")).value, 1.0);
}

TEST(SchemaNumber, ExclusiveBounds) {
  using N = bb::Number<bb::ExclusiveMinimum<0.5>, bb::ExclusiveMaximum<2.5>>;
  EXPECT_TRUE(Valid<N>("0.51"));
  EXPECT_TRUE(Valid<N>("2"));
  EXPECT_TRUE(FailsWith<N>("0.5", "", "must be greater than 0.5"));
  EXPECT_TRUE(FailsWith<N>("2.5", "", "must be less than 2.5"));
  EXPECT_TRUE(FailsWith<N>("-1", "", "must be greater than 0.5"));
}

TEST(SchemaNumber, FractionalInclusiveBounds) {
  using N = bb::Number<bb::Minimum<0.5>, bb::Maximum<2.5>>;
  EXPECT_TRUE(Valid<N>("0.5"));
  EXPECT_TRUE(Valid<N>("2.5"));
  EXPECT_TRUE(FailsWith<N>("0.4", "", "must be at least 0.5"));
  EXPECT_TRUE(FailsWith<N>("2.6", "", "must be at most 2.5"));
}

TEST(SchemaNumber, MessagesShowTheExactBound) {
  auto bound_in = [](const Issues& is) {
    return std::stod(is.at(0).message.substr(is.at(0).message.rfind(' ') + 1));
  };
  EXPECT_DOUBLE_EQ(bound_in(issues_of<bb::Number<bb::ExclusiveMinimum<1e-7>>>("0")), 1e-7);
  EXPECT_DOUBLE_EQ(bound_in(issues_of<bb::Number<bb::ExclusiveMaximum<0.1234567>>>("1")),
                   0.1234567);
}

TEST(SchemaBoolean, OnlyTrueAndFalse) {
  EXPECT_TRUE(Valid<bool>("true"));
  EXPECT_TRUE(Valid<bool>("false"));
  EXPECT_TRUE(FailsWith<bool>("1", "", "expected boolean, got integer"));
  EXPECT_TRUE(FailsWith<bool>(R"("true")", "", "expected boolean, got string"));
  EXPECT_TRUE(FailsWith<bool>("null", "", "expected boolean, got null"));
  EXPECT_FALSE(bb::from_json<bool>(json::parse("false")));
}

// --- enums, optionals, free-form values

TEST(SchemaEnum, AcceptsOnlyDeclaredNames) {
  EXPECT_TRUE(Valid<Role>(R"("admin")"));
  EXPECT_EQ(bb::from_json<Role>(json::parse(R"("admin")")), Role::admin);
  EXPECT_TRUE(FailsWith<Role>(R"("root")", "", "must be one of: user, admin"));
  EXPECT_TRUE(FailsWith<Role>(R"("Admin")", "", "must be one of: user, admin"));
  EXPECT_TRUE(FailsWith<Role>("1", "", "must be one of: user, admin"));
  EXPECT_EQ(bb::to_json(Role::user), json::value("user"));
  EXPECT_TRUE(bb::to_json(static_cast<Role>(7)).is_null());  // then output validation reports it
}

TEST(SchemaOptional, AbsentIsFineRequiredIsReported) {
  const char* without = R"({"email": "a@b.co", "name": "A", "age": 1, "active": false,
    "role": "user", "tags": ["t"], "address": {"zip": "00000", "city": "x"}, "scores": {},
    "extra": null})";
  EXPECT_TRUE(Valid<Person>(without));
  EXPECT_FALSE(bb::from_json<Person>(json::parse(without)).nickname.has_value());

  json::value v = json::parse(without);
  v.as_object()["nickname"] = "Addy";
  EXPECT_EQ(bb::from_json<Person>(v).nickname, "Addy");

  v.as_object().erase("email");
  EXPECT_TRUE(FailsWith<Person>(json::serialize(v), "/email", "is required"));
}

TEST(SchemaOptional, AbsentRatherThanNullInsideObjects) {
  // An optional property is "may be absent", not "may be null" (the JSON Schema agrees).
  // (A free-form optional is the exception: null is one of the values it takes.)
  EXPECT_TRUE(Valid<Doc>(R"({"data": 1, "meta": null})"));
  const char* nulled = R"({"email": "a@b.co", "name": "A", "age": 1, "active": false,
    "role": "user", "nickname": null, "tags": ["t"], "address": {"zip": "00000", "city": "x"},
    "scores": {}, "extra": 1})";
  EXPECT_TRUE(FailsWith<Person>(nulled, "/nickname", "expected string, got null"));
}

TEST(SchemaOptional, OutsideObjectsNullIsAllowed) {
  using V = std::vector<std::optional<int>>;
  EXPECT_TRUE(Valid<V>("[1, null, 3]"));
  EXPECT_TRUE(FailsWith<V>(R"([1, "x"])", "/1", "expected integer or null, got string"));
  V out = bb::from_json<V>(json::parse("[1, null]"));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], 1);
  EXPECT_FALSE(out[1].has_value());
  EXPECT_EQ(bb::to_json(out), json::parse("[1, null]"));
}

TEST(SchemaAny, FreeFormValueTakesAnything) {
  for (const char* data : {"null", "1", "\"s\"", "[1, {\"a\": []}]", "{\"deep\": {\"x\": true}}"}) {
    std::string doc = std::string(R"({"data": )") + data + "}";
    EXPECT_TRUE(Valid<Doc>(doc));
    EXPECT_EQ(bb::from_json<Doc>(json::parse(doc)).data, json::parse(data));
  }
  EXPECT_TRUE(FailsWith<Doc>("{}", "/data", "is required"));
  Doc d = bb::from_json<Doc>(json::parse(R"({"data": 1, "meta": {"k": [2]}})"));
  EXPECT_EQ(d.meta, json::parse(R"({"k": [2]})"));
}

// --- arrays

TEST(SchemaArray, MinAndMaxItemsWithPerItemPaths) {
  auto person_with_tags = [](const char* tags) {
    json::value v = json::parse(kValidPerson);
    v.as_object()["tags"] = json::parse(tags);
    return json::serialize(v);
  };
  EXPECT_TRUE(Valid<Person>(person_with_tags(R"(["a"])")));
  EXPECT_TRUE(Valid<Person>(person_with_tags(R"(["a", "b", "c"])")));
  EXPECT_TRUE(FailsWith<Person>(person_with_tags("[]"), "/tags", "must have at least 1 items"));
  EXPECT_TRUE(FailsWith<Person>(person_with_tags(R"(["a", "b", "c", "d"])"), "/tags",
                                "must have at most 3 items"));
  EXPECT_TRUE(FailsWith<Person>(person_with_tags(R"(["a", "b", ""])"), "/tags/2",
                                "must be at least 1 character long"));
  EXPECT_TRUE(FailsWith<Person>(person_with_tags(R"(["a", 5])"), "/tags/1",
                                "expected string, got integer"));
  EXPECT_TRUE(FailsWith<Person>(person_with_tags(R"("a")"), "/tags", "expected array, got string"));

  Issues is = issues_of<Person>(person_with_tags(R"(["", "b", "", "d"])"));
  ASSERT_EQ(is.size(), 3u) << dump(is);
  EXPECT_EQ(is[0].path, "/tags");
  EXPECT_EQ(is[1].path, "/tags/0");
  EXPECT_EQ(is[2].path, "/tags/2");
}

TEST(SchemaArray, VectorsAndNestedArrays) {
  EXPECT_TRUE(Valid<std::vector<int>>("[]"));
  EXPECT_TRUE(Valid<Grid>(R"({"rows": [[1, 2], [3]]})"));
  EXPECT_TRUE(FailsWith<Grid>(R"({"rows": [[1, 2], [3, "x"]]})", "/rows/1/1",
                              "expected integer, got string"));
  Grid g = bb::from_json<Grid>(json::parse(R"({"rows": [[1, 2], [3]]})"));
  ASSERT_EQ(g.rows.size(), 2u);
  EXPECT_EQ(g.rows[1], std::vector<int>{3});
}

TEST(SchemaArray, VectorOfBoolDecodes) {
  EXPECT_EQ(bb::from_json<std::vector<bool>>(json::parse("[true, false]")),
            (std::vector<bool>{true, false}));
  EXPECT_EQ((bb::from_json<bb::Array<bool, bb::MinItems<1>>>(json::parse("[false]"))), (std::vector<bool>{false}));
}

// --- objects, maps, unknown properties

TEST(SchemaObject, NestedStructPaths) {
  auto with_address = [](const char* address) {
    json::value v = json::parse(kValidPerson);
    v.as_object()["address"] = json::parse(address);
    return json::serialize(v);
  };
  EXPECT_TRUE(FailsWith<Person>(with_address(R"({"zip": "1234x", "city": "x"})"), "/address/zip",
                                "must match the pattern ^[0-9]+$"));
  EXPECT_TRUE(
      FailsWith<Person>(with_address(R"({"zip": "12345"})"), "/address/city", "is required"));
  EXPECT_TRUE(
      FailsWith<Person>(with_address(R"("London")"), "/address", "expected object, got string"));
  EXPECT_TRUE(FailsWith<Person>(with_address(R"({"zip": "12345", "city": "x", "z": 1})"),
                                "/address/z", "is not an allowed property"));
  EXPECT_TRUE(FailsWith<Person>("[]", "", "expected object, got array"));
}

TEST(SchemaObject, UnknownPropertiesRejectedUnlessOptedIn) {
  EXPECT_TRUE(Valid<Strict>(R"({"a": 1})"));
  EXPECT_TRUE(FailsWith<Strict>(R"({"a": 1, "b": 2})", "/b", "is not an allowed property"));
  EXPECT_TRUE(FailsWith<Strict>(R"({"a": 1, "x/y~": 2})", "/x~1y~0", "is not an allowed property"));
  Issues is = issues_of<Strict>(R"({"b": 1, "c": 2})");
  ASSERT_EQ(is.size(), 3u) << dump(is);  // a missing, b and c unknown
  EXPECT_EQ(is[0].path, "/a");

  EXPECT_TRUE(Valid<Open>(R"({"a": 1, "b": 2, "c": {"d": []}})"));
  EXPECT_EQ(bb::from_json<Open>(json::parse(R"({"a": 4, "b": 2})")).a, 4);
  EXPECT_TRUE(FailsWith<Open>(R"({"b": 2})", "/a", "is required"));
}

TEST(SchemaMap, ValuesValidatedWithEscapedPaths) {
  EXPECT_TRUE(Valid<Scores>(R"({"m": {}})"));
  EXPECT_TRUE(Valid<Scores>(R"({"m": {"a": 0, "b": 5}})"));
  EXPECT_TRUE(FailsWith<Scores>(R"({"m": {"a/b": -1}})", "/m/a~1b", "must be at least 0"));
  EXPECT_TRUE(FailsWith<Scores>(R"({"m": {"~": -1}})", "/m/~0", "must be at least 0"));
  EXPECT_TRUE(FailsWith<Scores>(R"({"m": {"~1/": -1}})", "/m/~01~1", "must be at least 0"));
  EXPECT_TRUE(FailsWith<Scores>(R"({"m": {"": "x"}})", "/m/", "expected integer, got string"));
  EXPECT_TRUE(FailsWith<Scores>(R"({"m": [1]})", "/m", "expected object, got array"));

  Scores s = bb::from_json<Scores>(json::parse(R"({"m": {"a/b": 1, "c": 2}})"));
  ASSERT_EQ(s.m.size(), 2u);
  EXPECT_EQ(s.m.at("a/b").value, 1);
  EXPECT_EQ(bb::to_json(s), json::parse(R"({"m": {"a/b": 1, "c": 2}})"));

  using U = std::unordered_map<std::string, bool>;
  EXPECT_TRUE(FailsWith<U>(R"({"ok": true, "no": 0})", "/no", "expected boolean, got integer"));
  EXPECT_TRUE(bb::from_json<U>(json::parse(R"({"ok": true})")).at("ok"));
}

// --- oneOf

TEST(SchemaOneOf, DecodesTheMatchingAlternative) {
  Drawing c = bb::from_json<Drawing>(json::parse(R"({"shape": {"radius": 2}})"));
  ASSERT_EQ(c.shape.index(), 0u);
  EXPECT_DOUBLE_EQ(std::get<Circle>(c.shape).radius.value, 2.0);
  Drawing s = bb::from_json<Drawing>(json::parse(R"({"shape": {"side": 3.5}})"));
  ASSERT_EQ(s.shape.index(), 1u);
  EXPECT_DOUBLE_EQ(std::get<Square>(s.shape).side.value, 3.5);
  EXPECT_EQ(bb::to_json(s), json::parse(R"({"shape": {"side": 3.5}})"));

  using V = std::variant<int, std::string>;
  EXPECT_EQ(bb::from_json<V>(json::parse("5")).index(), 0u);
  EXPECT_EQ(std::get<std::string>(bb::from_json<V>(json::parse(R"("5")"))), "5");
  EXPECT_EQ(bb::to_json(V{std::string("x")}), json::value("x"));
}

TEST(SchemaOneOf, MatchesNone) {
  const char* none = "must match exactly one of the allowed shapes, matches none";
  EXPECT_TRUE(FailsWith<Drawing>(R"({"shape": {}})", "/shape", none));
  EXPECT_TRUE(FailsWith<Drawing>(R"({"shape": {"radius": -1}})", "/shape", none));
  EXPECT_TRUE(FailsWith<Drawing>(R"({"shape": {"radius": 1, "side": 1}})", "/shape", none));
  using V = std::variant<int, std::string>;
  EXPECT_TRUE(FailsWith<V>("true", "", none));
  EXPECT_THROW(bb::from_json<Drawing>(json::parse(R"({"shape": 1})")), bb::SchemaError);
}

TEST(SchemaOneOf, MatchesMoreThanOne) {
  using V = std::variant<int, double>;
  EXPECT_TRUE(FailsWith<V>("1", "", "must match exactly one of the allowed shapes, matches 2"));
  EXPECT_EQ(bb::from_json<V>(json::parse("1.5")).index(), 1u);  // only the double fits
  using W = std::variant<std::string, bb::Email, bb::Uuid>;
  EXPECT_TRUE(
      FailsWith<W>(R"("a@b.co")", "", "must match exactly one of the allowed shapes, matches 2"));
}

// --- every failure, errors, round trips

TEST(SchemaValidation, ReportsEveryFailureWithPaths) {
  const char* bad = R"({
    "email": "bad", "name": "", "age": 200, "active": "yes", "role": "root", "tags": [],
    "address": {"zip": "12a", "city": 5}, "scores": {"a": "x"}, "bogus": 1
  })";
  Issues is = issues_of<Person>(bad);
  std::vector<std::pair<std::string, std::string>> expected = {
      {"/email", "must be a valid email"},
      {"/name", "must be at least 1 character long"},
      {"/age", "must be at most 150"},
      {"/active", "expected boolean, got string"},
      {"/role", "must be one of: user, admin"},
      {"/tags", "must have at least 1 items"},
      {"/address/zip", "must be at least 5 characters long"},
      {"/address/zip", "must match the pattern ^[0-9]+$"},
      {"/address/city", "expected string, got integer"},
      {"/scores/a", "expected integer, got string"},
      {"/extra", "is required"},
      {"/bogus", "is not an allowed property"},
  };
  ASSERT_EQ(is.size(), expected.size()) << dump(is);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(is[i].path, expected[i].first) << i;
    EXPECT_EQ(is[i].message, expected[i].second) << i;
  }

  try {
    bb::from_json<Person>(json::parse(bad));
    FAIL() << "from_json accepted an invalid value";
  } catch (const bb::SchemaError& e) {
    EXPECT_EQ(e.issues.size(), expected.size());
    EXPECT_STREQ(e.what(), "/email: must be a valid email");
  }
  try {
    bb::from_json<Person>(json::parse("[]"));
    FAIL();
  } catch (const bb::SchemaError& e) {
    EXPECT_STREQ(e.what(), "expected object, got array");
  }
}

TEST(SchemaValidation, AppendsToExistingIssues) {
  Issues is{{"/x", "earlier"}};
  EXPECT_TRUE(bb::validate(bb::schema_of<int>().root(), json::value(1), is));
  EXPECT_FALSE(bb::validate(bb::schema_of<int>().root(), json::value("1"), is));
  EXPECT_EQ(is.size(), 2u);
}

TEST(SchemaCodec, RoundTrips) {
  json::value doc = json::parse(kValidPerson);
  Person p = bb::from_json<Person>(doc);
  EXPECT_EQ(p.email, "ada@example.com");
  EXPECT_EQ(p.age.value, 36);
  EXPECT_TRUE(p.active);
  EXPECT_EQ(p.role, Role::admin);
  ASSERT_EQ(p.tags.size(), 2u);
  EXPECT_EQ(p.tags[1], "engines");
  EXPECT_EQ(p.address.zip, "12345");
  EXPECT_EQ(p.scores.at("b"), -2);
  EXPECT_EQ(p.extra, json::parse(R"({"any": [1, "x", null]})"));
  EXPECT_EQ(bb::to_json(p), doc);  // decode then encode gives the document back

  Person q;
  q.email = "b@c.io";
  q.name = "Bob";
  q.age = 150;
  q.role = Role::user;
  q.nickname = "B";
  q.tags = {"x"};
  q.address = {.zip = "99999", .city = "Oslo"};
  q.scores = {{"k", 3}};
  q.extra = json::array{1, 2};
  json::value v = bb::to_json(q);
  EXPECT_TRUE(issues_of_value<Person>(v).empty()) << dump(issues_of_value<Person>(v));
  Person r = bb::from_json<Person>(v);  // encode then decode gives the object back
  EXPECT_EQ(r.email, q.email);
  EXPECT_EQ(r.nickname, q.nickname);
  EXPECT_EQ(r.age.value, 150);
  EXPECT_EQ(r.address.city, "Oslo");
  EXPECT_EQ(r.scores, q.scores);
  EXPECT_EQ(r.extra, q.extra);
  EXPECT_EQ(bb::to_json(r), v);
}

TEST(SchemaCodec, EmptyOptionalsAreOmitted) {
  Person p = bb::from_json<Person>(json::parse(kValidPerson));
  ASSERT_FALSE(p.nickname);
  json::object o = bb::to_json(p).as_object();
  EXPECT_FALSE(o.contains("nickname"));
  EXPECT_EQ(bb::to_json(Doc{.data = 1}), json::parse(R"({"data": 1})"));
  p.nickname = "";
  EXPECT_EQ(bb::to_json(p).as_object().at("nickname"), json::value(""));
}

// --- JSON Schema

// The JSON Schema of Person, node by node.
constexpr const char* kPersonSchema = R"({
    "title": "Person", "type": "object", "additionalProperties": false,
    "required": ["email", "name", "age", "active", "role", "tags", "address", "scores", "extra"],
    "properties": {
      "email": {"type": "string", "format": "email"},
      "name": {"type": "string", "minLength": 1, "maxLength": 10},
      "age": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 150},
      "active": {"type": "boolean"},
      "role": {"title": "Role", "type": "string", "enum": ["user", "admin"]},
      "nickname": {"type": "string"},
      "tags": {"type": "array", "items": {"type": "string", "minLength": 1},
               "minItems": 1, "maxItems": 3},
      "address": {"title": "Address", "type": "object", "additionalProperties": false,
                  "required": ["zip", "city"],
                  "properties": {"zip": {"type": "string", "minLength": 5, "maxLength": 5,
                                         "pattern": "^[0-9]+$"},
                                 "city": {"type": "string"}}},
      "scores": {"type": "object",
                 "additionalProperties": {"type": "integer", "format": "int32",
                                          "minimum": -2147483648, "maximum": 2147483647}},
      "extra": {}
    }
  })";

TEST(SchemaJsonSchema, DescribedStructKeywords) {
  json::value actual = bb::to_json_schema(bb::schema_of<Person>().root());
  EXPECT_EQ(actual, json::parse(kPersonSchema)) << json::serialize(actual);
  // Key order follows the struct, for readable OpenAPI documents.
  const auto& props = actual.at("properties").as_object();
  std::vector<std::string> order;
  for (const auto& kv : props) order.emplace_back(kv.key());
  EXPECT_EQ(order, (std::vector<std::string>{"email", "name", "age", "active", "role", "nickname",
                                             "tags", "address", "scores", "extra"}));
}

TEST(SchemaJsonSchema, DocumentNamesItsDialect) {
  json::value expected = json::parse(kPersonSchema);
  expected.as_object()["$schema"] = "https://json-schema.org/draft/2020-12/schema";
  EXPECT_EQ(bb::schema_of<Person>().to_json_schema(), expected);
}

TEST(SchemaJsonSchema, OneOfOpenObjectsAndNullable) {
  json::value drawing = bb::to_json_schema(bb::schema_of<Drawing>().root());
  EXPECT_EQ(drawing.at("properties").at("shape"), json::parse(R"({"oneOf": [
    {"title": "Circle", "type": "object", "required": ["radius"], "additionalProperties": false,
     "properties": {"radius": {"type": "number", "exclusiveMinimum": 0.0}}},
    {"title": "Square", "type": "object", "required": ["side"], "additionalProperties": false,
     "properties": {"side": {"type": "number", "exclusiveMinimum": 0.0}}}]})"))
      << json::serialize(drawing);
  EXPECT_EQ(bb::to_json_schema(bb::schema_of<Open>().root()).at("additionalProperties"),
            json::value(true));
  EXPECT_EQ(bb::to_json_schema(bb::schema_of<std::optional<int>>().root()),
            json::parse(R"({"type": ["integer", "null"], "format": "int32",
                            "minimum": -2147483648, "maximum": 2147483647})"));
  EXPECT_EQ(bb::to_json_schema(bb::schema_of<std::optional<Role>>().root()),
            json::parse(R"({"title": "Role", "type": ["string", "null"],
                            "enum": ["user", "admin", null]})"));
  EXPECT_EQ(bb::to_json_schema(bb::schema_of<std::variant<int, std::string>>().root()),
            json::parse(R"({"oneOf": [{"type": "integer", "format": "int32",
                            "minimum": -2147483648, "maximum": 2147483647},
                            {"type": "string"}]})"));
  // Exclusive bounds of an integer are emitted as integers.
  EXPECT_EQ(bb::to_json_schema(bb::schema_of<bb::Int<bb::ExclusiveMaximum<10>>>().root()),
            json::parse(R"({"type": "integer", "format": "int64", "exclusiveMaximum": 10})"));
  EXPECT_EQ(bb::to_json_schema(bb::schema_of<std::int64_t>().root()),
            json::parse(R"({"type": "integer", "format": "int64"})"));
  EXPECT_EQ(bb::to_json_schema(bb::schema_of<double>().root()),
            json::parse(R"({"type": "number"})"));
  EXPECT_EQ(bb::to_json_schema(bb::schema_of<bb::Uuid>().root()),
            json::parse(R"({"type": "string", "format": "uuid"})"));
}

TEST(SchemaJsonSchema, BuiltOnceAndShared) {
  const bb::Schema& a = bb::schema_of<Person>();
  const bb::Schema& b = bb::schema_of<Person>();
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(&a.root(), &b.root());
  // The first use from many threads at once still builds one schema.
  std::vector<const bb::Schema*> seen(4);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < seen.size(); ++i)
    threads.emplace_back([&seen, i] { seen[i] = &bb::schema_of<OnceProbe>(); });
  for (auto& t : threads) t.join();
  for (const auto* s : seen) EXPECT_EQ(s, &bb::schema_of<OnceProbe>());
}

}  // namespace
