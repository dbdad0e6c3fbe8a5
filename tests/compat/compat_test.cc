// Stores and envelopes written by an earlier build still open (docs/storage.md
// §1, docs/protocol.md §3). tests/compat/v1/ holds three homes that
// make_fixture.sh wrote with the build of the day the format was fixed; this
// test opens copies of them with today's code, at the fixture's own time, and
// compares what it reads with what that build printed then.
#include <gtest/gtest.h>
#include <sodium.h>
#include <time.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "core/envelope/envelope.h"
#include "core/node/node.h"
#include "core/store/home.h"
#include "core/sync/constants.h"
#include "core/sync/relay_service.h"
#include "core/sync/relay_store.h"
#include "tests/kit/peers.h"
#include "tests/kit/status.h"
#include "tests/kit/temp_dir.h"

namespace waypost {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

const std::string kFixture = std::string(WAYPOST_SOURCE_DIR) + "/tests/compat/v1";
constexpr char kPassphrase[] = "compat fixture passphrase";
constexpr char kDuressPassphrase[] = "compat fixture duress passphrase";

std::string ReadText(const std::string& name) {
  std::ifstream in(kFixture + "/" + name);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

nlohmann::json ReadJson(const std::string& name) { return nlohmann::json::parse(ReadText(name)); }

UnixTime ParseRfc3339(const std::string& text) {
  std::tm tm{};
  EXPECT_NE(strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm), nullptr) << text;
  return timegm(&tm);
}

class CompatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(kFixture + "/coord/waypost.key")) << kFixture;
    for (const char* home : {"coord", "helper", "relay"}) {
      fs::copy(kFixture + "/" + home, dir_.File(home), fs::copy_options::recursive);
    }
  }

  std::unique_ptr<node::Node> Open(const std::string& home, const char* passphrase) {
    auto node = node::Node::Open(dir_.File(home), Secret::FromString(passphrase), clock_, random_);
    EXPECT_OK(node);
    return node.ok() ? std::move(node).value() : nullptr;
  }

  TempDir dir_;
  // A minute after the fixture was made: nothing has expired or aged out.
  FakeClock clock_{std::stoll(ReadText("made_at")) + 60};
  SeededRandom random_{7};
};

// A JSON string as a std::string: nlohmann/json 3.11 (Debian 13) no longer
// compares a std::string with a json value in C++20.
std::string Text(const nlohmann::json& j) { return j.get<std::string>(); }

void ExpectInboxMatches(const std::vector<node::MessageInfo>& got, const nlohmann::json& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE("message " + std::to_string(i));
    const nlohmann::json& w = want[i];
    EXPECT_EQ(got[i].id, Text(w["id"]));
    EXPECT_EQ(node::NameOf(got[i].direction), Text(w["direction"]));
    EXPECT_EQ(node::NameOf(got[i].kind), Text(w["kind"]));
    EXPECT_EQ(got[i].peer, Text(w["peer"]));
    EXPECT_EQ(got[i].code, Text(w["code"]));
    EXPECT_EQ(got[i].text, Text(w["text"]));
    EXPECT_EQ(got[i].sent_at, ParseRfc3339(w["sent_at"]));
    if (w["received_at"].is_null()) {
      EXPECT_FALSE(got[i].received_at.has_value());
    } else {
      EXPECT_EQ(got[i].received_at, ParseRfc3339(w["received_at"]));
    }
    EXPECT_EQ(node::NameOf(got[i].state), Text(w["state"]));
    EXPECT_EQ(got[i].duress, w["duress"]);
  }
}

TEST_F(CompatTest, CoordinatorStoreOpensWithEverythingItHeld) {
  auto coord = Open("coord", kPassphrase);
  ASSERT_NE(coord, nullptr);
  EXPECT_EQ(coord->self().name, "Coord");
  EXPECT_EQ(coord->self().role, node::Role::kCoordinator);
  ASSERT_OK_AND_ASSIGN(auto inbox, coord->Inbox());
  ExpectInboxMatches(inbox, ReadJson("coord_inbox.json"));

  ASSERT_OK_AND_ASSIGN(auto contacts, coord->Contacts());
  const nlohmann::json want_contacts = ReadJson("coord_contacts.json");
  ASSERT_EQ(contacts.size(), want_contacts.size());
  EXPECT_EQ(contacts[0].name, Text(want_contacts[0]["name"]));
  EXPECT_EQ(contacts[0].fingerprint, Text(want_contacts[0]["fingerprint"]));
  EXPECT_EQ(node::NameOf(contacts[0].role), Text(want_contacts[0]["role"]));
  EXPECT_EQ(node::NameOf(contacts[0].state), Text(want_contacts[0]["state"]));
  EXPECT_EQ(contacts[0].last_seen, ParseRfc3339(want_contacts[0]["last_seen"]));

  ASSERT_OK_AND_ASSIGN(auto board, coord->Board());
  const nlohmann::json want_board = ReadJson("coord_board.json");
  ASSERT_EQ(board.size(), 1u);
  EXPECT_EQ(node::NameOf(board[0].state), Text(want_board[0]["state"]));
  EXPECT_EQ(board[0].last_code, Text(want_board[0]["last_code"]));
  EXPECT_EQ(board[0].alert, want_board[0]["alert"].get<int64_t>());

  EXPECT_EQ(coord->settings().retention_seconds, 90 * 86400);
  ASSERT_OK_AND_ASSIGN(auto relays, coord->Relays());
  EXPECT_EQ(relays, std::vector<std::string>{ReadText("relay_address")});
}

TEST_F(CompatTest, HelperStoreAndItsDecoyOpen) {
  {
    auto helper = Open("helper", kPassphrase);
    ASSERT_NE(helper, nullptr);
    const nlohmann::json whoami = ReadJson("helper_whoami.json");
    EXPECT_EQ(helper->self().name, Text(whoami["name"]));
    EXPECT_EQ(helper->self().fingerprint, Text(whoami["fingerprint"]));
    EXPECT_EQ(node::NameOf(helper->self().role), Text(whoami["role"]));
    ASSERT_OK_AND_ASSIGN(auto inbox, helper->Inbox());
    ExpectInboxMatches(inbox, ReadJson("helper_inbox.json"));
  }
  auto decoy = Open("helper", kDuressPassphrase);
  ASSERT_NE(decoy, nullptr);
  EXPECT_EQ(decoy->self().name, "Amira");
  // Only what the decoy itself sent.
  ASSERT_OK_AND_ASSIGN(auto inbox, decoy->Inbox());
  ASSERT_EQ(inbox.size(), 1u);
  EXPECT_EQ(inbox[0].direction, node::Direction::kOut);
  EXPECT_EQ(inbox[0].code, "ok");
  EXPECT_EQ(inbox[0].text, "all well");
  ASSERT_OK_AND_ASSIGN(auto contacts, decoy->Contacts());
  ASSERT_EQ(contacts.size(), 1u);
  EXPECT_EQ(contacts[0].name, "Coord");
}

// The check-in the earlier build sealed and left in the helper's outbox is
// taken in by the coordinator: an old envelope opens with today's code.
TEST_F(CompatTest, AnEnvelopeSealedByTheEarlierBuildOpens) {
  std::vector<Bytes> queued;
  {
    auto helper = Open("helper", kPassphrase);
    ASSERT_NE(helper, nullptr);
    ASSERT_OK_AND_ASSIGN(node::SyncPlan plan, helper->PlanSync());
    queued = plan.upload;
  }
  ASSERT_EQ(queued.size(), 1u);
  auto coord = Open("coord", kPassphrase);
  ASSERT_NE(coord, nullptr);
  ASSERT_OK_AND_ASSIGN(node::IngestOutcome outcome, coord->Ingest(queued[0]));
  EXPECT_EQ(outcome, node::IngestOutcome::kAccepted);
  ASSERT_OK_AND_ASSIGN(auto inbox, coord->Inbox());
  ASSERT_FALSE(inbox.empty());
  EXPECT_EQ(inbox.back().id, ReadText("queued_id"));
  EXPECT_EQ(inbox.back().code, "arrived");
  EXPECT_EQ(inbox.back().text, "at the safe house");
  // The helper's main store entered the duress state when it found its
  // decoy had been used, so this check-in carries the flag.
  EXPECT_TRUE(inbox.back().duress);
}

// The relay's table still serves what it held, and every envelope in it
// opens at its recipient: it is a duplicate there, or (the coordinator's
// receipt for the decoy's check-in, which the main store never fetched) new.
TEST_F(CompatTest, RelayStoreServesWhatItHeld) {
  auto coord = Open("coord", kPassphrase);
  auto helper = Open("helper", kPassphrase);
  auto relay = Open("relay", kPassphrase);
  ASSERT_TRUE(coord && helper && relay);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<sync::RelayService> service, relay->ServeRelay());
  sync::RelayStore& store = service->store();
  ASSERT_OK_AND_ASSIGN(int64_t count, store.Count());
  // A join request, a welcome, four messages and their receipts.
  EXPECT_GE(count, 8);

  std::vector<envelope::RecipientTag> tags;
  for (node::Node* n : {coord.get(), helper.get()}) {
    ASSERT_OK_AND_ASSIGN(node::SyncPlan plan, n->PlanSync());
    tags.insert(tags.end(), plan.tags.begin(), plan.tags.end());
  }
  const std::set<envelope::RecipientTag> scope(tags.begin(), tags.end());
  ASSERT_OK_AND_ASSIGN(std::vector<sync::NegItem> items,
                       store.Scope(scope, clock_.Now(), sync::kMaxScopeRecords));
  std::vector<Bytes> ids;
  for (const sync::NegItem& item : items) ids.emplace_back(item.id.begin(), item.id.end());
  ASSERT_OK_AND_ASSIGN(sync::RelayStore::Found found,
                       store.Get(ids, scope, clock_.Now(), sync::kMaxFetchReplyBytes));
  EXPECT_TRUE(found.gone.empty());
  const std::vector<Bytes>& held = found.envelopes;
  // Quotas count what the store held before they existed.
  ASSERT_OK_AND_ASSIGN(int64_t used, store.UsedBytes(Bytes{0}));
  EXPECT_GT(used, 0);
  // All but the join request: its invite is spent, so nobody asks for its tag.
  EXPECT_EQ(int64_t(held.size()), count - 1);
  int fresh = 0;
  for (const Bytes& env : held) {
    ASSERT_OK_AND_ASSIGN(node::IngestOutcome at_coord, coord->Ingest(env));
    ASSERT_OK_AND_ASSIGN(node::IngestOutcome at_helper, helper->Ingest(env));
    const bool opened =
        at_coord != node::IngestOutcome::kNotOurs || at_helper != node::IngestOutcome::kNotOurs;
    EXPECT_TRUE(opened);
    fresh += at_coord == node::IngestOutcome::kAccepted;
    fresh += at_helper == node::IngestOutcome::kAccepted;
  }
  EXPECT_EQ(fresh, 1);
}

// The same seeds and clock give the same envelopes, byte for byte, whatever
// is refactored inside: join request, welcome, a check-in, a message, the
// receipts, a duress-flagged check-in and the coordinator's ack. The digest
// below was recorded with the build that made v1/, and recorded again twice:
// when envelope expiries began to be rounded up to the epoch, and when the
// decoy's check-in moved to the pair's duress chain (docs/protocol.md §4.3);
// once more when bodies gained a sequence number (§4.6); when a check-in
// came to name its code by number in the codebook (§4.7); and when the join
// request came to carry the joiner's admission key and the welcome the
// team's roster (§11.4), which moves the welcome to the 1 KiB bucket; and
// when the welcome came to carry the coordinator's roster-signing key and
// its binding (§12.1), in the same bucket. The envelope format is the same.
TEST(CompatBytesTest, SealedEnvelopesAreUnchanged) {
  using namespace node::peers;  // NOLINT: the fixture language
  FakeClock clock;
  Peer coord{"Coord", node::Role::kCoordinator, clock, 11};
  Peer helper{"Amira", node::Role::kHelper, clock, 12};
  std::string all;
  auto take = [&](Peer& from, Peer& to) {
    for (const Bytes& env : Upload(from)) {
      all += ToHex(env);
      EXPECT_EQ(envelope::ParseHeader(env)->expires_at % envelope::kEpochSeconds, 0u);
      EXPECT_OK(to->Ingest(env));
    }
  };
  ASSERT_OK(coord->AddRelay(kRelay));
  ASSERT_OK_AND_ASSIGN(std::string code, coord->CreateInvite("Amira", 3600));
  ASSERT_OK(helper->Join(code));
  take(helper, coord);
  take(coord, helper);
  clock.Advance(60);
  ASSERT_OK(helper->CheckIn("crossed", "group of 4", "").status());
  ASSERT_OK(helper->SendText("Coord", "leaving at dawn").status());
  take(helper, coord);
  take(coord, helper);
  ASSERT_OK(helper->SetDuressPassphrase(Passphrase(), Secret::FromString("duress words")));
  {
    auto decoy =
        node::Node::Open(helper.home, Secret::FromString("duress words"), clock, helper.random);
    ASSERT_OK(decoy);
    ASSERT_OK((*decoy)->CheckIn("ok", "", "").status());
    ASSERT_OK_AND_ASSIGN(node::SyncPlan plan, (*decoy)->PlanSync());
    for (const Bytes& env : plan.upload) {
      all += ToHex(env);
      EXPECT_OK(coord->Ingest(env));
    }
  }
  ASSERT_OK(coord->Ack("Amira", "met").status());
  take(coord, helper);
  Bytes digest(32);
  crypto_generichash(digest.data(), digest.size(), reinterpret_cast<const uint8_t*>(all.data()),
                     all.size(), nullptr, 0);
  // The join request fills the 256-byte bucket, the welcome with its roster
  // the 1 KiB one; the other seven the smallest.
  EXPECT_EQ(all.size() / 2, 256u + 1024u + 7 * 117u);
  EXPECT_EQ(ToHex(digest), "788a416e5348ac6ca9ce0b17e5591fd7a2ff15d1f6d7dab9039fbf1d85db1ecb");
}

}  // namespace
}  // namespace waypost
