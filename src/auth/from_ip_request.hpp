// A test's request from a given client address, for the rate-limit tests (nothing else set).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "bunbase/core/request.hpp"

namespace bb::auth::test {

class FromIp : public bb::Request {
 public:
  explicit FromIp(std::string ip) : ip_(std::move(ip)) {}
  std::string_view method() const override { return "POST"; }
  std::string_view path() const override { return "/"; }
  std::optional<std::string_view> header(std::string_view) const override { return std::nullopt; }
  std::optional<std::string_view> cookie(std::string_view) const override { return std::nullopt; }
  std::string_view ip() const override { return ip_; }
  std::string_view body() const override { return ""; }

 private:
  std::string ip_;
};

}  // namespace bb::auth::test
