// Enrollment (docs/protocol.md §5): a coordinator taking in a join request,
// and a helper taking in the welcome that answers it, from arbitrary bytes
// after decryption and as whole envelopes, each through Node::Ingest over a
// real store (node_fuzz_fixtures.h EnrollmentNodes: Coord with an open invite
// and one that Bo used; Ana, who joined and waits for Coord's welcome).
//
// Input: a control byte, whose bits 0-2 pick what the rest is, and bytes:
//   0  a join request's body, sealed by the joiner under the open invite's
//      secret: the right proof
//   1  the same under the invite that Bo already used
//   2  the same under a wrong secret, behind the open invite's join tag
//   3  a whole envelope to Coord; if it is long enough to have a header, its
//      tag is made the open invite's join tag first
//   4  a body from Coord to Ana under their pair's chain: the right proof
//   5  the same under the pair's duress chain
//   6  the same sealed with a stranger's static key, not Coord's
//   7  a whole envelope to Ana; if it has a header, its tag is made Ana's
//      tag for today first
//
// Properties: no crash or sanitizer report, and an input that is refused
// leaves every file of the node's home as it was. An enrollment completes
// only from bytes that carry the right proof: Coord gains a contact only from
// an envelope that opens under the open invite's secret to Coord's key (the
// target opens it too) and holds a well-formed join request, and the new
// contact has the key that sealed it; Ana's Coord becomes active only from
// an envelope that opens under the pair's chain from Coord's key and holds
// a welcome. And with the right proof, the body decides: in mode 0 a
// well-formed join request enrolls the joiner and anything else is refused
// as AuthFailed; in mode 1 a well-formed one enrolls nobody and raises an
// invite-reused alert; in mode 4 a welcome makes Coord active. Modes 2 and
// 6 are always refused; mode 5 is nobody's to act on (kNotOurs, §4.3).
// After every input that wrote, the node's home is put back as it was.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "core/envelope/envelope.h"
#include "core/envelope/format.h"
#include "core/envelope/keys.h"
#include "core/node/vocabulary.h"
#include "core/random.h"
#include "proto/waypost.pb.h"
#include "tests/fuzz/kdf_memo.h"
#include "tests/fuzz/node_fuzz_fixtures.h"

namespace {

using namespace waypost;
using fuzz::Die;
using node::IngestOutcome;

fuzz::EnrollmentNodes& Nodes() {
  static const FakeClock clock(fuzz::kNow);
  static const bool prepared = (fuzz::PrepareNodeProcess(), fuzz::QuietProtobuf(), true);
  (void)prepared;
  static fuzz::EnrollmentNodes nodes(clock);
  return nodes;
}

enum Mode : uint8_t {
  kJoinOpen = 0,
  kJoinUsed = 1,
  kJoinWrongSecret = 2,
  kJoinWhole = 3,
  kWelcome = 4,
  kWelcomeDuressChain = 5,
  kWelcomeStranger = 6,
  kWelcomeWhole = 7,
};

// As Enrollment's WellFormedJoin (core/node/enrollment.cc).
bool WellFormedJoin(ByteView bytes) {
  pb::Body body;
  return body.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) && body.has_join() &&
         body.join().tag_key().size() == envelope::kKeySize &&
         body.join().chain_seed().size() == envelope::kKeySize &&
         node::CheckName(body.join().name()).ok();
}

bool IsWelcome(ByteView bytes) {
  pb::Body body;
  return body.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) && body.has_welcome();
}

// `input` with its tag, if it has a header, replaced by `tag`.
Bytes WithTag(ByteView input, const envelope::RecipientTag& tag) {
  Bytes out(input.begin(), input.end());
  if (out.size() >= envelope::kHeaderSize) std::copy(tag.begin(), tag.end(), out.begin() + 1);
  return out;
}

std::vector<std::string> Fingerprints(fuzz::FuzzNode& node) {
  auto contacts = node->Contacts();
  if (!contacts.ok()) Die("Contacts failed");
  std::vector<std::string> out;
  for (const node::ContactInfo& c : *contacts) out.push_back(c.fingerprint);
  return out;
}

size_t ReuseAlerts(fuzz::FuzzNode& node) {
  auto alerts = node->Alerts(true);
  if (!alerts.ok()) Die("Alerts failed");
  return std::count_if(alerts->begin(), alerts->end(), [](const node::AlertInfo& a) {
    return a.kind == node::AlertKind::kInviteReused;
  });
}

bool CoordIsActive(fuzz::FuzzNode& ana) {
  auto contacts = ana->Contacts();
  if (!contacts.ok() || contacts->size() != 1) Die("Ana does not have Coord alone");
  return contacts->front().state == node::ContactState::kActive;
}

// Coord's side (modes 0 to 3).
void ToCoord(fuzz::EnrollmentNodes& nodes, Mode mode, ByteView bytes) {
  fuzz::FuzzNode& coord = nodes.coord();
  const ByteView inviter = coord->identity().public_key;
  SeededRandom seal_random(0x5ea1);
  Result<Bytes> envelope_bytes = [&]() -> Result<Bytes> {
    switch (mode) {
      case kJoinOpen:
        return fuzz::SealAsJoiner(nodes.joiner(), inviter, nodes.open_secret(), nodes.open_secret(),
                                  bytes, fuzz::kNow, seal_random);
      case kJoinUsed:
        return fuzz::SealAsJoiner(nodes.joiner(), inviter, nodes.used_secret(), nodes.used_secret(),
                                  bytes, fuzz::kNow, seal_random);
      case kJoinWrongSecret: {
        Secret wrong = nodes.open_secret().Clone();
        wrong.data()[0] ^= 0x01;
        return fuzz::SealAsJoiner(nodes.joiner(), inviter, wrong, nodes.open_secret(), bytes,
                                  fuzz::kNow, seal_random);
      }
      default:
        return WithTag(bytes, envelope::JoinTagFor(nodes.open_secret()));
    }
  }();
  if (!envelope_bytes.ok()) return;  // too long for the largest bucket

  const std::vector<std::string> before = Fingerprints(coord);
  const size_t alerts_before = ReuseAlerts(coord);
  coord.Reseed(0x1e57);
  const Result<IngestOutcome> outcome = coord->Ingest(*envelope_bytes);
  const bool changed = coord.Changed();
  const std::vector<std::string> after = Fingerprints(coord);
  const bool well_formed = WellFormedJoin(bytes);

  if (!outcome.ok() && changed) Die("a refused input left a write behind");
  if (after.size() > before.size()) {
    // The proof: it opens under the open invite's secret to Coord's key,
    // and what it holds is a well-formed join request from the new contact.
    envelope::OpenRequest req;
    req.pattern = envelope::Pattern::kJoin;
    req.recipient = &coord->identity();
    req.psk = &nodes.open_secret();
    auto opened = envelope::Open(req, *envelope_bytes);
    if (!opened.ok() || !WellFormedJoin(opened->body)) Die("enrolled without the right proof");
    if (after.size() != before.size() + 1) Die("one join request enrolled more than one contact");
    const std::string sealer = envelope::Fingerprint(opened->sender_public);
    if (std::count(after.begin(), after.end(), sealer) != 1 ||
        std::count(before.begin(), before.end(), sealer) != 0) {
      Die("the new contact does not have the key that sealed the join request");
    }
  } else if (after != before) {
    Die("a join request changed the contacts without enrolling");
  }
  switch (mode) {
    case kJoinOpen:
      if (well_formed != (after.size() > before.size())) Die("the open invite failed a joiner");
      if (!well_formed && outcome.status().code() != Status::Code::kAuthFailed) {
        Die("a malformed join request was not refused as AuthFailed");
      }
      break;
    case kJoinUsed:
      if (after.size() != before.size()) Die("a used invite enrolled someone");
      if (well_formed != (ReuseAlerts(coord) == alerts_before + 1)) {
        Die("a second join under a used invite did not raise exactly one alert");
      }
      if (!well_formed && outcome.status().code() != Status::Code::kAuthFailed) {
        Die("a malformed join request was not refused as AuthFailed");
      }
      break;
    case kJoinWrongSecret:
      if (outcome.ok() || outcome.status().code() != Status::Code::kAuthFailed) {
        Die("a join request under a wrong secret was not refused");
      }
      break;
    default:
      break;
  }
  if (changed) coord.Restore();
}

// Ana's side (modes 4 to 7).
void ToAna(fuzz::EnrollmentNodes& nodes, Mode mode, ByteView bytes) {
  fuzz::FuzzNode& ana = nodes.ana();
  const fuzz::PairKeys& keys = nodes.to_ana();
  const envelope::Epoch today = envelope::EpochOf(fuzz::kNow);
  SeededRandom seal_random(0x5ea1);
  Result<Bytes> envelope_bytes = [&]() -> Result<Bytes> {
    switch (mode) {
      case kWelcome:
        return fuzz::SealAsContact(keys, false, today, bytes, fuzz::kNow, seal_random);
      case kWelcomeDuressChain:
        return fuzz::SealAsContact(keys, true, today, bytes, fuzz::kNow, seal_random);
      case kWelcomeStranger:
        return fuzz::SealAsContact(keys, false, today, bytes, fuzz::kNow, seal_random,
                                   &nodes.stranger());
      default:
        return WithTag(bytes, envelope::TagFor(keys.recipient_tag_key, today));
    }
  }();
  if (!envelope_bytes.ok()) return;

  if (CoordIsActive(ana)) Die("Coord is active before any welcome");
  ana.Reseed(0x1e57);
  const Result<IngestOutcome> outcome = ana->Ingest(*envelope_bytes);
  const bool changed = ana.Changed();
  const bool active = CoordIsActive(ana);

  if (!outcome.ok() && changed) Die("a refused input left a write behind");
  if (active) {
    // The proof: it opens under the pair's chain from Coord's key, and
    // holds a welcome.
    const Secret psk = envelope::PskFrom(envelope::ChainAt(keys.chain, keys.chain_epoch, today));
    envelope::OpenRequest req;
    req.pattern = envelope::Pattern::kContact;
    req.recipient = &ana->identity();
    req.sender_public = keys.sender.public_key;
    req.psk = &psk;
    auto opened = envelope::Open(req, *envelope_bytes);
    if (!opened.ok() || !IsWelcome(opened->body)) Die("Coord became active without a welcome");
  }
  switch (mode) {
    case kWelcome:
      if (active != IsWelcome(bytes)) Die("a welcome with the right proof did not complete");
      break;
    case kWelcomeDuressChain:
      if (!outcome.ok() || *outcome != IngestOutcome::kNotOurs) {
        Die("Ana's main store acted on what came under the duress chain");
      }
      break;
    case kWelcomeStranger:
      if (outcome.ok() || outcome.status().code() != Status::Code::kAuthFailed) {
        Die("a body sealed with a stranger's key was not refused");
      }
      break;
    default:
      break;
  }
  if (changed) ana.Restore();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::EnrollmentNodes& nodes = Nodes();
  if (size == 0) return 0;
  const Mode mode = static_cast<Mode>(data[0] & 7);
  const ByteView bytes(data + 1, size - 1);
  if (mode <= kJoinWhole) {
    ToCoord(nodes, mode, bytes);
  } else {
    ToAna(nodes, mode, bytes);
  }
  return 0;
}
