// SyncNews (core/node/sync_news.h): what one round of taking envelopes in
// changed, told once, whatever the history before it.
#include "core/node/sync_news.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/kit/peers.h"
#include "tests/kit/status.h"

namespace waypost::node {
namespace {

using namespace peers;  // NOLINT: the fixture language

class SyncNewsTest : public NodeTest {
 protected:
  // Watches `to` while `from`'s uploads are taken in.
  SyncNews Deliver(Peer& from, Peer& to) {
    Result<NewsWatch> watch = NewsWatch::Start(*to.node);
    EXPECT_OK(watch);
    Sync(from, to);
    Result<SyncNews> news = watch->Collect(*to.node, clock_.Now());
    EXPECT_OK(news);
    return news.ok() ? *news : SyncNews{};
  }
};

TEST_F(SyncNewsTest, EnrollmentIsNewsOnBothSides) {
  ASSERT_OK(alice_->Join(InviteFrom(coord_)));
  SyncNews in = Deliver(alice_, coord_);
  ASSERT_EQ(in.joined.size(), 1u);
  EXPECT_EQ(in.joined[0].name, "alice");
  SyncNews back = Deliver(coord_, alice_);
  ASSERT_EQ(back.joined.size(), 1u);
  EXPECT_EQ(back.joined[0].role, Role::kCoordinator);
  EXPECT_TRUE(Deliver(coord_, alice_).empty());  // told once
}

// A long history before the sync is not news again; only what this round
// brought is, and a confirmation is told as one.
TEST_F(SyncNewsTest, OnlyWhatTheRoundBroughtIsNews) {
  Enroll(coord_, alice_);
  for (int i = 0; i < 20; ++i) ASSERT_OK(alice_->CheckIn("crossed", "", ""));
  EXPECT_EQ(Deliver(alice_, coord_).received.size(), 20u);

  ASSERT_OK(alice_->CheckIn("arrived", "", ""));
  SyncNews one = Deliver(alice_, coord_);
  ASSERT_EQ(one.received.size(), 1u);
  EXPECT_EQ(one.received[0].code, "arrived");
  EXPECT_TRUE(one.alerts.empty());

  // The receipts for all 21 come back: 21 delivered, nothing received.
  SyncNews receipts = Deliver(coord_, alice_);
  EXPECT_TRUE(receipts.received.empty());
  EXPECT_EQ(receipts.delivered.size(), 21u);

  ASSERT_OK(coord_->Confirm(one.received[0].id));
  SyncNews confirmed = Deliver(coord_, alice_);
  ASSERT_EQ(confirmed.confirmed.size(), 1u);
  EXPECT_EQ(confirmed.confirmed[0].code, "arrived");
  EXPECT_TRUE(confirmed.delivered.empty());
}

TEST_F(SyncNewsTest, ADistressCheckInRaisesAnAlertThatComesFirst) {
  Enroll(coord_, alice_);
  ASSERT_OK(alice_->CheckIn("need-help", "", ""));
  SyncNews news = Deliver(alice_, coord_);
  ASSERT_EQ(news.alerts.size(), 1u);
  EXPECT_EQ(news.alerts[0].kind, AlertKind::kDistress);
  EXPECT_EQ(news.alerts[0].peer, "alice");
  ASSERT_EQ(news.received.size(), 1u);
}

}  // namespace
}  // namespace waypost::node
