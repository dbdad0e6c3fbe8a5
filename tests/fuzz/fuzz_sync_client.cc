// A node's sync session against a hostile relay: the input is a list of the
// relay's answers (sync_fuzz_util.h: u16 length, bytes), each sent on an
// established SecureChannel to a real SyncClient after the client's next
// message. The client's party (FuzzParty) has three envelopes to upload,
// one recipient tag and a few held records, so the answers can reach every
// phase: upload, reconcile, fetch and upload again.
//
// Properties: no crash or sanitizer report; every failure is a Status, after
// which the client stays failed; the party's contract holds (verdicts for
// exactly the batch handed out, FetchDone once); and Fetched never gets an
// envelope whose content id the client did not ask for in a Fetch, nor one
// twice.
#include <cstdint>
#include <vector>

#include "core/random.h"
#include "core/sync/secure_channel.h"
#include "core/sync/sync_client.h"
#include "proto/waypost.pb.h"
#include "tests/fuzz/sync_fuzz_util.h"

namespace {

using namespace waypost;
using fuzz::Die;

// Reads the client's messages off the relay's end of the channel.
void ReadClientMessages(sync::SecureChannel& relay, fuzz::FuzzParty& party) {
  while (std::optional<Bytes> m = relay.NextMessage()) party.NoteClientMessage(*m);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (sodium_init() < 0) Die("sodium_init");
  SeededRandom random(size);  // channel keys only
  fuzz::FuzzParty party;
  sync::SyncClient client(fuzz::RelayKey().public_key, party, random);
  sync::SecureChannel relay = sync::SecureChannel::Responder(fuzz::RelayKey(), random);

  // The handshake and the first upload: nothing hostile yet.
  int64_t now = 1000;
  fuzz::HandshakeWithRelay(client, relay, now);
  ReadClientMessages(relay, party);

  Status failed;
  for (ByteView answer : fuzz::SplitMessages(ByteView(data, size), 256)) {
    if (client.IsDone()) break;
    now += 1;
    if (!relay.Send(answer).ok()) Die("the relay's channel cannot send");
    Status status = client.OnReceive(relay.TakeOutput(), now);
    if (!status.ok()) {
      if (client.status().code() != status.code()) Die("status() differs from the error");
      failed = status;
      break;
    }
    if (!relay.Feed(client.TakeOutgoing()).ok()) Die("the client sent undecryptable bytes");
    ReadClientMessages(relay, party);
  }

  if (!failed.ok()) {
    if (client.OnReceive(ByteView(data, size), now + 1).code() != failed.code()) {
      Die("a failed client came back to life");
    }
    if (client.succeeded()) Die("a failed client succeeded");
  } else if (client.IsDone()) {
    if (!client.succeeded()) Die("done without an error, yet not succeeded");
    if (!party.fetch_done) Die("done without FetchDone");
  }
  client.OnClosed(Status::Unavailable("closed"));
  if (!client.IsDone() && client.status().ok()) Die("an early close is no error");
  return 0;
}
