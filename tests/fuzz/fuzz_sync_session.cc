// A relay's sync session after the handshake: whatever an authenticated
// client sends (docs/protocol.md §2.4). The input is a list of application
// messages (sync_fuzz_util.h: u16 length, bytes), each put on an established
// SecureChannel to a real RelaySession over a real relay store (a SQLCipher
// database made once per process and put back to its seed contents after
// every input that stored something).
//
// Properties: no crash or sanitizer report; every failure is a Status, after
// which the session stays dead with the same Status; every message the relay
// accepts gets exactly one answer, of its kind, with one verdict per uploaded
// envelope, and a FetchReply holds only envelopes that were asked for, under
// the tags the first Reconcile named.
#include <cstdint>
#include <set>
#include <vector>

#include "core/clock.h"
#include "core/envelope/format.h"
#include "core/random.h"
#include "core/sync/relay_session.h"
#include "proto/waypost.pb.h"
#include "tests/fuzz/sync_fuzz_util.h"

namespace {

using namespace waypost;
using fuzz::Die;

// Checks one answer of a relay that accepted `message`.
void CheckAnswer(const pb::ClientMessage& message, const std::vector<Bytes>& answers,
                 std::set<envelope::RecipientTag>* scope) {
  if (answers.size() != 1) Die("a message the relay accepted got other than one answer");
  pb::RelayMessage answer;
  if (!answer.ParseFromArray(answers[0].data(), static_cast<int>(answers[0].size()))) {
    Die("the relay's answer does not parse");
  }
  switch (message.kind_case()) {
    case pb::ClientMessage::kUpload:
      if (!answer.has_upload()) Die("an upload got an answer of another kind");
      if (answer.upload().verdicts_size() != message.upload().envelopes_size()) {
        Die("an upload's verdicts do not match its envelopes");
      }
      break;
    case pb::ClientMessage::kReconcile:
      if (!answer.has_reconcile()) Die("a reconcile got an answer of another kind");
      if (scope->empty()) {
        for (const std::string& t : message.reconcile().tags()) {
          envelope::RecipientTag tag;
          if (t.size() != tag.size()) Die("the relay accepted a bad tag");
          std::copy(t.begin(), t.end(), tag.begin());
          scope->insert(tag);
        }
        if (scope->empty()) Die("the relay accepted a first reconcile without tags");
      }
      break;
    case pb::ClientMessage::kFetch: {
      if (!answer.has_fetch()) Die("a fetch got an answer of another kind");
      const std::set<sync::NegId> asked = fuzz::AskedIds(message.fetch());
      for (const std::string& e : answer.fetch().envelopes()) {
        if (asked.count(fuzz::IdOf(AsBytes(e))) == 0) Die("the relay sent what was not asked for");
        auto header = envelope::ParseHeader(AsBytes(e));
        if (!header.ok()) Die("the relay served a malformed envelope");
        if (scope->count(header->tag) == 0) Die("the relay served an envelope outside the scope");
        if (header->expires_at <= fuzz::kNow) Die("the relay served an expired envelope");
      }
      break;
    }
    default:
      Die("the relay accepted a message of no known kind");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::RelayFixture relay;  // once per process; removes its directory at exit
  static const FakeClock clock(fuzz::kNow);
  SeededRandom random(size);  // channel keys only; the plaintext is what matters

  fuzz::SessionDriver driver(relay.store(), clock, random);
  const int64_t t0 = 1000;
  driver.Connect(t0);
  sync::RelaySession& session = driver.session();

  std::set<envelope::RecipientTag> scope;
  int64_t now = t0;
  Status failed;
  for (ByteView bytes : fuzz::SplitMessages(ByteView(data, size), 64)) {
    now += 1;
    std::vector<Bytes> answers;
    Status status = driver.Exchange(bytes, now, &answers);
    if (!status.ok()) {
      if (!answers.empty()) Die("the relay answered a message it failed on");
      if (session.status().code() != status.code()) Die("status() differs from the error");
      failed = status;
      break;
    }
    pb::ClientMessage message;
    if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      Die("the relay accepted a message that does not parse");
    }
    CheckAnswer(message, answers, &scope);
  }

  if (!failed.ok()) {
    // Dead for good: later calls give the same Status.
    if (session.OnReceive(ByteView(data, size), now + 1).code() != failed.code()) {
      Die("a failed session came back to life");
    }
    if (session.Deadline()) Die("a failed session keeps a deadline");
  } else {
    const std::optional<int64_t> deadline = session.Deadline();
    if (!deadline || *deadline != now + sync::kIdleDeadlineMs) Die("idle deadline");
    if (session.OnTimeout(*deadline).code() != Status::Code::kTimeout) Die("no idle timeout");
  }
  session.OnClosed(Status::Unavailable("closed"));
  if (!session.IsDone()) Die("not done after OnClosed");

  if (session.accepted() > 0) relay.Reset();
  return 0;
}
