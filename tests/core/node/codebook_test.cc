// The codebook between real nodes (docs/protocol.md §4.7): a check-in names
// its code by number, the coordinator reads it in its own codebook (removed
// codes included), a distress code raises an alert at once, a codebook
// travels to helpers, and neither a helper nor an informant can change what
// the coordinator reads.
#include "core/node/codebook.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "core/envelope/format.h"
#include "core/node/node.h"
#include "proto/waypost.pb.h"
#include "tests/core/node/duress_fixture.h"
#include "tests/kit/peers.h"
#include "tests/kit/status.h"

namespace waypost::node {
namespace {

using namespace peers;           // NOLINT: the fixture language
using namespace duress_fixture;  // NOLINT: the fixture language

std::vector<std::string> CodesOf(const std::vector<CodeEntry>& codes) {
  std::vector<std::string> out;
  for (const CodeEntry& e : codes) out.push_back(e.code);
  return out;
}

std::vector<CodeEntry> HelperView(Peer& helper) {
  auto books = helper->Codebooks();
  EXPECT_OK(books);
  if (!books.ok() || books->size() != 1) return {};
  return (*books)[0].codes;
}

class CodebookTest : public ::testing::Test {
 protected:
  void SetUp() override { Enroll(coord_, alice_); }

  // The last incoming check-in at `to`.
  std::optional<MessageInfo> LastIn(Peer& to) {
    std::optional<MessageInfo> last;
    for (const MessageInfo& m : InboxOf(to)) {
      if (m.direction == Direction::kIn && m.kind == MessageKind::kCheckIn) last = m;
    }
    return last;
  }

  FakeClock clock_;
  Peer coord_{"base", Role::kCoordinator, clock_, 1};
  Peer alice_{"alice", Role::kHelper, clock_, 2};
};

TEST(CodebookRulesTest, TheDefaultCodebookIsExactlyTheSixCodes) {
  const std::vector<CodeEntry>& d = Codebook::Defaults();
  EXPECT_EQ(CodesOf(d), (std::vector<std::string>{"ok", "crossed", "arrived", "delayed",
                                                  "need-help", "abort"}));
  for (const CodeEntry& e : d) {
    EXPECT_EQ(e.distress, e.code == "need-help" || e.code == "abort") << e.code;
    EXPECT_FALSE(e.meaning.empty());
  }
  for (size_t i = 0; i < d.size(); ++i) EXPECT_EQ(d[i].number, i + 1);
}

TEST(CodebookRulesTest, CodesAreNormalizedOrRefused) {
  EXPECT_EQ(Codebook::NormalizeCode("  Need-Help ").value(), "need-help");
  for (const char* bad :
       {"", "-x", "two words", "a\tb", "semi;colon", "012345678901234567890123456789012",
        "a\u00A0b" /* no-break space */, "a\u3000b" /* ideographic space */,
        "a\u200Bb" /* zero-width */, "a\xC2\x85" /* C1 control */, "\xFF"}) {
    EXPECT_STATUS(Codebook::NormalizeCode(bad), Status::Code::kInvalidArgument) << bad;
  }
  EXPECT_OK(Codebook::CheckMeaning("كل شيء بخير"));
  for (std::string bad : {std::string(), std::string(201, 'x'), std::string("line\nbreak"),
                          std::string("\x1b[31mred"), std::string("a\u200Eb")}) {
    EXPECT_STATUS(Codebook::CheckMeaning(bad), Status::Code::kInvalidArgument) << bad;
  }
}

// Codes and meanings in any script: the limits count characters, not bytes.
TEST(CodebookRulesTest, LimitsAreInCharacters) {
  const std::string korean11 = "가나다라마바사아자차카";  // 33 bytes
  EXPECT_EQ(Codebook::NormalizeCode(korean11).value(), korean11);
  EXPECT_EQ(Codebook::NormalizeCode(" Café ").value(), "café");
  EXPECT_OK(Codebook::NormalizeCode("وصلنا").status());
  EXPECT_OK(Codebook::NormalizeCode("\xF0\x9F\x91\x8D-ok").status());  // an emoji
  std::string korean32, korean33;
  for (int i = 0; i < 32; ++i) korean32 += "가";
  korean33 = korean32 + "가";
  EXPECT_OK(Codebook::NormalizeCode(korean32).status());
  EXPECT_EQ(Codebook::NormalizeCode(korean33).status().message(),
            "a code is at most 32 characters");
  std::string meaning200, meaning201;
  for (int i = 0; i < 200; ++i) meaning200 += "ع";
  meaning201 = meaning200 + "ع";
  EXPECT_OK(Codebook::CheckMeaning(meaning200));
  EXPECT_EQ(Codebook::CheckMeaning(meaning201).message(),
            "a code's meaning is at most 200 characters");
}

TEST_F(CodebookTest, ACheckInCarriesTheCodesNumberAndStaysInTheSmallestBucket) {
  ASSERT_OK(alice_->CheckIn("Crossed", "group of 4, all well", ""));
  std::vector<Bytes> sent = Upload(alice_);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].size(), envelope::kBucketSizes[0]);
  auto body = PeekBody(coord_, "alice", alice_->self().public_key.view(), sent[0]);
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(body->checkin().number(), 2u);
  EXPECT_TRUE(body->checkin().code().empty()) << "the code's words travel nowhere";
  IngestAll(coord_, sent);
  std::optional<MessageInfo> got = LastIn(coord_);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->code, "crossed");
  EXPECT_EQ(got->meaning, "crossed as planned, all well");

  // docs/protocol.md §4.7: a note of up to 29 bytes keeps the smallest bucket.
  ASSERT_OK(alice_->CheckIn("need-help", std::string(29, 'x'), ""));
  ASSERT_OK(alice_->CheckIn("need-help", std::string(30, 'x'), ""));
  sent = Upload(alice_);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].size(), envelope::kBucketSizes[0]);
  EXPECT_EQ(sent[1].size(), envelope::kBucketSizes[1]);
}

TEST_F(CodebookTest, AnUnknownCodeIsRefusedWithTheListAndQueuesNothing) {
  const std::string before = Snapshot(alice_);
  Result<std::vector<std::string>> r = alice_->CheckIn("camped", "", "");
  ASSERT_STATUS(r, Status::Code::kInvalidArgument);
  for (const char* listed : {"ok (all is well)", "need-help (need help now, distress)", "abort"}) {
    EXPECT_NE(r.status().message().find(listed), std::string::npos) << r.status().message();
  }
  EXPECT_EQ(Snapshot(alice_), before);
  EXPECT_TRUE(Upload(alice_).empty());
}

TEST_F(CodebookTest, ANewCodebookReachesTheHelperAndItsCodesWork) {
  ASSERT_OK(coord_->AddCode("at-camp", "safe at the orchard camp", false));
  ASSERT_OK(coord_->AddCode("pick-up", "everyone out, come now", true));
  ASSERT_OK(coord_->RemoveCode("delayed"));
  EXPECT_STATUS(alice_->CheckIn("at-camp", "", ""), Status::Code::kInvalidArgument);
  EXPECT_EQ(Sync(coord_, alice_).accepted, 3);  // one codebook per change
  EXPECT_EQ(CodesOf(HelperView(alice_)),
            (std::vector<std::string>{"ok", "crossed", "arrived", "need-help", "abort", "at-camp",
                                      "pick-up"}));
  ASSERT_OK_AND_ASSIGN(std::vector<Node::CodebookView> books, alice_->Codebooks());
  EXPECT_EQ(books[0].owner, "base");
  EXPECT_EQ(books[0].version, 4);
  EXPECT_STATUS(alice_->CheckIn("delayed", "", ""), Status::Code::kInvalidArgument);
  ASSERT_OK(alice_->CheckIn("at-camp", "", ""));
  Sync(alice_, coord_);
  std::optional<MessageInfo> got = LastIn(coord_);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->code, "at-camp");
  EXPECT_EQ(got->meaning, "safe at the orchard camp");
}

TEST_F(CodebookTest, CodebooksArriveOutOfOrderAndOnlyTheNewestCounts) {
  ASSERT_OK(coord_->AddCode("one", "first", false));
  const std::vector<Bytes> first = Upload(coord_);
  ASSERT_OK(coord_->AddCode("two", "second", false));
  const std::vector<Bytes> second = Upload(coord_);
  IngestAll(alice_, Fetch(alice_, second));
  IngestAll(alice_, Fetch(alice_, first));
  const std::vector<std::string> codes = CodesOf(HelperView(alice_));
  EXPECT_EQ(codes.back(), "two");
  EXPECT_EQ(codes.size(), 8u);
}

// A check-in sealed with a code the coordinator removes while it is in
// flight still reads as the code its sender chose; numbers are never reused.
TEST_F(CodebookTest, ACodebookChangeWhileACheckInIsInFlightKeepsItsMeaning) {
  ASSERT_OK(coord_->AddCode("at-camp", "safe at the orchard camp", false));
  Sync(coord_, alice_);
  ASSERT_OK(alice_->CheckIn("at-camp", "", ""));
  const std::vector<Bytes> in_flight = Upload(alice_);
  ASSERT_OK(coord_->RemoveCode("at-camp"));
  ASSERT_OK(coord_->AddCode("at-camp", "something else entirely", true));
  IngestAll(coord_, Fetch(coord_, in_flight));
  std::optional<MessageInfo> got = LastIn(coord_);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->code, "at-camp");
  EXPECT_EQ(got->meaning, "safe at the orchard camp");
  ASSERT_OK_AND_ASSIGN(std::vector<AlertInfo> alerts, coord_->Alerts(true));
  EXPECT_TRUE(alerts.empty()) << "the old code was no distress code";
}

TEST_F(CodebookTest, ADistressCodeRaisesAnAlertAndDuressStillOutranksIt) {
  ASSERT_OK(alice_->CheckIn("need-help", "", ""));
  Sync(alice_, coord_);
  ASSERT_OK_AND_ASSIGN(std::vector<AlertInfo> alerts, coord_->Alerts(true));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].kind, AlertKind::kDistress);
  EXPECT_NE(alerts[0].detail.find("need-help"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(std::vector<BoardEntry> board, coord_->Board());
  ASSERT_EQ(board.size(), 1u);
  EXPECT_EQ(board[0].state, BoardState::kDistress);
  EXPECT_EQ(board[0].last_meaning, "need help now");
  EXPECT_EQ(board[0].alert, alerts[0].id);

  // An ordinary code is no distress; a duress check-in outranks distress.
  ASSERT_OK(alice_->SetDuressPassphrase(Passphrase(), Duress()));
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  ASSERT_OK(alice_->CheckIn("ok", "", ""));
  Sync(alice_, coord_);
  ASSERT_OK_AND_ASSIGN(board, coord_->Board());
  EXPECT_EQ(board[0].state, BoardState::kDuress);
  ASSERT_OK(coord_->Ack("alice", "").status());
  ASSERT_OK_AND_ASSIGN(board, coord_->Board());
  EXPECT_EQ(board[0].state, BoardState::kOk);
}

// A drill runs the whole path, marked TEST at every step: the helper's own
// copy, the coordinator's, and a distress alert it raises.
TEST_F(CodebookTest, ADrillIsMarkedTestEverywhere) {
  ASSERT_OK(alice_->CheckIn("need-help", "practice", "", /*test=*/true));
  ASSERT_OK(alice_->CheckIn("ok", "real", ""));
  Sync(alice_, coord_);
  for (Peer* p : {&alice_, &coord_}) {
    for (const MessageInfo& m : InboxOf(*p)) {
      EXPECT_EQ(m.test, m.text == "practice") << m.text;
    }
  }
  ASSERT_OK_AND_ASSIGN(std::vector<AlertInfo> alerts, coord_->Alerts(true));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].kind, AlertKind::kDistress);
  EXPECT_EQ(alerts[0].detail.rfind("TEST ", 0), 0u) << alerts[0].detail;
}

// A captor holding the duress passphrase sees the same codebook, and the
// decoy checks in with the team's own codes.
TEST_F(CodebookTest, TheDecoyHoldsTheSameCodebook) {
  ASSERT_OK(coord_->AddCode("at-camp", "safe at the orchard camp", false));
  Sync(coord_, alice_);
  ASSERT_OK(alice_->SetDuressPassphrase(Passphrase(), Duress()));
  const std::vector<CodeEntry> main_view = HelperView(alice_);
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  EXPECT_EQ(HelperView(alice_), main_view);
  ASSERT_OK(alice_->CheckIn("at-camp", "", ""));
  Sync(alice_, coord_);
  std::optional<MessageInfo> got = LastIn(coord_);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->code, "at-camp");
  EXPECT_TRUE(got->duress);
}

TEST_F(CodebookTest, OnlyACoordinatorChangesTheCodebook) {
  EXPECT_STATUS(alice_->AddCode("mine", "my own", false), Status::Code::kInvalidArgument);
  EXPECT_STATUS(alice_->RemoveCode("ok"), Status::Code::kInvalidArgument);
  EXPECT_STATUS(coord_->AddCode("ok", "again", false), Status::Code::kAlreadyExists);
  EXPECT_STATUS(coord_->RemoveCode("nonesuch"), Status::Code::kNotFound);
}

// An informant runs modified software: its store says it is a coordinator,
// and that the real coordinator is a helper, so it sends that coordinator a
// codebook that swaps the meaning of need-help. The coordinator takes in
// only its own codebook: a helper's codebook changes nothing there.
TEST_F(CodebookTest, AnInformantsCodebookChangesNothingAtTheCoordinator) {
  Peer mole("mole", Role::kHelper, clock_, 3);
  Enroll(coord_, mole);
  {
    store::Database raw = mole.Raw();
    ASSERT_OK(
        raw.Exec("UPDATE meta SET value = CAST('coordinator' AS BLOB) WHERE key = 'role';"
                 "UPDATE contacts SET role = 'helper';"));
  }
  mole.Reopen();
  ASSERT_OK(mole->RemoveCode("need-help"));
  ASSERT_OK(mole->AddCode("need-help", "all is well", false));
  const Tally took = Sync(mole, coord_);
  EXPECT_EQ(took.accepted, 2);
  ASSERT_OK_AND_ASSIGN(std::vector<Node::CodebookView> books, coord_->Codebooks());
  ASSERT_EQ(books.size(), 1u);
  EXPECT_EQ(books[0].codes, Codebook::Defaults());
  EXPECT_EQ(CountOf(coord_, "SELECT count(*) FROM codebooks"), 0);
  // alice's need-help still raises the alarm.
  ASSERT_OK(alice_->CheckIn("need-help", "", ""));
  Sync(alice_, coord_);
  ASSERT_OK_AND_ASSIGN(std::vector<AlertInfo> alerts, coord_->Alerts(true));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].kind, AlertKind::kDistress);
}

}  // namespace
}  // namespace waypost::node
