// Fresh identifiers for rows and runs: UUIDv7 (RFC 9562), time-ordered, so that ids sort by
// creation time and index well.
//
//   ctx.db.insert("users", {{"id", bb::new_id()}, {"email", in.email}});
#pragma once

#include <string>

namespace bb {
std::string new_id();
}
