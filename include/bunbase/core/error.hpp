// One error vocabulary for every action and every transport. Handlers throw bb::Error (or
// return it in a bb::Result); only trigger adapters map codes to HTTP statuses, exit codes...
//
//   throw bb::Error(bb::ErrorCode::not_found, "user not found");
//   throw bb::Error(bb::ErrorCode::permission_denied, "plan lacks billing")
//       .with_code("feature_not_in_plan");
#pragma once

#include <boost/json/value.hpp>

#include <exception>
#include <string>
#include <string_view>

namespace bb {

enum class ErrorCode {
  invalid_argument,   // 400
  unauthenticated,    // 401
  permission_denied,  // 403
  not_found,          // 404
  conflict,           // 409
  rate_limited,       // 429
  unavailable,        // 503
  internal,           // 500
};

std::string_view to_string(ErrorCode c);
int http_status(ErrorCode c);
ErrorCode error_code_for_status(int status);

class Error : public std::exception {
 public:
  Error(ErrorCode kind, std::string message, boost::json::value details = nullptr);

  // A stable, more specific code for clients (defaults to the kind's name).
  Error&& with_code(std::string code) && {
    code_ = std::move(code);
    return std::move(*this);
  }

  ErrorCode kind() const { return kind_; }
  const std::string& code() const { return code_; }
  const std::string& message() const { return message_; }
  const boost::json::value& details() const { return details_; }
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  ErrorCode kind_;
  std::string code_;
  std::string message_;
  boost::json::value details_;
};

// Thrown by guards: an HTTP-like status picks the kind (401, 403, 404, 409, 429, ...).
class GuardError : public Error {
 public:
  GuardError(int status, std::string message);
};

}  // namespace bb
