#include "src/auth/smtp.hpp"

#include <curl/curl.h>
#include <sodium.h>

#include <chrono>
#include <cstring>
#include <ctime>

namespace bb::auth {

namespace {

std::string one_line(std::string_view v) {
  std::string out;
  for (char c : v) out += (c == '\r' || c == '\n') ? ' ' : c;
  return out;
}

// RFC 2047 "encoded-word" for a header value that is not plain ASCII.
std::string header_value(std::string_view v) {
  std::string line = one_line(v);
  bool ascii = true;
  for (unsigned char c : line) ascii = ascii && c < 0x80;
  if (ascii) return line;
  std::string b64(sodium_base64_ENCODED_LEN(line.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(b64.data(), b64.size(), reinterpret_cast<const unsigned char*>(line.data()), line.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  b64.resize(std::strlen(b64.c_str()));
  return "=?UTF-8?B?" + b64 + "?=";
}

// "Name <a@b.c>" -> "a@b.c"; "a@b.c" stays.
std::string address_of(std::string_view from) {
  auto lt = from.find('<'), gt = from.find('>');
  if (lt != std::string_view::npos && gt != std::string_view::npos && gt > lt) return std::string(from.substr(lt + 1, gt - lt - 1));
  return std::string(from);
}

std::string rfc5322_date() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

struct Reader {
  std::string_view data;
  static size_t read(char* out, size_t size, size_t n, void* self) {
    auto* r = static_cast<Reader*>(self);
    size_t len = std::min(size * n, r->data.size());
    std::memcpy(out, r->data.data(), len);
    r->data.remove_prefix(len);
    return len;
  }
};

}  // namespace

std::string smtp_message(const Config::Auth::Smtp& smtp, const Mail& mail, std::string_view message_id) {
  std::string m;
  m += "Date: " + rfc5322_date() + "\r\n";
  m += "From: " + one_line(smtp.from) + "\r\n";
  m += "To: " + one_line(mail.to) + "\r\n";
  m += "Subject: " + header_value(mail.subject) + "\r\n";
  m += "Message-ID: <" + one_line(message_id) + "@bunbase>\r\n";
  m += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
  for (std::size_t i = 0; i < mail.text.size(); ++i) {  // bare LF -> CRLF, as SMTP wants
    char c = mail.text[i];
    if (c == '\n' && (i == 0 || mail.text[i - 1] != '\r')) m += '\r';
    m += c;
  }
  if (!m.ends_with("\r\n")) m += "\r\n";
  return m;
}

std::optional<std::string> send_smtp(const Config::Auth::Smtp& smtp, const Mail& mail, std::string_view message_id) {
  static const CURLcode global = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (global != CURLE_OK) return std::string("libcurl could not be initialised");
  CURL* curl = curl_easy_init();
  if (!curl) return std::string("libcurl could not be initialised");
  const std::string message = smtp_message(smtp, mail, message_id);
  const std::string from = "<" + address_of(smtp.from) + ">", to = "<" + one_line(mail.to) + ">";
  Reader reader{message};
  curl_slist* rcpt = curl_slist_append(nullptr, to.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, smtp.url.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, &Reader::read);
  curl_easy_setopt(curl, CURLOPT_READDATA, &reader);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
  if (!smtp.username.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, smtp.username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, smtp.password.c_str());
  }
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(rcpt);
  curl_easy_cleanup(curl);
  if (rc == CURLE_OK) return std::nullopt;
  return std::string(error[0] ? error : curl_easy_strerror(rc));
}

}  // namespace bb::auth
