// Shared by the sync fuzz targets (fuzz_sync_session.cc, fuzz_sync_client.cc)
// and the seed-corpus generator (make_corpus.cc), so that the seeds the
// generator records are exactly what the targets replay: the same input
// format, the same relay store contents, the same SyncParty.
//
// No gtest here: the targets build with clang and libFuzzer as well as with
// g++ and tests/fuzz/replay_main.cc.
#pragma once

#include <sodium.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "core/clock.h"
#include "core/connection.h"
#include "core/envelope/format.h"
#include "core/noise/key_pair.h"
#include "core/random.h"
#include "core/secret.h"
#include "core/status.h"
#include "core/store/database.h"
#include "core/sync/negentropy_wire.h"
#include "core/sync/relay_session.h"
#include "core/sync/relay_store.h"
#include "core/sync/secure_channel.h"
#include "core/sync/sync_client.h"
#include "proto/waypost.pb.h"
#include "tests/kit/fake_envelope.h"

namespace waypost::fuzz {

// A harness bug or a broken property: stop at once, loudly (libFuzzer and
// the replay driver both keep the input that did it).
[[noreturn]] inline void Die(const char* what) {
  std::fprintf(stderr, "fuzz property violated: %s\n", what);
  std::abort();
}

inline constexpr UnixTime kNow = 1'800'000'000;  // every clock here reads this
inline constexpr uint32_t kDay = 24 * 3600;
inline constexpr size_t kSmall = envelope::kBucketSizes[0];

// ---------------------------------------------------------------- input format
//
// A sync target's input is a list of application messages, each a u16
// big-endian length and that many bytes; a length running past the end takes
// what is left, and a lone trailing byte is dropped. At most `max_messages`.
inline std::vector<ByteView> SplitMessages(ByteView data, size_t max_messages) {
  std::vector<ByteView> out;
  size_t i = 0;
  while (i + 2 <= data.size() && out.size() < max_messages) {
    const size_t length = GetU16(data.data() + i);
    i += 2;
    const size_t n = std::min(length, data.size() - i);
    out.push_back(data.subspan(i, n));
    i += n;
  }
  return out;
}

inline Bytes JoinMessages(const std::vector<Bytes>& messages) {
  Bytes out;
  for (const Bytes& m : messages) {
    if (m.size() > 0xffff) Die("JoinMessages: a message over 65535 bytes");
    PutU16(out, static_cast<uint16_t>(m.size()));
    Append(out, m);
  }
  return out;
}

// ---------------------------------------------------------------- envelopes

inline envelope::RecipientTag Tag(uint8_t b) {
  envelope::RecipientTag t;
  t.fill(b);
  return t;
}

// A well-formed envelope as a relay sees it (tests/kit/fake_envelope.h).
inline Bytes MakeEnvelope(const envelope::RecipientTag& tag, uint32_t expires_at, uint32_t seed,
                          size_t size = kSmall) {
  return testing::FakeEnvelope(tag, expires_at, seed, size);
}

inline sync::NegId IdOf(ByteView envelope_bytes) {
  const envelope::ContentId content = envelope::ComputeContentId(envelope_bytes);
  sync::NegId id;
  std::copy(content.begin(), content.end(), id.begin());
  return id;
}

// The reconciliation record of an envelope: (expiry, content id).
inline sync::NegItem ItemOf(ByteView envelope_bytes) {
  sync::NegItem item;
  item.timestamp = GetU32(envelope_bytes.data() + 1 + envelope::kTagSize + envelope::kHintSize);
  item.id = IdOf(envelope_bytes);
  return item;
}

// ---------------------------------------------------------------- fixed data

// The party's recipient tag; the relay holds envelopes under it and others.
inline const envelope::RecipientTag kPartyTag = Tag(0xA1);
inline const envelope::RecipientTag kUploadTag = Tag(0xB2);
inline const envelope::RecipientTag kOtherTag = Tag(0xC3);

// What the party has waiting for the relay.
inline std::vector<Bytes> PartyUploads() {
  std::vector<Bytes> out;
  for (uint32_t seed = 100; seed < 103; ++seed) {
    out.push_back(MakeEnvelope(kUploadTag, kNow + kDay, seed));
  }
  return out;
}

// The small envelopes under the party's tag that the relay holds: 1 to 8.
inline Bytes PartyEnvelope(uint32_t seed) {
  return MakeEnvelope(kPartyTag, kNow + kDay + seed % 3, seed);
}

// What the party already holds: the first three of RelaySeeds() under its
// tag, and one the relay never had.
inline std::vector<sync::NegItem> PartyHeld() {
  std::vector<sync::NegItem> held;
  for (uint32_t seed = 1; seed <= 3; ++seed) held.push_back(ItemOf(PartyEnvelope(seed)));
  held.push_back(ItemOf(MakeEnvelope(kPartyTag, kNow + 2 * kDay, 99)));
  return held;
}

// What fuzz_sync_session's relay store holds before each input: eight small
// envelopes and a larger one under the party's tag, three under another.
inline std::vector<Bytes> RelaySeeds() {
  std::vector<Bytes> out;
  for (uint32_t seed = 1; seed <= 8; ++seed) out.push_back(PartyEnvelope(seed));
  out.push_back(MakeEnvelope(kPartyTag, kNow + 3 * kDay, 9, envelope::kBucketSizes[1]));
  for (uint32_t seed = 20; seed < 23; ++seed) {
    out.push_back(MakeEnvelope(kOtherTag, kNow + kDay, seed));
  }
  return out;
}

// Small quotas, so that FULL is within a fuzzer's reach: the seeds take
// 1,192 bytes of the party tag's 4 KiB.
inline constexpr sync::RelayStore::Quotas kFuzzQuotas{4096, 16384};

// The relay's long-term key, the same in every target and seed.
inline const noise::KeyPair& RelayKey() {
  static const noise::KeyPair* key = [] {
    SeededRandom random(0x5eed);
    return new noise::KeyPair(noise::KeyPair::Generate(random));
  }();
  return *key;
}

// The ids a Fetch the relay accepted asked for; a bad one is a finding.
inline std::set<sync::NegId> AskedIds(const pb::Fetch& fetch) {
  std::set<sync::NegId> asked;
  for (const std::string& id : fetch.ids()) {
    sync::NegId n;
    if (id.size() != n.size()) Die("the relay accepted a bad id");
    std::copy(id.begin(), id.end(), n.begin());
    asked.insert(n);
  }
  return asked;
}

// Another relay's long-term key: the peer in the relay-to-relay target.
inline const noise::KeyPair& PeerKey() {
  static const noise::KeyPair* key = [] {
    SeededRandom random(0xbee5);
    return new noise::KeyPair(noise::KeyPair::Generate(random));
  }();
  return *key;
}

// ---------------------------------------------------------------- the relay store

// A relay store in a fresh SQLCipher database under a private temporary
// directory, removed again on destruction. Made once per process: opening
// and keying a database is far slower than one fuzz input.
class RelayFixture {
 public:
  explicit RelayFixture(std::vector<Bytes> seeds = RelaySeeds(),
                        sync::RelayStore::Quotas quotas = kFuzzQuotas)
      : seeds_(std::move(seeds)) {
    if (sodium_init() < 0) Die("sodium_init");
    std::string tmpl = (std::filesystem::temp_directory_path() / "waypost-fuzz-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) Die("mkdtemp");
    dir_ = tmpl;
    // A relay's store holds ciphertext only and turns memory security off
    // (core/store/database.h); so does this one, for speed.
    store::Database::SetMemorySecurity(false);
    Secret key(store::Database::kRawKeySize);
    randombytes_buf(key.data(), key.size());
    auto db = store::Database::Open(dir_ + "/relay.db", key);
    if (!db.ok()) Die("cannot open the relay database");
    db_.emplace(std::move(db).value());
    // Nothing here must survive a power cut.
    if (!db_->Exec("PRAGMA synchronous=OFF; PRAGMA journal_mode=MEMORY;").ok()) Die("pragma");
    store_.emplace(*db_, quotas);
    if (!store_->EnsureSchema().ok()) Die("EnsureSchema");
    Seed();
  }
  ~RelayFixture() {
    store_.reset();
    db_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  RelayFixture(const RelayFixture&) = delete;
  RelayFixture& operator=(const RelayFixture&) = delete;

  sync::RelayStore& store() { return *store_; }
  store::Database& database() { return *db_; }
  const std::vector<Bytes>& seeds() const { return seeds_; }

  // Back to exactly the seeds, after a session that stored something.
  void Reset() {
    if (!store_->PurgeExpired(kNow + 2 * sync::kMaxEnvelopeLifetimeSeconds).ok()) Die("purge");
    auto count = store_->Count();
    if (!count.ok() || *count != 0) Die("purge left envelopes behind");
    Seed();
  }

 private:
  void Seed() {
    std::vector<ByteView> views(seeds_.begin(), seeds_.end());
    auto stored = store_->PutBatch(views, kNow);
    if (!stored.ok() || stored->accepted != seeds_.size()) Die("cannot seed the relay store");
  }

  std::string dir_;
  std::vector<Bytes> seeds_;
  std::optional<store::Database> db_;
  std::optional<sync::RelayStore> store_;
};

// ---------------------------------------------------------------- the relay's session

// A real RelaySession and a real initiator SecureChannel wired back to back:
// Exchange() puts any plaintext on the established channel as one
// application message and returns what the relay answered.
class SessionDriver {
 public:
  // `client_static`: the key the initiator proves (null: a fresh one, as a
  // node's); `peer_keys`: the relays the session treats as peers.
  SessionDriver(sync::RelayStore& store, const Clock& clock, Random& random,
                const noise::KeyPair* client_static = nullptr,
                const std::set<Bytes>* peer_keys = nullptr)
      : session_(store, RelayKey(), clock, random, peer_keys),
        client_(sync::SecureChannel::Initiator(RelayKey().public_key, random, client_static)) {}

  // The handshake, which must succeed: nothing hostile has happened yet.
  void Connect(int64_t now_ms) {
    if (!session_.OnStart(now_ms).ok() || !client_.Start().ok()) Die("start");
    if (!session_.OnReceive(client_.TakeOutput(), now_ms).ok()) Die("handshake message 0");
    if (!client_.Feed(session_.TakeOutgoing()).ok() || !client_.established()) {
      Die("handshake message 1");
    }
    if (!session_.OnReceive(client_.TakeOutput(), now_ms).ok()) Die("handshake message 2");
  }

  // One application message to the relay. Returns the relay's Status; every
  // application message it sent back goes to `answers`.
  Status Exchange(ByteView plaintext, int64_t now_ms, std::vector<Bytes>* answers) {
    if (!client_.Send(plaintext).ok()) Die("the initiator cannot send");
    Status status = session_.OnReceive(client_.TakeOutput(), now_ms);
    if (!client_.Feed(session_.TakeOutgoing()).ok()) Die("the relay sent undecryptable bytes");
    while (std::optional<Bytes> answer = client_.NextMessage()) answers->push_back(*answer);
    return status;
  }

  sync::RelaySession& session() { return session_; }

 private:
  sync::RelaySession session_;
  sync::SecureChannel client_;
};

// The handshake between a client's Connection (a SyncClient, or a relay's
// peering session) and the relay's end of the channel, both at `now_ms`. It
// must succeed: nothing hostile has happened yet.
inline void HandshakeWithRelay(Connection& client, sync::SecureChannel& relay, int64_t now_ms) {
  if (!relay.Start().ok() || !client.OnStart(now_ms).ok()) Die("start");
  if (!relay.Feed(client.TakeOutgoing()).ok()) Die("handshake message 0");
  if (!client.OnReceive(relay.TakeOutput(), now_ms).ok()) Die("handshake message 1");
  if (!relay.Feed(client.TakeOutgoing()).ok() || !relay.established()) Die("handshake message 2");
}

// ---------------------------------------------------------------- the client's party

// A SyncParty in memory with fixed contents: PartyUploads() handed out once,
// the scope kPartyTag with PartyHeld(). It checks the SyncParty contract and
// the client's promise that every fetched envelope was asked for: `asked` is
// set by whoever reads the client's Fetch messages.
class FuzzParty final : public sync::SyncParty {
 public:
  Result<std::vector<Bytes>> NextUploads(size_t max_count, size_t max_bytes) override {
    if (!in_flight_.empty()) Die("NextUploads with a batch unanswered");
    if (handed_out_) return std::vector<Bytes>{};
    handed_out_ = true;
    std::vector<Bytes> batch;
    size_t bytes = 0;
    for (Bytes& e : PartyUploads()) {
      if (batch.size() >= max_count) break;
      if (!batch.empty() && bytes + e.size() > max_bytes) break;
      bytes += e.size();
      batch.push_back(std::move(e));
    }
    in_flight_ = batch;
    return batch;
  }

  Status Uploaded(const std::vector<Bytes>& batch,
                  const std::vector<sync::UploadVerdict>& verdicts) override {
    if (batch != in_flight_) Die("verdicts for a batch that was not handed out");
    if (verdicts.size() != batch.size()) Die("verdict count differs from the batch");
    uploads_answered += batch.size();
    in_flight_.clear();
    return Status::Ok();
  }

  Result<Scope> FetchScope() override {
    ++scope_calls;
    return Scope{{kPartyTag}, PartyHeld()};
  }

  Status Fetched(std::vector<Bytes> batch) override {
    if (fetch_done) Die("Fetched after FetchDone");
    for (const Bytes& e : batch) {
      const sync::NegId id = IdOf(e);
      if (asked.count(id) == 0) Die("Fetched an envelope whose content id was not asked for");
      if (!received.insert(id).second) Die("Fetched the same envelope twice");
    }
    fetched += batch.size();
    return Status::Ok();
  }

  Status FetchDone() override {
    if (fetch_done) Die("FetchDone twice");
    fetch_done = true;
    return Status::Ok();
  }

  // Notes one message the client sent: the ids a Fetch asks for.
  void NoteClientMessage(ByteView bytes) {
    pb::ClientMessage message;
    if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      Die("the client sent a message that does not parse");
    }
    if (message.kind_case() == pb::ClientMessage::KIND_NOT_SET) Die("a message of no kind");
    for (const std::string& id : message.fetch().ids()) {
      sync::NegId n;
      if (id.size() != n.size()) Die("the client asked for a bad id");
      std::copy(id.begin(), id.end(), n.begin());
      asked.insert(n);
    }
  }

  std::set<sync::NegId> asked;     // ids the client put in its Fetch messages
  std::set<sync::NegId> received;  // ids handed to Fetched
  size_t uploads_answered = 0;
  size_t fetched = 0;
  int scope_calls = 0;
  bool fetch_done = false;

 private:
  bool handed_out_ = false;
  std::vector<Bytes> in_flight_;
};

}  // namespace waypost::fuzz
