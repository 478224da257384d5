#include "bunbase/core/token_mask.hpp"

#include <gtest/gtest.h>

namespace {

const std::string kSecret = "Q2xhc3NpYy1ub3QtYS1yZWFsLXRva2VuLTEyMzQ1Ng";  // 42 token characters

TEST(MaskTokens, EveryKindOfTokenIsCutToItsPrefix) {
  for (const std::string prefix : {"bbs_", "bbk_", "bbt_", "bbi_"}) {
    std::string text = "before " + prefix + kSecret + " after";
    EXPECT_EQ(bb::mask_tokens(text), 1) << prefix;
    EXPECT_EQ(text, "before " + prefix + "[redacted] after");
  }
}

TEST(MaskTokens, InUrlsJsonAndHeadersAlike) {
  std::string text = "http://x/verify?token=bbt_" + kSecret + "&next=/\n{\"key\":\"bbk_" + kSecret +
                     "\"} Authorization: Bearer bbs_" + kSecret;
  EXPECT_EQ(bb::mask_tokens(text), 3);
  EXPECT_EQ(text, "http://x/verify?token=bbt_[redacted]&next=/\n{\"key\":\"bbk_[redacted]\"} Authorization: Bearer "
                  "bbs_[redacted]");
}

TEST(MaskTokens, WhatIsNotATokenStays) {
  for (std::string text : {std::string("the bbs_ prefix names a session"), std::string("bbx_") + kSecret,
                           std::string("abbs_") + kSecret, std::string("bbs_short"), std::string("bb"),
                           std::string("bbs"), std::string("")}) {
    const std::string before = text;
    EXPECT_EQ(bb::mask_tokens(text), 0) << before;
    EXPECT_EQ(text, before);
  }
}

}  // namespace
