// The plan checks the guards share (plan_guards.cpp): has_permission() applies the plan half.
//
//   require_plan_feature(*ctx.org, "billing");          // 403 feature_not_in_plan / subscription_inactive
//   require_plan_for_permission(ctx, "invoices:create"); // the same, when "invoices" is a plan feature
#pragma once

#include <string_view>

#include "bunbase/core/context.hpp"

namespace bb::saas {

void require_plan_feature(const Org& org, std::string_view feature);
// Nothing unless SaaS is on, ctx.org is resolved and the permission's feature is in the features
// catalog (a plan feature); the system principal always passes.
void require_plan_for_permission(Context& ctx, std::string_view permission);

}  // namespace bb::saas
