#include "core/node/invite.h"

#include "core/bytes.h"
#include "core/node/node.h"
#include "core/sync/relay_address.h"
#include "core/secret.h"

namespace waypost::node {

std::string EncodeInvite(const pb::Invite& invite) {
  std::string raw = invite.SerializeAsString();
  std::string code = std::string(kInvitePrefix) + ToBase64Url(AsBytes(raw));
  Wipe(raw);
  return code;
}

Result<pb::Invite> DecodeInvite(std::string_view code) {
  const Status malformed = Status::InvalidArgument(
      "malformed invite code (expected one line starting with \"wpi1:\", copied whole)");
  while (!code.empty() && (code.back() == '\n' || code.back() == '\r' || code.back() == ' ')) {
    code.remove_suffix(1);
  }
  if (code.size() > kMaxInviteChars || code.substr(0, kInvitePrefix.size()) != kInvitePrefix) {
    return malformed;
  }
  std::optional<Bytes> raw = FromBase64Url(code.substr(kInvitePrefix.size()));
  if (!raw) return malformed;
  pb::Invite invite;
  const bool parsed = invite.ParseFromArray(raw->data(), int(raw->size()));
  Wipe(*raw);
  if (!parsed || invite.inviter_key().size() != 32 || invite.secret().size() != 32 ||
      invite.tag_key().size() != 32 || invite.expires_at() <= 0 ||
      !CheckName(invite.inviter_name()).ok()) {
    return malformed;
  }
  for (const std::string& relay : invite.relays()) {
    if (!sync::ParseRelayAddress(relay).ok()) return malformed;
  }
  return invite;
}

}  // namespace waypost::node
