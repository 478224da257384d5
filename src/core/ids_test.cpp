#include "src/core/ids.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

constexpr std::string_view kTrace = "4bf92f3577b34da6a3ce929d0e0e4736",
                           kParent = "00f067aa0ba902b7";

std::string header(std::string_view version, std::string_view rest = "-01") {
  return std::string(version) + "-" + std::string(kTrace) + "-" + std::string(kParent) +
         std::string(rest);
}

bool parses(const std::string& h) {
  bb::ids::TraceParent tp;
  return bb::ids::parse_traceparent(h, tp);
}

TEST(TraceParent, ParsesVersion00AndKeepsItsIds) {
  bb::ids::TraceParent tp;
  const std::string h = header("00");
  ASSERT_TRUE(bb::ids::parse_traceparent(h, tp));
  EXPECT_EQ(tp.trace_id, kTrace);
  EXPECT_EQ(tp.parent_id, kParent);
}

TEST(TraceParent, RefusesMalformedHeaders) {
  EXPECT_FALSE(parses(header("00", "-01-x"))) << "version 00 has no more fields";
  EXPECT_FALSE(parses(header("ff"))) << "version ff is invalid";
  EXPECT_FALSE(parses(header("00", "-1")));
  EXPECT_FALSE(parses("00-" + std::string(32, '0') + "-" + std::string(kParent) + "-01"));
  EXPECT_FALSE(parses("00-" + std::string(kTrace) + "-" + std::string(16, '0') + "-01"));
  EXPECT_FALSE(parses("00-4BF92F3577B34DA6A3CE929D0E0E4736-" + std::string(kParent) + "-01"))
      << "lower case only";
}

TEST(TraceParent, ALaterVersionMayAddFieldsAfterADash) {
  EXPECT_TRUE(parses(header("cc")));
  EXPECT_TRUE(parses(header("cc", "-01-what-the-future-holds")));
  // Found by fuzz/traceparent: the flags must end the header or be followed by '-'.
  EXPECT_FALSE(parses(header("cc", "-01:       ds")));
  EXPECT_FALSE(parses(header("cc", "-01x")));
}

TEST(TraceParent, ContinueTraceKeepsAValidCallersTraceOnly) {
  char trace[33], span[17];
  bb::ids::continue_trace(header("00"), trace, span);
  EXPECT_EQ(std::string_view(trace), kTrace);
  EXPECT_EQ(std::string_view(span).size(), 16u);
  bb::ids::continue_trace(header("cc", "-01x"), trace, span);
  EXPECT_NE(std::string_view(trace), kTrace);
}

}  // namespace
