// The coordinator's side of duress (SECURITY.md "Coercion"): a flagged
// message arrives marked, one episode opens one alert on the board however
// much flagged traffic follows, and `ack` by name or by id closes exactly the
// alerts it names and sends one Ack, to that helper only.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/node/node.h"
#include "tests/core/node/duress_fixture.h"
#include "tests/kit/peers.h"
#include "tests/kit/status.h"

namespace waypost::node {
namespace {

using namespace peers;           // NOLINT: the fixture language
using namespace duress_fixture;  // NOLINT: the fixture language

TEST_F(NodeDuressTest, CoordinatorSeesTheFlagAndOneOpenAlert) {
  Peer bob{"bob", Role::kHelper, clock_, 3};
  Enroll(coord_, bob);
  Relay relay;
  const std::string bob_id = CheckInVia(bob, coord_, relay, "ok");
  ASSERT_FALSE(bob_id.empty());

  ASSERT_TRUE(OpenAs(alice_, Duress()));
  clock_.Advance(60);
  auto ids = alice_->CheckIn("crossed", "all fine", "");
  ASSERT_OK(ids);
  ASSERT_EQ(ids->size(), 1u);
  const UnixTime sent_at = clock_.Now();
  clock_.Advance(60);
  const UnixTime arrived = clock_.Now();
  relay.Take(alice_);
  EXPECT_EQ(relay.Give(coord_).accepted, 1u);

  auto m = FindMessage(coord_, ids->front());
  ASSERT_TRUE(m.has_value());
  EXPECT_TRUE(m->duress);
  EXPECT_EQ(m->peer, "alice");
  EXPECT_EQ(m->kind, MessageKind::kCheckIn);
  EXPECT_EQ(m->code, "crossed");
  EXPECT_EQ(m->text, "all fine");
  EXPECT_FALSE(FindMessage(coord_, bob_id)->duress);
  // The decoy's own list says nothing about flags.
  for (const MessageInfo& mine : InboxOf(alice_)) EXPECT_FALSE(mine.duress);

  auto alerts = coord_->Alerts(true);
  ASSERT_OK(alerts);
  ASSERT_EQ(alerts->size(), 1u);
  const AlertInfo alert = alerts->front();
  EXPECT_EQ(alert.kind, AlertKind::kDuress);
  EXPECT_EQ(alert.peer, "alice");
  EXPECT_EQ(alert.fingerprint, alice_->self().fingerprint);
  EXPECT_EQ(alert.raised_at, arrived);
  EXPECT_FALSE(alert.acked_at.has_value());
  EXPECT_EQ(alert.note, "");
  EXPECT_EQ(coord_->Alerts(false)->size(), 1u);

  auto board = coord_->Board();
  ASSERT_OK(board);
  ASSERT_EQ(board->size(), 2u);
  const BoardEntry& a = (*board)[0];
  const BoardEntry& b = (*board)[1];
  EXPECT_EQ(a.name, "alice");
  EXPECT_EQ(a.fingerprint, alice_->self().fingerprint);
  EXPECT_EQ(a.state, BoardState::kDuress);
  EXPECT_EQ(a.alert, std::optional<int64_t>(alert.id));
  EXPECT_EQ(a.last_code, "crossed");
  EXPECT_EQ(a.last_sent_at, std::optional<UnixTime>(sent_at));
  EXPECT_EQ(a.last_received_at, std::optional<UnixTime>(arrived));
  EXPECT_EQ(b.name, "bob");
  EXPECT_EQ(b.state, BoardState::kOk);
  EXPECT_FALSE(b.alert.has_value());

  // More flagged traffic from the same device: flagged, no second alert.
  clock_.Advance(60);
  auto text = alice_->SendText("base", "really, all fine");
  ASSERT_OK(text);
  const std::string second = CheckInVia(alice_, coord_, relay, "crossed", "again");
  EXPECT_TRUE(ArrivedFlagged(coord_, *text));
  EXPECT_TRUE(ArrivedFlagged(coord_, second));
  alerts = coord_->Alerts(true);
  ASSERT_OK(alerts);
  ASSERT_EQ(alerts->size(), 1u);
  EXPECT_EQ(alerts->front().id, alert.id);
  EXPECT_EQ(alerts->front().raised_at, arrived);
  EXPECT_EQ(coord_->Alerts(false)->size(), 1u);
  EXPECT_EQ(coord_->Board()->at(0).alert, std::optional<int64_t>(alert.id));
}

TEST_F(NodeDuressTest, AckByNameAcksThatContactsAlertsAndAckByIdOne) {
  Peer bob{"bob", Role::kHelper, clock_, 3};
  Enroll(coord_, bob);
  ASSERT_OK(bob->SetDuressPassphrase(Passphrase(), Duress()));
  Relay relay;
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  ASSERT_TRUE(OpenAs(bob, Duress()));
  const std::string a1 = CheckInVia(alice_, coord_, relay, "crossed");
  const std::string b1 = CheckInVia(bob, coord_, relay, "crossed");
  EXPECT_TRUE(ArrivedFlagged(coord_, a1));
  EXPECT_TRUE(ArrivedFlagged(coord_, b1));
  auto open = coord_->Alerts(true);
  ASSERT_OK(open);
  ASSERT_EQ(open->size(), 2u);
  int64_t alice_alert = 0, bob_alert = 0;
  for (const AlertInfo& a : *open) (a.peer == "alice" ? alice_alert : bob_alert) = a.id;
  ASSERT_NE(alice_alert, 0);
  ASSERT_NE(bob_alert, 0);

  // Refusals change nothing.
  EXPECT_EQ(coord_->Ack("9999", "").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(coord_->Ack("nobody", "").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(coord_->Ack("alice", std::string(1025, 'n')).status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(coord_->Alerts(true)->size(), 2u);

  clock_.Advance(120);
  const UnixTime when = clock_.Now();
  auto acked = coord_->Ack("alice", "phoned her sister");
  ASSERT_OK(acked);
  ASSERT_EQ(acked->size(), 1u);
  EXPECT_EQ(acked->front().id, alice_alert);
  EXPECT_EQ(acked->front().peer, "alice");
  EXPECT_EQ(acked->front().acked_at, std::optional<UnixTime>(when));
  EXPECT_EQ(acked->front().note, "phoned her sister");
  open = coord_->Alerts(true);
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ(open->front().id, bob_alert);
  auto all = coord_->Alerts(false);
  ASSERT_EQ(all->size(), 2u);
  for (const AlertInfo& a : *all) {
    if (a.id == alice_alert) {
      EXPECT_EQ(a.acked_at, std::optional<UnixTime>(when));
      EXPECT_EQ(a.note, "phoned her sister");
    } else {
      EXPECT_FALSE(a.acked_at.has_value());
    }
  }
  auto board = coord_->Board();
  ASSERT_EQ(board->size(), 2u);
  EXPECT_EQ(board->at(0).state, BoardState::kOk);
  EXPECT_FALSE(board->at(0).alert.has_value());
  EXPECT_EQ(board->at(1).state, BoardState::kDuress);
  EXPECT_EQ(board->at(1).alert, std::optional<int64_t>(bob_alert));

  // Exactly one Ack went out, to alice.
  const std::vector<Bytes> out = Upload(coord_);
  EXPECT_EQ(Fetch(bob, out).size(), 1u);     // bob's receipt only
  EXPECT_EQ(Fetch(alice_, out).size(), 2u);  // alice's receipt and the Ack

  // Acked alerts cannot be acked again; an unknown id is NotFound.
  EXPECT_EQ(coord_->Ack("alice", "").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(coord_->Ack(std::to_string(alice_alert), "").status().code(), Status::Code::kNotFound);
  auto by_id = coord_->Ack(std::to_string(bob_alert), "");
  ASSERT_OK(by_id);
  ASSERT_EQ(by_id->size(), 1u);
  EXPECT_EQ(by_id->front().peer, "bob");
  EXPECT_TRUE(coord_->Alerts(true)->empty());

  // A flag after the Ack opens a new alert.
  const std::string a2 = CheckInVia(alice_, coord_, relay, "crossed", "again");
  EXPECT_TRUE(ArrivedFlagged(coord_, a2));
  open = coord_->Alerts(true);
  ASSERT_EQ(open->size(), 1u);
  EXPECT_NE(open->front().id, alice_alert);
  EXPECT_EQ(open->front().peer, "alice");
  EXPECT_EQ(coord_->Board()->at(0).alert, std::optional<int64_t>(open->front().id));
}

}  // namespace
}  // namespace waypost::node
