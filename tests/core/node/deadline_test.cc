// Deadlines and overdue alarms (docs/protocol.md §4.8), with fake clocks:
// the coordinator's own clock and what it received decide, never the
// helper's clock or a drill.
#include <gtest/gtest.h>

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "core/envelope/keys.h"
#include "core/node/node.h"
#include "core/node/schedule_book.h"
#include "tests/core/node/duress_fixture.h"
#include "tests/kit/peers.h"
#include "tests/kit/status.h"

namespace waypost::node {
namespace {

using namespace peers;           // NOLINT: the fixture language
using namespace duress_fixture;  // NOLINT: the fixture language

constexpr int64_t kHour = 3600;
constexpr int64_t kGrace = 15 * 60;

TEST(EvaluateDeadlineTest, EveryCountsFromTheLaterOfSettingAndTheLastCheckIn) {
  const Schedule every{6 * kHour, std::nullopt, kGrace, 1000, 1};
  EXPECT_EQ(EvaluateDeadline(every, std::nullopt, 1000).due_at, 1000 + 6 * kHour);
  EXPECT_EQ(EvaluateDeadline(every, 500, 1000).due_at, 1000 + 6 * kHour) << "before it was set";
  EXPECT_EQ(EvaluateDeadline(every, 5000, 6000).due_at, 5000 + 6 * kHour);
  const UnixTime due = 1000 + 6 * kHour;
  EXPECT_EQ(EvaluateDeadline(every, std::nullopt, due - 1).state, BoardState::kOk);
  EXPECT_EQ(EvaluateDeadline(every, std::nullopt, due).state, BoardState::kDue);
  EXPECT_EQ(EvaluateDeadline(every, std::nullopt, due + kGrace - 1).state, BoardState::kDue);
  EXPECT_EQ(EvaluateDeadline(every, std::nullopt, due + kGrace).state, BoardState::kOverdue);
}

TEST(EvaluateDeadlineTest, ByIsMetOnlyByACheckInAfterItWasSet) {
  const Schedule by{std::nullopt, 9000, kGrace, 1000, 1};
  EXPECT_EQ(EvaluateDeadline(by, std::nullopt, 2000).due_at, 9000);
  EXPECT_EQ(EvaluateDeadline(by, 900, 9000 + kGrace).state, BoardState::kOverdue);
  const Deadline met = EvaluateDeadline(by, 1001, 9000 + kGrace);
  EXPECT_EQ(met.due_at, std::nullopt);
  EXPECT_EQ(met.state, BoardState::kOk);
  EXPECT_EQ(EvaluateDeadline(Schedule{}, std::nullopt, 1).due_at, std::nullopt);
}

TEST(EvaluateDeadlineTest, TheEndOfTimePlusGraceDoesNotWrapAround) {
  // A helper refuses a due_by past Schedule::kLatest; the evaluation holds
  // even for the largest time there is.
  const Schedule by{std::nullopt, std::numeric_limits<UnixTime>::max(), kGrace, 1000, 1};
  EXPECT_EQ(EvaluateDeadline(by, std::nullopt, 2000).state, BoardState::kOk);
  EXPECT_EQ(EvaluateDeadline(by, std::nullopt, std::numeric_limits<UnixTime>::max()).state,
            BoardState::kOverdue);
}

class DeadlineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Enroll(coord_, alice_);
    ASSERT_OK(coord_->Expect("alice", 6 * kHour, std::nullopt, kGrace));
    Sync(coord_, alice_);
    due_ = clock_.Now() + 6 * kHour;
  }

  BoardEntry Alice() {
    auto board = coord_->Board();
    EXPECT_OK(board);
    EXPECT_EQ(board->size(), 1u);
    return board.ok() && !board->empty() ? (*board)[0] : BoardEntry{};
  }
  std::vector<AlertInfo> Overdue() {
    auto alerts = coord_->Alerts(false);
    EXPECT_OK(alerts);
    std::vector<AlertInfo> out;
    for (const AlertInfo& a : *alerts) {
      if (a.kind == AlertKind::kOverdue) out.push_back(a);
    }
    return out;
  }

  FakeClock clock_;
  FakeClock alice_clock_;  // starts equal; skew tests move it
  Peer coord_{"base", Role::kCoordinator, clock_, 1};
  Peer alice_{"alice", Role::kHelper, alice_clock_, 2};
  UnixTime due_ = 0;
};

TEST_F(DeadlineTest, SilenceTurnsDueThenOverdueAndRaisesOneAlert) {
  EXPECT_EQ(Alice().state, BoardState::kOk);
  EXPECT_EQ(Alice().due_at, due_);
  clock_.Set(due_);
  EXPECT_EQ(Alice().state, BoardState::kDue);
  EXPECT_TRUE(Overdue().empty());
  clock_.Set(due_ + kGrace);
  EXPECT_EQ(Alice().state, BoardState::kOverdue);
  std::vector<AlertInfo> alerts = Overdue();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].due_at, due_);
  EXPECT_EQ(alerts[0].raised_at, due_ + kGrace);
  EXPECT_EQ(Alice().alert, alerts[0].id);
  // Looking again, hours later, raises nothing more for the same deadline.
  clock_.Advance(5 * kHour);
  EXPECT_EQ(Overdue().size(), 1u);
}

TEST_F(DeadlineTest, ALateCheckInKeepsTheAlarmUntilAckedAndMovesTheDeadline) {
  clock_.Set(due_ + kGrace + 600);
  ASSERT_EQ(Overdue().size(), 1u);
  alice_clock_.Set(clock_.Now());
  ASSERT_OK(alice_->CheckIn("arrived", "late but safe", ""));
  Sync(alice_, coord_);
  BoardEntry e = Alice();
  EXPECT_EQ(e.state, BoardState::kOverdue) << "an alarm stays until acknowledged";
  EXPECT_EQ(e.due_at, clock_.Now() + 6 * kHour);
  EXPECT_EQ(Alice().ack_note, "");
  const UnixTime acked_at = clock_.Now();
  ASSERT_OK(coord_->Ack("alice", "reached her").status());
  EXPECT_EQ(Alice().state, BoardState::kOk);
  // The acknowledgement and its note ride on the board (`board --json`).
  EXPECT_EQ(Alice().ack_note, "reached her");
  EXPECT_EQ(Alice().acked_at, acked_at);
  EXPECT_EQ(Alice().acked_alert, Overdue()[0].id);
  EXPECT_EQ(Overdue()[0].note, "reached her");
  // A second missed deadline raises a second alarm.
  clock_.Advance(6 * kHour + kGrace);
  EXPECT_EQ(Overdue().size(), 2u);
  EXPECT_EQ(Alice().state, BoardState::kOverdue);
}

TEST_F(DeadlineTest, ADrillMeetsNoDeadline) {
  clock_.Set(due_ - 60);
  alice_clock_.Set(clock_.Now());
  ASSERT_OK(alice_->CheckIn("ok", "", "", /*test=*/true));
  Sync(alice_, coord_);
  clock_.Set(due_ + kGrace);
  EXPECT_EQ(Alice().state, BoardState::kOverdue);
  EXPECT_EQ(Alice().last_code, "ok") << "the drill still shows as the last check-in";
}

// The helper's clock is 3 days behind or ahead. What it claims (sent_at)
// is shown, never used: a check-in the coordinator received before its own
// deadline meets it, and one it did not receive does not.
TEST_F(DeadlineTest, AHelpersSkewedClockNeitherMeetsNorMissesADeadline) {
  for (int64_t skew : {-3 * 86400, 3 * 86400}) {
    SCOPED_TRACE(skew);
    clock_.Advance(kHour);
    alice_clock_.Set(clock_.Now() + skew);
    ASSERT_OK(alice_->CheckIn("ok", "", ""));
    const Tally took = Sync(alice_, coord_);
    // Behind: within the delivery window, so it arrives. Ahead by more than
    // the 2 epochs a coordinator asks for: it waits at the relay.
    EXPECT_EQ(took.accepted, skew < 0 ? 1 : 0);
    const BoardEntry e = Alice();
    if (took.accepted == 1) {
      EXPECT_EQ(e.last_received_at, clock_.Now());
      EXPECT_EQ(e.last_sent_at, clock_.Now() + skew);
      EXPECT_EQ(e.due_at, clock_.Now() + 6 * kHour) << "counted from arrival, by our clock";
      EXPECT_EQ(e.state, BoardState::kOk);
    } else {
      // Sealed for an epoch too far ahead to be asked for: not received,
      // so it meets nothing, and the alarm comes on our clock.
      clock_.Set(*e.due_at + kGrace);
      EXPECT_EQ(Alice().state, BoardState::kOverdue);
      ASSERT_OK(coord_->Ack("alice", "").status());
    }
  }
}

TEST_F(DeadlineTest, TheHelperLearnsItsScheduleAndTheDecoyShowsTheSame) {
  ASSERT_OK_AND_ASSIGN(std::vector<Node::ExpectedBy> expected, alice_->Expectations());
  ASSERT_EQ(expected.size(), 1u);
  EXPECT_EQ(expected[0].coordinator, "base");
  ASSERT_TRUE(expected[0].schedule.has_value());
  EXPECT_EQ(expected[0].schedule->every, 6 * kHour);
  EXPECT_EQ(expected[0].next.due_at, alice_clock_.Now() + 6 * kHour);
  ASSERT_OK(alice_->SetDuressPassphrase(Passphrase(), Duress()));
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  ASSERT_OK_AND_ASSIGN(std::vector<Node::ExpectedBy> decoy, alice_->Expectations());
  ASSERT_EQ(decoy.size(), 1u);
  EXPECT_EQ(decoy[0].schedule, expected[0].schedule);
  // Ending it reaches the helper too.
  ASSERT_OK(coord_->Expect("alice", std::nullopt, std::nullopt, kGrace));
  ASSERT_TRUE(OpenAs(alice_, Passphrase()));
  Sync(coord_, alice_);
  ASSERT_OK_AND_ASSIGN(expected, alice_->Expectations());
  ASSERT_TRUE(expected[0].schedule.has_value());
  EXPECT_FALSE(expected[0].schedule->active());
  clock_.Advance(30 * 86400);
  EXPECT_EQ(Alice().state, BoardState::kOk);
  EXPECT_EQ(Alice().due_at, std::nullopt);
}

// confirm --note: the helper sees who confirmed, when (by its own clock,
// when the confirmation arrived), and the note.
TEST_F(DeadlineTest, TheHelperSeesWhoConfirmedWhenAndTheNote) {
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> ids, alice_->CheckIn("arrived", "", ""));
  Sync(alice_, coord_);
  clock_.Advance(600);
  ASSERT_OK_AND_ASSIGN(MessageInfo confirmed,
                       coord_->Confirm(ids[0].substr(0, 8), "welcome, rest now"));
  // What was confirmed, for the coordinator to see at once.
  EXPECT_EQ(confirmed.id, ids[0]);
  EXPECT_EQ(confirmed.peer, "alice");
  EXPECT_EQ(confirmed.code, "arrived");
  EXPECT_EQ(confirmed.sent_at, alice_clock_.Now());
  EXPECT_EQ(confirmed.state, MessageState::kConfirmed);
  alice_clock_.Advance(900);
  Sync(coord_, alice_);
  std::optional<MessageInfo> mine;
  for (const MessageInfo& m : InboxOf(alice_)) {
    if (m.id == ids[0]) mine = m;
  }
  ASSERT_TRUE(mine.has_value());
  EXPECT_EQ(mine->state, MessageState::kConfirmed);
  EXPECT_EQ(mine->peer, "base");
  EXPECT_EQ(mine->state_at, alice_clock_.Now());
  EXPECT_EQ(mine->state_note, "welcome, rest now");
  for (const MessageInfo& m : InboxOf(coord_)) {
    if (m.id == ids[0]) {
      EXPECT_EQ(m.state_note, "welcome, rest now");
    }
  }
  EXPECT_STATUS(coord_->Confirm("ffffffff", ""), Status::Code::kNotFound);
}

TEST_F(DeadlineTest, ExpectRefusesWhatItCannotKeepAndChangesNothing) {
  const std::string before = Snapshot(coord_);
  EXPECT_STATUS(coord_->Expect("nobody", 6 * kHour, std::nullopt, kGrace), Status::Code::kNotFound);
  EXPECT_STATUS(coord_->Expect("alice", 60, std::nullopt, kGrace), Status::Code::kInvalidArgument);
  EXPECT_STATUS(coord_->Expect("alice", std::nullopt, clock_.Now() - 1, kGrace),
                Status::Code::kInvalidArgument);
  EXPECT_STATUS(coord_->Expect("alice", 6 * kHour, std::nullopt, -1),
                Status::Code::kInvalidArgument);
  EXPECT_STATUS(alice_->Expect("base", 6 * kHour, std::nullopt, kGrace),
                Status::Code::kInvalidArgument);
  EXPECT_EQ(Snapshot(coord_), before);
}

}  // namespace
}  // namespace waypost::node
