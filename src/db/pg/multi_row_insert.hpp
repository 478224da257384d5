// exec_batch's fast path: "INSERT ... VALUES ($1, $2, ...) [tail]" becomes one INSERT of many
// rows, "VALUES ($1, $2), ($3, $4), ...", so a batch costs one round trip per chunk rather
// than one per row. Statements of any other shape are left to the row-by-row path.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bb::db::pg {

class MultiRowInsert {
 public:
  // nullopt unless sql is a single INSERT whose only parameters are in one VALUES (...) row;
  // statements the scanner is not sure about (dollar quotes, backslash escapes, nested
  // comments, WITH ...) count as other shapes. Throws DbError when the row uses $n > columns.
  static std::optional<MultiRowInsert> parse(std::string_view sql, std::size_t columns);

  // The statement for `rows` rows: row r binds $(r * columns + n) where the original had $n.
  std::string sql_for(std::size_t rows) const;
  // Rows per statement: PostgreSQL takes at most 65535 parameters, and a bounded statement
  // keeps the server's parse and the memory of one round trip modest.
  std::size_t max_rows() const;

 private:
  std::string head_;                 // up to and including "VALUES "
  std::vector<std::string> pieces_;  // row template text between parameters
  std::vector<std::size_t> params_;  // the $n between pieces_[i] and pieces_[i + 1]
  std::string tail_;                 // after the row: ON CONFLICT ..., RETURNING ...
  std::size_t columns_ = 0;
};

}  // namespace bb::db::pg
