// Invite codes: one line, "wpi1:" + base64url(pb::Invite || checksum), where
// the checksum is the first 4 bytes of BLAKE2b-256 over the protobuf bytes.
// An invite is a secret: whoever holds it can enroll once, until it expires.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "proto/waypost.pb.h"

namespace waypost::node {

inline constexpr std::string_view kInvitePrefix = "wpi1:";
inline constexpr size_t kMaxInviteChars = 4096;
// What a pasted code may take with the whitespace around and inside it.
inline constexpr size_t kMaxInviteInput = 2 * kMaxInviteChars;

std::string EncodeInvite(const pb::Invite& invite);
// Checks the prefix, the encoding and every field's size. Does not check
// expiry (that needs a clock). ASCII whitespace anywhere in `code` (spaces,
// tabs, line breaks: a chat or an e-mail may wrap or space out a pasted
// code) is ignored. The invite holds its secret: the caller wipes it
// (internal::Scrubbed, internal/scrub.h).
Result<pb::Invite> DecodeInvite(std::string_view code);
// True if `text` begins like an invite code (whitespace ignored) but does
// not decode yet: a paste broken over lines may have more lines to come.
bool InviteCodeMayContinue(std::string_view text);
// DecodeInvite() for a code that is only checked, before anyone is asked for
// a passphrase: what it decoded is wiped at once.
Status CheckInviteCode(std::string_view code);

}  // namespace waypost::node
