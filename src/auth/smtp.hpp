// Sends one plain-text email over SMTP with libcurl (STARTTLS when the server offers it on
// smtp://, TLS from the start on smtps://). Header values are cleaned of line breaks (no header
// injection) and non-ASCII ones are RFC 2047 encoded.
#pragma once

#include <optional>
#include <string>

#include "bunbase/auth/mailer.hpp"
#include "bunbase/runtime/config.hpp"

namespace bb::auth {

// The full RFC 5322 message (headers, blank line, CRLF body) that send_smtp transmits.
std::string smtp_message(const Config::Auth::Smtp& smtp, const Mail& mail, std::string_view message_id);

// Returns the error, or nullopt once the server accepted the message.
std::optional<std::string> send_smtp(const Config::Auth::Smtp& smtp, const Mail& mail, std::string_view message_id);

}  // namespace bb::auth
