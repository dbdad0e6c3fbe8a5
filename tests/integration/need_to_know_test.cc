// Need-to-know (SECURITY.md, "Infiltrators"; README, "Revoking a seized
// laptop"): from everything on one helper's device, a full copy of its
// home opened with its passphrase and its duress passphrase, nothing about
// another helper of the same team can be recovered: not the name, not the
// fingerprint, not the static or tag key, not a word of its messages. Real
// processes, a relay serving the team, and a busy day for the other helper.
#include <gtest/gtest.h>
#include <sodium.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/secret.h"
#include "core/store/home.h"
#include "tests/integration/harness.h"

namespace waypost::testing {
namespace {

constexpr const char* kDuress = "integration duress passphrase";

// Every cell of every table, as raw bytes, as an examiner holding the
// database key dumps it.
std::string DumpDatabase(store::Database& db) {
  std::vector<std::string> tables;
  auto names = db.Prepare("SELECT name FROM sqlite_master WHERE type = 'table'");
  EXPECT_TRUE(names.ok());
  if (!names.ok()) return {};
  EXPECT_TRUE(
      names->ForEach([&](const store::Statement& row) { tables.push_back(row.ColumnText(0)); })
          .ok());
  std::string out;
  for (const std::string& table : tables) {
    auto rows = db.Prepare("SELECT * FROM \"" + table + "\"");
    EXPECT_TRUE(rows.ok()) << table;
    if (!rows.ok()) continue;
    EXPECT_TRUE(rows->ForEach([&](const store::Statement& row) {
                      for (int i = 0; i < row.ColumnCount(); ++i) {
                        const Bytes cell = row.ColumnBlob(i);
                        out.append(cell.begin(), cell.end());
                        out += '\x1f';
                      }
                    })
                    .ok());
  }
  EXPECT_GT(tables.size(), 10u) << "the dump read the store";
  return out;
}

// The database `passphrase` opens in `home`, dumped.
std::string DumpStore(const std::string& home, const char* passphrase) {
  auto opened = store::OpenStore(home, Secret::FromString(passphrase));
  EXPECT_TRUE(opened.ok()) << opened.status().ToString();
  return opened.ok() ? DumpDatabase(opened->db) : std::string();
}

// A meta value of the store `home`.
Bytes MetaOf(const std::string& home, const std::string& key) {
  auto opened = store::OpenStore(home, Secret::FromString(kPassphrase));
  EXPECT_TRUE(opened.ok()) << opened.status().ToString();
  if (!opened.ok()) return {};
  auto st = opened->db.Query("SELECT value FROM meta WHERE key = ?", key);
  EXPECT_TRUE(st.ok());
  if (!st.ok() || !st->Step().value_or(false)) return {};
  return st->ColumnBlob(0);
}

class NeedToKnowTest : public IntegrationTest {
 protected:
  const std::string R = Home("relay"), C = Home("coord"), A = Home("amira"), B = Home("bashir");
};

TEST_F(NeedToKnowTest, AHelpersWholeHomeHoldsNothingAboutAnotherHelper) {
  ASSERT_NO_FATAL_FAILURE(StartRelay(R));
  ASSERT_NO_FATAL_FAILURE(CreateAndJoin(C, "Coord", A, "Amira", "Amira"));
  ASSERT_NO_FATAL_FAILURE(SyncEnrollment(C, A));
  WP_ASSERT_OK(Wp(A, {"sync"}));
  WP_ASSERT_OK(Wp(A, {"duress", "set"}, {{"WAYPOST_NEW_PASSPHRASE", kDuress}}));
  ASSERT_NO_FATAL_FAILURE(EnrollHelper(C, B, "Bashir"));
  RunResult r;

  // A day of Bashir's: a schedule, a check-in with a note, a message each
  // way, a confirmation with a note; a codebook change for everyone.
  WP_ASSERT_OK(Wp(C, {"expect", "Bashir", "--every", "6h"}));
  WP_ASSERT_OK(WpIn(C, {"codes", "add", "harbour"}, "at the harbour"));
  WP_ASSERT_OK(WpIn(B, {"checkin", "crossed", "--note", "-"}, "note-BX71 four with me"));
  WP_ASSERT_OK(WpIn(B, {"send", "--to", "Coord"}, "reply-BX74 the van is late"));
  WP_ASSERT_OK(Wp(B, {"sync"}));
  WP_ASSERT_OK(Wp(C, {"sync"}));
  std::string bashir_checkin;
  for (const nlohmann::json& m : Json(Wp(C, {"inbox", "--json"}))) {
    if (m.value("peer", "") == "Bashir" && m.value("kind", "") == "checkin") {
      bashir_checkin = m.value("id", "");
    }
  }
  ASSERT_FALSE(bashir_checkin.empty());
  WP_ASSERT_OK(WpIn(C, {"confirm", bashir_checkin, "--note", "-"}, "confirm-BX73 rest now"));
  WP_ASSERT_OK(WpIn(C, {"send", "--to", "Bashir"}, "text-BX72 go to the blue door"));
  // Amira's own day, the positive control: her store must show it.
  WP_ASSERT_OK(WpIn(A, {"checkin", "ok", "--note", "-"}, "note-AX81 all quiet"));
  WP_ASSERT_OK(Wp(A, {"sync"}));
  WP_ASSERT_OK(Wp(C, {"sync"}));
  WP_ASSERT_OK(Wp(B, {"sync"}));
  for (int i = 0; i < 2; ++i) WP_ASSERT_OK(Wp(A, {"sync"}));
  WP_ASSERT_OK(Wp(A, {"sync"}, {{"WAYPOST_PASSPHRASE", kDuress}}));  // the decoy syncs too

  // What identifies Bashir.
  const std::string fingerprint = Json(Wp(B, {"whoami", "--json"})).value("fingerprint", "");
  ASSERT_EQ(fingerprint.size(), 49u) << fingerprint;
  std::string fingerprint_hex;
  for (char c : fingerprint) {
    if (c != ' ') fingerprint_hex += c;
  }
  const Bytes private_key = MetaOf(B, "static_private");
  ASSERT_EQ(private_key.size(), 32u);
  Bytes public_key(32);
  ASSERT_EQ(crypto_scalarmult_base(public_key.data(), private_key.data()), 0);
  const Bytes tag_key = MetaOf(B, "tag_key");
  ASSERT_FALSE(tag_key.empty());
  const std::vector<std::string> needles = {"Bashir",
                                            "bashir",
                                            fingerprint,
                                            fingerprint_hex,
                                            AsString(public_key),
                                            ToHex(public_key),
                                            AsString(tag_key),
                                            ToHex(tag_key),
                                            "BX71",
                                            "BX72",
                                            "BX73",
                                            "BX74",
                                            "four with me",
                                            "blue door",
                                            "van is late",
                                            "rest now"};

  // The coordinator's store holds them (the needles are real).
  const std::string coordinator = DumpStore(C, kPassphrase);
  for (const char* n : {"Bashir", "BX71", "BX73", "BX74"}) {
    EXPECT_NE(coordinator.find(n), std::string::npos) << n;
  }
  EXPECT_NE(coordinator.find(AsString(public_key)), std::string::npos);

  // A full copy of Amira's home, as a captor takes it.
  const std::string copy = Home("seized");
  std::filesystem::copy(A, copy, std::filesystem::copy_options::recursive);
  for (const std::string& n : needles) {
    EXPECT_TRUE(FilesContaining(copy, n).empty()) << "raw file bytes hold " << ToHex(AsBytes(n));
  }
  // Opened with her passphrase, and with her duress passphrase.
  const std::string main_store = DumpStore(copy, kPassphrase);
  const std::string decoy_store = DumpStore(copy, kDuress);
  EXPECT_NE(main_store.find("AX81"), std::string::npos) << "the dump shows Amira's own thread";
  EXPECT_NE(main_store.find("Coord"), std::string::npos);
  EXPECT_NE(decoy_store.find("Coord"), std::string::npos);
  for (const std::string& n : needles) {
    EXPECT_EQ(main_store.find(n), std::string::npos) << "main store holds " << ToHex(AsBytes(n));
    EXPECT_EQ(decoy_store.find(n), std::string::npos) << "decoy holds " << ToHex(AsBytes(n));
  }
  // And what the tool itself shows from the copy.
  for (const std::vector<std::string>& command :
       std::vector<std::vector<std::string>>{{"contacts", "--json"},
                                             {"inbox", "--json"},
                                             {"status", "--json"},
                                             {"codes", "list"},
                                             {"alerts"}}) {
    r = Wp(copy, command);
    for (const std::string& n : needles) {
      EXPECT_EQ(r.out.find(n), std::string::npos) << command[0] << ": " << r.out;
      EXPECT_EQ(r.err.find(n), std::string::npos) << command[0] << ": " << r.err;
    }
  }
  // The roster Amira holds lists every member's admission key, unnamed: no
  // table of hers ties a key to anyone (docs/protocol.md §11.1).
  auto opened = store::OpenStore(copy, Secret::FromString(kPassphrase));
  ASSERT_TRUE(opened.ok());
  auto ring = opened->db.Query("SELECT count(*) FROM ring_members");
  ASSERT_TRUE(ring.ok());
  ASSERT_TRUE(ring->Step().value_or(false));
  EXPECT_EQ(ring->ColumnInt64(0), 0);
}

}  // namespace
}  // namespace waypost::testing
