// InviteBook alone (core/node/invite_book.h): open invites with their join
// secrets, the name a joiner is to be filed under, spending and expiry.
#include "core/node/invite_book.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "tests/kit/node_db.h"
#include "tests/kit/status.h"

namespace waypost::node {
namespace {

constexpr UnixTime kNow = 1'800'000'000;

Bytes IdOf(uint8_t tag) { return Bytes(InviteBook::kIdSize, tag); }
Secret SecretOf(uint8_t tag) { return Secret::From(Bytes(32, static_cast<uint8_t>(tag ^ 0xA5))); }
Bytes BytesOf(const Secret& s) { return Bytes(s.view().begin(), s.view().end()); }

class InviteBookTest : public ::testing::Test {
 protected:
  void Add(uint8_t tag, std::string_view for_name, UnixTime expires_at) {
    ASSERT_OK(invites_.Add(IdOf(tag), SecretOf(tag), for_name, kNow, expires_at));
  }
  // The ids of the invites live at `now`, sorted.
  std::vector<Bytes> LiveIds(UnixTime now) {
    auto live = invites_.Live(now);
    EXPECT_OK(live);
    std::vector<Bytes> ids;
    if (live.ok()) {
      for (const LiveInvite& i : *live) ids.push_back(i.id);
    }
    std::sort(ids.begin(), ids.end());
    return ids;
  }
  std::optional<std::string> ForName(uint8_t tag) {
    auto name = invites_.ForName(IdOf(tag));
    EXPECT_OK(name);
    return name.ok() ? *name : std::optional<std::string>("<error>");
  }

  testing::NodeDatabase db_;
  InviteBook invites_{db_.db()};
  SeededRandom random_{1};
};

TEST_F(InviteBookTest, ALiveInviteCarriesItsIdAndSecret) {
  Add(1, "", kNow + 3600);
  ASSERT_OK_AND_ASSIGN(const std::vector<LiveInvite> live, invites_.Live(kNow));
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].id, IdOf(1));
  EXPECT_EQ(BytesOf(live[0].secret), BytesOf(SecretOf(1)));
}

TEST_F(InviteBookTest, AnInviteIsLiveUntilItsExpiry) {
  Add(1, "", kNow + 100);
  Add(2, "", kNow + 200);
  EXPECT_EQ(LiveIds(kNow + 99), (std::vector<Bytes>{IdOf(1), IdOf(2)}));
  EXPECT_EQ(LiveIds(kNow + 100), std::vector<Bytes>{IdOf(2)});
  EXPECT_TRUE(LiveIds(kNow + 200).empty());
}

TEST_F(InviteBookTest, ForNameGivesTheNameToFileUnderOrEmptyForTheChosenOne) {
  Add(1, "bob", kNow + 100);
  Add(2, "", kNow + 100);
  EXPECT_EQ(ForName(1), "bob");
  EXPECT_EQ(ForName(2), "");
  EXPECT_EQ(ForName(3), std::nullopt);  // never handed out
}

// A used invite stays until it expires, marked with who used it, so that a
// second join under it is noticed (docs/protocol.md §5.2).
TEST_F(InviteBookTest, AUsedInviteIsKeptAndSaysWhoUsedIt) {
  Add(1, "bob", kNow + 100);
  Add(2, "", kNow + 100);
  const ContactId bob = db_.AddContact("bob", random_, kNow);
  ASSERT_OK(invites_.MarkUsed(IdOf(1), bob));
  EXPECT_EQ(ForName(1), "bob");
  ASSERT_OK_AND_ASSIGN(std::vector<LiveInvite> live, invites_.Live(kNow));
  ASSERT_EQ(live.size(), 2u);
  EXPECT_EQ(live[0].used_by, std::optional<ContactId>(bob));
  EXPECT_EQ(live[1].used_by, std::nullopt);
  EXPECT_TRUE(LiveIds(kNow + 100).empty());
}

TEST_F(InviteBookTest, PurgeExpiredDeletesInvitesFromTheirExpiryOn) {
  Add(1, "bob", kNow + 100);
  Add(2, "carol", kNow + 101);
  ASSERT_OK(invites_.PurgeExpired(kNow + 100));
  EXPECT_EQ(ForName(1), std::nullopt);
  EXPECT_EQ(ForName(2), "carol");
  EXPECT_EQ(db_.Int("SELECT count(*) FROM invites"), 1);
}

}  // namespace
}  // namespace waypost::node
