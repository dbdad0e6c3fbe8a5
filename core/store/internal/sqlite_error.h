// The one place where SQLite result codes become a Status.
#pragma once

#include <sqlcipher/sqlite3.h>

#include <string_view>

#include "core/status.h"

namespace waypost::store::internal {

// Translates `rc` (extended result codes enabled) and the connection's
// error message. `db` may be null.
//   BUSY, LOCKED                      -> IoError "store is locked by another process"
//   NOTADB                            -> Corrupt "database key does not match ..."
//   CORRUPT                           -> Corrupt
//   CONSTRAINT_UNIQUE / _PRIMARYKEY   -> AlreadyExists
//   other CONSTRAINT, MISUSE, RANGE   -> InvalidArgument
//   everything else                   -> IoError with sqlite3_errmsg
Status SqliteError(sqlite3* db, int rc, std::string_view context);

}  // namespace waypost::store::internal
