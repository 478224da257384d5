// Bunbase's own credentials never reach a log line or a run record, whatever carried them (an
// unknown query parameter, an error message, a mail's text): every "bbs_" (session), "bbk_" (API
// key), "bbt_" (email link) or "bbi_" (invitation) token in a text is cut to its prefix.
//
//   std::string line = "open http://x/verify?token=bbt_Q2xhc3NpYy1ub3QtYS1yZWFsLXRva2VuLTEyMzQ1";
//   bb::mask_tokens(line);  // "open http://x/verify?token=bbt_[redacted]"
#pragma once

#include <string>

namespace bb {

// Replaces the secret part of every token in `text`; returns how many it masked. A prefix
// followed by fewer than 16 token characters is left alone (it names a kind, not a token).
int mask_tokens(std::string& text);

}  // namespace bb
