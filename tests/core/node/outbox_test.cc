// Outbox alone (core/node/outbox.h): what waits for a relay, what stays
// after a relay took it (messages, until a receipt) and what leaves then
// (receipts, welcomes, join requests, acks), and expiry.
#include "core/node/outbox.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/kit/node_db.h"
#include "tests/kit/status.h"

namespace waypost::node {
namespace {

using Keep = Outbox::Keep;

constexpr UnixTime kExpiry = 1'800'086'400;

// A stand-in content id and envelope, told apart by `tag`.
Bytes IdOf(uint8_t tag) { return Bytes(32, tag); }
Bytes EnvelopeOf(uint8_t tag) { return Bytes(117, static_cast<uint8_t>(tag ^ 0xFF)); }

class OutboxTest : public ::testing::Test {
 protected:
  void Add(uint8_t tag, Keep keep, UnixTime expires_at = kExpiry) {
    const Bytes id = IdOf(tag);
    const Bytes envelope = EnvelopeOf(tag);
    ASSERT_OK(outbox_.Add({.id = id,
                           .envelope = envelope,
                           .expires_at = expires_at,
                           .keep = keep,
                           .contact = std::nullopt,
                           .created_at = 0,
                           .reply_to = {}}));
  }
  // The tags of the pending envelopes, sorted: Pending() promises no order.
  std::vector<uint8_t> Pending() {
    auto pending = outbox_.Pending();
    EXPECT_OK(pending);
    std::vector<uint8_t> tags;
    if (pending.ok()) {
      for (const Bytes& e : *pending) tags.push_back(static_cast<uint8_t>(e.at(0) ^ 0xFF));
    }
    std::sort(tags.begin(), tags.end());
    return tags;
  }
  int64_t Rows() { return db_.Int("SELECT count(*) FROM outbox"); }

  testing::NodeDatabase db_;
  Outbox outbox_{db_.db()};
};

TEST_F(OutboxTest, AddedEnvelopesArePendingWithTheirExactBytes) {
  Add(1, Keep::kUntilReceipt);
  Add(2, Keep::kUntilRelayed);
  ASSERT_OK_AND_ASSIGN(std::vector<Bytes> pending, outbox_.Pending());
  std::sort(pending.begin(), pending.end());
  std::vector<Bytes> want = {EnvelopeOf(1), EnvelopeOf(2)};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(pending, want);
}

TEST_F(OutboxTest, MarkRelayedTakesItOutOfPendingButKeepsTheRow) {
  Add(1, Keep::kUntilReceipt);
  Add(2, Keep::kUntilReceipt);
  ASSERT_OK(outbox_.MarkRelayed(IdOf(1)));
  EXPECT_EQ(Pending(), std::vector<uint8_t>{2});
  EXPECT_EQ(Rows(), 2);
}

TEST_F(OutboxTest, DropRelayedWithoutReceiptDropsOnlyWhatARelayTookAndNeedsNoReceipt) {
  Add(1, Keep::kUntilRelayed);  // a receipt, relayed: goes
  Add(2, Keep::kUntilRelayed);  // a receipt, not yet relayed: stays
  Add(3, Keep::kUntilReceipt);  // a message, relayed: stays until its receipt
  Add(4, Keep::kUntilReceipt);  // a message, not yet relayed
  ASSERT_OK(outbox_.MarkRelayed(IdOf(1)));
  ASSERT_OK(outbox_.MarkRelayed(IdOf(3)));

  ASSERT_OK(outbox_.DropRelayedWithoutReceipt());
  EXPECT_EQ(Rows(), 3);
  EXPECT_EQ(db_.Int("SELECT count(*) FROM outbox WHERE id = x'" + ToHex(IdOf(1)) + "'"), 0);
  EXPECT_EQ(Pending(), (std::vector<uint8_t>{2, 4}));
}

TEST_F(OutboxTest, RemoveDropsTheEnvelopeWhateverItsState) {
  Add(1, Keep::kUntilReceipt);
  Add(2, Keep::kUntilReceipt);
  Add(3, Keep::kUntilReceipt);
  ASSERT_OK(outbox_.MarkRelayed(IdOf(1)));
  ASSERT_OK(outbox_.Remove(IdOf(1)));
  ASSERT_OK(outbox_.Remove(IdOf(2)));  // delivered by another way before any relay took it
  EXPECT_EQ(Rows(), 1);
  EXPECT_EQ(Pending(), std::vector<uint8_t>{3});
}

// Retention must not lose an envelope no relay has yet: it still has to get
// there.
TEST_F(OutboxTest, RemoveIfRelayedKeepsAnEnvelopeNoRelayHasTaken) {
  Add(1, Keep::kUntilReceipt);
  Add(2, Keep::kUntilReceipt);
  ASSERT_OK(outbox_.MarkRelayed(IdOf(1)));
  ASSERT_OK(outbox_.RemoveIfRelayed(IdOf(1)));
  ASSERT_OK(outbox_.RemoveIfRelayed(IdOf(2)));
  EXPECT_EQ(Rows(), 1);
  EXPECT_EQ(Pending(), std::vector<uint8_t>{2});
}

TEST_F(OutboxTest, PurgeExpiredDropsEnvelopesFromTheirExpiryOn) {
  Add(1, Keep::kUntilReceipt, kExpiry);
  Add(2, Keep::kUntilRelayed, kExpiry + 1);
  Add(3, Keep::kUntilReceipt, kExpiry - 1);
  ASSERT_OK(outbox_.MarkRelayed(IdOf(3)));

  ASSERT_OK(outbox_.PurgeExpired(kExpiry - 2));
  EXPECT_EQ(Rows(), 3);
  ASSERT_OK(outbox_.PurgeExpired(kExpiry));
  EXPECT_EQ(Rows(), 1);
  EXPECT_EQ(Pending(), std::vector<uint8_t>{2});
}

}  // namespace
}  // namespace waypost::node
