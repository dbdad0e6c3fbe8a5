// Wiping protobuf messages that held secrets or plaintext
// (core/node/internal/scrub.h): every string and bytes field, nested and
// repeated ones too, and what a parse kept as unknown fields, is zeros.
#include "core/node/internal/scrub.h"

#include <gtest/gtest.h>

#include <string>

#include "proto/waypost.pb.h"

namespace waypost::node::internal {
namespace {

bool AllZero(const std::string& s) { return s.find_first_not_of('\0') == std::string::npos; }

TEST(ScrubTest, WipesEveryStringOfAnInvite) {
  pb::Invite invite;
  invite.set_inviter_key(std::string(32, 'k'));
  invite.set_secret(std::string(32, 's'));
  invite.set_tag_key(std::string(32, 't'));
  invite.set_inviter_name("Coord");
  invite.add_relays("wpr1:aa@relay.example:7447");
  invite.add_relays("wpr1:bb@other.example:7447");
  invite.set_expires_at(1234);
  const std::string* secret = &invite.secret();

  WipeMessage(invite);
  EXPECT_EQ(&invite.secret(), secret);  // wiped where it lies, not replaced
  EXPECT_EQ(invite.secret().size(), 32u);
  EXPECT_TRUE(AllZero(invite.secret()));
  EXPECT_TRUE(AllZero(invite.inviter_key()));
  EXPECT_TRUE(AllZero(invite.tag_key()));
  EXPECT_TRUE(AllZero(invite.inviter_name()));
  for (const std::string& relay : invite.relays()) EXPECT_TRUE(AllZero(relay));
  EXPECT_EQ(invite.expires_at(), 1234);  // numbers are not secrets
}

TEST(ScrubTest, WipesNestedMessages) {
  pb::Body body;
  body.mutable_join()->set_name("alice");
  body.mutable_join()->set_tag_key(std::string(32, 't'));
  body.mutable_join()->set_chain_seed(std::string(32, 'c'));
  WipeMessage(body);
  EXPECT_TRUE(AllZero(body.join().tag_key()));
  EXPECT_TRUE(AllZero(body.join().chain_seed()));
  EXPECT_TRUE(AllZero(body.join().name()));

  pb::Body checkin;
  checkin.mutable_checkin()->set_code("crossed");
  checkin.mutable_checkin()->set_note("group of 4");
  WipeMessage(checkin);
  EXPECT_TRUE(AllZero(checkin.checkin().note()));
}

// A field this build does not know survives a parse as an unknown field:
// it is wiped too.
TEST(ScrubTest, WipesUnknownFieldsAParseKept) {
  pb::Invite with_secret;
  with_secret.set_secret(std::string(32, 's'));
  pb::Text as_text;  // knows field 1 only; field 2 (the secret) is unknown
  ASSERT_TRUE(as_text.ParseFromString(with_secret.SerializeAsString()));
  ASSERT_NE(as_text.SerializeAsString().find(std::string(32, 's')), std::string::npos);
  WipeMessage(as_text);
  EXPECT_EQ(as_text.SerializeAsString().find('s'), std::string::npos);
}

}  // namespace
}  // namespace waypost::node::internal
