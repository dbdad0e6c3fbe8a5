// Writes the committed seed corpus of every fuzz target:
//
//   cmake --build build --target make_fuzz_corpus
//   build/tests/fuzz/make_fuzz_corpus tests/fuzz/corpus
//
// Each seed is a small, meaningful input: valid messages of each kind, made
// with core/ itself, and a few invalid ones near them. Everything comes from
// fixed seeds, so a rerun writes the same bytes; it replaces only the files
// of tests/fuzz/corpus/<target>/ for the targets below. The keys and
// "secrets" in the seeds are fixed patterns or seeded test keys, and relay
// addresses use documentation IP addresses only: no secret, no host name.
//
// The sync seeds are recorded, not written by hand: a real SyncClient (with
// the targets' FuzzParty) syncs through a proxy with a real RelaySession
// (over a RelayFixture), and the proxy keeps the plaintext both ways. The
// client's messages seed fuzz_sync_session, the relay's answers (some
// altered) seed fuzz_sync_client.
#include <sodium.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/envelope/envelope.h"
#include "core/node/invite.h"
#include "core/random.h"
#include "core/sync/frame.h"
#include "core/sync/negentropy.h"
#include "core/sync/relay_address.h"
#include "core/sync/relay_peering.h"
#include "core/sync/relay_service.h"
#include "proto/waypost.pb.h"
#include "tests/fuzz/negentropy_fuzz_util.h"
#include "tests/fuzz/sync_fuzz_util.h"

namespace waypost::fuzz {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------- output

class CorpusDir {
 public:
  CorpusDir(const fs::path& root, const std::string& target) : dir_(root / target) {
    fs::create_directories(dir_);
    for (const auto& entry : fs::directory_iterator(dir_)) {
      if (entry.is_regular_file()) fs::remove(entry.path());
    }
    target_ = target;
  }
  ~CorpusDir() { std::printf("%-22s %3d seeds, %7zu bytes\n", target_.c_str(), count_, bytes_); }

  void Add(const std::string& name, ByteView bytes) {
    if (bytes.size() > 65000) Die("a seed over 65000 bytes");
    std::ofstream out(dir_ / name, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    if (!out) Die("cannot write a seed");
    ++count_;
    bytes_ += bytes.size();
  }
  void Add(const std::string& name, std::string_view text) { Add(name, AsBytes(text)); }

 private:
  fs::path dir_;
  std::string target_;
  int count_ = 0;
  size_t bytes_ = 0;
};

Bytes Cat(std::initializer_list<ByteView> parts) {
  Bytes out;
  for (ByteView p : parts) Append(out, p);
  return out;
}

Bytes One(uint8_t b) { return Bytes{b}; }

Bytes Framed(ByteView message) {
  Bytes out;
  if (!sync::AppendFrame(out, message).ok()) Die("AppendFrame");
  return out;
}

Bytes Pattern(size_t n, uint8_t first) {
  Bytes out(n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(first + i);
  return out;
}

// The first message of an XX initiator, framed.
Bytes HandshakeMessage0(uint64_t seed) {
  SeededRandom random(seed);
  auto channel = sync::SecureChannel::Initiator(RelayKey().public_key, random);
  if (!channel.Start().ok()) Die("initiator start");
  return channel.TakeOutput();
}

// ---------------------------------------------------------------- frame reader

void FrameReaderSeeds(const fs::path& root) {
  CorpusDir dir(root, "fuzz_frame_reader");
  const Bytes hello = Framed(AsBytes(std::string_view("hello")));
  dir.Add("one-frame-whole", Cat({One(63), hello}));
  dir.Add("one-frame-bytewise", Cat({One(0), hello}));
  dir.Add("three-frames", Cat({One(6), hello, Framed(Pattern(40, 1)), Framed(Pattern(1, 9))}));
  dir.Add("frame-300", Cat({One(17), Framed(Pattern(300, 3))}));
  dir.Add("handshake-message0", Cat({One(31), HandshakeMessage0(1)}));
  dir.Add("zero-length-frame", Cat({One(2), hello, Bytes{0x00, 0x00}, hello}));
  dir.Add("max-length-header-cut", Cat({One(5), Bytes{0xff, 0xff}, Pattern(100, 0)}));
  dir.Add("header-only", Cat({One(0), Bytes{0x00}}));
}

// ---------------------------------------------------------------- envelope

void EnvelopeSeeds(const fs::path& root) {
  CorpusDir dir(root, "fuzz_envelope");
  // Keys of our own: the target's are different, so none of these opens.
  SeededRandom random(2001);
  const noise::KeyPair sender = noise::KeyPair::Generate(random);
  const noise::KeyPair recipient = noise::KeyPair::Generate(random);
  Secret psk(32), chain(32);
  for (size_t i = 0; i < 32; ++i) psk.data()[i] = static_cast<uint8_t>(0xA0 + i);
  for (size_t i = 0; i < 32; ++i) chain.data()[i] = static_cast<uint8_t>(0x30 + i);

  auto seal = [&](envelope::Pattern pattern, const pb::Body& body, uint8_t tag) {
    const std::string plain = body.SerializeAsString();
    envelope::SealRequest req;
    req.pattern = pattern;
    req.sender = &sender;
    req.recipient_public = recipient.public_key;
    req.psk = &psk;
    req.tag = Tag(tag);
    req.hint_chain = pattern == envelope::Pattern::kContact ? &chain : nullptr;
    req.expires_at = static_cast<uint32_t>(kNow + kDay);
    req.body = AsBytes(plain);
    auto sealed = envelope::Seal(req, random);
    if (!sealed.ok()) Die("Seal");
    return std::move(sealed).value();
  };

  pb::Body checkin;
  checkin.mutable_checkin()->set_code("crossed");
  checkin.set_sent_at(kNow);
  checkin.set_flags(0);
  const Bytes small = seal(envelope::Pattern::kContact, checkin, 0x11);
  dir.Add("contact-checkin-117", small);

  pb::Body text;
  text.mutable_text()->set_text(std::string(150, 'x'));
  text.set_sent_at(kNow);
  text.set_flags(0);
  dir.Add("contact-text-256", seal(envelope::Pattern::kContact, text, 0x12));

  pb::Body long_text;
  long_text.mutable_text()->set_text(std::string(700, 'y'));
  long_text.set_sent_at(kNow);
  long_text.set_flags(1);
  dir.Add("contact-text-1024", seal(envelope::Pattern::kContact, long_text, 0x13));

  pb::Body join;
  join.mutable_join()->set_name("Ana");
  join.mutable_join()->set_tag_key(std::string(32, '\x42'));
  join.mutable_join()->set_chain_seed(std::string(32, '\x43'));
  join.set_sent_at(kNow);
  join.set_flags(0);
  dir.Add("join-request", seal(envelope::Pattern::kJoin, join, 0x14));

  dir.Add("header-valid-body-random", MakeEnvelope(Tag(0x15), kNow + kDay, 7));
  Bytes bad_version = small;
  bad_version[0] = 0x02;
  dir.Add("bad-version", bad_version);
  dir.Add("truncated", ByteView(small).first(60));
  dir.Add("header-only", ByteView(small).first(envelope::kHeaderSize));
}

// ---------------------------------------------------------------- invite

std::string RelayAddressText(uint8_t key_byte, std::string host, uint16_t port) {
  sync::RelayAddress address;
  address.public_key = Bytes(32, key_byte);
  address.host = std::move(host);
  address.port = port;
  return sync::FormatRelayAddress(address);
}

void InviteSeeds(const fs::path& root) {
  CorpusDir dir(root, "fuzz_invite");
  pb::Invite invite;
  invite.set_inviter_key(std::string(32, '\x01'));
  invite.set_secret(std::string(32, '\x02'));  // a pattern, not a secret
  invite.set_expires_at(kNow + kDay);
  invite.set_inviter_name("Ana");
  invite.set_tag_key(std::string(32, '\x03'));
  const std::string bare = node::EncodeInvite(invite);
  dir.Add("no-relays", bare);
  invite.add_relays(RelayAddressText(0x04, "192.0.2.1", 4433));
  dir.Add("one-relay", node::EncodeInvite(invite));
  invite.add_relays(RelayAddressText(0x05, "2001:db8::7", 443));
  const std::string two = node::EncodeInvite(invite);
  dir.Add("two-relays", two);
  // The target also tries each input behind "wpi1:".
  dir.Add("two-relays-no-prefix", std::string_view(two).substr(node::kInvitePrefix.size()));
  std::string wrong = two;
  wrong[wrong.size() / 2] = wrong[wrong.size() / 2] == 'A' ? 'B' : 'A';
  dir.Add("bad-checksum", wrong);
  dir.Add("prefix-only", node::kInvitePrefix);
  pb::Invite short_key = invite;
  short_key.set_inviter_key(std::string(31, '\x01'));
  dir.Add("short-key", node::EncodeInvite(short_key));
}

// ---------------------------------------------------------------- relay address

void RelayAddressSeeds(const fs::path& root) {
  CorpusDir dir(root, "fuzz_relay_address");
  dir.Add("ipv4", RelayAddressText(0x21, "192.0.2.10", 4433));
  dir.Add("ipv4-port-1", RelayAddressText(0x22, "198.51.100.7", 1));
  dir.Add("ipv6", RelayAddressText(0x23, "2001:db8::1", 443));
  dir.Add("ipv6-port-max", RelayAddressText(0x24, "2001:db8:0:1:2:3:4:5", 65535));
  const std::string good = RelayAddressText(0x25, "203.0.113.9", 8443);
  dir.Add("no-port", good.substr(0, good.rfind(':')));
  dir.Add("short-key", "wpr1:" + std::string(62, 'a') + "@192.0.2.1:4433");
  dir.Add("unclosed-bracket", "wpr1:" + std::string(64, 'b') + "@[2001:db8::1:443");
  dir.Add("port-too-big", "wpr1:" + std::string(64, 'c') + "@192.0.2.1:65536");
}

// ---------------------------------------------------------------- secure channel

void SecureChannelSeeds(const fs::path& root) {
  CorpusDir dir(root, "fuzz_secure_channel");
  // The target's responder has its own ephemeral keys, so only message 0 of
  // a real initiator is meaningful; what follows it is shaped like the rest.
  const Bytes m0 = HandshakeMessage0(2);
  dir.Add("message0", Cat({One(96), m0}));
  dir.Add("message0-bytewise", Cat({One(0), m0}));
  dir.Add("message0-then-message2-shape", Cat({One(13), m0, Framed(Pattern(64, 0x40))}));
  dir.Add("message0-then-transport-shape",
          Cat({One(50), m0, Framed(Pattern(64, 0x40)), Framed(Pattern(528, 0x10))}));
  dir.Add("message0-short", Cat({One(7), Framed(Pattern(31, 0x50))}));
  dir.Add("message0-long", Cat({One(7), Framed(Pattern(33, 0x50))}));
}

// ---------------------------------------------------------------- negentropy

void NegentropySeeds(const fs::path& root) {
  CorpusDir dir(root, "fuzz_negentropy");
  const std::vector<sync::NegItem> client_items = NegItems(kNegClientSalt, kNegSetSize);
  const std::vector<sync::NegItem> server_items = NegItems(kNegServerSalt, kNegSetSize);
  // For each frame limit the target's first byte picks: the initiating
  // message of a client (for the target's server) and the replies of a server
  // to the target's client, over as many rounds as reconciliation takes.
  for (uint8_t selector = 0; selector < 3; ++selector) {
    const size_t limit = NegLimitFor(selector);
    const std::string suffix = "-limit" + std::to_string(limit);
    auto client =
        sync::NegentropyClient::Create(sync::NegStorage::Create(client_items).value(), limit)
            .value();
    auto server =
        sync::NegentropyServer::Create(sync::NegStorage::Create(server_items).value(), limit)
            .value();
    std::optional<Bytes> query = client.Initiate().value();
    dir.Add("client-initiate" + suffix, Cat({One(selector), *query}));
    for (int round = 1; query && round <= 3; ++round) {
      const Bytes reply = server.Reconcile(*query).value();
      dir.Add("server-reply" + std::to_string(round) + suffix, Cat({One(selector), reply}));
      std::vector<sync::NegId> have, need;
      query = client.Reconcile(reply, &have, &need).value();
      if (query && round == 1) {
        dir.Add("client-round2" + suffix, Cat({One(selector), *query}));
      }
    }
  }
  // Smaller sets: an empty client, an overlapping one, a single record.
  auto initiate = [](std::vector<sync::NegItem> items) {
    return sync::NegentropyClient::Create(sync::NegStorage::Create(std::move(items)).value(), 0)
        .value()
        .Initiate()
        .value();
  };
  dir.Add("client-initiate-empty", Cat({One(0), initiate({})}));
  dir.Add("client-initiate-one", Cat({One(0), initiate(NegItems(kNegServerSalt, 1))}));
  std::vector<sync::NegItem> overlap = NegItems(kNegServerSalt, 40);
  dir.Add("client-initiate-overlap", Cat({One(1), initiate(overlap)}));
  dir.Add("version-only", Bytes{0x00, sync::kNegProtocolV1});
  dir.Add("other-version", Bytes{0x00, 0x62});
  dir.Add("not-negentropy", Bytes{0x01, 0x10, 0x00});
}

// ---------------------------------------------------------------- sync

// What one recorded sync session said, in plaintext.
struct Transcript {
  std::vector<Bytes> client;  // the client's messages
  std::vector<Bytes> relay;   // the answers the client got (after `alter`)
  Status status;              // the client's at the end
  bool succeeded = false;
};

// Alters the relay's answer number `index` (0-based) to `message` before the
// client sees it.
using Alter =
    std::function<void(size_t index, const pb::ClientMessage& message, pb::RelayMessage& answer)>;

// A SyncClient with a FuzzParty syncs with a RelaySession over `fixture`,
// through a proxy that keeps the plaintext both ways.
Transcript Record(RelayFixture& fixture, const Alter& alter = nullptr) {
  Transcript t;
  SeededRandom random(3001);
  const FakeClock clock(kNow);
  FuzzParty party;
  sync::SyncClient client(RelayKey().public_key, party, random);
  sync::SecureChannel front = sync::SecureChannel::Responder(RelayKey(), random);
  SessionDriver back(fixture.store(), clock, random);
  back.Connect(0);

  HandshakeWithRelay(client, front, 0);
  for (int64_t now = 1; !client.IsDone() && now < 2000; ++now) {
    std::optional<Bytes> message = front.NextMessage();
    if (!message) break;
    t.client.push_back(*message);
    party.NoteClientMessage(*message);
    std::vector<Bytes> answers;
    if (!back.Exchange(*message, now, &answers).ok() || answers.size() != 1) {
      Die("the relay failed on a real client's message");
    }
    Bytes answer = answers[0];
    if (alter) {
      pb::ClientMessage m;
      pb::RelayMessage a;
      if (!m.ParseFromArray(message->data(), static_cast<int>(message->size())) ||
          !a.ParseFromArray(answer.data(), static_cast<int>(answer.size()))) {
        Die("parse");
      }
      alter(t.relay.size(), m, a);
      const std::string encoded = a.SerializeAsString();
      answer.assign(encoded.begin(), encoded.end());
    }
    t.relay.push_back(answer);
    if (!front.Send(answer).ok()) Die("send");
    if (!client.OnReceive(front.TakeOutput(), now).ok()) break;
    if (!front.Feed(client.TakeOutgoing()).ok()) Die("feed");
  }
  t.status = client.status();
  t.succeeded = client.succeeded();
  if (back.session().accepted() > 0) fixture.Reset();
  return t;
}

std::string Describe(const Transcript& t) {
  return std::to_string(t.client.size()) + " messages, " +
         (t.succeeded ? std::string("succeeded") : "failed: " + t.status.message());
}

pb::ClientMessage Upload(const std::vector<Bytes>& envelopes) {
  pb::ClientMessage m;
  m.mutable_upload();  // set even when empty
  for (const Bytes& e : envelopes) m.mutable_upload()->add_envelopes(AsString(e));
  return m;
}

pb::ClientMessage Reconcile(const std::vector<envelope::RecipientTag>& tags, ByteView negentropy,
                            uint32_t frame_limit) {
  pb::ClientMessage m;
  for (const auto& tag : tags) m.mutable_reconcile()->add_tags(tag.data(), tag.size());
  m.mutable_reconcile()->set_frame_limit(frame_limit);
  m.mutable_reconcile()->set_negentropy(negentropy.data(), negentropy.size());
  return m;
}

pb::ClientMessage Fetch(const std::vector<Bytes>& envelopes, std::vector<Bytes> raw_ids = {}) {
  pb::ClientMessage m;
  m.mutable_fetch();  // set even when empty
  for (const Bytes& e : envelopes) {
    const sync::NegId id = IdOf(e);
    m.mutable_fetch()->add_ids(id.data(), id.size());
  }
  for (const Bytes& id : raw_ids) m.mutable_fetch()->add_ids(AsString(id));
  return m;
}

Bytes Encode(const pb::ClientMessage& m) {
  const std::string s = m.SerializeAsString();
  return Bytes(s.begin(), s.end());
}

Bytes Messages(const std::vector<pb::ClientMessage>& messages) {
  std::vector<Bytes> encoded;
  for (const auto& m : messages) encoded.push_back(Encode(m));
  return JoinMessages(encoded);
}

Bytes FirstNegentropy(std::vector<sync::NegItem> held = {}) {
  return sync::NegentropyClient::Create(sync::NegStorage::Create(std::move(held)).value(), 0)
      .value()
      .Initiate()
      .value();
}

void SyncSessionSeeds(const fs::path& root) {
  CorpusDir dir(root, "fuzz_sync_session");
  RelayFixture fixture;  // as the target's: RelaySeeds(), kFuzzQuotas
  const std::vector<Bytes> seeds = RelaySeeds();

  const Transcript full = Record(fixture);
  std::printf("  recorded sync against the target's relay: %s\n", Describe(full).c_str());
  if (!full.succeeded) Die("the recorded session failed");
  dir.Add("client-full-sync", JoinMessages(full.client));
  dir.Add("client-upload-only", JoinMessages({full.client[0]}));

  // Uploads: new, a duplicate of a seed, expired, too far ahead, of no
  // bucket size, a bigger bucket; and one too big for the store's quota.
  dir.Add(
      "upload-mixed",
      Messages({Upload({MakeEnvelope(kPartyTag, kNow + kDay, 40), seeds[0],
                        MakeEnvelope(kPartyTag, kNow - 1, 41),
                        MakeEnvelope(kPartyTag, kNow + 61 * kDay, 42), Bytes(100, 0x01),
                        MakeEnvelope(kOtherTag, kNow + kDay, 43, envelope::kBucketSizes[2])})}));
  dir.Add(
      "upload-over-quota",
      Messages({Upload({MakeEnvelope(kUploadTag, kNow + kDay, 44, envelope::kBucketSizes[4])})}));
  {
    std::vector<Bytes> many;
    for (uint32_t i = 0; i < 40; ++i) many.push_back(MakeEnvelope(kPartyTag, kNow + kDay, 200 + i));
    dir.Add("upload-fills-tag-quota", Messages({Upload(many)}));
  }
  dir.Add("upload-empty", Messages({Upload({})}));

  // Reconcile, then fetch: in scope, out of scope, unknown, malformed.
  const Bytes first = FirstNegentropy();
  dir.Add("reconcile-then-fetch",
          Messages({Reconcile({kPartyTag}, first, 0), Fetch({seeds[3], seeds[4], seeds[8]}),
                    Fetch({seeds[9]}, {Bytes(32, 0x77)})}));
  dir.Add("reconcile-two-tags-fetch-all",
          Messages({Reconcile({kPartyTag, kOtherTag, kUploadTag}, first, 4096), Fetch(seeds)}));
  dir.Add("reconcile-held", Messages({Reconcile({kPartyTag}, FirstNegentropy(PartyHeld()), 2048)}));
  dir.Add("upload-then-reconcile-then-fetch",
          Messages({Upload({MakeEnvelope(kUploadTag, kNow + kDay, 50)}),
                    Reconcile({kUploadTag}, first, 0),
                    Fetch({MakeEnvelope(kUploadTag, kNow + kDay, 50)})}));
  dir.Add("fetch-before-reconcile", Messages({Fetch({seeds[0]})}));
  dir.Add("fetch-nothing", Messages({Reconcile({kPartyTag}, first, 0), Fetch({})}));
  dir.Add("fetch-bad-id",
          Messages({Reconcile({kPartyTag}, first, 0), Fetch({}, {Bytes(31, 0x01)})}));
  dir.Add("reconcile-no-tags", Messages({Reconcile({}, first, 0)}));
  dir.Add("reconcile-tags-twice",
          Messages({Reconcile({kPartyTag}, first, 0), Reconcile({kPartyTag}, first, 0)}));
  {
    pb::ClientMessage bad_tag = Reconcile({kPartyTag}, first, 0);
    bad_tag.mutable_reconcile()->add_tags("short");
    dir.Add("reconcile-bad-tag", Messages({bad_tag}));
  }
  dir.Add("reconcile-bad-negentropy",
          Messages({Reconcile({kPartyTag}, Bytes{0x61, 0xff, 0xff}, 0)}));
  dir.Add("empty-message", JoinMessages({Bytes{}}));
  dir.Add("not-protobuf", JoinMessages({Bytes{0xff, 0xff, 0xff, 0x0f}}));
}

void SyncClientSeeds(const fs::path& root) {
  CorpusDir dir(root, "fuzz_sync_client");
  auto add = [&](const std::string& name, const Transcript& t) {
    std::printf("  %-32s %s\n", name.c_str(), Describe(t).c_str());
    dir.Add(name, JoinMessages(t.relay));
  };

  RelayFixture standard;
  const Transcript full = Record(standard);
  add("relay-full-sync", full);
  {
    std::vector<Bytes> first_two(full.relay.begin(), full.relay.begin() + 2);
    dir.Add("relay-first-two-answers", JoinMessages(first_two));
  }

  RelayFixture empty(std::vector<Bytes>{});
  add("relay-empty-store", Record(empty));

  std::vector<Bytes> many;
  for (uint32_t seed = 1; seed <= 90; ++seed) {
    many.push_back(MakeEnvelope(kPartyTag, kNow + kDay + seed % 5, seed));
  }
  RelayFixture crowded(many, {uint64_t{1} << 20, uint64_t{1} << 20});
  add("relay-90-envelopes", Record(crowded));

  RelayFixture tight(std::vector<Bytes>{}, {150, 150});
  add("relay-full-quota", Record(tight));

  // A relay that lies or cuts corners, answer by answer.
  add("relay-verdict-kinds",
      Record(standard, [](size_t i, const pb::ClientMessage&, pb::RelayMessage& a) {
        if (i != 0) return;
        a.mutable_upload()->clear_verdicts();
        a.mutable_upload()->add_verdicts(pb::UploadResult::HELD);
        a.mutable_upload()->add_verdicts(pb::UploadResult::REFUSED);
        a.mutable_upload()->add_verdicts(static_cast<pb::UploadResult::Verdict>(9));
      }));
  add("relay-verdicts-short",
      Record(standard, [](size_t i, const pb::ClientMessage&, pb::RelayMessage& a) {
        if (i == 0) a.mutable_upload()->mutable_verdicts()->RemoveLast();
      }));
  add("relay-fetch-partial",
      Record(standard, [](size_t, const pb::ClientMessage& m, pb::RelayMessage& a) {
        static bool once = false;
        if (m.has_fetch() && !once && a.fetch().envelopes_size() > 1) {
          once = true;
          a.mutable_fetch()->mutable_envelopes()->RemoveLast();
        }
      }));
  add("relay-fetch-gone",
      Record(standard, [](size_t, const pb::ClientMessage& m, pb::RelayMessage& a) {
        if (!m.has_fetch() || a.fetch().envelopes_size() == 0) return;
        const sync::NegId id = IdOf(AsBytes(a.fetch().envelopes(0)));
        a.mutable_fetch()->add_gone(id.data(), id.size());
        a.mutable_fetch()->mutable_envelopes()->DeleteSubrange(0, 1);
      }));
  add("relay-fetch-unasked",
      Record(standard, [](size_t, const pb::ClientMessage& m, pb::RelayMessage& a) {
        if (m.has_fetch()) {
          a.mutable_fetch()->add_envelopes(AsString(MakeEnvelope(kPartyTag, kNow + kDay, 77)));
        }
      }));
  add("relay-fetch-nothing",
      Record(standard, [](size_t, const pb::ClientMessage& m, pb::RelayMessage& a) {
        if (m.has_fetch()) a.mutable_fetch()->Clear();
      }));
  add("relay-wrong-kind",
      Record(standard, [](size_t, const pb::ClientMessage& m, pb::RelayMessage& a) {
        if (m.has_reconcile()) a.mutable_fetch();
      }));
  add("relay-bad-negentropy",
      Record(standard, [](size_t, const pb::ClientMessage& m, pb::RelayMessage& a) {
        if (m.has_reconcile()) a.mutable_reconcile()->set_negentropy(std::string("\x61\x05", 2));
      }));
  add("relay-negentropy-other-version",
      Record(standard, [](size_t, const pb::ClientMessage& m, pb::RelayMessage& a) {
        if (m.has_reconcile()) a.mutable_reconcile()->set_negentropy(std::string("\x62", 1));
      }));
  dir.Add("relay-not-protobuf", JoinMessages({Bytes{0xff, 0xff, 0xff, 0x0f}}));
  dir.Add("relay-empty-answer", JoinMessages({Bytes{}}));
}

// fuzz_relay_peer: a real peering session between a relay holding two
// envelopes of its own (dialing, PeerKey()) and the target's relay
// (answering, RelayKey(), which lists PeerKey() as a peer). The dialing
// relay's messages seed the answering side (first byte 0), the answers seed
// the dialing side (first byte 1).
void RelayPeerSeeds(const fs::path& root) {
  CorpusDir dir(root, "fuzz_relay_peer");
  RelayFixture answering;
  RelayFixture dialing(
      {MakeEnvelope(kOtherTag, kNow + kDay, 501), MakeEnvelope(kUploadTag, kNow + 2 * kDay, 502)});
  SeededRandom random(3002);
  const FakeClock clock(kNow);
  const std::set<Bytes> peers = {PeerKey().public_key};
  sync::RelayService service(dialing.database(), PeerKey(), clock, random);
  sync::RelayPeering peering(service, {{RelayKey().public_key, "peer.test", 7447}}, {}, nullptr);
  std::vector<Outbound::Dial> dials;
  (void)peering.Tick(0, dials);
  Connection& conn = *dials.at(0).conn;
  sync::SecureChannel front = sync::SecureChannel::Responder(RelayKey(), random);
  SessionDriver back(answering.store(), clock, random, &PeerKey(), &peers);
  back.Connect(0);
  HandshakeWithRelay(conn, front, 0);
  std::vector<Bytes> messages, answers;
  for (int64_t now = 1; !conn.IsDone() && now < 2000; ++now) {
    std::optional<Bytes> message = front.NextMessage();
    if (!message) break;
    messages.push_back(*message);
    std::vector<Bytes> answer;
    if (!back.Exchange(*message, now, &answer).ok() || answer.size() != 1) {
      Die("the relay failed on a peer's message");
    }
    answers.push_back(answer[0]);
    if (!front.Send(answer[0]).ok()) Die("send");
    if (!conn.OnReceive(front.TakeOutput(), now).ok()) Die("the peering session failed");
    if (!front.Feed(conn.TakeOutgoing()).ok()) Die("feed");
  }
  if (!conn.IsDone()) Die("the recorded peering did not finish");
  std::printf("  recorded peering: %zu messages\n", messages.size());
  auto tagged = [](uint8_t side, const Bytes& body) {
    Bytes out{side};
    out.insert(out.end(), body.begin(), body.end());
    return out;
  };
  dir.Add("peer-messages", tagged(0, JoinMessages(messages)));
  dir.Add("peer-answers", tagged(1, JoinMessages(answers)));
  dir.Add("peer-first-message", tagged(0, JoinMessages({messages.at(0)})));
  dir.Add("peer-first-answer", tagged(1, JoinMessages({answers.at(0)})));
  conn.OnClosed(Status::Ok());
  peering.Finished(conn, Status::Ok(), 2000);
}

}  // namespace
}  // namespace waypost::fuzz

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s tests/fuzz/corpus\n", argv[0]);
    return 2;
  }
  if (sodium_init() < 0) return 1;
  const std::filesystem::path root = argv[1];
  using namespace waypost::fuzz;
  FrameReaderSeeds(root);
  EnvelopeSeeds(root);
  InviteSeeds(root);
  RelayAddressSeeds(root);
  SecureChannelSeeds(root);
  NegentropySeeds(root);
  SyncSessionSeeds(root);
  SyncClientSeeds(root);
  RelayPeerSeeds(root);
  return 0;
}
