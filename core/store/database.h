// A thin RAII wrapper over one SQLCipher connection.
//
// Every SQLite error is translated into a Status here (see
// internal/sqlite_error.h) and nowhere else. The build links SQLCipher only;
// Open() still checks at run time that the library really is SQLCipher,
// because plain SQLite silently ignores `PRAGMA key` and writes plaintext.
//
// Thread-safety: a Database and its Statements belong to one thread at a time.
// Several processes may open the same file; a writer holding the lock makes
// others fail with IoError "store is locked by another process" after the
// busy timeout.
#pragma once

#include <sqlcipher/sqlite3.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "core/secret.h"
#include "core/status.h"
#include "core/store/statement.h"

namespace waypost::store {

class Database {
 public:
  static constexpr size_t kRawKeySize = 32;
  static constexpr std::chrono::milliseconds kDefaultBusyTimeout{5000};

  enum class OpenMode {
    kCreateIfMissing,  // a missing file becomes a new, empty encrypted database
    kMustExist,        // a missing file is NotFound; nothing is created
  };

  // Process-wide: whether this process keeps SQLite's memory locked and
  // wiped. On by default: the first Open installs the locked heap
  // (locked_heap.h) as SQLite's allocator. A relay, whose store holds only
  // ciphertext, the tags and expiries its header already shows, and its own
  // static key, turns it off before it opens anything (SECURITY.md "The
  // process"). SQLite's allocator is chosen once per process, so this must
  // come before the first Open. Not thread-safe: call it at start-up.
  static void SetMemorySecurity(bool enabled);

  // "SQLCipher 4.6.1 community (SQLite 3.46.1)": the library this process
  // really links, asked at run time (`waypost --version`). Opens only an
  // in-memory database, with no key.
  static std::string LibraryVersion();

  // Opens `path` keyed with the raw 256-bit `raw_key` (no passphrase KDF in
  // SQLCipher: the key is already random). Then: refuses plain SQLite,
  // locks and wipes SQLite's memory (SetMemorySecurity), temp_store=MEMORY,
  // secure_delete=ON, foreign_keys=ON, the default rollback journal (not
  // WAL), and verifies the key by reading sqlite_master.
  // Errors: InvalidArgument (key size), NotFound (kMustExist), Corrupt
  // ("database key does not match", or not SQLCipher), IoError. Nothing stays
  // open after a failure.
  static Result<Database> Open(const std::string& path, const Secret& raw_key,
                               OpenMode mode = OpenMode::kCreateIfMissing);

  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Runs a fixed script of one or more statements (a schema step, a
  // pragma). Never for SQL that carries values: use Run() or Query().
  Status Exec(const std::string& sql);
  Result<Statement> Prepare(std::string_view sql);

  // Prepares one statement, binds `args` (Statement::BindAll) and runs it to
  // the end.
  template <typename... Args>
  Status Run(std::string_view sql, const Args&... args) {
    WAYPOST_ASSIGN_OR_RETURN(Statement st, Query(sql, args...));
    return st.Run();
  }
  // Prepares one statement and binds `args`, ready to Step() or ForEach().
  template <typename... Args>
  Result<Statement> Query(std::string_view sql, const Args&... args) {
    WAYPOST_ASSIGN_OR_RETURN(Statement st, Prepare(sql));
    WAYPOST_RETURN_IF_ERROR(st.BindAll(args...));
    return st;
  }

  // PRAGMA user_version: the schema version a store was migrated to.
  Result<int64_t> UserVersion();
  Status SetUserVersion(int64_t version);

  // The tables whose rows were inserted, updated or deleted through this
  // connection since the last call, then forgets them. It may over-report
  // (rows that a rollback undid still count) but never misses a row change,
  // with one exception SQLite documents: `DELETE FROM t` with no WHERE
  // clause (the truncate optimization) is not reported, so code that must be
  // noticed deletes with a WHERE clause.
  std::set<std::string> TakeWrittenTables();

  // Re-encrypts every page under `new_raw_key` (SQLCipher's `PRAGMA rekey`,
  // as a raw key); the connection then uses the new key. The statement holds
  // the key in hex in guarded memory, wiped afterwards. Needs the write lock
  // and no open transaction. Callers must verify the result by reopening
  // (a failed rekey is not always reported here).
  // Errors: InvalidArgument (key size), IoError (e.g. locked).
  Status Rekey(const Secret& new_raw_key);

  int64_t LastInsertRowId() const;
  int Changes() const;  // rows changed by the last INSERT, UPDATE or DELETE
  bool InTransaction() const;
  void SetBusyTimeout(std::chrono::milliseconds timeout);

  // What `PRAGMA cipher_version` answered at Open(), e.g. "4.6.1 community".
  const std::string& cipher_version() const { return cipher_version_; }

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  Status Configure(const Secret& raw_key);
  Status ApplyKey(const Secret& raw_key);
  // Runs `<pragma> = "x'<hex key>'";` from a guarded buffer.
  Status ExecKeyPragma(std::string_view pragma, const Secret& raw_key, const char* what);
  Result<std::string> QueryText(std::string_view sql);

  sqlite3* db_ = nullptr;
  std::string cipher_version_;
  // Filled by sqlite3_update_hook; on the heap so a move keeps its address.
  std::unique_ptr<std::set<std::string>> written_ = std::make_unique<std::set<std::string>>();
};

// BEGIN IMMEDIATE ... COMMIT, rolled back on destruction unless committed.
// Takes the write lock up front, so two writers never deadlock upgrading a
// read lock. Must not outlive its Database.
class Transaction {
 public:
  static Result<Transaction> Begin(Database& db);

  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  // After Commit(), whatever it returns, the destructor does nothing more.
  Status Commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_ = nullptr;  // null once committed or moved from
};

// SAVEPOINT ... RELEASE inside an open transaction, rolled back to on
// destruction unless released: a nested change that can fail alone while
// the transaction around it goes on. Must not outlive its Database.
class Savepoint {
 public:
  static Result<Savepoint> Begin(Database& db);

  Savepoint(Savepoint&& other) noexcept;
  Savepoint& operator=(Savepoint&&) = delete;
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;
  ~Savepoint();

  // After Release(), whatever it returns, the destructor does nothing more.
  Status Release();

 private:
  explicit Savepoint(Database* db) : db_(db) {}
  Database* db_ = nullptr;  // null once released or moved from
};

}  // namespace waypost::store
