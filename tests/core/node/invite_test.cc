// Invite codes as people paste them (core/node/invite.h): whitespace
// anywhere is ignored; a damaged code is refused; a code cut short may
// continue on the next line.
#include "core/node/invite.h"

#include <gtest/gtest.h>

#include "tests/kit/status.h"

namespace waypost::node {
namespace {

std::string ValidCode() {
  pb::Invite invite;
  invite.set_inviter_key(std::string(32, '\x01'));
  invite.set_secret(std::string(32, '\x02'));
  invite.set_tag_key(std::string(32, '\x03'));
  invite.set_expires_at(1800000000);
  invite.set_inviter_name("Coord");
  return EncodeInvite(invite);
}

TEST(InviteTest, RoundTrips) {
  Result<pb::Invite> invite = DecodeInvite(ValidCode());
  ASSERT_OK(invite.status());
  EXPECT_EQ(invite->inviter_name(), "Coord");
  EXPECT_EQ(invite->expires_at(), 1800000000);
}

TEST(InviteTest, WhitespaceAnywhereIsIgnored) {
  const std::string code = ValidCode();
  const std::string wrapped =
      "\n  " + code.substr(0, 20) + "\r\n" + code.substr(20, 17) + " \t" + code.substr(37) + "\n\n";
  EXPECT_OK(CheckInviteCode(wrapped));
  std::string spaced;
  for (size_t i = 0; i < code.size(); ++i) spaced += std::string(1, code[i]) + (i % 4 ? "" : " ");
  EXPECT_OK(CheckInviteCode(spaced));
  EXPECT_OK(CheckInviteCode(" " + code));                 // before the prefix too
  EXPECT_OK(CheckInviteCode("wpi1 :" + code.substr(5)));  // and inside it
  EXPECT_EQ(DecodeInvite(wrapped)->inviter_name(), "Coord");
}

TEST(InviteTest, DamagedCodesAreRefused) {
  const std::string code = ValidCode();
  std::string typo = code;
  typo[20] = typo[20] == 'A' ? 'B' : 'A';
  for (const std::string& bad : {std::string(), std::string("wpi1:"), std::string("wpi1:AAAA"),
                                 code.substr(0, code.size() - 3), typo, "xpi1:" + code.substr(5)}) {
    EXPECT_STATUS(CheckInviteCode(bad), Status::Code::kInvalidArgument) << bad;
  }
  // Past the limit, even when most of it is whitespace.
  EXPECT_STATUS(CheckInviteCode(code + std::string(kMaxInviteInput, ' ')),
                Status::Code::kInvalidArgument);
}

TEST(InviteTest, ACodeCutShortMayContinue) {
  const std::string code = ValidCode();
  EXPECT_TRUE(InviteCodeMayContinue(code.substr(0, 30)));
  EXPECT_TRUE(InviteCodeMayContinue("  wpi1:"));
  EXPECT_FALSE(InviteCodeMayContinue(code));
  EXPECT_FALSE(InviteCodeMayContinue(code.substr(0, 30) + "\n" + code.substr(30)));
  EXPECT_FALSE(InviteCodeMayContinue("not an invite"));
  EXPECT_FALSE(InviteCodeMayContinue(""));
}

}  // namespace
}  // namespace waypost::node
