// What the `bunbase` command writes on stderr: a status line that rewrites itself on a
// terminal (and is one line per step when stderr is a file or pipe), colours only on a
// terminal.
#pragma once

#include <string>
#include <string_view>

namespace bb::cli {

bool stderr_is_terminal();

class Status {
 public:
  ~Status() { clear(); }
  void show(std::string_view text);
  void clear();

 private:
  bool shown_ = false;
};

// "error:" in red and "warning:" in yellow, on a terminal.
std::string highlight_diagnostic(std::string_view line);
// Bold on a terminal.
std::string emphasis(std::string_view text);
// "  bunbase: <text>" for the command's own messages, dimmed on a terminal.
void note(std::string_view text);

}  // namespace bb::cli
