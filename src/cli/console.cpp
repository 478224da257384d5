#include "src/cli/console.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>

namespace bb::cli {

bool stderr_is_terminal() {
  static const bool tty = isatty(STDERR_FILENO) == 1;
  return tty;
}

namespace {

std::size_t terminal_width() {
  winsize w{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col > 10) return w.ws_col;
  return 80;
}

}  // namespace

void Status::show(std::string_view text) {
  if (!stderr_is_terminal()) {
    std::fprintf(stderr, "%.*s\n", int(text.size()), text.data());
    return;
  }
  const std::size_t width = terminal_width() - 1;
  if (text.size() > width) text = text.substr(0, width);
  std::fprintf(stderr, "\r\033[K%.*s", int(text.size()), text.data());
  std::fflush(stderr);
  shown_ = true;
}

void Status::clear() {
  if (!shown_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  shown_ = false;
}

std::string highlight_diagnostic(std::string_view line) {
  std::string out(line);
  if (!stderr_is_terminal()) return out;
  auto paint = [&](std::string_view word, std::string_view colour) {
    if (auto at = out.find(word); at != std::string::npos)
      out.replace(at, word.size(), std::string(colour) + std::string(word) + "\033[0m");
  };
  paint("error:", "\033[1;31m");
  paint("warning:", "\033[1;33m");
  return out;
}

std::string emphasis(std::string_view text) {
  if (!stderr_is_terminal()) return std::string(text);
  return "\033[1m" + std::string(text) + "\033[0m";
}

void note(std::string_view text) {
  if (stderr_is_terminal())
    std::fprintf(stderr, "\033[2mbunbase:\033[0m %.*s\n", int(text.size()), text.data());
  else
    std::fprintf(stderr, "bunbase: %.*s\n", int(text.size()), text.data());
  std::fflush(stderr);
}

}  // namespace bb::cli
