// Internal spelling of the public timestamp helpers (bunbase/core/time.hpp).
#pragma once

#include "bunbase/core/time.hpp"

namespace bb::util {
using bb::iso_now;
using bb::iso_time;
}  // namespace bb::util
