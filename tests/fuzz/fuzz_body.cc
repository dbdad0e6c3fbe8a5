// Envelope bodies after decryption (docs/protocol.md §4.2): whatever body
// bytes an envelope from a known contact carries once it has opened. Only
// the contact's keys can produce such an envelope, but a contact's device
// can be taken, and its software can be other than ours.
//
// Input: a control byte, then the body's bytes.
//   bit 0     0: from the helper Ana to the coordinator Coord; 1: from
//             Coord to Ana (node_fuzz_fixtures.h BodyPair)
//   bit 1     under the pair's duress chain, not its chain (§4.3)
//   bits 2-3  the epoch it is sealed for: today, +1, +2 (within the
//             receiver's skew, §3.5), today
// The body is sealed as the sender's node seals one (SealAsContact: the
// pair's chain key for that epoch, the receiver's tag, a hint), and the
// envelope goes to the receiver's Node::Ingest, the path of every envelope
// a sync fetches: Receiver::Take finds the pair by tag and hint, opens it,
// and BodyHandlers::Apply takes the body in, in one transaction over the
// receiver's real SQLCipher store (in a scratch directory, made once per
// process).
//
// Properties: no crash or sanitizer report. An envelope that Ingest refuses
// leaves every file of the receiver's home as it was: no partial write. A
// body that is not a pb::Body, or is of no kind a contact sends (none, or a
// join request), is refused as AuthFailed. One that is not refused was
// accepted, never a duplicate; an accepted check-in or text is in the
// receiver's inbox under its id, of its kind, marked duress exactly when it
// came under the duress chain or flagged so; and after anything accepted,
// the receiver's commands read back what it holds (Inbox, Contacts, Alerts,
// Codebooks, and Ana's Expectations or Coord's Board, which judge deadlines
// by the schedules held). Whatever comes under the duress chain to Ana's
// main store is nobody's there to act on: kNotOurs (§4.3).
// After every input that wrote, the receiver's home is put back as it was
// (FuzzNode::Restore), so that each input meets the same stores.
#include <cstdint>
#include <vector>

#include "core/envelope/format.h"
#include "core/envelope/keys.h"
#include "core/node/records.h"
#include "core/random.h"
#include "proto/waypost.pb.h"
#include "tests/fuzz/kdf_memo.h"
#include "tests/fuzz/node_fuzz_fixtures.h"

namespace {

using namespace waypost;
using fuzz::Die;
using node::IngestOutcome;

fuzz::BodyPair& Pair() {
  static const FakeClock clock(fuzz::kNow);
  static const bool prepared = (fuzz::PrepareNodeProcess(), fuzz::QuietProtobuf(), true);
  (void)prepared;
  static fuzz::BodyPair pair(clock);
  return pair;
}

// The receiver's inbox holds the check-in or text `body` that came as
// `envelope_bytes`, as it should.
void CheckInInbox(fuzz::FuzzNode& receiver, ByteView envelope_bytes, const pb::Body& body,
                  bool duress_chain) {
  auto inbox = receiver->Inbox();
  if (!inbox.ok()) Die("Inbox failed");
  const std::string id = node::DisplayId(envelope::ComputeContentId(envelope_bytes));
  int found = 0;
  for (const node::MessageInfo& m : *inbox) {
    if (m.id != id) continue;
    ++found;
    const node::MessageKind kind =
        body.has_checkin() ? node::MessageKind::kCheckIn : node::MessageKind::kText;
    if (m.direction != node::Direction::kIn || m.kind != kind) Die("a message of another kind");
    const bool flagged = body.has_flags() && (body.flags() & node::kFlagDuress) != 0;
    if (m.duress != (duress_chain || flagged)) Die("a message's duress mark is wrong");
  }
  if (found != 1) Die("an accepted message is not in the inbox once");
}

// Everything the receiver's commands read of what it took in: each must
// read back (Board() also raises overdue alerts, a write).
void ReadBack(fuzz::FuzzNode& receiver, bool helper) {
  if (!receiver->Inbox().ok() || !receiver->Contacts().ok() || !receiver->Alerts(false).ok() ||
      !receiver->Codebooks().ok()) {
    Die("the receiver cannot read back what it took in");
  }
  if (helper ? !receiver->Expectations().ok() : !receiver->Board().ok()) {
    Die("the receiver cannot judge its deadlines after what it took in");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::BodyPair& pair = Pair();
  if (size == 0) return 0;
  const uint8_t control = data[0];
  const bool to_ana = (control & 1) != 0;
  const bool duress_chain = (control & 2) != 0;
  static constexpr envelope::Epoch kOffsets[4] = {0, 1, 2, 0};
  const envelope::Epoch epoch = envelope::EpochOf(fuzz::kNow) + kOffsets[(control >> 2) & 3];
  const ByteView body(data + 1, size - 1);

  fuzz::FuzzNode& receiver = to_ana ? pair.ana() : pair.coord();
  SeededRandom seal_random(0x5ea1);
  Result<Bytes> sealed = fuzz::SealAsContact(to_ana ? pair.to_ana() : pair.to_coord(), duress_chain,
                                             epoch, body, fuzz::kNow, seal_random);
  if (!sealed.ok()) return 0;  // too long for the largest bucket
  receiver.Reseed(0x1e57);
  const Result<IngestOutcome> outcome = receiver->Ingest(*sealed);
  const bool changed = receiver.Changed();

  pb::Body parsed;
  const bool parses = parsed.ParseFromArray(body.data(), static_cast<int>(body.size()));
  const bool sendable =
      parses && parsed.kind_case() != pb::Body::KIND_NOT_SET && !parsed.has_join();
  if (to_ana && duress_chain) {
    // Never read: the decoy's to read, not the main store's (§4.3).
    if (!outcome.ok() || *outcome != IngestOutcome::kNotOurs) {
      Die("the main store acted on what came under the duress chain");
    }
  } else if (!outcome.ok()) {
    if (changed) Die("a refused body left a write behind");
    if (!sendable && outcome.status().code() != Status::Code::kAuthFailed) {
      Die("a body no contact sends was refused other than as AuthFailed");
    }
  } else {
    if (!sendable) Die("a body no contact sends was taken in");
    if (*outcome != IngestOutcome::kAccepted) Die("an opened envelope was not accepted");
    if (parsed.has_checkin() || parsed.has_text()) {
      CheckInInbox(receiver, *sealed, parsed, duress_chain);
    }
    ReadBack(receiver, to_ana);
  }
  if (changed || receiver.Changed()) receiver.Restore();
  return 0;
}
