// MessageLog alone (core/node/message_log.h): the states of docs/protocol.md
// §4.5, who may move them, finding a received check-in by the id that
// `waypost inbox` shows, and the retention cut-off (docs/storage.md §5).
#include "core/node/message_log.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "core/node/contact_book.h"
#include "core/random.h"
#include "tests/kit/node_db.h"
#include "tests/kit/status.h"
#include "tests/kit/vocabulary_print.h"

namespace waypost::node {
namespace {

constexpr UnixTime kNow = 1'800'000'000;

// A 32-byte content id whose hex starts with `hex` (then zeros).
Bytes Id(std::string hex) {
  hex.resize(2 * envelope::kContentIdSize, '0');
  return FromHex(hex).value();
}
ByteView ReceiptOf(const Bytes& id) { return ByteView(id).first(MessageLog::kReceiptIdSize); }

class MessageLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bob_ = AddContact("bob");
    carol_ = AddContact("carol");
  }
  ContactId AddContact(const std::string& name) { return db_.AddContact(name, random_, kNow); }
  void In(const Bytes& id, ContactId from, UnixTime sent, UnixTime received,
          MessageKind kind = MessageKind::kCheckIn, std::string_view code = "ok") {
    ASSERT_OK(log_.Insert({.id = id,
                           .direction = Direction::kIn,
                           .kind = kind,
                           .contact = from,
                           .code = code,
                           .text = "note",
                           .sent_at = sent,
                           .received_at = received,
                           .duress = false}));
  }
  void Out(const Bytes& id, ContactId to, UnixTime sent, MessageKind kind = MessageKind::kText) {
    ASSERT_OK(log_.Insert({.id = id,
                           .direction = Direction::kOut,
                           .kind = kind,
                           .contact = to,
                           .code = "",
                           .text = "hello",
                           .sent_at = sent,
                           .received_at = std::nullopt,
                           .duress = false}));
  }
  std::vector<MessageInfo> List() {
    auto list = log_.List();
    EXPECT_OK(list);
    return list.ok() ? *list : std::vector<MessageInfo>{};
  }
  // The state of the one message with this content id.
  MessageState StateOf(const Bytes& id) {
    for (const MessageInfo& m : List()) {
      if (m.id == DisplayId(id)) return m.state;
    }
    ADD_FAILURE() << "no message " << DisplayId(id);
    return MessageState::kReceived;
  }
  std::vector<std::string> DisplayIds() {
    std::vector<std::string> out;
    for (const MessageInfo& m : List()) out.push_back(m.id);
    return out;
  }

  SeededRandom random_{13};
  testing::NodeDatabase db_;
  MessageLog log_{db_.db()};
  ContactId bob_, carol_;
};

TEST_F(MessageLogTest, AnOutgoingMessageStartsQueued) {
  Out(Id("01"), bob_, kNow);
  const std::vector<MessageInfo> list = List();
  ASSERT_EQ(list.size(), 1u);
  const MessageInfo& m = list[0];
  EXPECT_EQ(m.id, DisplayId(Id("01")));
  EXPECT_EQ(m.direction, Direction::kOut);
  EXPECT_EQ(m.kind, MessageKind::kText);
  EXPECT_EQ(m.peer, "bob");
  EXPECT_EQ(m.text, "hello");
  EXPECT_EQ(m.sent_at, kNow);
  EXPECT_EQ(m.received_at, std::nullopt);
  EXPECT_EQ(m.state, MessageState::kQueued);
  EXPECT_FALSE(m.duress);
}

TEST_F(MessageLogTest, AnIncomingMessageStartsReceivedAndKeepsItsDuressFlag) {
  ASSERT_OK(log_.Insert({.id = Id("02"),
                         .direction = Direction::kIn,
                         .kind = MessageKind::kCheckIn,
                         .contact = carol_,
                         .code = "crossed",
                         .text = "at the bridge",
                         .sent_at = kNow - 30,
                         .received_at = kNow,
                         .duress = true}));
  const std::vector<MessageInfo> list = List();
  ASSERT_EQ(list.size(), 1u);
  const MessageInfo& m = list[0];
  EXPECT_EQ(m.direction, Direction::kIn);
  EXPECT_EQ(m.kind, MessageKind::kCheckIn);
  EXPECT_EQ(m.peer, "carol");
  EXPECT_EQ(m.code, "crossed");
  EXPECT_EQ(m.text, "at the bridge");
  EXPECT_EQ(m.sent_at, kNow - 30);
  EXPECT_EQ(m.received_at, kNow);
  EXPECT_EQ(m.state, MessageState::kReceived);
  EXPECT_TRUE(m.duress);
}

// Incoming by arrival (our clock), outgoing by sending; ties in insertion
// order.
TEST_F(MessageLogTest, ListIsOldestFirstByArrivalOrBySending) {
  In(Id("0a"), bob_, /*sent=*/100, /*received=*/500);
  Out(Id("0b"), bob_, 300);
  In(Id("0c"), carol_, /*sent=*/450, /*received=*/400);  // the sender's clock runs fast
  Out(Id("0d"), carol_, 500);
  EXPECT_EQ(DisplayIds(), (std::vector<std::string>{DisplayId(Id("0b")), DisplayId(Id("0c")),
                                                    DisplayId(Id("0a")), DisplayId(Id("0d"))}));
}

// One sender's messages keep the places their arrival gives them, filled in
// the sender's order: by its clock, then by the number it gave each.
TEST_F(MessageLogTest, OneSendersMessagesReadInTheOrderTheySentThem) {
  auto in = [&](const char* id, ContactId from, UnixTime sent, UnixTime received, uint32_t seq,
                std::string_view code) {
    ASSERT_OK(log_.Insert({.id = Id(id),
                           .direction = Direction::kIn,
                           .kind = MessageKind::kCheckIn,
                           .contact = from,
                           .code = code,
                           .text = "",
                           .sent_at = sent,
                           .received_at = received,
                           .duress = false,
                           .seq = seq}));
  };
  // Sent crossed, waiting, danger in one second; they arrive in one sync,
  // in another order, with carol's between them and an outgoing one after.
  in("0c", bob_, 100, 500, 3, "danger");
  in("0a", bob_, 100, 500, 1, "crossed");
  in("0d", carol_, 90, 500, 7, "ok");
  in("0b", bob_, 100, 500, 2, "waiting");
  Out(Id("0e"), bob_, 600);
  // Sent an hour apart, arrived the later first.
  in("1b", carol_, 4000, 7000, 9, "arrived");
  in("1a", carol_, 400, 7100, 8, "crossed");
  std::vector<std::string> codes;
  for (const MessageInfo& m : List())
    codes.push_back(m.peer + ":" + (m.code.empty() ? "out" : m.code));
  EXPECT_EQ(codes, (std::vector<std::string>{"bob:crossed", "bob:waiting", "carol:ok", "bob:danger",
                                             "bob:out", "carol:crossed", "carol:arrived"}));
}

// Rows from before sequence numbers were kept (seq 0) go by the sender's
// clock, then by arrival.
TEST_F(MessageLogTest, WithoutNumbersTheSendersClockThenArrivalDecide) {
  In(Id("02"), bob_, /*sent=*/200, /*received=*/300, MessageKind::kCheckIn, "second");
  In(Id("01"), bob_, /*sent=*/100, /*received=*/300, MessageKind::kCheckIn, "first");
  In(Id("03"), bob_, /*sent=*/200, /*received=*/300, MessageKind::kCheckIn, "third");
  std::vector<std::string> codes;
  for (const MessageInfo& m : List()) codes.push_back(m.code);
  EXPECT_EQ(codes, (std::vector<std::string>{"first", "second", "third"}));
}

TEST_F(MessageLogTest, GetReadsOneMessageWhole) {
  In(Id("0a"), bob_, /*sent=*/100, /*received=*/500, MessageKind::kCheckIn, "crossed");
  ASSERT_OK_AND_ASSIGN(const MessageInfo m, log_.Get(Id("0a")));
  EXPECT_EQ(m.id, DisplayId(Id("0a")));
  EXPECT_EQ(m.peer, "bob");
  EXPECT_EQ(m.code, "crossed");
  EXPECT_EQ(m.sent_at, 100);
  EXPECT_EQ(m.received_at, 500);
  EXPECT_STATUS(log_.Get(Id("0b")), Status::Code::kNotFound);
}

TEST_F(MessageLogTest, MarkRelayedMovesOnlyAQueuedMessage) {
  Out(Id("01"), bob_, kNow);
  Out(Id("02"), bob_, kNow);
  In(Id("03"), bob_, kNow, kNow);
  ASSERT_OK(log_.SetState(Id("02"), MessageState::kDelivered, kNow));

  for (const char* id : {"01", "02", "03"}) ASSERT_OK(log_.MarkRelayed(Id(id), kNow));
  EXPECT_EQ(StateOf(Id("01")), MessageState::kRelayed);
  EXPECT_EQ(StateOf(Id("02")), MessageState::kDelivered);  // not back to relayed
  EXPECT_EQ(StateOf(Id("03")), MessageState::kReceived);
}

TEST_F(MessageLogTest, AReceiptMovesTheMessageItNamesAndReturnsItsId) {
  Out(Id("01"), bob_, kNow);
  Out(Id("02"), bob_, kNow);
  ASSERT_OK_AND_ASSIGN(
      const std::vector<Bytes> ids,
      log_.ApplyReceipt(bob_, ReceiptOf(Id("01")), MessageState::kDelivered, kNow));
  EXPECT_EQ(ids, std::vector<Bytes>{Id("01")});
  EXPECT_EQ(StateOf(Id("01")), MessageState::kDelivered);
  EXPECT_EQ(StateOf(Id("02")), MessageState::kQueued);
}

// A receipt names a message by its content id, which a relay sees: only the
// contact it went to may move it.
TEST_F(MessageLogTest, AReceiptFromAnotherContactChangesNothing) {
  Out(Id("01"), bob_, kNow);
  ASSERT_OK_AND_ASSIGN(
      const std::vector<Bytes> ids,
      log_.ApplyReceipt(carol_, ReceiptOf(Id("01")), MessageState::kConfirmed, kNow));
  EXPECT_TRUE(ids.empty());
  EXPECT_EQ(StateOf(Id("01")), MessageState::kQueued);
}

TEST_F(MessageLogTest, AReceiptNeverMovesAMessageBackFromConfirmed) {
  Out(Id("01"), bob_, kNow);
  ASSERT_OK(log_.ApplyReceipt(bob_, ReceiptOf(Id("01")), MessageState::kConfirmed, kNow).status());
  ASSERT_OK(log_.ApplyReceipt(bob_, ReceiptOf(Id("01")), MessageState::kDelivered, kNow).status());
  EXPECT_EQ(StateOf(Id("01")), MessageState::kConfirmed);
}

TEST_F(MessageLogTest, AReceiptNeverMovesAnIncomingMessage) {
  In(Id("01"), bob_, kNow, kNow);
  ASSERT_OK_AND_ASSIGN(
      const std::vector<Bytes> ids,
      log_.ApplyReceipt(bob_, ReceiptOf(Id("01")), MessageState::kConfirmed, kNow));
  EXPECT_TRUE(ids.empty());
  EXPECT_EQ(StateOf(Id("01")), MessageState::kReceived);
}

TEST_F(MessageLogTest, FindReceivedCheckInTakesFourOrMoreHexDigitsInEitherCase) {
  In(Id("abcd1234"), carol_, kNow, kNow);
  for (const char* prefix : {"abcd", "ABCD", "abcd1", "AbCd12", "abcd12340000"}) {
    ASSERT_OK_AND_ASSIGN(const MessageLog::Found found, log_.FindReceivedCheckIn(prefix));
    EXPECT_EQ(found.id, Id("abcd1234")) << prefix;
    EXPECT_EQ(found.contact, carol_) << prefix;
  }
}

TEST_F(MessageLogTest, FindReceivedCheckInRefusesAShortOrNonHexPrefix) {
  In(Id("abcd1234"), carol_, kNow, kNow);
  for (const char* prefix : {"", "a", "abc", "abcg", "ab d", "-abc", "abcd%", "0xab"}) {
    EXPECT_STATUS(log_.FindReceivedCheckIn(prefix), Status::Code::kInvalidArgument)
        << "\"" << prefix << "\"";
  }
}

TEST_F(MessageLogTest, FindReceivedCheckInCallsAnAmbiguousPrefixInvalid) {
  In(Id("abcd11"), bob_, kNow, kNow);
  In(Id("abcd22"), carol_, kNow, kNow);
  const Result<MessageLog::Found> found = log_.FindReceivedCheckIn("abcd");
  EXPECT_STATUS(found, Status::Code::kInvalidArgument);
  EXPECT_NE(found.status().message().find("ambiguous"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(const MessageLog::Found longer, log_.FindReceivedCheckIn("abcd2"));
  EXPECT_EQ(longer.contact, carol_);
}

// Only received check-ins: texts and anything sent are not confirmable.
TEST_F(MessageLogTest, FindReceivedCheckInIgnoresTextsAndOutgoingMessages) {
  In(Id("eeee01"), bob_, kNow, kNow, MessageKind::kText);
  Out(Id("dddd01"), bob_, kNow, MessageKind::kCheckIn);
  EXPECT_STATUS(log_.FindReceivedCheckIn("eeee"), Status::Code::kNotFound);
  EXPECT_STATUS(log_.FindReceivedCheckIn("dddd"), Status::Code::kNotFound);
  EXPECT_STATUS(log_.FindReceivedCheckIn("ffff"), Status::Code::kNotFound);
}

TEST_F(MessageLogTest, SetStateSetsThatMessagesStateOnly) {
  In(Id("01"), bob_, kNow, kNow);
  In(Id("02"), bob_, kNow, kNow);
  ASSERT_OK(log_.SetState(Id("01"), MessageState::kConfirmed, kNow));
  EXPECT_EQ(StateOf(Id("01")), MessageState::kConfirmed);
  EXPECT_EQ(StateOf(Id("02")), MessageState::kReceived);
}

TEST_F(MessageLogTest, LastCheckInFromIsTheNewestReceivedCheckInOfThatContact) {
  ASSERT_OK_AND_ASSIGN(std::optional<LastCheckIn> last, log_.LastCheckInFrom(bob_));
  EXPECT_FALSE(last.has_value());

  In(Id("02"), bob_, /*sent=*/150, /*received=*/200, MessageKind::kCheckIn, "newer");
  In(Id("01"), bob_, /*sent=*/90, /*received=*/100, MessageKind::kCheckIn, "older");
  In(Id("03"), bob_, 290, 300, MessageKind::kText, "a text");
  In(Id("04"), carol_, 390, 400, MessageKind::kCheckIn, "carol's");
  Out(Id("05"), bob_, 500, MessageKind::kCheckIn);

  ASSERT_OK_AND_ASSIGN(last, log_.LastCheckInFrom(bob_));
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->code, "newer");
  EXPECT_EQ(last->sent_at, 150);
  EXPECT_EQ(last->received_at, 200);
}

// Retention: incoming by arrival (our clock: a sender's clock cannot keep a
// message alive or age it early), outgoing by sending; the cut-off itself
// is kept.
TEST_F(MessageLogTest, RetentionAgesIncomingByArrivalAndOutgoingBySending) {
  const UnixTime cutoff = 1000;
  In(Id("01"), bob_, /*sent=*/10, /*received=*/1500);   // written long ago, arrived late
  In(Id("02"), bob_, /*sent=*/2000, /*received=*/999);  // sender's clock runs fast
  In(Id("03"), bob_, 900, cutoff);
  Out(Id("04"), bob_, 999);
  Out(Id("05"), bob_, cutoff);

  ASSERT_OK_AND_ASSIGN(std::vector<Bytes> old, log_.IdsOlderThan(cutoff));
  std::sort(old.begin(), old.end());
  EXPECT_EQ(old, (std::vector<Bytes>{Id("02"), Id("04")}));

  ASSERT_OK(log_.DeleteOlderThan(cutoff));
  // The places of arrival, with bob's two in the order he sent them.
  EXPECT_EQ(DisplayIds(), (std::vector<std::string>{DisplayId(Id("01")), DisplayId(Id("05")),
                                                    DisplayId(Id("03"))}));
}

}  // namespace
}  // namespace waypost::node
