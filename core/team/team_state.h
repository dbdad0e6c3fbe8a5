// The team roster a relay admits by, signed by the team's coordinators
// (docs/protocol.md §11.1).
//
//   body  := magic || team_id (16) || version (u64be) || issued_at (i64be,
//            Unix seconds) || approvals (u8, 1..kMaxCoordinators)
//            || n_coord (u8, 1..kMaxCoordinators)
//            || coordinator signing keys (Ed25519, 32 each, distinct)
//            || n_ring (u16be, 0..kMaxRing) || ring (32 each, valid
//            ristretto255 points other than the identity, strictly
//            ascending bytes)
//            [ || n_withdrawn (u16be, 1..kMaxWithdrawn) || (ticket key (32)
//            || expires_at (i64be)) * n_withdrawn, keys strictly ascending ]
//   magic := "wpteam1" without the bracketed part (no withdrawn ticket),
//            "wpteam2" with it: one encoding per roster either way
//   sigs  := n_sigs (u8, 1..kMaxCoordinators) || (signer (u8) || Ed25519
//            signature (64)) * n_sigs, signers strictly ascending
//   state := body || sigs
//
// Each signature is over "waypost team state v1" || body. A state is read
// only from its exact bytes (Parse keeps them; nothing is re-encoded).
//
// Who must sign (VerifySuccessor), with `cur` the state a reader holds and
// `next` the one offered; signer indexes point into cur's coordinators:
//   - next.team_id == cur.team_id and next.version > cur.version;
//   - next.approvals == max(cur.approvals, min(2, |next coordinators|));
//   - same coordinator set, or only removals: one valid signature by a
//     coordinator of cur who is still in next;
//   - any added coordinator: cur.approvals valid signatures by distinct
//     coordinators of cur. Once a team has had two coordinators, no single
//     coordinator can ever add one again (approvals never falls).
// Every signature next carries must verify, by the coordinator of cur its
// index names; one that does not (or an index past cur's coordinators)
// refuses the whole state, so an accepted state carries no junk.
// A genesis state (version 1, one coordinator, approvals 1) is signed by
// that coordinator; a reader takes it only from a trusted source (`team
// export` handed to a relay operator, an invite) and checks it with
// VerifyGenesis.
//
// Hostile input: anything that does not parse exactly (wrong magic, a count
// out of range, trailing bytes, an invalid or unsorted ring point) is
// Protocol, and so is a state of another team or not newer; a signature
// that fails, too few signers, or an approvals value that breaks the rule
// above (an attempt to lower the bar) is AuthFailed.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "core/random.h"
#include "core/secret.h"
#include "core/status.h"
#include "core/team/ring_signature.h"

namespace waypost::team {

inline constexpr size_t kTeamIdSize = 16;
inline constexpr size_t kSigningKeySize = 32;
inline constexpr size_t kMaxCoordinators = 16;
// Invite tickets a roster withdraws at once (docs/protocol.md §11.6): those
// of revoked members, until they expire. Bounded so that the largest
// roster still fits one envelope (a welcome carries it).
inline constexpr size_t kMaxWithdrawn = 64;
// A whole state: header, 16 coordinators, kMaxRing members, kMaxWithdrawn
// tickets, 16 signatures.
inline constexpr size_t kMaxTeamStateBytes =
    64 + 16 * 32 + kMaxRing * 32 + 2 + kMaxWithdrawn * 40 + 1 + 16 * 65;

using TeamId = std::array<uint8_t, kTeamIdSize>;
using SigningPublicKey = std::array<uint8_t, kSigningKeySize>;

// A coordinator's Ed25519 key for signing team states. Move-only.
struct SigningKeyPair {
  SigningPublicKey public_key{};
  Secret secret;  // crypto_sign_SECRETKEYBYTES (64) bytes

  static SigningKeyPair Generate(Random& random);  // from a 32-byte seed
  // InvalidArgument unless `secret` is a 64-byte libsodium Ed25519 secret.
  [[nodiscard]] static Result<SigningKeyPair> FromSecret(ByteView secret);
  SigningKeyPair Clone() const { return SigningKeyPair{public_key, secret.Clone()}; }
};

// An Ed25519 signature by `key` over `message` (64 bytes), and its check
// (AuthFailed): the one place team code signs and verifies (rosters,
// tickets, a joiner's ticket proof).
Bytes SignDetached(const SigningKeyPair& key, ByteView message);
[[nodiscard]] Status VerifyDetached(const SigningPublicKey& key, ByteView message,
                                    ByteView signature);

// An invite ticket (core/team/admission.h) a relay must no longer admit,
// though it has not expired: its joiner was revoked.
struct WithdrawnTicket {
  SigningPublicKey key{};  // the ticket's key
  int64_t expires_at = 0;  // the ticket's own expiry: listed until then
  bool operator==(const WithdrawnTicket&) const = default;
};

struct TeamRoster {
  TeamId team_id{};
  uint64_t version = 0;
  int64_t issued_at = 0;
  uint8_t approvals = 1;
  std::vector<SigningPublicKey> coordinators;
  std::vector<RingPoint> ring;             // kept sorted ascending by Encode
  std::vector<WithdrawnTicket> withdrawn;  // kept sorted by key by Encode

  // Index of `key` in coordinators, or -1.
  int CoordinatorIndex(const SigningPublicKey& key) const;
  bool HasRingMember(const RingPoint& point) const;
  bool HasWithdrawn(const SigningPublicKey& ticket_key) const;
};

// The body bytes for `roster` (ring and withdrawn tickets sorted, duplicates
// refused).
// InvalidArgument if a count is out of range or a ring point is invalid.
[[nodiscard]] Result<Bytes> EncodeTeamBody(const TeamRoster& roster);

class SignedTeamState {
 public:
  // Parses exact bytes (at most kMaxTeamStateBytes); Protocol if they are
  // not a well-formed state. Checks no signature.
  [[nodiscard]] static Result<SignedTeamState> Parse(ByteView bytes);

  const TeamRoster& roster() const { return roster_; }
  const Bytes& bytes() const { return bytes_; }  // exactly as parsed
  ByteView body() const { return ByteView(bytes_).first(body_size_); }
  // (signer index, signature) in the order they appear.
  const std::vector<std::pair<uint8_t, Bytes>>& signatures() const { return signatures_; }

 private:
  TeamRoster roster_;
  Bytes bytes_;
  size_t body_size_ = 0;
  std::vector<std::pair<uint8_t, Bytes>> signatures_;
};

// A state whose body is `roster` and whose signatures are by `signers`,
// each (index into the *signing* state's coordinators, key). Signers are
// sorted by index; InvalidArgument if none or more than kMaxCoordinators,
// an index repeats, a key is null, or EncodeTeamBody refuses `roster`.
[[nodiscard]] Result<Bytes> SignTeamState(
    const TeamRoster& roster,
    const std::vector<std::pair<uint8_t, const SigningKeyPair*>>& signers);

// `state` with one more signature (index `signer` into the signing state's
// coordinators), kept in index order: the second coordinator's approval.
// AlreadyExists if that index already signed; LimitExceeded if `state`
// already holds kMaxCoordinators signatures; Protocol if `state` does not
// parse. The new signature is over `state`'s exact body bytes.
[[nodiscard]] Result<Bytes> AddTeamSignature(ByteView state, uint8_t signer,
                                             const SigningKeyPair& key);

// Ok if `genesis` is version 1 with one coordinator and approvals 1, and
// carries exactly one signature, index 0, by that coordinator. Protocol if
// it does not have that shape; AuthFailed if the signature does not verify.
[[nodiscard]] Status VerifyGenesis(const SignedTeamState& genesis);

// Ok if `next` may replace `current` (rules in the file comment).
// Protocol for a different team or a version not above current's;
// AuthFailed for missing or bad signatures, or a wrong approvals value.
[[nodiscard]] Status VerifySuccessor(const SignedTeamState& current, const SignedTeamState& next);

// Ok if at least one of `state`'s signatures verifies under one of its own
// coordinators' keys; AuthFailed otherwise. Not a chain check (signers
// point into the roster before): what a relay asks of a later roster its
// operator hands it, to catch a damaged or made-up file.
[[nodiscard]] Status VerifySelfSigned(const SignedTeamState& state);

// What a coordinator's roster-signing key signs to vouch for the
// coordinator's static (Noise) key, so that a helper told of a new
// coordinator knows which static key the roster's signing key stands for
// (docs/protocol.md §12.2): "waypost coordinator v1" || team_id ||
// static_key (32).
Bytes CoordinatorBinding(const TeamId& team, ByteView static_key);

// The version a coordinator at `index` of `held`'s coordinators gives the
// roster that follows `held` (docs/protocol.md §12.3): held's version + 1
// while the team has one coordinator; with n, the next one above held's
// that is `index` modulo n, so that two coordinators who change the roster
// at the same time never sign the same version.
uint64_t NextVersion(const TeamRoster& held, int index);

// A roster as one line of text (`team export`, `relay --team FILE`):
// "wpteam1:" and the base64url of its exact bytes.
inline constexpr std::string_view kRosterTextPrefix = "wpteam1:";
std::string RosterToText(ByteView state);
// The bytes of each such line in `text`, in order: a team file holds the
// steps of the roster chain (docs/protocol.md §11.7) and the newest roster
// last. ASCII whitespace anywhere is ignored. InvalidArgument for anything
// else, or more than kMaxSteps + 1 rosters (the caller says whose file it
// was).
[[nodiscard]] Result<std::vector<Bytes>> RostersFromText(std::string_view text);

}  // namespace waypost::team
