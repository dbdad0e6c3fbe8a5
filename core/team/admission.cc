#include "core/team/admission.h"

#include <sodium.h>

#include <algorithm>
#include <string_view>

namespace waypost::team {
namespace {

constexpr std::string_view kAdmissionContext = "waypost admission v1";
constexpr std::string_view kTicketContext = "waypost admission ticket v1";
constexpr std::string_view kTicketKeyContext = "waypost ticket key v1";
constexpr size_t kTicketSignedSize = kTeamIdSize + 32 + 8;

template <size_t N>
void Take(ByteView& in, std::array<uint8_t, N>& a) {
  std::copy_n(in.begin(), N, a.begin());
  in = in.subspan(N);
}

Bytes TicketSignedPart(const Ticket& t) {
  Bytes out(kTicketContext.begin(), kTicketContext.end());
  Append(out, t.team_id);
  Append(out, t.key);
  PutU64(out, static_cast<uint64_t>(t.expires_at));
  return out;
}

}  // namespace

Bytes AdmissionMessage(ByteView handshake_hash, const TeamId& team, uint64_t version) {
  // Reserved whole first: g++ 12 at -O2 warns falsely (array-bounds) about
  // growing a vector built from the short context.
  Bytes out;
  out.reserve(kAdmissionContext.size() + handshake_hash.size() + team.size() + 8);
  Append(out, AsBytes(kAdmissionContext));
  Append(out, handshake_hash);
  Append(out, team);
  PutU64(out, version);
  return out;
}

Result<Bytes> ProveMembership(const SignedTeamState& roster, const RingKeyPair& key,
                              ByteView handshake_hash, Random& random) {
  const TeamRoster& r = roster.roster();
  return RingSign(r.ring, key, AdmissionMessage(handshake_hash, r.team_id, r.version), random);
}

Status CheckMembership(const SignedTeamState& roster, ByteView handshake_hash, uint64_t version,
                       ByteView proof) {
  const TeamRoster& r = roster.roster();
  if (version != r.version) return Status::AuthFailed();
  return RingVerify(r.ring, AdmissionMessage(handshake_hash, r.team_id, version), proof);
}

Bytes Ticket::Encode() const {
  Bytes out;
  out.reserve(kTicketSize);
  Append(out, team_id);
  Append(out, key);
  PutU64(out, static_cast<uint64_t>(expires_at));
  Append(out, coordinator);
  out.insert(out.end(), signature.begin(), signature.end());
  return out;
}

Result<Ticket> Ticket::Parse(ByteView bytes) {
  if (bytes.size() != kTicketSize) return Status::Protocol("an admission ticket has a bad size");
  Ticket t;
  Take(bytes, t.team_id);
  Take(bytes, t.key);
  t.expires_at = static_cast<int64_t>(GetU64(bytes.data()));
  bytes = bytes.subspan(8);
  Take(bytes, t.coordinator);
  t.signature.assign(bytes.begin(), bytes.end());
  return t;
}

SigningKeyPair TicketKeyFromInviteSecret(ByteView invite_secret) {
  Secret seed(crypto_sign_SEEDBYTES);
  crypto_generichash(seed.data(), seed.size(),
                     reinterpret_cast<const uint8_t*>(kTicketKeyContext.data()),
                     kTicketKeyContext.size(), invite_secret.data(), invite_secret.size());
  SigningKeyPair pair;
  pair.secret = Secret(crypto_sign_SECRETKEYBYTES);
  crypto_sign_seed_keypair(pair.public_key.data(), pair.secret.data(), seed.data());
  return pair;
}

WithdrawnTicket TicketTermsOfInvite(ByteView invite_secret, int64_t invite_expires_at) {
  return {TicketKeyFromInviteSecret(invite_secret).public_key,
          invite_expires_at + kTicketGraceSeconds};
}

Ticket IssueTicket(const TeamId& team, const SigningPublicKey& key, int64_t expires_at,
                   const SigningKeyPair& coordinator) {
  Ticket t;
  t.team_id = team;
  t.key = key;
  t.expires_at = expires_at;
  t.coordinator = coordinator.public_key;
  t.signature = SignDetached(coordinator, TicketSignedPart(t));
  return t;
}

Status CheckTicket(const Ticket& ticket, const TeamRoster& roster, int64_t now) {
  static_assert(kTicketSignedSize + kSigningKeySize + 64 == kTicketSize);
  if (ticket.team_id != roster.team_id || ticket.expires_at <= now ||
      roster.CoordinatorIndex(ticket.coordinator) < 0 || roster.HasWithdrawn(ticket.key)) {
    return Status::AuthFailed();
  }
  return VerifyDetached(ticket.coordinator, TicketSignedPart(ticket), ticket.signature);
}

}  // namespace waypost::team
