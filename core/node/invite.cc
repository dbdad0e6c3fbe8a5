#include "core/node/invite.h"

#include <sodium.h>

#include <array>

#include "core/bytes.h"
#include "core/node/internal/scrub.h"
#include "core/node/vocabulary.h"
#include "core/secret.h"
#include "core/sync/relay_address.h"
#include "core/team/team_state.h"
#include "core/text.h"

namespace waypost::node {

namespace {

constexpr size_t kChecksumSize = 4;

// A typo or an autocorrected letter must not yield an invite that parses
// but can never complete; four bytes of BLAKE2b catch them.
std::array<uint8_t, kChecksumSize> Checksum(ByteView body) {
  std::array<uint8_t, kChecksumSize> sum;
  crypto_generichash(sum.data(), sum.size(), body.data(), body.size(), nullptr, 0);
  return sum;
}

// `text` without its ASCII whitespace, in guarded memory: it is a secret.
Secret WithoutSpace(std::string_view text) {
  Secret out(text.size());
  size_t len = 0;
  for (const char c : text) {
    if (!IsAsciiSpace(c)) out.data()[len++] = static_cast<uint8_t>(c);
  }
  Secret trimmed = Secret::From(ByteView(out.data(), len));
  return trimmed;
}

std::string_view AsText(const Secret& s) {
  return std::string_view(reinterpret_cast<const char*>(s.data()), s.size());
}

}  // namespace

std::string EncodeInvite(const pb::Invite& invite) {
  std::string raw = invite.SerializeAsString();
  const auto sum = Checksum(AsBytes(raw));
  raw.append(sum.begin(), sum.end());
  std::string code = std::string(kInvitePrefix) + ToBase64Url(AsBytes(raw));
  Wipe(raw);
  return code;
}

Status CheckInviteCode(std::string_view code) {
  Result<pb::Invite> invite = DecodeInvite(code);
  if (invite.ok()) internal::WipeMessage(*invite);
  return invite.status();
}

bool InviteCodeMayContinue(std::string_view text) {
  Secret code = WithoutSpace(text);
  const std::string_view view = AsText(code);
  if (view.substr(0, kInvitePrefix.size()) != kInvitePrefix) return false;
  return !CheckInviteCode(view).ok();
}

Result<pb::Invite> DecodeInvite(std::string_view pasted) {
  const Status malformed = Status::InvalidArgument(
      "malformed invite code (expected a code starting with \"wpi1:\", copied whole)");
  if (pasted.size() > kMaxInviteInput) return malformed;
  const Secret stripped = WithoutSpace(pasted);
  const std::string_view code = AsText(stripped);
  if (code.size() > kMaxInviteChars || code.substr(0, kInvitePrefix.size()) != kInvitePrefix) {
    return malformed;
  }
  std::optional<Bytes> raw = FromBase64Url(code.substr(kInvitePrefix.size()));
  if (!raw || raw->size() <= kChecksumSize) return malformed;
  const ByteView body = ByteView(*raw).first(raw->size() - kChecksumSize);
  if (!ConstantTimeEqual(Checksum(body), ByteView(*raw).last(kChecksumSize))) {
    Wipe(*raw);
    return Status::InvalidArgument(
        "malformed invite code: a character is wrong or missing (copy it whole)");
  }
  // Wiped on every way out but the one that hands it to the caller.
  internal::Scrubbed<pb::Invite> invite;
  const bool parsed = invite->ParseFromArray(body.data(), int(body.size()));
  Wipe(*raw);
  if (!parsed || invite->inviter_key().size() != 32 || invite->secret().size() != 32 ||
      invite->tag_key().size() != 32 || invite->expires_at() <= 0 ||
      !CheckName(invite->inviter_name()).ok()) {
    return malformed;
  }
  // The team's ticket comes whole or not at all.
  const bool team = !invite->team_id().empty();
  if (team && (invite->team_id().size() != team::kTeamIdSize ||
               invite->ticket_signer().size() != team::kSigningKeySize ||
               invite->ticket_signature().size() != 64)) {
    return malformed;
  }
  if (!team && (!invite->ticket_signer().empty() || !invite->ticket_signature().empty())) {
    return malformed;
  }
  for (const std::string& relay : invite->relays()) {
    if (!sync::ParseRelayAddress(relay).ok()) return malformed;
  }
  pb::Invite out;
  out.Swap(&*invite);
  return out;
}

}  // namespace waypost::node
