// Database::SetMemorySecurity(false), as a relay calls it before it opens
// anything: SQLite then allocates from the system's heap, and SQLCipher's
// own memory security stays off. A binary of its own, because SQLite's
// allocator is chosen once per process (database_test.cc and
// locked_heap_test.cc check the default).
#include <gtest/gtest.h>

#include <string>

#include "core/random.h"
#include "core/secret.h"
#include "core/store/database.h"
#include "core/store/locked_heap.h"
#include "tests/kit/status.h"
#include "tests/kit/temp_dir.h"

namespace waypost::store {
namespace {

std::string Query(Database& db, const char* sql) {
  auto stmt = db.Prepare(sql);
  EXPECT_OK(stmt);
  if (!stmt.ok() || !stmt->Step().value()) return "";
  return stmt->ColumnText(0);
}

TEST(MemorySecurityTest, ARelayProcessOpensItsStoreWithoutIt) {
  Database::SetMemorySecurity(false);
  testing::TempDir dir;
  SystemRandom random;
  Secret key(32);
  random.Fill(key.span());
  ASSERT_OK_AND_ASSIGN(
      Database db, Database::Open(dir.File("relay.db"), key, Database::OpenMode::kCreateIfMissing));
  EXPECT_EQ(Query(db, "PRAGMA cipher_memory_security;"), "0");
  EXPECT_FALSE(LockedHeapInstalled());
  // Everything else is as ever: encrypted, keyed, the other pragmas set.
  EXPECT_EQ(Query(db, "PRAGMA secure_delete;"), "1");
  EXPECT_FALSE(Query(db, "PRAGMA cipher_version;").empty());
}

}  // namespace
}  // namespace waypost::store
