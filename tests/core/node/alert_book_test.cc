// AlertBook alone (core/node/alert_book.h): one open alert per contact and
// kind, raised by the first flagged message and open until acknowledged;
// found by number or by contact name, as `waypost ack` takes them.
#include "core/node/alert_book.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "core/envelope/keys.h"
#include "core/node/contact_book.h"
#include "core/random.h"
#include "tests/kit/node_db.h"
#include "tests/kit/status.h"
#include "tests/kit/vocabulary_print.h"

namespace waypost::node {
namespace {

constexpr UnixTime kNow = 1'800'000'000;

Bytes MessageId(uint8_t tag) { return Bytes(32, tag); }

class AlertBookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bob_ = AddContact("bob");
    carol_ = AddContact("carol");
  }
  ContactId AddContact(const std::string& name) { return db_.AddContact(name, random_, kNow); }
  void Raise(ContactId who, UnixTime at) {
    ASSERT_OK(alerts_.Raise(who, AlertKind::kDuress, MessageId(static_cast<uint8_t>(at)), at));
  }
  std::vector<AlertInfo> List(bool open_only) {
    auto list = alerts_.List(open_only);
    EXPECT_OK(list);
    return list.ok() ? *list : std::vector<AlertInfo>{};
  }
  std::vector<int64_t> Ids(const std::vector<AlertInfo>& alerts) {
    std::vector<int64_t> ids;
    for (const AlertInfo& a : alerts) ids.push_back(a.id);
    return ids;
  }
  std::string Fingerprint(ContactId id) {
    return envelope::Fingerprint(contacts_.Get(id).value().public_key.view());
  }

  SeededRandom random_{14};
  testing::NodeDatabase db_;
  ContactBook contacts_{db_.db()};
  AlertBook alerts_{db_.db()};
  ContactId bob_, carol_;
};

TEST_F(AlertBookTest, RaiseOpensAnAlertAboutTheContact) {
  Raise(bob_, kNow);
  const std::vector<AlertInfo> open = List(true);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].kind, AlertKind::kDuress);
  EXPECT_EQ(open[0].peer, "bob");
  EXPECT_EQ(open[0].fingerprint, Fingerprint(bob_));
  EXPECT_EQ(open[0].raised_at, kNow);
  EXPECT_EQ(open[0].acked_at, std::nullopt);
  EXPECT_EQ(open[0].note, "");
}

TEST_F(AlertBookTest, RaiseIsANoOpWhileOneIsOpen) {
  Raise(bob_, kNow);
  (void)db_->TakeWrittenTables();
  Raise(bob_, kNow + 60);
  EXPECT_EQ(db_->TakeWrittenTables(), std::set<std::string>{});
  const std::vector<AlertInfo> all = List(false);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].raised_at, kNow);  // the first one stands
}

TEST_F(AlertBookTest, EachContactGetsItsOwnAlert) {
  Raise(bob_, kNow);
  Raise(carol_, kNow + 1);
  EXPECT_EQ(List(true).size(), 2u);
}

TEST_F(AlertBookTest, AFlagAfterTheAckRaisesANewAlert) {
  Raise(bob_, kNow);
  const int64_t first = List(true).at(0).id;
  ASSERT_OK(alerts_.Acknowledge(first, kNow + 10, "called her sister"));
  Raise(bob_, kNow + 20);
  const std::vector<AlertInfo> open = List(true);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_NE(open[0].id, first);
  EXPECT_EQ(open[0].raised_at, kNow + 20);
}

TEST_F(AlertBookTest, AcknowledgeClosesTheAlertWithItsTimeAndNote) {
  Raise(bob_, kNow);
  Raise(carol_, kNow + 1);
  const int64_t bobs = List(true).at(1).id;
  ASSERT_OK(alerts_.Acknowledge(bobs, kNow + 10, "called her sister"));

  const std::vector<AlertInfo> open = List(true);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].peer, "carol");
  const std::vector<AlertInfo> all = List(false);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].id, bobs);  // still listed, as acknowledged
  EXPECT_EQ(all[1].acked_at, kNow + 10);
  EXPECT_EQ(all[1].note, "called her sister");
}

TEST_F(AlertBookTest, ListIsNewestFirst) {
  Raise(carol_, kNow + 5);
  Raise(bob_, kNow);
  const std::vector<AlertInfo> all = List(false);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].peer, "carol");
  EXPECT_EQ(all[1].peer, "bob");
}

TEST_F(AlertBookTest, OpenNamedFindsAnAlertByNumber) {
  Raise(bob_, kNow);
  Raise(carol_, kNow + 1);
  const int64_t carols = List(true).at(0).id;
  ASSERT_OK_AND_ASSIGN(const std::vector<AlertBook::Open> found,
                       alerts_.OpenNamed(std::to_string(carols)));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].alert.id, carols);
  EXPECT_EQ(found[0].alert.peer, "carol");
  EXPECT_EQ(found[0].contact, carol_);
}

TEST_F(AlertBookTest, OpenNamedFindsAContactsOpenAlertsByNameOldestFirst) {
  Raise(bob_, kNow);
  Raise(carol_, kNow + 1);
  // Raise never opens a second alert of one kind; a store may still hold
  // two (an older version, say), and both must come back, oldest first.
  ASSERT_OK(db_->Run("INSERT INTO alerts(contact_id, kind, raised_at) VALUES(?, 'duress', ?)",
                     bob_.value, kNow + 2));
  ASSERT_OK_AND_ASSIGN(const std::vector<AlertBook::Open> found, alerts_.OpenNamed("bob"));
  ASSERT_EQ(found.size(), 2u);
  EXPECT_LT(found[0].alert.id, found[1].alert.id);
  for (const AlertBook::Open& o : found) {
    EXPECT_EQ(o.alert.peer, "bob");
    EXPECT_EQ(o.contact, bob_);
  }
}

TEST_F(AlertBookTest, OpenNamedSkipsAcknowledgedAlerts) {
  Raise(bob_, kNow);
  const int64_t id = List(true).at(0).id;
  ASSERT_OK(alerts_.Acknowledge(id, kNow + 1, ""));
  EXPECT_STATUS(alerts_.OpenNamed(std::to_string(id)), Status::Code::kNotFound);
  EXPECT_STATUS(alerts_.OpenNamed("bob"), Status::Code::kNotFound);
}

TEST_F(AlertBookTest, OpenNamedNotFoundSaysWhatWasAskedAndPointsAtTheBoard) {
  Raise(bob_, kNow);
  const Result<std::vector<AlertBook::Open>> by_number = alerts_.OpenNamed("77");
  EXPECT_STATUS(by_number, Status::Code::kNotFound);
  EXPECT_EQ(by_number.status().message(), "no open alert \"77\" (see `waypost board`)");
  const Result<std::vector<AlertBook::Open>> by_name = alerts_.OpenNamed("carol");
  EXPECT_STATUS(by_name, Status::Code::kNotFound);
  EXPECT_EQ(by_name.status().message(), "no open alert for \"carol\" (see `waypost board`)");
}

}  // namespace
}  // namespace waypost::node
