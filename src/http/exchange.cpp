#include "src/http/exchange.hpp"

#include <unistd.h>

#include <cstring>

namespace bb::http {

std::string_view Exchange::method() const {
  auto m = request_.method_string();
  return {m.data(), m.size()};
}

std::string_view Exchange::target() const {
  auto t = request_.target();
  return {t.data(), t.size()};
}

std::string_view Exchange::path() const {
  std::string_view t = target();
  return t.substr(0, t.find('?'));
}

std::optional<std::string_view> Exchange::header(std::string_view name) const {
  auto it = request_.find(boost::beast::string_view(name.data(), name.size()));
  if (it == request_.end()) return std::nullopt;
  return std::string_view(it->value().data(), it->value().size());
}

std::optional<std::string_view> Exchange::cookie(std::string_view name) const {
  auto range = request_.equal_range(boost::beast::http::field::cookie);
  for (auto it = range.first; it != range.second; ++it) {
    std::string_view h(it->value().data(), it->value().size());
    while (!h.empty()) {
      auto semi = h.find(';');
      std::string_view pair = h.substr(0, semi);
      h = semi == std::string_view::npos ? std::string_view() : h.substr(semi + 1);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      auto eq = pair.find('=');
      if (eq == std::string_view::npos) continue;
      if (pair.substr(0, eq) != name) continue;
      std::string_view value = pair.substr(eq + 1);
      while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
      return value;
    }
  }
  return std::nullopt;
}

void Exchange::set_traceparent(std::string_view trace_id, std::string_view span_id) {
  if (trace_id.size() != 32 || span_id.size() != 16) return;
  std::memcpy(traceparent, "00-", 3);
  std::memcpy(traceparent + 3, trace_id.data(), 32);
  traceparent[35] = '-';
  std::memcpy(traceparent + 36, span_id.data(), 16);
  std::memcpy(traceparent + 52, "-01", 3);
  traceparent[55] = '\0';
}

const ClientView& Exchange::client() const {
  if (!client_) client_ = resolve_client(trusted_ ? *trusted_ : AddressSet(), ip_, request_.base());
  return *client_;
}

std::string_view Exchange::ip() const {
  if (!trusted_ || trusted_->empty()) return ip_;  // the common case costs nothing
  return client().ip;
}

std::string_view Exchange::scheme() const { return client().scheme; }

std::string_view Exchange::host() const { return client().host; }

void Exchange::close_file() {
  if (file.fd >= 0) ::close(file.fd);
  file = {};
}

std::optional<std::string_view> Exchange::param(std::string_view name) const {
  for (const auto& [n, v] : params)
    if (n == name) return std::string_view(v);
  return std::nullopt;
}

void Exchange::reset(Message&& m, std::string_view ip) {
  request_ = std::move(m);
  ip_.assign(ip);
  params.clear();
  status = 200;
  content_type = "application/json";
  body_out.clear();
  static_body.reset();
  close_file();
  compressible = true;
  send_view_ = {};
  client_.reset();
  response.status = 0;
  response.headers.clear();
  close = false;
  traceparent[0] = '\0';
}

void Exchange::release_memory() {
  request_ = {};
  params.clear();
  // An everyday response keeps its buffer (no allocation on the next one); a large one goes.
  if (body_out.capacity() > 64 * 1024) std::string().swap(body_out);
}

}  // namespace bb::http
