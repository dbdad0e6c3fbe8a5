// Identity alone (core/node/identity.h): who a node is, in four `meta` rows
// (docs/storage.md §5); damaged keys refused as Corrupt; and CopyTo, which
// gives the decoy the same identity and writes only rows that differ.
#include "core/node/identity.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "core/envelope/keys.h"
#include "tests/kit/node_db.h"
#include "tests/kit/status.h"
#include "tests/kit/vocabulary_print.h"

namespace waypost::node {
namespace {

using Tables = std::set<std::string>;

Bytes BytesOf(ByteView b) { return Bytes(b.begin(), b.end()); }
Bytes BytesOf(const Secret& s) { return BytesOf(s.view()); }

// The same person in both: every field and both secrets.
void ExpectSame(const Identity& a, const Identity& b) {
  EXPECT_EQ(a.self().name, b.self().name);
  EXPECT_EQ(a.self().role, b.self().role);
  EXPECT_EQ(a.self().fingerprint, b.self().fingerprint);
  EXPECT_EQ(a.self().public_key, b.self().public_key);
  EXPECT_EQ(a.key_pair().public_key, b.key_pair().public_key);
  EXPECT_EQ(BytesOf(a.key_pair().private_key), BytesOf(b.key_pair().private_key));
  EXPECT_EQ(BytesOf(a.tag_key()), BytesOf(b.tag_key()));
}

class IdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(me_, Identity::Create(db_.db(), "alice", Role::kHelper, random_));
  }
  // Overwrites one meta row, as damage would.
  void Damage(const std::string& key, ByteView value) {
    ASSERT_OK(db_->Run("UPDATE meta SET value = ? WHERE key = ?", value, key));
  }
  // Makes every write to `db`'s meta table fail, as a full disk would.
  static void RefuseMetaWrites(testing::NodeDatabase& db) {
    ASSERT_OK(db->Exec(
        "CREATE TRIGGER refuse_insert BEFORE INSERT ON meta BEGIN SELECT RAISE(ABORT, 'no'); END;"
        "CREATE TRIGGER refuse_update BEFORE UPDATE ON meta BEGIN SELECT RAISE(ABORT, 'no'); "
        "END;"));
  }

  SeededRandom random_{15};
  testing::NodeDatabase db_{"main.db"};
  Identity me_;
};

TEST_F(IdentityTest, CreateGivesTheNameRoleAndAMatchingKeyPair) {
  EXPECT_EQ(me_.self().name, "alice");
  EXPECT_EQ(me_.self().role, Role::kHelper);
  EXPECT_EQ(BytesOf(me_.self().public_key.view()), me_.key_pair().public_key);
  EXPECT_EQ(me_.self().fingerprint, envelope::Fingerprint(me_.self().public_key.view()));
  ASSERT_OK_AND_ASSIGN(const noise::KeyPair derived,
                       noise::KeyPair::FromPrivate(me_.key_pair().private_key.view()));
  EXPECT_EQ(derived.public_key, me_.key_pair().public_key);
  EXPECT_EQ(me_.tag_key().size(), envelope::kKeySize);
}

TEST_F(IdentityTest, LoadGivesBackWhatCreateWrote) {
  ASSERT_OK_AND_ASSIGN(const Identity loaded, Identity::Load(db_.db()));
  ExpectSame(loaded, me_);
}

TEST_F(IdentityTest, CreateDrawsItsKeysFromTheRandomItIsGiven) {
  testing::NodeDatabase twin_db("twin.db"), other_db("other.db");
  SeededRandom same(15), different(16);
  ASSERT_OK_AND_ASSIGN(const Identity twin,
                       Identity::Create(twin_db.db(), "alice", Role::kHelper, same));
  ASSERT_OK_AND_ASSIGN(const Identity other,
                       Identity::Create(other_db.db(), "alice", Role::kHelper, different));
  ExpectSame(twin, me_);
  EXPECT_NE(other.self().fingerprint, me_.self().fingerprint);
  EXPECT_NE(BytesOf(other.tag_key()), BytesOf(me_.tag_key()));
}

// The words and keys of docs/storage.md §5; the private key is the only
// half stored.
TEST_F(IdentityTest, CreateWritesTheDocumentedMetaRows) {
  EXPECT_EQ(db_.Int("SELECT count(*) FROM meta"), 4);
  EXPECT_EQ(db_.Int("SELECT count(*) FROM meta WHERE key = 'name' AND value = CAST('alice' AS "
                    "BLOB)"),
            1);
  EXPECT_EQ(db_.Int("SELECT count(*) FROM meta WHERE key = 'role' AND value = CAST('helper' AS "
                    "BLOB)"),
            1);
  EXPECT_EQ(db_.Int("SELECT length(value) FROM meta WHERE key = 'static_private'"), 32);
  EXPECT_EQ(db_.Int("SELECT length(value) FROM meta WHERE key = 'tag_key'"), 32);
}

TEST_F(IdentityTest, LoadOfAStoreWithNoIdentityIsCorrupt) {
  testing::NodeDatabase empty("empty.db");
  EXPECT_STATUS(Identity::Load(empty.db()), Status::Code::kCorrupt);
}

TEST_F(IdentityTest, LoadWithARowMissingIsCorruptAndNamesIt) {
  for (const char* key : {"name", "role", "static_private", "tag_key"}) {
    testing::NodeDatabase db("one.db");
    SeededRandom random(1);
    ASSERT_OK(Identity::Create(db.db(), "alice", Role::kHelper, random).status());
    ASSERT_OK(db->Run("DELETE FROM meta WHERE key = ?", std::string_view(key)));
    const Result<Identity> loaded = Identity::Load(db.db());
    EXPECT_STATUS(loaded, Status::Code::kCorrupt) << key;
    EXPECT_NE(loaded.status().message().find(key), std::string::npos) << loaded.status().message();
  }
}

TEST_F(IdentityTest, ADamagedPrivateKeyIsCorrupt) {
  for (const Bytes& damaged : {Bytes(31, 7), Bytes(33, 7), Bytes()}) {
    Damage("static_private", damaged);
    EXPECT_STATUS(Identity::Load(db_.db()), Status::Code::kCorrupt) << damaged.size() << " bytes";
  }
}

TEST_F(IdentityTest, ADamagedTagKeyIsCorrupt) {
  for (const Bytes& damaged : {Bytes(31, 7), Bytes(64, 7), Bytes()}) {
    Damage("tag_key", damaged);
    EXPECT_STATUS(Identity::Load(db_.db()), Status::Code::kCorrupt) << damaged.size() << " bytes";
  }
}

TEST_F(IdentityTest, ADamagedRoleIsCorrupt) {
  Damage("role", AsBytes("captain"));
  EXPECT_STATUS(Identity::Load(db_.db()), Status::Code::kCorrupt);
}

TEST_F(IdentityTest, SetRoleIsStoredAndSeen) {
  ASSERT_OK(me_.SetRole(db_.db(), Role::kCoordinator));
  EXPECT_EQ(me_.self().role, Role::kCoordinator);
  ASSERT_OK_AND_ASSIGN(const Identity loaded, Identity::Load(db_.db()));
  EXPECT_EQ(loaded.self().role, Role::kCoordinator);
}

TEST_F(IdentityTest, AFailedSetRoleLeavesTheRoleAsItWas) {
  RefuseMetaWrites(db_);
  EXPECT_FALSE(me_.SetRole(db_.db(), Role::kCoordinator).ok());
  EXPECT_EQ(me_.self().role, Role::kHelper);
  ASSERT_OK_AND_ASSIGN(const Identity loaded, Identity::Load(db_.db()));
  EXPECT_EQ(loaded.self().role, Role::kHelper);
}

TEST_F(IdentityTest, CopyToGivesAnotherStoreTheSameIdentity) {
  testing::NodeDatabase decoy("decoy.db");
  ASSERT_OK(me_.CopyTo(decoy.db()));
  ASSERT_OK_AND_ASSIGN(const Identity copy, Identity::Load(decoy.db()));
  ExpectSame(copy, me_);
  EXPECT_EQ(db_->TakeWrittenTables(), Tables{"meta"});  // Create's rows; CopyTo only read
}

TEST_F(IdentityTest, CopyToWritesNothingWhenTheOtherStoreIsTheSame) {
  testing::NodeDatabase decoy("decoy.db");
  ASSERT_OK(me_.CopyTo(decoy.db()));
  (void)decoy->TakeWrittenTables();
  ASSERT_OK(me_.CopyTo(decoy.db()));
  EXPECT_EQ(decoy->TakeWrittenTables(), Tables{});
}

TEST_F(IdentityTest, CopyToRewritesOnlyTheRowsThatDiffer) {
  testing::NodeDatabase decoy("decoy.db");
  ASSERT_OK(me_.CopyTo(decoy.db()));
  // Which rows a CopyTo writes, by key.
  ASSERT_OK(decoy->Exec(
      "CREATE TABLE written(key TEXT);"
      "CREATE TRIGGER log_insert AFTER INSERT ON meta BEGIN INSERT INTO written VALUES(NEW.key); "
      "END;"
      "CREATE TRIGGER log_update AFTER UPDATE ON meta BEGIN INSERT INTO written VALUES(NEW.key); "
      "END;"));

  ASSERT_OK(me_.SetRole(db_.db(), Role::kCoordinator));
  ASSERT_OK(me_.CopyTo(decoy.db()));
  EXPECT_EQ(decoy.Int("SELECT count(*) FROM written"), 1);
  EXPECT_EQ(decoy.Int("SELECT count(*) FROM written WHERE key = 'role'"), 1);
  ASSERT_OK_AND_ASSIGN(const Identity copy, Identity::Load(decoy.db()));
  EXPECT_EQ(copy.self().role, Role::kCoordinator);
}

TEST_F(IdentityTest, CopyToRepairsADamagedKeyInTheOtherStore) {
  testing::NodeDatabase decoy("decoy.db");
  ASSERT_OK(me_.CopyTo(decoy.db()));
  ASSERT_OK(decoy->Run("UPDATE meta SET value = ? WHERE key = 'tag_key'", Bytes(32, 0)));
  ASSERT_OK(me_.CopyTo(decoy.db()));
  ASSERT_OK_AND_ASSIGN(const Identity copy, Identity::Load(decoy.db()));
  ExpectSame(copy, me_);
}

}  // namespace
}  // namespace waypost::node
