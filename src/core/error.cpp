#include "bunbase/core/error.hpp"

namespace bb {

std::string_view to_string(ErrorCode c) {
  switch (c) {
    case ErrorCode::invalid_argument: return "invalid_argument";
    case ErrorCode::unauthenticated: return "unauthenticated";
    case ErrorCode::permission_denied: return "permission_denied";
    case ErrorCode::not_found: return "not_found";
    case ErrorCode::conflict: return "conflict";
    case ErrorCode::rate_limited: return "rate_limited";
    case ErrorCode::unavailable: return "unavailable";
    case ErrorCode::internal: return "internal";
  }
  return "internal";
}

int http_status(ErrorCode c) {
  switch (c) {
    case ErrorCode::invalid_argument: return 400;
    case ErrorCode::unauthenticated: return 401;
    case ErrorCode::permission_denied: return 403;
    case ErrorCode::not_found: return 404;
    case ErrorCode::conflict: return 409;
    case ErrorCode::rate_limited: return 429;
    case ErrorCode::unavailable: return 503;
    case ErrorCode::internal: return 500;
  }
  return 500;
}

ErrorCode error_code_for_status(int status) {
  switch (status) {
    case 400: case 422: return ErrorCode::invalid_argument;
    case 401: return ErrorCode::unauthenticated;
    case 403: return ErrorCode::permission_denied;
    case 404: return ErrorCode::not_found;
    case 409: return ErrorCode::conflict;
    case 429: return ErrorCode::rate_limited;
    case 503: return ErrorCode::unavailable;
    default: return ErrorCode::internal;
  }
}

Error::Error(ErrorCode kind, std::string message, boost::json::value details)
    : kind_(kind), code_(to_string(kind)), message_(std::move(message)), details_(std::move(details)) {}

GuardError::GuardError(int status, std::string message)
    : Error(error_code_for_status(status), std::move(message)) {}

}  // namespace bb
