#include "src/http/stream.hpp"

#include <utility>

namespace bb::http {

namespace {
constexpr std::string_view kLastChunk = "0\r\n\r\n";

void append_hex(std::string& s, std::size_t n) {
  char buf[2 * sizeof n];
  char* p = buf + sizeof buf;
  do {
    *--p = "0123456789abcdef"[n & 0xf];
    n >>= 4;
  } while (n);
  s.append(p, buf + sizeof buf);
}
}  // namespace

Stream::Stream(Wake wake, std::size_t limit, bool chunked)
    : wake_(std::move(wake)), limit_(limit), chunked_(chunked) {}

bool Stream::write(std::string_view piece) {
  std::unique_lock lock(mutex_);
  if (closed_) return false;
  if (piece.empty()) return true;  // an empty chunk would end the body
  const std::size_t framing = chunked_ ? 2 * sizeof(std::size_t) + 4 : 0;
  if (pending_.size() + taken_ + piece.size() + framing > limit_) {
    // The client does not read (or the producer outruns it): give up on it rather than grow.
    if (wake_) wake_(true);
    wake_ = nullptr;
    pending_.clear();
    pending_.shrink_to_fit();
    closed_now(lock);
    return false;
  }
  if (chunked_) {
    append_hex(pending_, piece.size());
    pending_.append("\r\n").append(piece).append("\r\n");
  } else {
    pending_.append(piece);
  }
  if (!awake_ && wake_) {
    awake_ = true;
    wake_(false);
  }
  return true;
}

void Stream::end() {
  std::unique_lock lock(mutex_);
  if (closed_) return;
  ended_ = true;
  if (chunked_) pending_.append(kLastChunk);
  if (!awake_ && wake_) {
    awake_ = true;
    wake_(false);
  }
  closed_now(lock);
}

bool Stream::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

void Stream::on_close(std::function<void()> f) {
  std::unique_lock lock(mutex_);
  if (!closed_) {
    on_close_ = std::move(f);
    return;
  }
  lock.unlock();
  if (f) f();
}

Stream::Take Stream::take(std::string& out) {
  std::lock_guard lock(mutex_);
  out.clear();
  if (!pending_.empty()) {
    out.swap(pending_);  // the two buffers trade places: both keep their capacity
    taken_ = out.size();
    return Take::data;
  }
  if (ended_) return Take::done;
  awake_ = false;
  return Take::idle;
}

void Stream::sent() {
  std::lock_guard lock(mutex_);
  taken_ = 0;
}

void Stream::close() {
  std::unique_lock lock(mutex_);
  wake_ = nullptr;
  pending_.clear();
  if (closed_) return;
  closed_now(lock);
}

void Stream::closed_now(std::unique_lock<std::mutex>& lock) {
  closed_ = true;
  std::function<void()> f = std::move(on_close_);
  on_close_ = nullptr;
  lock.unlock();
  if (f) f();  // outside the lock: it may write (refused) or end (ignored)
}

}  // namespace bb::http
