// A handler may return bb::Result<Out> instead of throwing: either the output or an error.
//
//   bb::Result<UserOut> find(...) { if (!row) return bb::Error(bb::ErrorCode::not_found, "no user"); ... }
#pragma once

#include <utility>
#include <variant>

#include "bunbase/core/error.hpp"

namespace bb {

template <class T>
class Result {
 public:
  using value_type = T;
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace bb
