// JSON in, a described type out (include/bunbase/schema): bytes parsed as the HTTP trigger
// parses a body, validated and decoded as the executor does for an action's input, into a type
// with every shape the schema layer knows: nested and optional objects, arrays with item limits,
// a map, a oneOf, enums, formats, patterns, length limits, integers of several widths, numbers
// with exclusive bounds, an untyped value. What must hold:
// - validate (every issue) and matches (first failure) agree;
// - every issue's path is a JSON pointer into the document (or, for a missing property, into
//   its parent);
// - a valid document decodes without error (decode trusts validation) and its encoding is valid
//   again and decodes to the same encoding (the output side of the executor).
#include <boost/describe.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "bunbase/schema/schema.hpp"
#include "fuzz/check.hpp"

namespace fuzz {

enum class Role { user, admin, owner };
BOOST_DESCRIBE_ENUM(Role, user, admin, owner)
enum class Channel { email, sms, push };
BOOST_DESCRIBE_ENUM(Channel, email, sms, push)

struct Address {
  bb::String<bb::MinLength<1>, bb::MaxLength<100>> street;
  bb::String<bb::Pattern<"^[0-9]{5}$">> zip;
  std::optional<std::string> country;
};
BOOST_DESCRIBE_STRUCT(Address, (), (street, zip, country))

struct Contact {
  Channel channel;
  bb::String<bb::MaxLength<254>> value;
  bool primary = false;
};
BOOST_DESCRIBE_STRUCT(Contact, (), (channel, value, primary))

struct Limits {
  bb::Int<bb::Minimum<0>, bb::Maximum<1000>> daily;
  bb::Number<bb::ExclusiveMinimum<0>, bb::Maximum<1000000>>
      ratio;  // (clang 14 takes no double template arguments)
  std::optional<bb::Int<bb::ExclusiveMaximum<10>>> burst;
};
BOOST_DESCRIBE_STRUCT(Limits, (), (daily, ratio, burst))

// A scope as the auth module writes it: a pattern after a length limit.
using Scope = bb::String<bb::MinLength<1>, bb::MaxLength<100>,
                         bb::Pattern<"^[A-Za-z0-9_.*-]+(:[A-Za-z0-9_.*-]+)?$">>;

struct Profile {
  bb::Email email;
  bb::String<bb::MinLength<1>, bb::MaxLength<200>> name;
  std::optional<Role> role;
  bb::Uuid id;
  std::optional<bb::DateTime> bornAt;
  std::optional<bb::Uri> website;
  Address address;
  std::optional<Address> billing;
  bb::Array<Contact, bb::MinItems<1>, bb::MaxItems<5>> contacts;
  std::vector<bb::String<bb::MaxLength<20>>> tags;
  std::optional<std::vector<Scope>> scopes;
  std::map<std::string, int> counters;
  std::variant<std::int64_t, std::string, Address> ref;
  std::optional<std::vector<std::optional<Limits>>> limits;
  std::vector<bool> flags;
  std::uint64_t big = 0;
  std::uint32_t medium = 0;
  std::int16_t small = 0;
  double score = 0;
  boost::json::value extra;
};
BOOST_DESCRIBE_STRUCT(Profile, (),
                      (email, name, role, id, bornAt, website, address, billing, contacts, tags,
                       scopes, counters, ref, limits, flags, big, medium, small, score, extra))

}  // namespace fuzz

namespace {

// The issue's location exists: the value itself, or for "is required" the object that lacks it.
bool points_into(const boost::json::value& doc, const bb::ValidationIssue& issue) {
  boost::system::error_code ec;
  std::string path = issue.path;
  if (issue.message == "is required") path = path.substr(0, path.rfind('/'));
  doc.find_pointer(path, ec);
  return !ec;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  boost::system::error_code ec;
  const boost::json::value doc =
      boost::json::parse(std::string_view(reinterpret_cast<const char*>(data), size), ec);
  if (ec) return 0;

  const bb::Schema& schema = bb::schema_of<fuzz::Profile>();
  std::vector<bb::ValidationIssue> issues;
  const bool valid = bb::validate(schema.root(), doc, issues);
  FUZZ_CHECK(valid == bb::matches(schema.root(), doc), "validate says %s, matches the opposite",
             valid ? "valid" : "invalid");
  FUZZ_CHECK(valid == issues.empty(), "validate's result and its issues disagree");
  for (const auto& issue : issues)
    FUZZ_CHECK(points_into(doc, issue), "the issue \"%s: %s\" points nowhere", issue.path.c_str(),
               issue.message.c_str());
  if (!valid) return 0;

  fuzz::Profile p;
  try {
    p = bb::from_json<fuzz::Profile>(doc);
  } catch (const std::exception& e) {
    FUZZ_CHECK(false, "a valid document did not decode: %s", e.what());
  }
  const boost::json::value encoded = bb::to_json(p);
  issues.clear();
  FUZZ_CHECK(bb::validate(schema.root(), encoded, issues),
             "the decoded value encodes invalid: %s: %s", issues.front().path.c_str(),
             issues.front().message.c_str());
  const std::string once = boost::json::serialize(encoded);
  const std::string twice =
      boost::json::serialize(bb::to_json(bb::from_json<fuzz::Profile>(encoded)));
  FUZZ_CHECK(once == twice, "decode(encode(x)) changed:\n%s\n%s", once.c_str(), twice.c_str());
  return 0;
}
