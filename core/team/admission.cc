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

void PutU64(Bytes& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

uint64_t GetU64(ByteView in) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | in[i];
  return v;
}

template <size_t N>
void Append(Bytes& out, const std::array<uint8_t, N>& a) {
  out.insert(out.end(), a.begin(), a.end());
}

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
  Bytes out(kAdmissionContext.begin(), kAdmissionContext.end());
  out.insert(out.end(), handshake_hash.begin(), handshake_hash.end());
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
  t.expires_at = static_cast<int64_t>(GetU64(bytes));
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
      roster.CoordinatorIndex(ticket.coordinator) < 0) {
    return Status::AuthFailed();
  }
  return VerifyDetached(ticket.coordinator, TicketSignedPart(ticket), ticket.signature);
}

Bytes SignDetached(const SigningKeyPair& key, ByteView message) {
  Bytes signature(crypto_sign_BYTES);
  crypto_sign_detached(signature.data(), nullptr, message.data(), message.size(),
                       key.secret.data());
  return signature;
}

Status VerifyDetached(const SigningPublicKey& key, ByteView message, ByteView signature) {
  if (signature.size() != crypto_sign_BYTES ||
      crypto_sign_verify_detached(signature.data(), message.data(), message.size(), key.data()) !=
          0) {
    return Status::AuthFailed();
  }
  return Status::Ok();
}

}  // namespace waypost::team
