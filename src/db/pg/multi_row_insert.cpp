#include "src/db/pg/multi_row_insert.hpp"

#include <algorithm>
#include <cctype>

#include "bunbase/db/database.hpp"

namespace bb::db::pg {

namespace {
bool word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$';
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// A token-level walk over SQL that knows just enough to find keywords, parentheses and $n
// outside literals, quoted identifiers and comments. Anything subtler gives up.
struct Scanner {
  std::string_view sql;
  std::size_t i = 0;
  bool unsure = false;

  // Skips a literal, quoted identifier, comment or whitespace at i; false if there is none.
  bool skip_inert() {
    char c = sql[i];
    if (std::isspace(static_cast<unsigned char>(c))) return ++i, true;
    if (c == '\'' || c == '"') {
      for (++i; i < sql.size(); ++i) {
        if (c == '\'' && sql[i] == '\\') unsure = true;  // E'...' escapes: not worth parsing
        if (sql[i] == c) {
          if (i + 1 < sql.size() && sql[i + 1] == c) {
            ++i;
            continue;
          }  // '' or "" inside
          return ++i, true;
        }
      }
      unsure = true;  // unterminated
      return true;
    }
    if (sql.substr(i, 2) == "--") {
      i = std::min(sql.size(), sql.find('\n', i));
      return true;
    }
    if (sql.substr(i, 2) == "/*") {
      std::size_t end = sql.find("*/", i + 2);
      if (end == std::string_view::npos ||
          sql.substr(i + 2, end - i - 2).find("/*") != std::string_view::npos)
        unsure = true;  // unterminated or nested
      i = end == std::string_view::npos ? sql.size() : end + 2;
      return true;
    }
    return false;
  }
  // Reads $n at i into n; sets unsure for $tag$ quoting.
  bool param(std::size_t& n) {
    if (sql[i] != '$') return false;
    std::size_t j = i + 1;
    while (j < sql.size() && std::isdigit(static_cast<unsigned char>(sql[j]))) ++j;
    if (j == i + 1 || j - i > 6) return unsure = true, false;
    n = std::stoul(std::string(sql.substr(i + 1, j - i - 1)));
    i = j;
    return true;
  }
  std::string_view word() {
    std::size_t start = i;
    while (i < sql.size() && word_char(sql[i])) ++i;
    return sql.substr(start, i - start);
  }
};
}  // namespace

std::optional<MultiRowInsert> MultiRowInsert::parse(std::string_view sql, std::size_t columns) {
  Scanner s{sql};
  MultiRowInsert out;
  out.columns_ = columns;
  // head: INSERT first, then anything without parameters up to VALUES at depth 0.
  bool first = true;
  int depth = 0;
  std::size_t values_end = std::string_view::npos;
  while (s.i < sql.size() && values_end == std::string_view::npos) {
    if (s.skip_inert()) continue;
    std::size_t n;
    if (s.param(n) || s.unsure) return std::nullopt;
    char c = sql[s.i];
    if (word_char(c)) {
      std::string_view w = s.word();
      if (first && !iequals(w, "INSERT")) return std::nullopt;
      first = false;
      if (depth == 0 && iequals(w, "VALUES")) values_end = s.i;
      continue;
    }
    depth += c == '(' ? 1 : c == ')' ? -1 : 0;
    ++s.i;
  }
  if (values_end == std::string_view::npos || s.unsure) return std::nullopt;
  while (s.i < sql.size() && std::isspace(static_cast<unsigned char>(sql[s.i]))) ++s.i;
  if (s.i >= sql.size() || sql[s.i] != '(') return std::nullopt;
  out.head_ = std::string(sql.substr(0, values_end)) + " ";
  // The row: copy it, cutting at each $n.
  std::size_t piece_start = s.i;
  depth = 0;
  do {
    if (s.skip_inert()) continue;
    std::size_t at = s.i, n;
    if (s.param(n)) {
      out.pieces_.emplace_back(sql.substr(piece_start, at - piece_start));
      out.params_.push_back(n);
      piece_start = s.i;
      continue;
    }
    if (s.unsure) return std::nullopt;
    if (word_char(sql[s.i])) {  // a name may hold '$' (a$1 is not a parameter)
      s.word();
      continue;
    }
    depth += sql[s.i] == '(' ? 1 : sql[s.i] == ')' ? -1 : 0;
    ++s.i;
  } while (s.i < sql.size() && depth > 0);
  if (depth != 0 || s.unsure) return std::nullopt;
  out.pieces_.emplace_back(sql.substr(piece_start, s.i - piece_start));
  // The tail: no second row, no parameters.
  std::size_t tail_start = s.i;
  std::size_t next = sql.find_first_not_of(" \t\r\n", tail_start);
  if (next != std::string_view::npos && sql[next] == ',') return std::nullopt;
  while (s.i < sql.size()) {
    if (s.skip_inert()) continue;
    std::size_t n;
    if (s.param(n) || s.unsure) return std::nullopt;
    if (word_char(sql[s.i]))
      s.word();
    else
      ++s.i;
  }
  if (s.unsure) return std::nullopt;
  out.tail_ = std::string(sql.substr(tail_start));
  for (std::size_t n : out.params_)
    if (n < 1 || n > columns)
      throw DbError(DbError::Kind::other, "exec_batch: statement uses $" + std::to_string(n) +
                                              " but rows have " + std::to_string(columns) +
                                              " cells");
  return out;
}

std::string MultiRowInsert::sql_for(std::size_t rows) const {
  std::string sql = head_;
  sql.reserve(head_.size() + tail_.size() + rows * (pieces_.size() * 8 + 8));
  for (std::size_t r = 0; r < rows; ++r) {
    if (r) sql += ", ";
    for (std::size_t p = 0; p < params_.size(); ++p) {
      sql += pieces_[p];
      sql += '$';
      sql += std::to_string(r * columns_ + params_[p]);
    }
    sql += pieces_.back();
  }
  sql += tail_;
  return sql;
}

std::size_t MultiRowInsert::max_rows() const {
  return std::max<std::size_t>(
      1, std::min<std::size_t>(500, 65535 / std::max<std::size_t>(1, columns_)));
}

}  // namespace bb::db::pg
