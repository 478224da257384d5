// createApiKey, listApiKeys, revokeApiKey. Keys are "bbk_" + 256 random bits; only their hash
// is stored, and the first characters are kept to tell them apart in listings.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <bunbase/guards.hpp>

#include "bunbase/auth/identity.hpp"
#include "bunbase/auth/tokens.hpp"
#include "src/auth/auth_types.hpp"

namespace bb::auth {

namespace {

// Keys are managed from a signed-in session: a leaked key must not be able to mint more keys.
void require_session(const Context& ctx) {
  if (ctx.auth.via == Auth::Via::api_key)
    throw Error(ErrorCode::permission_denied, "API keys cannot manage API keys; sign in").with_code("session_required");
  if (!ctx.auth.is_user()) throw Error(ErrorCode::invalid_argument, "the system principal has no API keys");
}

std::optional<std::string> text_or_null(const boost::json::value& v) {
  if (v.is_null()) return std::nullopt;
  return std::string(v.as_string());
}

ApiKeyView view(const db::Row& r) {
  ApiKeyView v{.id = std::string(r.at("id").as_string()),
               .name = std::string(r.at("name").as_string()),
               .prefix = std::string(r.at("prefix").as_string()),
               .last_used_at = text_or_null(r.at("last_used_at")),
               .expires_at = text_or_null(r.at("expires_at")),
               .revoked_at = text_or_null(r.at("revoked_at")),
               .created_at = std::string(r.at("created_at").as_string())};
  boost::system::error_code ec;
  auto scopes = boost::json::parse(r.at("scopes").as_string(), ec);
  if (!ec && scopes.is_array())
    for (const auto& s : scopes.as_array()) v.scopes.emplace_back(s.as_string());
  return v;
}

constexpr std::string_view kColumns = "id, name, prefix, scopes, last_used_at, expires_at, revoked_at, created_at";

Action create_api_key() {
  return action<CreateApiKeyInput, CreatedApiKey>(
      {.name = "createApiKey",
       .description = "Creates an API key for the signed-in user; the key is shown once",
       .triggers = {triggers::api("POST", "/api-keys", {.status = 201})},
       .guards = {guards::authenticated()},
       .redact = {"key"}},
      [](const CreateApiKeyInput& in, Context& ctx) {
        require_session(ctx);
        std::string key = random_token(kApiKeyPrefix);
        boost::json::array scopes;
        if (in.scopes)
          for (const auto& s : *in.scopes) scopes.emplace_back(std::string_view(s));
        std::optional<std::string> expires;
        if (in.expires_in_days) expires = iso_in(std::chrono::days(in.expires_in_days->value));
        std::string id = new_id();
        ctx.db.exec(
            "INSERT INTO api_keys (id, user_id, name, key_hash, prefix, scopes, expires_at, created_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            {id, ctx.auth.user_id, std::string_view(in.name), token_hash(key), key.substr(0, 12),
             boost::json::serialize(scopes), expires, iso_now()});
        auto row = ctx.db.query_one("SELECT " + std::string(kColumns) + " FROM api_keys WHERE id = $1", {id});
        ctx.log.info("API key created", {{"apiKeyId", id}});
        return CreatedApiKey{.api_key = view(*row), .key = std::move(key)};
      });
}

Action list_api_keys() {
  return action<Empty, ApiKeyList>({.name = "listApiKeys",
                                    .description = "The signed-in user's API keys (never the keys themselves)",
                                    .triggers = {triggers::api("GET", "/api-keys")},
                                    .guards = {guards::authenticated()}},
                                   [](const Empty&, Context& ctx) {
                                     require_session(ctx);
                                     ApiKeyList out;
                                     for (const auto& r : ctx.db.query("SELECT " + std::string(kColumns) +
                                                                           " FROM api_keys WHERE user_id = $1 ORDER BY id DESC",
                                                                       {ctx.auth.user_id}))
                                       out.items.push_back(view(r.as_object()));
                                     return out;
                                   });
}

Action revoke_api_key() {
  return action<ApiKeyId, Empty>(
      {.name = "revokeApiKey",
       .description = "Revokes one of the signed-in user's API keys; it stops working at once",
       .triggers = {triggers::api("DELETE", "/api-keys/:id", {.status = 204})},
       .guards = {guards::authenticated()}},
      [](const ApiKeyId& in, Context& ctx) {
        require_session(ctx);
        auto n = ctx.db.exec("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
                             {iso_now(), std::string_view(in.id), ctx.auth.user_id});
        if (n == 0) throw Error(ErrorCode::not_found, "no such API key").with_code("api_key_not_found");
        ctx.log.info("API key revoked", {{"apiKeyId", std::string_view(in.id)}});
        return Empty{};
      });
}

}  // namespace

std::vector<Action> api_key_actions() { return {create_api_key(), list_api_keys(), revoke_api_key()}; }

}  // namespace bb::auth
