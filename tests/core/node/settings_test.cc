// Settings and what ages out of a store: message retention at every open,
// the delivery window's reach (tags asked for, chain keys erased, envelope
// expiry), and the schema migration that added the settings table.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "core/envelope/envelope.h"
#include "core/envelope/keys.h"
#include "core/node/node.h"
#include "tests/kit/peers.h"
#include "tests/kit/status.h"

namespace waypost::node {
namespace {

using namespace peers;  // NOLINT: the fixture language

int64_t CountRows(Peer& p, const std::string& sql) { return CountOf(p, sql); }

std::vector<std::string> Texts(Peer& p) {
  std::vector<std::string> out;
  for (const MessageInfo& m : InboxOf(p))
    out.push_back(std::string(NameOf(m.direction)) + ":" + m.text);
  return out;
}

class SettingsTest : public NodeTest {};

TEST_F(SettingsTest, DefaultsAreThirtyDaysAndFourteenDays) {
  EXPECT_EQ(coord_->settings().retention_seconds, 30 * kDay);
  EXPECT_EQ(coord_->settings().delivery_window_epochs, envelope::kDeliveryWindowEpochs);
  coord_.Reopen();
  EXPECT_EQ(coord_->settings().retention_seconds, 30 * kDay);
  EXPECT_EQ(coord_->settings().delivery_window_epochs, 14);
}

TEST_F(SettingsTest, RetentionDeletesOldMessagesAtReopenAndKeepsRecentOnes) {
  Enroll(coord_, alice_);
  ASSERT_OK(alice_->CheckIn("crossed", "old-in", ""));
  EXPECT_EQ(Sync(alice_, coord_).accepted, 1);
  ASSERT_OK(coord_->SendText("alice", "old-out"));
  Upload(coord_);  // relayed, never delivered

  clock_.Advance(20 * kDay);
  ASSERT_OK(alice_->CheckIn("crossed", "recent-in", ""));
  EXPECT_EQ(Sync(alice_, coord_).accepted, 1);
  ASSERT_OK(coord_->SendText("alice", "recent-out"));
  EXPECT_EQ(Texts(coord_).size(), 4u);

  clock_.Advance(10 * kDay + 1);  // the first two are now 30 days and a second old
  coord_.Reopen();
  EXPECT_EQ(Texts(coord_), (std::vector<std::string>{"in:recent-in", "out:recent-out"}));
  // The deletion overwrote the rows in the file, not just unlinked them.
  EXPECT_EQ(CountRows(coord_, "PRAGMA secure_delete"), 1);

  // The helper's own history ages the same way.
  alice_.Reopen();
  for (const MessageInfo& m : InboxOf(alice_)) EXPECT_NE(m.text, "old-in");
}

// With a retention shorter than the window, an aged-out message's envelope
// goes too once a relay holds it; one no relay has taken yet is still sent.
TEST_F(SettingsTest, RetentionShorterThanWindowStillDeliversQueuedEnvelopes) {
  Enroll(coord_, alice_);
  ASSERT_OK(coord_->SetRetention(kDay));
  ASSERT_OK(coord_->SendText("alice", "relayed"));
  const std::vector<Bytes> relayed = Upload(coord_);
  ASSERT_EQ(relayed.size(), 1u);
  ASSERT_OK(coord_->SendText("alice", "queued"));
  EXPECT_EQ(CountRows(coord_, "SELECT count(*) FROM outbox"), 2);
  clock_.Advance(2 * kDay);
  coord_.Reopen();
  EXPECT_TRUE(InboxOf(coord_).empty());
  EXPECT_EQ(CountRows(coord_, "SELECT count(*) FROM outbox WHERE relayed = 1"), 0);
  // The record is gone, but the sealed envelope still goes out.
  const std::vector<Bytes> queued = Upload(coord_);
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(IngestAll(alice_, Fetch(alice_, {relayed[0], queued[0]})).accepted, 2);
}

TEST_F(SettingsTest, KeepKeepsMessagesForever) {
  Enroll(coord_, alice_);
  ASSERT_OK(coord_->SetRetention(std::nullopt));
  ASSERT_OK(alice_->CheckIn("crossed", "kept", ""));
  EXPECT_EQ(Sync(alice_, coord_).accepted, 1);
  clock_.Advance(400 * kDay);
  coord_.Reopen();
  EXPECT_EQ(coord_->settings().retention_seconds, std::nullopt);
  EXPECT_EQ(Texts(coord_), std::vector<std::string>{"in:kept"});
  // And a shorter retention set later applies at once.
  ASSERT_OK(coord_->SetRetention(90 * kDay));
  EXPECT_TRUE(InboxOf(coord_).empty());
}

TEST_F(SettingsTest, OutOfRangeValuesAreRefusedAndChangeNothing) {
  EXPECT_EQ(coord_->SetRetention(kDay - 1).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(coord_->SetRetention(0).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(coord_->SetDeliveryWindow(0).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(coord_->SetDeliveryWindow(29).code(), Status::Code::kInvalidArgument);
  EXPECT_OK(coord_->SetDeliveryWindow(28));
  EXPECT_OK(coord_->SetDeliveryWindow(1));
  coord_.Reopen();
  EXPECT_EQ(coord_->settings().retention_seconds, 30 * kDay);
  EXPECT_EQ(coord_->settings().delivery_window_epochs, 1);
  EXPECT_EQ(CountRows(coord_, "SELECT count(*) FROM settings"), 1);
}

TEST_F(SettingsTest, WindowSetsWhichTagsPlanSyncAsksFor) {
  auto wide = coord_->PlanSync();
  ASSERT_OK(wide);
  ASSERT_EQ(wide->tags.size(), size_t(14 + 1 + envelope::kFutureSkewEpochs));
  ASSERT_OK(coord_->SetDeliveryWindow(3));
  coord_.Reopen();
  auto narrow = coord_->PlanSync();
  ASSERT_OK(narrow);
  // Today's tag and the skew ahead stay; only the oldest epochs are dropped.
  ASSERT_EQ(narrow->tags.size(), size_t(3 + 1 + envelope::kFutureSkewEpochs));
  EXPECT_TRUE(
      std::equal(narrow->tags.begin(), narrow->tags.end(), wide->tags.end() - narrow->tags.size()));
}

TEST_F(SettingsTest, WindowSetsHowFarChainsAreErasedAndEnvelopesLive) {
  ASSERT_OK(coord_->SetDeliveryWindow(28));
  ASSERT_OK(alice_->SetDeliveryWindow(28));
  Enroll(coord_, alice_);
  const Chain enrolled = ChainOf(coord_, "alice");
  ASSERT_OK(alice_->CheckIn("crossed", "first", ""));
  ASSERT_OK(alice_->CheckIn("crossed", "second", ""));
  std::vector<Bytes> old = Upload(alice_);
  ASSERT_EQ(old.size(), 2u);
  auto header = envelope::ParseHeader(old[0]);
  ASSERT_OK(header);
  EXPECT_EQ(int64_t(header->expires_at), envelope::RoundUpToEpoch(clock_.Now() + 28 * kDay));

  // 20 days on: past the default window, inside this one.
  clock_.Advance(20 * kDay);
  coord_.Reopen();
  EXPECT_EQ(ChainOf(coord_, "alice").epoch, enrolled.epoch);
  EXPECT_EQ(coord_->Ingest(old[0]).value(), IngestOutcome::kAccepted);

  // Narrowing the window erases the older keys at once.
  ASSERT_OK(coord_->SetDeliveryWindow(7));
  const Chain narrowed = ChainOf(coord_, "alice");
  EXPECT_EQ(narrowed.epoch, envelope::EpochOf(clock_.Now()) - 7);
  EXPECT_NE(narrowed.key, enrolled.key);
  auto late = coord_->Ingest(old[1]);
  EXPECT_TRUE(!late.ok() || *late != IngestOutcome::kAccepted);
  EXPECT_TRUE(Texts(coord_) == std::vector<std::string>{"in:first"});
}

// A database from before the settings table (schema version 1: no settings,
// no duress columns, no alerts, no record of who used an invite, no duress
// chain, no tags or rejections in `seen`, no relay acknowledgements, no
// codebook) opens, gains them, and keeps its data; its contacts gain a duress
// chain derived from their chain, and it reads the default codebook.
TEST_F(SettingsTest, VersionOneStoreIsMigrated) {
  Enroll(coord_, alice_);
  ASSERT_OK(alice_->CheckIn("crossed", "before-upgrade", ""));
  EXPECT_EQ(Sync(alice_, coord_).accepted, 1);
  ASSERT_OK(
      coord_.Raw().Exec("DROP TABLE settings; DROP TABLE alerts; "
                        "ALTER TABLE messages DROP COLUMN duress; "
                        "ALTER TABLE contacts DROP COLUMN peer_epoch; "
                        "ALTER TABLE invites DROP COLUMN used_by; "
                        "ALTER TABLE contacts DROP COLUMN duress_epoch; "
                        "ALTER TABLE contacts DROP COLUMN duress_key; "
                        "ALTER TABLE messages DROP COLUMN via_duress; "
                        "DROP INDEX seen_by_tag; ALTER TABLE seen DROP COLUMN tag; "
                        "ALTER TABLE seen DROP COLUMN rejected; DROP TABLE outbox_acks; "
                        "ALTER TABLE contacts DROP COLUMN send_seq; "
                        "ALTER TABLE contacts DROP COLUMN send_seq_duress; "
                        "ALTER TABLE contacts DROP COLUMN recv_seq; "
                        "ALTER TABLE contacts DROP COLUMN recv_seq_duress; DROP TABLE seq_holes; "
                        "DROP TABLE codebooks; DROP TABLE codes; "
                        "ALTER TABLE messages DROP COLUMN meaning; "
                        "ALTER TABLE messages DROP COLUMN test; "
                        "DROP TABLE schedules; "
                        "ALTER TABLE messages DROP COLUMN state_at; "
                        "ALTER TABLE messages DROP COLUMN state_note; "
                        "ALTER TABLE contacts DROP COLUMN invite_expires_at; "
                        "ALTER TABLE contacts DROP COLUMN join_id; "
                        "ALTER TABLE contacts DROP COLUMN joined_at; "
                        "ALTER TABLE messages DROP COLUMN seq; "
                        "ALTER TABLE outbox DROP COLUMN contact_id; "
                        "ALTER TABLE outbox DROP COLUMN created_at; "
                        "ALTER TABLE outbox DROP COLUMN reply_to; "
                        "ALTER TABLE outbox DROP COLUMN carried; "
                        "ALTER TABLE contacts DROP COLUMN verified_at; "
                        "DROP TABLE teams; DROP TABLE ring_members; "
                        "ALTER TABLE invites DROP COLUMN coordinator; "
                        "ALTER TABLE contacts DROP COLUMN signing_key; "
                        "ALTER TABLE contacts DROP COLUMN binding; "
                        "ALTER TABLE contacts DROP COLUMN introduced_by; "
                        "ALTER TABLE messages DROP COLUMN state_by; "
                        "DROP TABLE coordinator_approvals; "
                        "DROP TABLE team_steps; DROP TABLE issued_tickets; "
                        "PRAGMA user_version = 1"));
  const Chain chain = ChainOf(coord_, "alice");
  coord_.Reopen();
  EXPECT_EQ(CountRows(coord_, "PRAGMA user_version"), 18);
  const Chain duress = DuressChainOf(coord_, "alice");
  EXPECT_EQ(duress.epoch, chain.epoch);
  const Secret derived = envelope::DuressChainFrom(Secret::From(chain.key));
  EXPECT_EQ(duress.key, Bytes(derived.view().begin(), derived.view().end()));
  EXPECT_EQ(coord_->settings().retention_seconds, 30 * kDay);
  EXPECT_EQ(Texts(coord_), std::vector<std::string>{"in:before-upgrade"});
  ASSERT_OK_AND_ASSIGN(std::vector<Node::CodebookView> books, coord_->Codebooks());
  ASSERT_EQ(books.size(), 1u);
  EXPECT_EQ(books[0].codes, Codebook::Defaults());
  ASSERT_OK(coord_->SetRetention(std::nullopt));
  coord_.Reopen();
  EXPECT_EQ(coord_->settings().retention_seconds, std::nullopt);
}

TEST_F(SettingsTest, StoreFromANewerVersionIsRefused) {
  ASSERT_OK(coord_.Raw().Exec("PRAGMA user_version = 1000"));
  coord_.node.reset();
  auto opened = Node::Open(coord_.home, Passphrase(), clock_, coord_.random);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), Status::Code::kCorrupt);
}

TEST_F(SettingsTest, DamagedSettingIsReportedNotGuessed) {
  ASSERT_OK(coord_.Raw().Exec("INSERT INTO settings(key, value) VALUES('delivery-window', '90')"));
  coord_.node.reset();
  auto opened = Node::Open(coord_.home, Passphrase(), clock_, coord_.random);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), Status::Code::kCorrupt);
}

}  // namespace
}  // namespace waypost::node
