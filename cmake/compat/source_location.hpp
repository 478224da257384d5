// std::source_location for clang 14 with libstdc++ 12, whose <source_location> is empty there: it
// needs __builtin_source_location, which clang has from version 15. Force-included (-include) by
// the fuzz build only (top-level CMakeLists.txt), with the same members and the same
// "location of the caller" meaning, built from the older __builtin_FILE/LINE/... instead;
// constexpr, not consteval: clang 14 refuses a consteval call in a default argument.
#pragma once

#if defined(__clang__) && !__has_builtin(__builtin_source_location)

#include <cstdint>

namespace std {

struct source_location {
  static constexpr source_location current(
      const char* file = __builtin_FILE(), const char* function = __builtin_FUNCTION(),
      std::uint_least32_t line = __builtin_LINE(),
      std::uint_least32_t column = __builtin_COLUMN()) noexcept {
    source_location s;
    s.file_ = file, s.function_ = function, s.line_ = line, s.column_ = column;
    return s;
  }
  constexpr source_location() noexcept = default;
  constexpr std::uint_least32_t line() const noexcept { return line_; }
  constexpr std::uint_least32_t column() const noexcept { return column_; }
  constexpr const char* file_name() const noexcept { return file_; }
  constexpr const char* function_name() const noexcept { return function_; }

 private:
  const char* file_ = "";
  const char* function_ = "";
  std::uint_least32_t line_ = 0, column_ = 0;
};

}  // namespace std

#endif
