// Brings any node database (a main store or its decoy) to the current schema.
#pragma once

#include "core/status.h"
#include "core/store/database.h"

namespace waypost::node::internal {

Status MigrateSchema(store::Database& db);

}  // namespace waypost::node::internal
