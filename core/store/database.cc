#include "core/store/database.h"

#include <sodium.h>
#include <sys/stat.h>

#include <cstring>
#include <utility>

#include "core/store/internal/file_util.h"
#include "core/store/internal/sqlite_error.h"
#include "core/store/locked_heap.h"

namespace waypost::store {
namespace {

constexpr char kKeyPrefix[] = " = \"x'";  // after "PRAGMA key" or "PRAGMA rekey"
constexpr char kKeySuffix[] = "'\";";

bool g_memory_security = true;  // Database::SetMemorySecurity

void NoteWrite(void* written, int /*op*/, const char* /*db*/, const char* table,
               sqlite3_int64 /*rowid*/) {
  static_cast<std::set<std::string>*>(written)->insert(table);
}

}  // namespace

std::string Database::LibraryVersion() {
  std::string cipher = "unknown";
  sqlite3* handle = nullptr;
  if (sqlite3_open_v2(":memory:", &handle, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(handle, "PRAGMA cipher_version;", -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
      cipher = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(handle);
  return "SQLCipher " + cipher + " (SQLite " + sqlite3_libversion() + ")";
}

Result<Database> Database::Open(const std::string& path, const Secret& raw_key, OpenMode mode) {
  if (raw_key.size() != kRawKeySize) {
    return Status::InvalidArgument("the database key must be 32 bytes");
  }
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW;
  // SQLCipher accepts any key for an empty file, so an empty file must never
  // pass for a database: a new one gets its first page at once, and an
  // existing empty one matches no key.
  struct stat st {};
  const bool empty = ::stat(path.c_str(), &st) != 0 || st.st_size == 0;
  if (mode == OpenMode::kCreateIfMissing) {
    flags |= SQLITE_OPEN_CREATE;
  } else if (!internal::PathExists(path)) {
    return Status::NotFound("no database at " + path);
  } else if (empty) {
    return Status::Corrupt("the database " + path + " is empty");
  }
  // Before SQLite's first initialization, or never: see locked_heap.h.
  if (g_memory_security) (void)InstallLockedHeap();
  sqlite3* handle = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &handle, flags, nullptr);
  Database db(handle);  // closes the handle on every early return
  if (rc != SQLITE_OK) {
    if (handle != nullptr) rc = sqlite3_extended_errcode(handle);  // e.g. CANTOPEN_SYMLINK
    return internal::SqliteError(handle, rc, "cannot open " + path);
  }
  sqlite3_extended_result_codes(handle, 1);
  db.SetBusyTimeout(kDefaultBusyTimeout);
  sqlite3_update_hook(handle, NoteWrite, db.written_.get());
  WAYPOST_RETURN_IF_ERROR(db.Configure(raw_key));
  if (empty) WAYPOST_RETURN_IF_ERROR(db.Exec("PRAGMA user_version = 0;"));
  return db;
}

void Database::SetMemorySecurity(bool enabled) { g_memory_security = enabled; }

Status Database::Configure(const Secret& raw_key) {
  // A node's SQLite memory is locked and wiped on free by the locked heap.
  // Should it have come too late (SQLite already initialized), SQLCipher's
  // own memory security does the same, at a system call per allocation;
  // before the key, so SQLCipher also wipes the parser's copy of it. Plain
  // SQLite ignores unknown pragmas; the cipher_version check below catches it.
  if (g_memory_security && !LockedHeapInstalled()) {
    (void)Exec("PRAGMA cipher_memory_security = ON;");
  }
  // SQLCipher logs failures (e.g. "hmac check failed" on a wrong key) to
  // stderr itself; errors reach the user once, as a Status, from here.
  (void)Exec("PRAGMA cipher_log_level = NONE;");
  (void)Exec("PRAGMA cipher_log_source = NONE;");
  WAYPOST_RETURN_IF_ERROR(ApplyKey(raw_key));
  Result<std::string> version = QueryText("PRAGMA cipher_version;");
  if (!version.ok() || version->empty()) {
    return Status::Internal(
        "this build is linked against plain SQLite, refusing to store plaintext");
  }
  cipher_version_ = std::move(version).value();
  // Reading sqlite_master is the first access to the file: a wrong key fails
  // here with NOTADB, before any pragma could write.
  // SQLITE_NOTADB becomes Corrupt "database key does not match ...".
  WAYPOST_RETURN_IF_ERROR(QueryText("SELECT count(*) FROM sqlite_master;").status());
  return Exec(
      "PRAGMA temp_store = MEMORY;"
      "PRAGMA secure_delete = ON;"
      "PRAGMA foreign_keys = ON;");
}

Status Database::ApplyKey(const Secret& raw_key) {
  return ExecKeyPragma("PRAGMA key", raw_key, "cannot key the database");
}

Status Database::Rekey(const Secret& new_raw_key) {
  if (new_raw_key.size() != kRawKeySize) {
    return Status::InvalidArgument("the database key must be 32 bytes");
  }
  return ExecKeyPragma("PRAGMA rekey", new_raw_key, "cannot re-key the database");
}

Status Database::ExecKeyPragma(std::string_view pragma, const Secret& raw_key, const char* what) {
  // The statement holds the key in hex, so it lives in guarded memory and is
  // wiped when `sql` goes out of scope.
  constexpr size_t kPrefix = sizeof kKeyPrefix - 1;
  constexpr size_t kSuffix = sizeof kKeySuffix - 1;
  constexpr size_t kHex = 2 * kRawKeySize;
  Secret sql(pragma.size() + kPrefix + kHex + kSuffix + 1);
  char* text = reinterpret_cast<char*>(sql.data());
  std::memcpy(text, pragma.data(), pragma.size());
  text += pragma.size();
  std::memcpy(text, kKeyPrefix, kPrefix);
  sodium_bin2hex(text + kPrefix, kHex + 1, raw_key.data(), raw_key.size());
  std::memcpy(text + kPrefix + kHex, kKeySuffix, kSuffix + 1);  // with the NUL
  int rc = sqlite3_exec(db_, reinterpret_cast<const char*>(sql.data()), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return internal::SqliteError(db_, rc, what);
  return Status::Ok();
}

Result<std::string> Database::QueryText(std::string_view sql) {
  WAYPOST_ASSIGN_OR_RETURN(Statement stmt, Prepare(sql));
  WAYPOST_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::string();
  return stmt.ColumnText(0);
}

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      cipher_version_(std::move(other.cipher_version_)),
      written_(std::move(other.written_)) {
  other.written_ = std::make_unique<std::set<std::string>>();
}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    if (db_ != nullptr) sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    cipher_version_ = std::move(other.cipher_version_);
    written_ = std::exchange(other.written_, std::make_unique<std::set<std::string>>());
  }
  return *this;
}

Database::~Database() {
  // close_v2: if a Statement is still alive the connection lingers until it
  // is finalized, instead of failing.
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

Status Database::Exec(const std::string& sql) {
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return internal::SqliteError(db_, rc, "");
  return Status::Ok();
}

Result<Statement> Database::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return internal::SqliteError(db_, rc, "");
  if (stmt == nullptr) return Status::InvalidArgument("empty SQL statement");
  return Statement(db_, stmt);
}

Result<int64_t> Database::UserVersion() {
  WAYPOST_ASSIGN_OR_RETURN(Statement st, Prepare("PRAGMA user_version"));
  WAYPOST_ASSIGN_OR_RETURN(bool row, st.Step());
  return row ? st.ColumnInt64(0) : 0;
}

Status Database::SetUserVersion(int64_t version) {
  // A pragma takes no bound parameters; the value is a typed integer.
  return Exec("PRAGMA user_version = " + std::to_string(version));
}

std::set<std::string> Database::TakeWrittenTables() { return std::exchange(*written_, {}); }

int64_t Database::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

int Database::Changes() const { return sqlite3_changes(db_); }

bool Database::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

void Database::SetBusyTimeout(std::chrono::milliseconds timeout) {
  sqlite3_busy_timeout(db_, static_cast<int>(timeout.count()));
}

Result<Transaction> Transaction::Begin(Database& db) {
  WAYPOST_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE;"));
  return Transaction(&db);
}

Transaction::Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Transaction::~Transaction() {
  if (db_ != nullptr) (void)db_->Exec("ROLLBACK;");
}

Status Transaction::Commit() {
  Database* db = std::exchange(db_, nullptr);
  if (db == nullptr) return Status::Internal("transaction already finished");
  Status status = db->Exec("COMMIT;");
  // A failed COMMIT (e.g. BUSY) can leave the transaction open; roll it back
  // so the connection is usable again and the caller can retry from BEGIN.
  if (!status.ok() && db->InTransaction()) (void)db->Exec("ROLLBACK;");
  return status;
}

Result<Savepoint> Savepoint::Begin(Database& db) {
  if (!db.InTransaction()) return Status::Internal("a savepoint needs an open transaction");
  WAYPOST_RETURN_IF_ERROR(db.Exec("SAVEPOINT nested;"));
  return Savepoint(&db);
}

Savepoint::Savepoint(Savepoint&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Savepoint::~Savepoint() {
  if (db_ != nullptr) (void)db_->Exec("ROLLBACK TO nested; RELEASE nested;");
}

Status Savepoint::Release() {
  Database* db = std::exchange(db_, nullptr);
  if (db == nullptr) return Status::Internal("savepoint already finished");
  return db->Exec("RELEASE nested;");
}

}  // namespace waypost::store
