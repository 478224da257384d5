#include "bunbase/core/token_mask.hpp"

#include <cstring>
#include <string_view>

namespace bb {

namespace {

constexpr std::string_view kMask = "[redacted]";
constexpr std::size_t kMinSecret = 16;

bool token_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// "bb" + one of s, k, t, i + "_" at `at`.
bool prefix_at(const std::string& text, std::size_t at) {
  if (at + 4 > text.size() || text[at + 3] != '_') return false;
  const char kind = text[at + 2];
  return kind == 's' || kind == 'k' || kind == 't' || kind == 'i';
}

}  // namespace

int mask_tokens(std::string& text) {
  int masked = 0;
  std::size_t at = 0;
  while ((at = text.find("bb", at)) != std::string::npos) {
    if (!prefix_at(text, at) || (at > 0 && token_char(text[at - 1]))) {
      at += 2;
      continue;
    }
    const std::size_t start = at + 4;
    std::size_t end = start;
    while (end < text.size() && token_char(text[end])) ++end;
    if (end - start < kMinSecret) {
      at = end;
      continue;
    }
    text.replace(start, end - start, kMask);
    ++masked;
    at = start + kMask.size();
  }
  return masked;
}

}  // namespace bb
