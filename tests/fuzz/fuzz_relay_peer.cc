// Relay to relay (docs/protocol.md §2.5): the frames one relay takes from a
// relay it peers with, both ways round. The input's first byte picks a side;
// the rest is a list of application messages (sync_fuzz_util.h: u16 length,
// bytes) on an established SecureChannel.
//
//   even: the answering relay. A real RelaySession whose initiator proved
//         PeerKey(), which it lists as a peer, so `everything` scopes are
//         open to the input; the messages are the peer's.
//   odd:  the dialing relay. The real RelayPeering session over a real
//         relay store; the messages are the answers of the relay it dialed.
//
// Properties: no crash or sanitizer report; every failure is a Status after
// which the session stays dead; the answering relay answers each message it
// accepts exactly once, and serves only unexpired, well-formed envelopes
// that were asked for; the dialing relay stores no more envelopes than it
// was sent, and only ones that parse.
#include <cstdint>
#include <memory>
#include <set>
#include <vector>

#include "core/clock.h"
#include "core/envelope/format.h"
#include "core/random.h"
#include "core/sync/relay_peering.h"
#include "core/sync/relay_service.h"
#include "core/sync/relay_session.h"
#include "proto/waypost.pb.h"
#include "tests/fuzz/sync_fuzz_util.h"

namespace {

using namespace waypost;
using fuzz::Die;

// The answering side: a peer's messages to a relay that peers with it.
void AnswerAPeer(fuzz::RelayFixture& relay, ByteView input, Random& random) {
  static const FakeClock clock(fuzz::kNow);
  static const std::set<Bytes> peers = {fuzz::PeerKey().public_key};
  fuzz::SessionDriver driver(relay.store(), clock, random, &fuzz::PeerKey(), &peers);
  int64_t now = 1000;
  driver.Connect(now);
  sync::RelaySession& session = driver.session();
  for (ByteView bytes : fuzz::SplitMessages(input, 64)) {
    std::vector<Bytes> answers;
    const Status status = driver.Exchange(bytes, ++now, &answers);
    if (!status.ok()) {
      if (!answers.empty()) Die("the relay answered a message it failed on");
      if (session.OnReceive(input, now + 1).code() != status.code()) Die("came back to life");
      break;
    }
    pb::ClientMessage message;
    if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
        answers.size() != 1) {
      Die("an accepted message got other than one answer");
    }
    pb::RelayMessage answer;
    if (!answer.ParseFromArray(answers[0].data(), static_cast<int>(answers[0].size()))) {
      Die("the relay's answer does not parse");
    }
    if (!message.has_fetch()) continue;
    const std::set<sync::NegId> asked = fuzz::AskedIds(message.fetch());
    for (const std::string& e : answer.fetch().envelopes()) {
      if (asked.count(fuzz::IdOf(AsBytes(e))) == 0) Die("served what was not asked for");
      auto header = envelope::ParseHeader(AsBytes(e));
      if (!header.ok() || header->expires_at <= fuzz::kNow) Die("served a bad envelope");
    }
  }
  session.OnClosed(Status::Unavailable("closed"));
  if (session.accepted() > 0) relay.Reset();
}

// Counts the envelopes in the answers the dialing relay is sent.
size_t EnvelopesIn(ByteView answer) {
  pb::RelayMessage message;
  if (!message.ParseFromArray(answer.data(), static_cast<int>(answer.size()))) return 0;
  return message.has_fetch() ? static_cast<size_t>(message.fetch().envelopes_size()) : 0;
}

// The dialing side: hostile answers from the relay it peers with.
void DialAPeer(fuzz::RelayFixture& relay, ByteView input, Random& random) {
  static const FakeClock clock(fuzz::kNow);
  sync::RelayService service(relay.database(), fuzz::PeerKey(), clock, random);
  const sync::RelayAddress them{fuzz::RelayKey().public_key, "peer.test", 7447};
  sync::RelayPeering peering(service, {them}, {}, nullptr);
  std::vector<Outbound::Dial> dials;
  (void)peering.Tick(0, dials);
  if (dials.size() != 1) Die("peering dialed other than once");
  Connection& conn = *dials[0].conn;
  sync::SecureChannel other = sync::SecureChannel::Responder(fuzz::RelayKey(), random);

  int64_t now = 1000;
  fuzz::HandshakeWithRelay(conn, other, now);
  if (other.remote_static() != fuzz::PeerKey().public_key) Die("the peer did not prove its key");

  const int64_t before = relay.store().Count().value();
  size_t sent = 0;
  Status status;
  for (ByteView answer : fuzz::SplitMessages(input, 256)) {
    if (conn.IsDone()) break;
    while (other.NextMessage()) {
    }
    sent += EnvelopesIn(answer);
    if (!other.Send(answer).ok()) Die("the answering channel cannot send");
    status = conn.OnReceive(other.TakeOutput(), ++now);
    if (!status.ok()) break;
    if (!other.Feed(conn.TakeOutgoing()).ok()) Die("the dialing relay sent undecryptable bytes");
  }
  conn.OnClosed(status.ok() && !conn.IsDone() ? Status::Unavailable("closed") : status);
  peering.Finished(conn, status, now);
  const int64_t after = relay.store().Count().value();
  if (after < before) Die("peering lost envelopes");
  if (static_cast<size_t>(after - before) > sent) Die("peering stored more than it was sent");
  if (after != before) relay.Reset();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::RelayFixture relay;  // once per process; removes its directory at exit
  if (size == 0) return 0;
  SeededRandom random(size);  // channel keys only
  const ByteView input(data + 1, size - 1);
  if (data[0] % 2 == 0) {
    AnswerAPeer(relay, input, random);
  } else {
    DialAPeer(relay, input, random);
  }
  return 0;
}
