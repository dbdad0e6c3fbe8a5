#include "core/store/internal/sqlite_error.h"

#include <string>

namespace waypost::store::internal {

Status SqliteError(sqlite3* db, int rc, std::string_view context) {
  std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string where(context);
  if (!where.empty()) where += ": ";
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::IoError(where + "store is locked by another process");
    case SQLITE_NOTADB:
      return Status::Corrupt(where +
                             "database key does not match (or the file is not a Waypost store)");
    case SQLITE_CORRUPT:
      return Status::Corrupt(where + "the database is damaged: " + detail);
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return Status::AlreadyExists(where + detail);
      }
      return Status::InvalidArgument(where + detail);
    case SQLITE_CANTOPEN:
      if (rc == SQLITE_CANTOPEN_SYMLINK) {
        return Status::IoError(where +
                               "the path goes through a symbolic link, which a store never "
                               "follows; give the real path (readlink -f shows it)");
      }
      return Status::IoError(where + detail);
    case SQLITE_MISUSE:
    case SQLITE_RANGE:
      return Status::InvalidArgument(where + detail);
    default:
      return Status::IoError(where + detail);
  }
}

}  // namespace waypost::store::internal
