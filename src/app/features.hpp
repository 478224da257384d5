// The built-in features an app's configuration turns on: auth, then organizations (with plans).
#pragma once

#include <vector>

#include "bunbase/runtime/app.hpp"

namespace bb {

// Throws std::runtime_error for a combination that cannot work (organizations without auth,
// plans without organizations).
std::vector<Feature> builtin_features(const Config& config);

}  // namespace bb
