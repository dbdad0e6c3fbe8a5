// Every change a captor could see reaches the decoy at once, without anyone
// having to remember it (core/node/node.h, Node::Mutate; docs/storage.md §3).
//
// After each mutating Node call, on a helper and on its coordinator, the
// decoy is dumped; the main store is then reopened, which always refreshes
// the decoy, and dumped again. Had the call forgotten the refresh, the two
// dumps would differ. A control writes to the main store behind Mutate's
// back and shows that the comparison catches exactly that.
#include <gtest/gtest.h>

#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "core/node/node.h"
#include "core/store/home.h"
#include "tests/kit/peers.h"
#include "tests/kit/status.h"
#include "tests/kit/temp_dir.h"

namespace waypost::node {
namespace {

using namespace peers;  // NOLINT: the fixture language

Secret Duress() { return Secret::FromString("blue umbrella"); }
Secret Duress2() { return Secret::FromString("red umbrella"); }

constexpr const char* kRelay2 =
    "wpr1:cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd@relay2.example:7000";

// Everything the decoy holds that a captor could read, as text.
std::string DecoyDump(Peer& p, const Secret& duress) {
  auto opened = store::OpenStore(p.home, duress);  // opens the decoy, marks nothing
  EXPECT_OK(opened);
  if (!opened.ok()) return "";
  std::ostringstream out;
  for (const char* sql :
       {"SELECT key, hex(value) FROM meta ORDER BY key",
        "SELECT address, added_at FROM relays ORDER BY address",
        "SELECT key, value FROM settings ORDER BY key",
        "SELECT hex(id), expires_at FROM seen ORDER BY id",
        "SELECT name, hex(public_key), role, state, hex(tag_key), chain_epoch, hex(chain_key), "
        "last_seen FROM contacts ORDER BY public_key",
        "SELECT count(*) FROM messages", "SELECT count(*) FROM invites",
        "SELECT count(*) FROM alerts"}) {
    auto st = opened->db.Prepare(sql);
    EXPECT_OK(st);
    if (!st.ok()) continue;
    out << sql << "\n";
    EXPECT_OK(st->ForEach([&](const store::Statement& row) {
      for (int i = 0; i < row.ColumnCount(); ++i) out << row.ColumnText(i) << '|';
      out << "\n";
    }));
  }
  return out.str();
}

class DecoyRefreshTest : public NodeTest {
 protected:
  void SetUp() override {
    Enroll(coord_, alice_);
    ASSERT_OK(alice_->SetDuressPassphrase(Passphrase(), Duress()));
    ASSERT_OK(coord_->SetDuressPassphrase(Passphrase(), Duress()));
  }

  // The decoy of `p`, which `duress` opens, is exactly what a fresh refresh
  // makes of it.
  ::testing::AssertionResult DecoyIsCurrent(Peer& p, const Secret& duress = Duress()) {
    const std::string now = DecoyDump(p, duress);
    p.Reopen();
    const std::string refreshed = DecoyDump(p, duress);
    if (now == refreshed) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "the decoy lagged behind:\n"
                                         << now << "\nafter a refresh:\n"
                                         << refreshed;
  }

  std::vector<Bytes> pool_;
};

struct Step {
  const char* name;
  std::function<void(Peer& coord, Peer& alice, std::vector<Bytes>& pool)> run;
};

// Every mutating call of Node, in an order that makes each one do real work.
std::vector<Step> MutatingCalls() {
  auto give = [](Peer& to, std::vector<Bytes>& pool) {
    return to->IngestAll(Fetch(to, pool)).value_or(IngestCounts{});
  };
  return {
      {"AddRelay", [](Peer&, Peer& a, auto&) { ASSERT_OK(a->AddRelay(kRelay2)); }},
      {"SetRetention", [](Peer&, Peer& a, auto&) { ASSERT_OK(a->SetRetention(90 * kDay)); }},
      {"SetDeliveryWindow", [](Peer&, Peer& a, auto&) { ASSERT_OK(a->SetDeliveryWindow(7)); }},
      {"SetProxy", [](Peer&, Peer& a, auto&) { ASSERT_OK(a->SetProxy("socks5://[::1]:9050")); }},
      {"CheckIn", [](Peer&, Peer& a, auto&) { ASSERT_OK(a->CheckIn("crossed", "n", "")); }},
      {"SendText", [](Peer&, Peer& a, auto&) { ASSERT_OK(a->SendText("base", "hello")); }},
      {"PlanSync", [](Peer&, Peer& a, auto&) { ASSERT_OK(a->PlanSync()); }},
      {"MarkRelayed",
       [](Peer&, Peer& a, auto& pool) {
         ASSERT_OK_AND_ASSIGN(SyncPlan plan, a->PlanSync());
         ASSERT_OK(a->MarkRelayed(plan.upload));
         pool.insert(pool.end(), plan.upload.begin(), plan.upload.end());
       }},
      {"Ingest",
       [](Peer& c, Peer&, auto& pool) {
         for (const Bytes& env : Fetch(c, pool)) ASSERT_OK(c->Ingest(env));
       }},
      {"Confirm",
       [](Peer& c, Peer&, auto&) { ASSERT_OK(c->Confirm(InboxOf(c).front().id.substr(0, 6))); }},
      {"IngestAll",
       [give](Peer& c, Peer& a, auto& pool) {
         for (const Bytes& env : Upload(c)) pool.push_back(env);
         EXPECT_GT(give(a, pool).accepted, 0u);
       }},
      {"CreateInvite", [](Peer& c, Peer&, auto&) { ASSERT_OK(c->CreateInvite("bob", 3600)); }},
  };
}

TEST_F(DecoyRefreshTest, EveryMutatingCallLeavesBothDecoysCurrent) {
  for (const Step& step : MutatingCalls()) {
    SCOPED_TRACE(step.name);
    step.run(coord_, alice_, pool_);
    EXPECT_TRUE(DecoyIsCurrent(alice_));
    EXPECT_TRUE(DecoyIsCurrent(coord_));
  }
  // Last, as it changes which passphrase opens the decoy.
  ASSERT_OK(alice_->SetDuressPassphrase(Passphrase(), Duress2()));
  EXPECT_TRUE(DecoyIsCurrent(alice_, Duress2()));
}

// The calls that change what a captor may see do change the decoy: the test
// above compares something that moves.
TEST_F(DecoyRefreshTest, VisibleChangesReachTheDecoy) {
  const std::string start = DecoyDump(alice_, Duress());
  ASSERT_OK(alice_->AddRelay(kRelay2));
  const std::string with_relay = DecoyDump(alice_, Duress());
  EXPECT_NE(with_relay, start);
  EXPECT_NE(with_relay.find("relay2.example"), std::string::npos);
  ASSERT_OK(alice_->SetRetention(std::nullopt));
  EXPECT_NE(DecoyDump(alice_, Duress()).find("keep"), std::string::npos);
}

// The control: a write that goes around Mutate leaves the decoy behind, and
// the comparison says so.
TEST_F(DecoyRefreshTest, AWriteAroundMutateIsCaught) {
  ASSERT_OK(alice_.Raw().Run("INSERT INTO relays(address, added_at) VALUES(?, ?)", kRelay2,
                             clock_.Now()));
  EXPECT_FALSE(DecoyIsCurrent(alice_));
  EXPECT_TRUE(DecoyIsCurrent(alice_));  // the reopen caught it up
}

// What changes nothing a captor can see does not write the decoy at all.
TEST_F(DecoyRefreshTest, InvisibleChangesDoNotWriteTheDecoy) {
  const std::string decoy_path = [&] {
    auto opened = store::OpenStore(alice_.home, Duress());
    EXPECT_OK(opened);
    return store::DatabasePathForKey(alice_.home, opened->key).value();
  }();
  const Bytes before = waypost::testing::ReadAll(decoy_path);
  ASSERT_OK(alice_->CheckIn("crossed", "unseen by the decoy", ""));
  ASSERT_OK(alice_->SendText("base", "nor this"));
  EXPECT_EQ(waypost::testing::ReadAll(decoy_path), before);
}

}  // namespace
}  // namespace waypost::node
