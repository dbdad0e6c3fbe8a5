// The signed team roster: byte format and signing rules in team_state.h.
#include "core/team/team_state.h"

#include <sodium.h>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

#include "core/team/roster_chain.h"

namespace waypost::team {
namespace {

constexpr std::string_view kMagic = "wpteam1";
constexpr std::string_view kMagicWithdrawn = "wpteam2";  // with withdrawn tickets
static_assert(kMagic.size() == kMagicWithdrawn.size());
constexpr std::string_view kSignatureContext = "waypost team state v1";
constexpr size_t kSignatureSize = crypto_sign_BYTES;

static_assert(kSignatureSize == 64 && crypto_sign_PUBLICKEYBYTES == kSigningKeySize);
static_assert(crypto_core_ristretto255_BYTES == kRingPointSize);

using Signatures = std::vector<std::pair<uint8_t, Bytes>>;

// A cursor over untrusted bytes. A read past the end fails the reader for
// good and yields zeros, so a parser checks failed() once per stretch.
class Reader {
 public:
  explicit Reader(ByteView in) : in_(in) {}

  ByteView Take(size_t n) {
    if (failed_ || n > in_.size() - at_) {
      failed_ = true;
      return {};
    }
    at_ += n;
    return in_.subspan(at_ - n, n);
  }
  template <size_t N>
  void Copy(std::array<uint8_t, N>& out) {
    ByteView b = Take(N);
    if (!failed_) std::copy(b.begin(), b.end(), out.begin());
  }
  uint8_t U8() { return failed_ || at_ == in_.size() ? Fail() : in_[at_++]; }
  uint16_t U16() {
    ByteView b = Take(2);
    return failed_ ? 0 : GetU16(b.data());
  }
  uint64_t U64() {
    ByteView b = Take(8);
    return failed_ ? 0 : GetU64(b.data());
  }
  size_t offset() const { return at_; }
  bool failed() const { return failed_; }
  bool done() const { return !failed_ && at_ == in_.size(); }

 private:
  uint8_t Fail() {
    failed_ = true;
    return 0;
  }

  ByteView in_;
  size_t at_ = 0;
  bool failed_ = false;
};

bool IsRingPoint(const RingPoint& point) {
  // The identity is a valid encoding, but no secret key has it as public key.
  return crypto_core_ristretto255_is_valid_point(point.data()) == 1 &&
         !sodium_is_zero(point.data(), point.size());
}

// What is wrong with `roster` (its ring already in final order), if anything.
// Encode and Parse share it, so a state Encode writes always parses.
std::optional<std::string> RosterProblem(const TeamRoster& roster) {
  const auto& coords = roster.coordinators;
  if (coords.empty() || coords.size() > kMaxCoordinators) return "coordinator count out of range";
  for (size_t i = 0; i < coords.size(); ++i) {
    if (std::find(coords.begin(), coords.begin() + i, coords[i]) != coords.begin() + i) {
      return "a coordinator is listed twice";
    }
  }
  if (roster.approvals == 0 || roster.approvals > kMaxCoordinators) return "approvals out of range";
  if (roster.ring.size() > kMaxRing) return "ring too large";
  for (size_t i = 0; i < roster.ring.size(); ++i) {
    if (!IsRingPoint(roster.ring[i])) return "a ring member is not a valid point";
    if (i > 0 && !(roster.ring[i - 1] < roster.ring[i])) return "ring not strictly ascending";
  }
  if (roster.withdrawn.size() > kMaxWithdrawn) return "too many withdrawn tickets";
  for (size_t i = 1; i < roster.withdrawn.size(); ++i) {
    if (!(roster.withdrawn[i - 1].key < roster.withdrawn[i].key)) {
      return "withdrawn tickets not strictly ascending";
    }
  }
  return std::nullopt;
}

Bytes SignedMessage(ByteView body) {
  Bytes message(kSignatureContext.begin(), kSignatureContext.end());
  Append(message, body);
  return message;
}

Bytes SignBody(ByteView body, const SigningKeyPair& key) {
  return SignDetached(key, SignedMessage(body));
}

bool SignatureVerifies(ByteView body, ByteView signature, const SigningPublicKey& key) {
  return VerifyDetached(key, SignedMessage(body), signature).ok();
}

Bytes Assemble(ByteView body, const Signatures& signatures) {
  Bytes out(body.begin(), body.end());
  out.push_back(static_cast<uint8_t>(signatures.size()));
  for (const auto& [signer, signature] : signatures) {
    out.push_back(signer);
    Append(out, signature);
  }
  return out;
}

Status ParseBody(Reader& in, TeamRoster& roster) {
  const std::string_view magic = AsString(in.Take(kMagic.size()));
  if (magic != kMagic && magic != kMagicWithdrawn) return Status::Protocol("not a team state");
  const bool has_withdrawn = magic == kMagicWithdrawn;
  in.Copy(roster.team_id);
  roster.version = in.U64();
  roster.issued_at = static_cast<int64_t>(in.U64());
  roster.approvals = in.U8();
  roster.coordinators.resize(in.U8());
  for (SigningPublicKey& key : roster.coordinators) in.Copy(key);
  const uint16_t n_ring = in.U16();
  // Checked before resize, so a hostile count cannot make a large vector.
  if (n_ring > kMaxRing) return Status::Protocol("ring too large");
  roster.ring.resize(n_ring);
  for (RingPoint& point : roster.ring) in.Copy(point);
  if (has_withdrawn) {
    const uint16_t n_withdrawn = in.U16();
    // None would be a second encoding of a "wpteam1" roster.
    if (n_withdrawn == 0 || n_withdrawn > kMaxWithdrawn) {
      return Status::Protocol("withdrawn ticket count out of range");
    }
    roster.withdrawn.resize(n_withdrawn);
    for (WithdrawnTicket& ticket : roster.withdrawn) {
      in.Copy(ticket.key);
      ticket.expires_at = static_cast<int64_t>(in.U64());
    }
  }
  if (in.failed()) return Status::Protocol("team state cut short");
  if (std::optional<std::string> problem = RosterProblem(roster)) {
    return Status::Protocol("bad team state: " + *problem);
  }
  return Status::Ok();
}

Status ParseSignatures(Reader& in, Signatures& signatures) {
  const uint8_t n_sigs = in.U8();
  if (n_sigs == 0 || n_sigs > kMaxCoordinators) return Status::Protocol("bad signature count");
  for (size_t i = 0; i < n_sigs; ++i) {
    const uint8_t signer = in.U8();
    const ByteView signature = in.Take(kSignatureSize);
    if (in.failed()) return Status::Protocol("team state cut short");
    if (i > 0 && signer <= signatures.back().first) {
      return Status::Protocol("signers not strictly ascending");
    }
    signatures.emplace_back(signer, Bytes(signature.begin(), signature.end()));
  }
  return Status::Ok();
}

// The indexes (into `signing`'s coordinators) of `state`'s signers, if every
// signature is by a coordinator of `signing` and verifies; one bad signature
// spoils the state, so a verified state carries no junk.
Result<std::vector<uint8_t>> VerifiedSigners(const TeamRoster& signing,
                                             const SignedTeamState& state) {
  std::vector<uint8_t> signers;
  for (const auto& [signer, signature] : state.signatures()) {
    if (signer >= signing.coordinators.size() ||
        !SignatureVerifies(state.body(), signature, signing.coordinators[signer])) {
      return Status::AuthFailed();
    }
    signers.push_back(signer);
  }
  return signers;
}

bool AddsCoordinator(const TeamRoster& current, const TeamRoster& next) {
  return std::any_of(
      next.coordinators.begin(), next.coordinators.end(),
      [&](const SigningPublicKey& key) { return current.CoordinatorIndex(key) < 0; });
}

}  // namespace

SigningKeyPair SigningKeyPair::Generate(Random& random) {
  Secret seed(crypto_sign_SEEDBYTES);
  random.Fill(seed.span());
  SigningKeyPair pair{{}, Secret(crypto_sign_SECRETKEYBYTES)};
  crypto_sign_seed_keypair(pair.public_key.data(), pair.secret.data(), seed.data());
  return pair;
}

Result<SigningKeyPair> SigningKeyPair::FromSecret(ByteView secret) {
  if (secret.size() != crypto_sign_SECRETKEYBYTES) {
    return Status::InvalidArgument("a team signing key is 64 bytes");
  }
  // libsodium's secret key is seed || public key: derive again and compare,
  // so a damaged key is refused here rather than signing garbage later.
  SigningKeyPair pair{{}, Secret(crypto_sign_SECRETKEYBYTES)};
  crypto_sign_seed_keypair(pair.public_key.data(), pair.secret.data(), secret.data());
  if (!std::equal(pair.public_key.begin(), pair.public_key.end(),
                  secret.begin() + crypto_sign_SEEDBYTES)) {
    return Status::InvalidArgument("not an Ed25519 secret key");
  }
  return pair;
}

int TeamRoster::CoordinatorIndex(const SigningPublicKey& key) const {
  auto it = std::find(coordinators.begin(), coordinators.end(), key);
  return it == coordinators.end() ? -1 : static_cast<int>(it - coordinators.begin());
}

bool TeamRoster::HasRingMember(const RingPoint& point) const {
  return std::find(ring.begin(), ring.end(), point) != ring.end();
}

bool TeamRoster::HasWithdrawn(const SigningPublicKey& ticket_key) const {
  return std::any_of(withdrawn.begin(), withdrawn.end(),
                     [&](const WithdrawnTicket& t) { return t.key == ticket_key; });
}

Result<Bytes> EncodeTeamBody(const TeamRoster& roster) {
  TeamRoster sorted = roster;
  std::sort(sorted.ring.begin(), sorted.ring.end());
  std::sort(sorted.withdrawn.begin(), sorted.withdrawn.end(),
            [](const WithdrawnTicket& a, const WithdrawnTicket& b) { return a.key < b.key; });
  if (std::optional<std::string> problem = RosterProblem(sorted)) {
    return Status::InvalidArgument("cannot encode team state: " + *problem);
  }
  const std::string_view magic = sorted.withdrawn.empty() ? kMagic : kMagicWithdrawn;
  Bytes out(magic.begin(), magic.end());
  Append(out, sorted.team_id);
  PutU64(out, sorted.version);
  PutU64(out, static_cast<uint64_t>(sorted.issued_at));
  out.push_back(sorted.approvals);
  out.push_back(static_cast<uint8_t>(sorted.coordinators.size()));
  for (const SigningPublicKey& key : sorted.coordinators) Append(out, key);
  PutU16(out, static_cast<uint16_t>(sorted.ring.size()));
  for (const RingPoint& point : sorted.ring) Append(out, point);
  if (!sorted.withdrawn.empty()) {
    PutU16(out, static_cast<uint16_t>(sorted.withdrawn.size()));
    for (const WithdrawnTicket& ticket : sorted.withdrawn) {
      Append(out, ticket.key);
      PutU64(out, static_cast<uint64_t>(ticket.expires_at));
    }
  }
  return out;
}

Result<SignedTeamState> SignedTeamState::Parse(ByteView bytes) {
  if (bytes.size() > kMaxTeamStateBytes) return Status::Protocol("team state too large");
  SignedTeamState state;
  Reader in(bytes);
  WAYPOST_RETURN_IF_ERROR(ParseBody(in, state.roster_));
  state.body_size_ = in.offset();
  WAYPOST_RETURN_IF_ERROR(ParseSignatures(in, state.signatures_));
  if (!in.done()) return Status::Protocol("trailing bytes after team state");
  state.bytes_.assign(bytes.begin(), bytes.end());
  return state;
}

Result<Bytes> SignTeamState(const TeamRoster& roster,
                            const std::vector<std::pair<uint8_t, const SigningKeyPair*>>& signers) {
  if (signers.empty() || signers.size() > kMaxCoordinators) {
    return Status::InvalidArgument("a team state needs 1 to 16 signers");
  }
  auto sorted = signers;
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  WAYPOST_ASSIGN_OR_RETURN(Bytes body, EncodeTeamBody(roster));
  Signatures signatures;
  for (const auto& [index, key] : sorted) {
    if (!signatures.empty() && signatures.back().first == index) {
      return Status::InvalidArgument("a signer index repeats");
    }
    if (key == nullptr || key->secret.size() != crypto_sign_SECRETKEYBYTES) {
      return Status::InvalidArgument("a signer has no signing key");
    }
    signatures.emplace_back(index, SignBody(body, *key));
  }
  return Assemble(body, signatures);
}

Result<Bytes> AddTeamSignature(ByteView state, uint8_t signer, const SigningKeyPair& key) {
  WAYPOST_ASSIGN_OR_RETURN(SignedTeamState parsed, SignedTeamState::Parse(state));
  Signatures signatures = parsed.signatures();
  auto at = std::find_if(signatures.begin(), signatures.end(),
                         [&](const auto& s) { return s.first >= signer; });
  if (at != signatures.end() && at->first == signer) {
    return Status::AlreadyExists("that coordinator already signed this team state");
  }
  if (signatures.size() == kMaxCoordinators) {
    return Status::LimitExceeded("a team state holds at most 16 signatures");
  }
  if (key.secret.size() != crypto_sign_SECRETKEYBYTES) {
    return Status::InvalidArgument("the signer has no signing key");
  }
  signatures.emplace(at, signer, SignBody(parsed.body(), key));
  return Assemble(parsed.body(), signatures);
}

Status VerifyGenesis(const SignedTeamState& genesis) {
  const TeamRoster& roster = genesis.roster();
  if (roster.version != 1 || roster.coordinators.size() != 1 || roster.approvals != 1 ||
      genesis.signatures().size() != 1 || genesis.signatures()[0].first != 0) {
    return Status::Protocol("not a genesis team state");
  }
  return VerifiedSigners(roster, genesis).status();
}

Status VerifySuccessor(const SignedTeamState& current, const SignedTeamState& next) {
  const TeamRoster& cur = current.roster();
  const TeamRoster& nxt = next.roster();
  if (nxt.team_id != cur.team_id) return Status::Protocol("team state of another team");
  if (nxt.version <= cur.version) return Status::Protocol("team state not newer than ours");
  // The bar only rises: once two coordinators existed, it stays at two.
  const size_t floor = std::min<size_t>(2, nxt.coordinators.size());
  if (nxt.approvals != std::max<size_t>(cur.approvals, floor)) return Status::AuthFailed();
  WAYPOST_ASSIGN_OR_RETURN(std::vector<uint8_t> signers, VerifiedSigners(cur, next));
  if (AddsCoordinator(cur, nxt)) {
    return signers.size() >= cur.approvals ? Status::Ok() : Status::AuthFailed();
  }
  // Without additions a remaining coordinator must sign: one being removed
  // cannot speak for the team it leaves.
  const bool remaining_signed = std::any_of(signers.begin(), signers.end(), [&](uint8_t s) {
    return nxt.CoordinatorIndex(cur.coordinators[s]) >= 0;
  });
  return remaining_signed ? Status::Ok() : Status::AuthFailed();
}

Bytes CoordinatorBinding(const TeamId& team, ByteView static_key) {
  constexpr std::string_view kContext = "waypost coordinator v1";
  // Sized, then filled: g++ 12 at -O2 warns falsely on inserting into a
  // vector reserved from nothing.
  Bytes out(kContext.size() + team.size() + static_key.size());
  auto at = std::copy(kContext.begin(), kContext.end(), out.begin());
  at = std::copy(team.begin(), team.end(), at);
  std::copy(static_key.begin(), static_key.end(), at);
  return out;
}

uint64_t NextVersion(const TeamRoster& held, int index) {
  const uint64_t n = held.coordinators.size();
  if (n <= 1 || index < 0) return held.version + 1;
  uint64_t next = held.version + 1;
  while (next % n != uint64_t(index) % n) ++next;
  return next;
}

Status VerifySelfSigned(const SignedTeamState& state) {
  for (const auto& [signer, signature] : state.signatures()) {
    for (const SigningPublicKey& key : state.roster().coordinators) {
      if (SignatureVerifies(state.body(), signature, key)) return Status::Ok();
    }
  }
  return Status::AuthFailed();
}

std::string RosterToText(ByteView state) {
  return std::string(kRosterTextPrefix) + ToBase64Url(state);
}

Result<std::vector<Bytes>> RostersFromText(std::string_view text) {
  std::string compact;
  for (const char c : text) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') compact.push_back(c);
  }
  std::string_view rest = compact;
  if (rest.substr(0, kRosterTextPrefix.size()) != kRosterTextPrefix) {
    return Status::InvalidArgument("not a team roster (it begins with wpteam1:)");
  }
  // The base64url alphabet has no ':', so the prefix cannot occur inside one.
  std::vector<Bytes> out;
  while (!rest.empty()) {
    rest.remove_prefix(kRosterTextPrefix.size());
    const size_t next = rest.find(kRosterTextPrefix);
    const std::string_view one = rest.substr(0, next);
    if (out.size() > kMaxSteps || one.size() > 2 * kMaxTeamStateBytes) {
      return Status::InvalidArgument("a team file longer than a team's rosters can be");
    }
    std::optional<Bytes> bytes = FromBase64Url(one);
    if (!bytes) return Status::InvalidArgument("a team roster with a damaged character");
    out.push_back(std::move(*bytes));
    rest = next == std::string_view::npos ? std::string_view() : rest.substr(next);
  }
  return out;
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
