// A prepared SQLite statement. Move-only; finalized on destruction.
//
// Lifetime: must not outlive the Database that prepared it. Not thread-safe.
// Parameter indices start at 1 and column indices at 0, as in SQLite. Column
// accessors are valid only after Step() returned true.
#pragma once

#include <sqlcipher/sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/status.h"

namespace waypost::store {

class Statement {
 public:
  Statement() = default;
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Binds copy their argument (SQLITE_TRANSIENT).
  Status Bind(int index, int64_t value);
  Status BindText(int index, std::string_view value);
  Status BindBlob(int index, ByteView value);
  Status BindNull(int index);

  // true: a row is ready; false: the statement is done.
  Result<bool> Step();

  int64_t ColumnInt64(int column) const;
  std::string ColumnText(int column) const;
  Bytes ColumnBlob(int column) const;
  bool ColumnIsNull(int column) const;

  // Rewinds so Step() runs the statement again, and clears the bindings.
  void Reset();

 private:
  friend class Database;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Status Check(int rc, std::string_view what);

  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace waypost::store
