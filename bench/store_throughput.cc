// Store throughput with SQLCipher and with plain SQLite, from the same code.
//
// CMake builds this file twice (bench/CMakeLists.txt):
//   waypost_bench_store_sqlcipher  -DWAYPOST_BENCH_SQLCIPHER, links SQLCipher only
//   waypost_bench_store_sqlite     links plain libsqlite3 only
// Neither links waypost_core (which brings SQLCipher), so no binary ever holds
// both libraries. scripts/bench divides the two runs' rates.
//
// Each connection is set up as core/store/database.cc sets up Waypost's:
// SQLite's memory from the locked heap (core/store/locked_heap.h, compiled
// into the SQLCipher binary only), a random raw 32-byte key (SQLCipher only),
// temp_store = MEMORY, secure_delete = ON, foreign_keys = ON, the default
// DELETE journal and synchronous = FULL. Rows are shaped like the `messages`
// table of core/node/schema.cc; the scan is the query behind `waypost inbox`.
#ifdef WAYPOST_BENCH_SQLCIPHER
#include <sqlcipher/sqlite3.h>

#include "core/store/locked_heap.h"
#else
#include <sqlite3.h>
#endif
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace {

// WAYPOST_BENCH_MEMORY_SECURITY: `heap` (the default: as a node's store
// runs, SQLite allocating from the locked heap), `pragma` (SQLCipher's own
// cipher_memory_security, a system call per allocation, as nodes ran before
// the locked heap) or `off` (as a relay's store runs). Plain SQLite has
// neither: there it is always `off`.
std::string_view MemorySecurityMode() {
#ifdef WAYPOST_BENCH_SQLCIPHER
  const char* mode = std::getenv("WAYPOST_BENCH_MEMORY_SECURITY");
  if (mode == nullptr) return "heap";
  if (std::strcmp(mode, "pragma") == 0) return "pragma";
  if (std::strcmp(mode, "off") == 0) return "off";
  return "heap";
#else
  return "off";
#endif
}

constexpr int kRowsPerTransaction = 100;
constexpr int kReadRows = 20'000;  // ~4 MB: twice SQLite's default page cache
constexpr int kContacts = 20;
constexpr int64_t kBaseTime = 1'800'000'000;

constexpr char kSchema[] = R"sql(
CREATE TABLE contacts(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE messages(
  id          BLOB PRIMARY KEY,
  direction   TEXT NOT NULL,
  kind        TEXT NOT NULL,
  contact_id  INTEGER NOT NULL REFERENCES contacts(id),
  code        TEXT NOT NULL DEFAULT '',
  text        TEXT NOT NULL DEFAULT '',
  sent_at     INTEGER NOT NULL,
  received_at INTEGER,
  state       TEXT NOT NULL);
)sql";

constexpr char kInsert[] =
    "INSERT INTO messages(id, direction, kind, contact_id, code, text, sent_at, received_at, "
    "state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr char kLookup[] = "SELECT direction, kind, code, text, sent_at FROM messages WHERE id = ?";
constexpr char kInbox[] =
    "SELECT m.id, c.name, m.direction, m.kind, m.code, m.text, m.sent_at, m.received_at, "
    "m.state FROM messages m JOIN contacts c ON c.id = m.contact_id "
    "ORDER BY coalesce(m.received_at, m.sent_at), m.rowid";

using MessageId = std::array<uint8_t, 32>;

[[noreturn]] void Die(sqlite3* db, const char* what) {
  std::fprintf(stderr, "store_bench: %s: %s\n", what, db ? sqlite3_errmsg(db) : "");
  std::abort();
}

void Exec(sqlite3* db, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) Die(db, sql);
}

sqlite3_stmt* Prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) Die(db, sql);
  return stmt;
}

// The first column of the first row of `sql`, or "" if there is no row.
std::string QueryText(sqlite3* db, const char* sql) {
  sqlite3_stmt* stmt = Prepare(db, sql);
  std::string out;
  if (sqlite3_step(stmt) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(stmt, 0);
    if (text != nullptr) out = reinterpret_cast<const char*>(text);
  }
  sqlite3_finalize(stmt);
  return out;
}

// A temporary directory holding one database file; removed on destruction.
// The SQLCipher key is random per file, as a store's key is.
class TempDatabase {
 public:
  TempDatabase() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "waypost-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    dir_ = pattern;
    std::random_device device;
    for (uint8_t& b : key_) b = uint8_t(device());
  }
  ~TempDatabase() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  TempDatabase(const TempDatabase&) = delete;
  TempDatabase& operator=(const TempDatabase&) = delete;

  // Opens a new connection, configured like Database::Configure.
  sqlite3* Open() const {
    sqlite3* db = nullptr;
    std::string path = dir_ + "/bench.db";
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW;
    if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) Die(db, "open");
    if (MemorySecurityMode() == "pragma") {
      Exec(db, "PRAGMA cipher_memory_security = ON;");  // plain SQLite ignores it
    }
#ifdef WAYPOST_BENCH_SQLCIPHER
    std::string sql = "PRAGMA key = \"x'";
    for (uint8_t b : key_) {
      char hex[3];
      std::snprintf(hex, sizeof hex, "%02x", b);
      sql += hex;
    }
    sql += "'\";";
    Exec(db, sql.c_str());
    if (QueryText(db, "PRAGMA cipher_version;").empty()) Die(db, "not linked with SQLCipher");
#else
    if (!QueryText(db, "PRAGMA cipher_version;").empty()) Die(db, "SQLCipher in the plain build");
#endif
    QueryText(db, "SELECT count(*) FROM sqlite_master;");
    Exec(db, "PRAGMA temp_store = MEMORY; PRAGMA secure_delete = ON; PRAGMA foreign_keys = ON;");
    return db;
  }

 private:
  std::string dir_;
  std::array<uint8_t, 32> key_{};
};

// Deterministic message-like rows: ~60-byte texts, mostly check-ins.
class RowSource {
 public:
  MessageId Insert(sqlite3_stmt* stmt) {
    MessageId id;
    for (size_t i = 0; i < id.size(); i += 8) {
      uint64_t r = rng_();
      for (size_t j = 0; j < 8; ++j) id[i + j] = uint8_t(r >> (8 * j));
    }
    bool checkin = n_ % 5 != 0;
    int64_t sent = kBaseTime + 60 * n_;
    std::string text = "reached the second checkpoint, all well, moving on at " +
                       std::to_string(100000 + n_ % 900000);
    sqlite3_bind_blob(stmt, 1, id.data(), int(id.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, n_ % 2 ? "in" : "out", -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, checkin ? "checkin" : "text", -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 4, 1 + n_ % kContacts);
    sqlite3_bind_text(stmt, 5, checkin ? "crossed" : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 6, text.data(), int(text.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 7, sent);
    sqlite3_bind_int64(stmt, 8, sent + 5);
    sqlite3_bind_text(stmt, 9, "delivered", -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) != SQLITE_DONE) Die(sqlite3_db_handle(stmt), "insert");
    sqlite3_reset(stmt);
    ++n_;
    return id;
  }

 private:
  std::mt19937_64 rng_{42};
  int64_t n_ = 0;
};

void CreateSchema(sqlite3* db) {
  Exec(db, kSchema);
  sqlite3_stmt* stmt = Prepare(db, "INSERT INTO contacts(id, name) VALUES (?, ?)");
  for (int i = 1; i <= kContacts; ++i) {
    std::string name = "contact-" + std::to_string(i);
    sqlite3_bind_int(stmt, 1, i);
    sqlite3_bind_text(stmt, 2, name.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(stmt) != SQLITE_DONE) Die(db, "contact");
    sqlite3_reset(stmt);
  }
  sqlite3_finalize(stmt);
}

// A database of kReadRows messages, built once and shared by the read benchmarks.
struct ReadFixture {
  TempDatabase file;
  std::vector<MessageId> ids;

  ReadFixture() {
    sqlite3* db = file.Open();
    CreateSchema(db);
    Exec(db, "BEGIN IMMEDIATE;");
    sqlite3_stmt* insert = Prepare(db, kInsert);
    RowSource rows;
    for (int i = 0; i < kReadRows; ++i) ids.push_back(rows.Insert(insert));
    sqlite3_finalize(insert);
    Exec(db, "COMMIT;");
    sqlite3_close(db);
  }
  static ReadFixture& Get() {
    static ReadFixture fixture;
    return fixture;
  }
};

// One iteration: a transaction of kRowsPerTransaction inserts, fsync included.
void BM_Insert(benchmark::State& state) {
  TempDatabase file;
  sqlite3* db = file.Open();
  CreateSchema(db);
  sqlite3_stmt* insert = Prepare(db, kInsert);
  RowSource rows;
  for (auto _ : state) {
    Exec(db, "BEGIN IMMEDIATE;");
    for (int i = 0; i < kRowsPerTransaction; ++i) rows.Insert(insert);
    Exec(db, "COMMIT;");
  }
  sqlite3_finalize(insert);
  sqlite3_close(db);
  state.counters["rows"] = benchmark::Counter(double(state.iterations()) * kRowsPerTransaction,
                                              benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Insert)->UseRealTime()->Unit(benchmark::kMillisecond);

// One iteration: a lookup by a random existing id, on a connection whose
// page cache is smaller than the database.
void BM_PointLookup(benchmark::State& state) {
  ReadFixture& fixture = ReadFixture::Get();
  sqlite3* db = fixture.file.Open();
  sqlite3_stmt* lookup = Prepare(db, kLookup);
  std::mt19937 pick(7);
  std::uniform_int_distribution<size_t> index(0, fixture.ids.size() - 1);
  for (auto _ : state) {
    const MessageId& id = fixture.ids[index(pick)];
    sqlite3_bind_blob(lookup, 1, id.data(), int(id.size()), SQLITE_STATIC);
    if (sqlite3_step(lookup) != SQLITE_ROW) Die(db, "lookup");
    benchmark::DoNotOptimize(sqlite3_column_text(lookup, 3));
    sqlite3_reset(lookup);
  }
  sqlite3_finalize(lookup);
  sqlite3_close(db);
  state.counters["rows"] =
      benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_PointLookup)->UseRealTime()->Unit(benchmark::kMicrosecond);

// One iteration: what `waypost inbox` does after unlocking: open a connection
// (cold page cache), then read every message in time order.
void BM_InboxScan(benchmark::State& state) {
  ReadFixture& fixture = ReadFixture::Get();
  int64_t read = 0;
  for (auto _ : state) {
    sqlite3* db = fixture.file.Open();
    sqlite3_stmt* scan = Prepare(db, kInbox);
    while (sqlite3_step(scan) == SQLITE_ROW) {
      benchmark::DoNotOptimize(sqlite3_column_text(scan, 5));
      ++read;
    }
    sqlite3_finalize(scan);
    sqlite3_close(db);
  }
  if (read != int64_t(state.iterations()) * kReadRows) std::abort();
  state.counters["rows"] = benchmark::Counter(double(read), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_InboxScan)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
#ifdef WAYPOST_BENCH_SQLCIPHER
  // Before SQLite's first initialization, as Database::Open does it.
  if (MemorySecurityMode() == "heap" && !waypost::store::InstallLockedHeap()) {
    std::fprintf(stderr, "waypost_bench_store: cannot install the locked heap\n");
    return 1;
  }
  benchmark::AddCustomContext("memory_security", std::string(MemorySecurityMode()));
  benchmark::AddCustomContext("store", "SQLCipher");
#else
  benchmark::AddCustomContext("store", "plain SQLite");
#endif
  benchmark::AddCustomContext("sqlite_version", sqlite3_libversion());
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
