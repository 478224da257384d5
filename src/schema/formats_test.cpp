// The string formats bunbase checks (email, uuid, date-time, uri) and the code-point counter
// behind minLength / maxLength, tested directly.
#include "src/schema/formats.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace {

// head + n copies of c + tail (built with append: GCC 12 misreports operator+ here).
std::string with_run(std::string_view head, std::size_t n, char c, std::string_view tail) {
  std::string s(head);
  s.append(n, c).append(tail);
  return s;
}

TEST(FormatEmail, Valid) {
  for (const char* s : {"a@b.co", "first.last@example.com", "user+tag@sub.example.org",
                        "x_y-z@ex-ample.io", "o'brien@example.ie", "1@2.3", "A@EXAMPLE.COM"})
    EXPECT_TRUE(bb::is_email(s)) << s;
  EXPECT_TRUE(bb::is_email(with_run("", 64, 'a', "@example.com")));  // longest local part
}

TEST(FormatEmail, Invalid) {
  for (const char* s :
       {"", "plain", "@example.com", "a@", "a@b", "a..b@example.com", ".a@example.com",
        "a.@example.com", "a b@example.com", "a@-example.com", "a@example-.com", "a@example..com",
        "a@b@example.com", "a@exa_mple.com", "a@example.com.", "a@.example.com", "a(b)@example.com",
        "a@exa mple.com", "\xc3\xa9@example.com"})
    EXPECT_FALSE(bb::is_email(s)) << s;
  EXPECT_FALSE(bb::is_email(with_run("", 65, 'a', "@example.com")));
  EXPECT_FALSE(bb::is_email(with_run("a@", 64, 'b', ".com")));   // label over 63
  EXPECT_FALSE(bb::is_email(with_run("a@", 250, 'b', ".com")));  // over 254 in all
}

TEST(FormatUuid, ValidAndInvalid) {
  for (const char* s :
       {"123e4567-e89b-12d3-a456-426614174000", "123E4567-E89B-12D3-A456-426614174000",
        "00000000-0000-0000-0000-000000000000"})
    EXPECT_TRUE(bb::is_uuid(s)) << s;
  for (const char* s :
       {"", "123e4567e89b12d3a456426614174000", "{123e4567-e89b-12d3-a456-426614174000}",
        "123e4567-e89b-12d3-a456-42661417400",    // 35
        "123e4567-e89b-12d3-a456-4266141740000",  // 37
        "123e4567-e89b-12d3-a456_426614174000", "123e456-7e89b-12d3-a456-426614174000",
        "g23e4567-e89b-12d3-a456-426614174000"})
    EXPECT_FALSE(bb::is_uuid(s)) << s;
}

TEST(FormatDateTime, Valid) {
  for (const char* s : {"2024-01-31T23:59:59Z", "2024-02-29T12:00:00Z",  // leap year
                        "2000-02-29T00:00:00Z",                          // divisible by 400
                        "2024-06-30T12:00:00.5Z", "2024-06-30T12:00:00.123456789+05:30",
                        "2024-06-30T12:00:00-08:00", "2024-06-30T12:00:00+00:00",
                        "2024-06-30t12:00:00z", "2016-12-31T23:59:60Z",  // leap second
                        "0001-01-01T00:00:00Z", "2024-12-31T00:00:00+23:59"})
    EXPECT_TRUE(bb::is_date_time(s)) << s;
}

TEST(FormatDateTime, Invalid) {
  for (const char* s : {
           "",
           "2024-01-01",            // date only
           "2024-01-01T00:00:00",   // no offset
           "2023-02-29T12:00:00Z",  // not a leap year
           "1900-02-29T12:00:00Z",  // divisible by 100, not 400
           "2024-13-01T00:00:00Z",  // bad month
           "2024-00-10T00:00:00Z",  // month 0
           "2024-04-31T00:00:00Z",  // April has 30 days
           "2024-01-00T00:00:00Z",  // day 0
           "2024-01-32T00:00:00Z",
           "2024-01-01T24:00:00Z",  // hour 24
           "2024-01-01T00:60:00Z",
           "2024-01-01T00:00:61Z",
           "2024-01-01T00:00:00.Z",      // empty fraction
           "2024-01-01T00:00:00,5Z",     // comma fraction
           "2024-01-01T00:00:00+24:00",  // offset hour
           "2024-01-01T00:00:00+05:60",  // offset minute
           "2024-01-01T00:00:00+0530",   // offset without colon
           "2024-01-01T00:00:00+05",
           "2024-01-01 00:00:00Z",  // space separator
           "2024-1-01T00:00:00Z",   // one-digit month
           "2024-01-01T0:00:00Z",
           "2024-01-01T00:00:00Zjunk",
           "2024-01-01T00:00:00+05:30junk",
           "2024-01-01T00:00:00ZZ",
           "abcd-ef-ghTij:kl:mnZ",
       })
    EXPECT_FALSE(bb::is_date_time(s)) << s;
}

TEST(FormatDateTime, LeapSecondOnlyAtTheEndOfAUtcDay) {
  EXPECT_TRUE(bb::is_date_time("1998-12-31T15:59:60.123-08:00"));
  EXPECT_FALSE(bb::is_date_time("1998-12-31T23:58:60Z"));
  EXPECT_FALSE(bb::is_date_time("1998-12-31T22:59:60Z"));
}

TEST(FormatUri, ValidAndInvalid) {
  for (const char* s : {"https://example.com", "http://example.com/path?q=1#frag",
                        "mailto:ada@example.com", "urn:isbn:0451450523", "ftp://user@host:21/file",
                        "file:///etc/hosts", "http://[::1]:8080/", "https://example.com/a%20b"})
    EXPECT_TRUE(bb::is_uri(s)) << s;
  for (const char* s : {"", "/relative/path", "example.com", "//host/path", "http://exa mple.com",
                        "http://[::1", "1http://x", "http://example.com/%zz", "?q=1", "#frag"})
    EXPECT_FALSE(bb::is_uri(s)) << s;
}

TEST(FormatUtf8, CountsCodePoints) {
  EXPECT_EQ(bb::utf8_length(""), 0u);
  EXPECT_EQ(bb::utf8_length("abc"), 3u);
  EXPECT_EQ(bb::utf8_length("h\xc3\xa9llo"), 5u);              // é: 2 bytes
  EXPECT_EQ(bb::utf8_length("\xe6\x97\xa5\xe6\x9c\xac"), 2u);  // 日本: 3 bytes each
  EXPECT_EQ(bb::utf8_length("\xf0\x9f\x98\x80"), 1u);          // 😀: 4 bytes
}

TEST(FormatNames, NamesAndDispatch) {
  EXPECT_STREQ(bb::format_name(bb::StringFormat::email), "email");
  EXPECT_STREQ(bb::format_name(bb::StringFormat::uuid), "uuid");
  EXPECT_STREQ(bb::format_name(bb::StringFormat::date_time), "date-time");
  EXPECT_STREQ(bb::format_name(bb::StringFormat::uri), "uri");
  EXPECT_STREQ(bb::format_name(bb::StringFormat::none), "");
  EXPECT_TRUE(bb::check_format(bb::StringFormat::none, "anything"));
  EXPECT_TRUE(bb::check_format(bb::StringFormat::email, "a@b.co"));
  EXPECT_FALSE(bb::check_format(bb::StringFormat::uuid, "a@b.co"));
  EXPECT_FALSE(bb::check_format(bb::StringFormat::date_time, "2024-01-01"));
  EXPECT_FALSE(bb::check_format(bb::StringFormat::uri, "no scheme"));
}

}  // namespace
