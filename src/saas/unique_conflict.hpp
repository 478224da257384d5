// Unique indexes decide races: two requests can both pass a "does it exist?" check, only one
// insert wins. This turns the loser's unique violation into the action's own 409.
//
//   or_conflict([&] { tx.exec("INSERT INTO organizations ..."); }, slug_taken());
#pragma once

#include "bunbase/core/error.hpp"
#include "bunbase/db/database.hpp"

namespace bb::saas {

template <class F>
void or_conflict(F&& write, Error conflict) {
  try {
    write();
  } catch (const db::DbError& e) {
    if (e.kind() == db::DbError::Kind::unique_violation) throw std::move(conflict);
    throw;
  }
}

}  // namespace bb::saas
