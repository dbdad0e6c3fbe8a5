// A prepared SQLite statement. Move-only; finalized on destruction.
//
// Lifetime: must not outlive the Database that prepared it. Not thread-safe.
// Parameter indices start at 1 and column indices at 0, as in SQLite. Column
// accessors are valid only after Step() returned true, or inside ForEach().
//
// Values are always bound, never spliced into SQL text: BindAll() takes the
// parameters in order, and Database::Run() / Database::Query() prepare and
// bind in one call.
#pragma once

#include <sqlcipher/sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "core/bytes.h"
#include "core/secret.h"
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

  // Binds `args` to parameters 1, 2, ... in order. Each is an integer, text
  // (std::string, std::string_view, const char*), a blob (Bytes, ByteView,
  // a std::array of bytes, a Secret), std::nullopt for NULL, or a
  // std::optional of one of these.
  template <typename... Args>
  Status BindAll(const Args&... args) {
    int index = 0;
    Status status;
    ((status.ok() ? (void)(status = BindOne(++index, args)) : (void)0), ...);
    return status;
  }

  // true: a row is ready; false: the statement is done.
  Result<bool> Step();
  // Steps to the end, for statements that return no rows worth reading.
  Status Run();
  // Calls `row(*this)` for every result row. `row` returns void, or a Status
  // that stops the walk (and is returned) when it is not OK.
  template <typename Fn>
  Status ForEach(Fn&& row) {
    while (true) {
      WAYPOST_ASSIGN_OR_RETURN(bool more, Step());
      if (!more) return Status::Ok();
      if constexpr (std::is_void_v<std::invoke_result_t<Fn&, const Statement&>>) {
        row(static_cast<const Statement&>(*this));
      } else {
        WAYPOST_RETURN_IF_ERROR(row(static_cast<const Statement&>(*this)));
      }
    }
  }

  int64_t ColumnInt64(int column) const;
  std::optional<int64_t> ColumnOptionalInt64(int column) const;  // nullopt for NULL
  std::string ColumnText(int column) const;
  Bytes ColumnBlob(int column) const;
  // Copies the blob straight from SQLite's buffer into guarded memory, with
  // no copy in ordinary memory on the way.
  Secret ColumnSecret(int column) const;
  bool ColumnIsNull(int column) const;
  int ColumnCount() const;

  // Rewinds so Step() runs the statement again, and clears the bindings.
  void Reset();

 private:
  friend class Database;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Status Check(int rc, std::string_view what);

  template <typename T>
  Status BindOne(int index, const T& value) {
    if constexpr (std::is_same_v<T, std::nullopt_t>) {
      return BindNull(index);
    } else if constexpr (std::is_same_v<T, Secret>) {
      return BindBlob(index, value.view());
    } else if constexpr (std::is_integral_v<T>) {
      return Bind(index, static_cast<int64_t>(value));
    } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
      return BindText(index, value);
    } else if constexpr (std::is_convertible_v<const T&, ByteView>) {
      return BindBlob(index, ByteView(value));
    } else {
      // std::optional<U>: NULL when empty.
      return value ? BindOne(index, *value) : BindNull(index);
    }
  }

  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace waypost::store
