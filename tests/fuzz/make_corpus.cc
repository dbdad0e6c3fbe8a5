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
//
// The key files of fuzz_key_file are written by KeyFile itself, with the
// real Argon2id, and the node seeds (fuzz_body, fuzz_enrollment) name and
// seal with what the targets' own nodes hold: the generator builds the same
// nodes (node_fuzz_fixtures.h). Together a few seconds.
#include <sodium.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/envelope/armor.h"
#include "core/envelope/bundle.h"
#include "core/envelope/envelope.h"
#include "core/node/invite.h"
#include "core/random.h"
#include "core/store/kdf.h"
#include "core/store/key_file.h"
#include "core/sync/frame.h"
#include "core/sync/negentropy.h"
#include "core/sync/relay_address.h"
#include "core/sync/relay_peering.h"
#include "core/sync/relay_service.h"
#include "proto/waypost.pb.h"
#include "tests/fuzz/key_file_fuzz_util.h"
#include "tests/fuzz/negentropy_fuzz_util.h"
#include "tests/fuzz/node_fuzz_fixtures.h"
#include "tests/fuzz/scratch_dir.h"
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

// ---------------------------------------------------------------- armored text

// Pasted text as phones and mail leave it: whole pieces, mangled ones, a
// pair, and pieces cut short or damaged.
void ArmorSeeds(const fs::path& root) {
  CorpusDir dir(root, "fuzz_unarmor");
  const std::string small = envelope::Armor(MakeEnvelope(Tag(0x41), kNow + kDay, 41));
  const std::string other = envelope::Armor(MakeEnvelope(Tag(0x42), kNow + kDay, 42));
  const std::string text = envelope::Armor(MakeEnvelope(Tag(0x43), kNow + kDay, 43, 256));
  std::string wrapped;  // spaces, line breaks, a no-break space, e-mail quoting
  for (size_t i = 0; i < text.size(); i += 40) {
    wrapped += (i == 0 ? "> " : i == 40 ? "\r\n> " : i == 80 ? "\xC2\xA0" : " ");
    wrapped += text.substr(i, 40);
  }
  std::string damaged = small;
  damaged[60] = '!';
  dir.Add("clean-117", small);
  dir.Add("clean-256-in-words", "Here it is: " + text + " thanks!");
  dir.Add("mangled-256", wrapped);
  dir.Add("pair", small + "\n" + other);
  dir.Add("pair-first-cut", small.substr(0, 90) + other);
  dir.Add("cut", small.substr(0, 120));
  dir.Add("damaged", damaged);
  dir.Add("capitalized", "WP1:" + small.substr(envelope::kArmorPrefix.size()));
}

// ---------------------------------------------------------------- bundle

// Bundle files as a USB stick may hold them: whole, cut short and damaged.
// The first byte picks the target's chunk size; the rest is the file.
void BundleSeeds(const fs::path& root) {
  CorpusDir dir(root, "fuzz_bundle");
  SeededRandom random(2101);
  auto write = [&](const std::vector<Bytes>& envelopes) {
    auto file = envelope::WriteBundle(envelopes, random);
    if (!file.ok()) Die("WriteBundle");
    return std::move(file).value();
  };
  const Bytes three = write({MakeEnvelope(Tag(0x51), kNow + kDay, 51),
                             MakeEnvelope(Tag(0x52), kNow + kDay, 52, envelope::kBucketSizes[1]),
                             MakeEnvelope(Tag(0x53), kNow + kDay, 53, envelope::kBucketSizes[2])});
  // Where the 256-byte envelope's record starts: after the header and 117's.
  const size_t second = envelope::kBundleHeaderSize + envelope::kBundleRecordMarker.size() + 1 +
                        envelope::kBucketSizes[0] + envelope::kBundleRecordCheckSize;
  dir.Add("empty", Cat({One(200), write({})}));
  dir.Add("three-buckets", Cat({One(40), three}));
  dir.Add("three-buckets-bytewise", Cat({One(0), three}));
  dir.Add("largest-bucket",
          Cat({One(255),
               write({MakeEnvelope(Tag(0x54), kNow + kDay, 54, envelope::kMaxEnvelopeSize)})}));
  dir.Add("truncated", Cat({One(6), ByteView(three).first(second + 100)}));
  Bytes flipped = three;
  flipped[second + 50] ^= 0x04;
  dir.Add("flipped-byte", Cat({One(12), flipped}));
  Bytes no_header = three;
  no_header[20] ^= 0x01;
  dir.Add("header-damaged", Cat({One(130), no_header}));
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

// ---------------------------------------------------------------- key file

// fuzz_key_file: key files written by KeyFile itself at the interactive cost
// (all but two share one salt, so that the target derives few keys), each
// behind a control byte (key_file_fuzz_util.h), and damaged ones near them.
// Made with the real Argon2id: a few seconds.
void KeyFileSeeds(const fs::path& root) {
  namespace kf = key_file;
  using store::KeyFile;
  CorpusDir dir(root, "fuzz_key_file");
  ScratchDir scratch;
  if (!scratch.ok()) Die("no scratch directory");
  store::SetKdfMemoryLocking(false);
  SeededRandom random(4001);
  const auto pass = [](std::string_view text) { return Secret::FromString(text); };
  const auto must = [](const Status& status) {
    if (!status.ok()) Die("a key file operation failed");
  };
  const auto read = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  const auto add = [&](const std::string& name, uint8_t control, ByteView file) {
    dir.Add(name, Cat({One(control), file}));
  };
  const auto flip = [](Bytes file, size_t at) {
    file.at(at) ^= 0x01;
    return file;
  };
  const auto reseal = [](Bytes file) {
    kf::Reseal(file);
    return file;
  };
  // Both copies' bytes [at, at + n) set to `value`, big-endian.
  const auto set_field = [](Bytes file, size_t at, size_t n, uint64_t value) {
    for (size_t copy : {size_t{0}, KeyFile::kSecondCopy}) {
      for (size_t i = 0; i < n; ++i) file[copy + at + i] = uint8_t(value >> (8 * (n - 1 - i)));
    }
    return file;
  };
  constexpr size_t kSecond = KeyFile::kSecondCopy;
  constexpr size_t kSlot0 = KeyFile::kHeaderSize;
  const bool reseal_flag = true;

  const std::string a = scratch.File("a.key");
  must(KeyFile::Create(a, pass(kf::kNormal), store::KdfProfile::kInteractive, kf::MainKey(),
                       random));
  const Bytes fresh = read(a);
  must(KeyFile::SetSlot(a, 2, pass(kf::kDuress), kf::DecoyKey(), random));
  const Bytes duress = read(a);
  must(KeyFile::StageSlot(a, 0, pass(kf::kNormal), kf::RotatedKey(), random));
  const Bytes staged = read(a);

  // Another salt: its record as the first copy, the duress file's second.
  const std::string b = scratch.File("b.key");
  must(KeyFile::Create(b, pass(kf::kNormal), store::KdfProfile::kInteractive, kf::RotatedKey(),
                       random));
  Bytes headers_differ = duress;
  {
    const Bytes other = read(b);
    std::copy(other.begin(), other.begin() + KeyFile::kRecordSize, headers_differ.begin());
  }
  // And one at the moderate cost, which the target only parses.
  const std::string c = scratch.File("c.key");
  must(KeyFile::Create(c, pass(kf::kNormal), store::KdfProfile::kModerate, kf::MainKey(), random));
  const Bytes moderate = read(c);

  add("fresh-normal", kf::Control(0, false), fresh);
  add("fresh-wrong", kf::Control(2, false), fresh);
  add("fresh-empty-passphrase", kf::Control(3, false), fresh);
  add("duress-duress", kf::Control(1, false), duress);
  add("duress-normal-clear-slot2", kf::Control(0, false, kf::Op::kClearSlot, 2), duress);
  add("duress-duress-set-slot3", kf::Control(1, false, kf::Op::kSetSlot, 3), duress);
  add("duress-empty-set-slot1", kf::Control(3, false, kf::Op::kSetSlot, 1), duress);
  add("duress-settle0", kf::Control(1, false, kf::Op::kSettle0), duress);
  add("staged-normal", kf::Control(0, false), staged);
  add("staged-duress-settle0", kf::Control(1, false, kf::Op::kSettle0), staged);
  add("staged-normal-settle1", kf::Control(0, false, kf::Op::kSettle1), staged);
  add("staged-clear-slot1", kf::Control(0, false, kf::Op::kClearSlot, 1), staged);
  add("staged-set-slot0", kf::Control(0, false, kf::Op::kSetSlot, 0), staged);
  add("torn-second-normal", kf::Control(0, false), flip(duress, kSecond + kSlot0 + 30));
  add("torn-second-settle1", kf::Control(0, false, kf::Op::kSettle1),
      flip(duress, kSecond + kSlot0 + 30));
  add("torn-first-clear-slot3", kf::Control(1, false, kf::Op::kClearSlot, 3),
      flip(duress, kSlot0 + 100));
  add("both-torn", kf::Control(0, false), flip(flip(duress, 200), kSecond + 200));
  add("other-version", kf::Control(0, false), set_field(duress, 8, 2, 3));
  add("other-version-resealed", kf::Control(0, reseal_flag), reseal(set_field(duress, 8, 2, 3)));
  add("five-slots-resealed", kf::Control(0, reseal_flag), reseal(set_field(duress, 10, 2, 5)));
  add("costs-too-low", kf::Control(0, reseal_flag),
      reseal(set_field(duress, kf::kMemAt, 8, 1 << 20)));
  add("costs-too-high", kf::Control(0, reseal_flag, kf::Op::kSettle0),
      reseal(set_field(duress, kf::kOpsAt, 8, 65)));
  add("headers-differ-normal", kf::Control(0, false), headers_differ);
  add("headers-differ-duress-settle0", kf::Control(1, false, kf::Op::kSettle0), headers_differ);
  {
    // The second copy's slots 0 and 2 swapped, resealed: the copies differ
    // in where the duress slot sits.
    Bytes swapped = duress;
    std::swap_ranges(swapped.begin() + kSecond + kSlot0,
                     swapped.begin() + kSecond + kSlot0 + KeyFile::kSlotSize,
                     swapped.begin() + kSecond + kSlot0 + 2 * KeyFile::kSlotSize);
    add("slots-swapped-duress", kf::Control(1, reseal_flag), reseal(swapped));
  }
  add("moderate-normal-settle1", kf::Control(0, false, kf::Op::kSettle1), moderate);
  add("short", kf::Control(0, false), ByteView(fresh).first(kSecond));
  add("long", kf::Control(0, false), Cat({fresh, One(0)}));
  add("zeros", kf::Control(0, reseal_flag), Bytes(KeyFile::kFileSize, 0));
  add("empty", kf::Control(0, false), Bytes{});
}

// ---------------------------------------------------------------- envelope bodies

pb::Body Stamped(pb::Body body, uint32_t seq, uint32_t flags = 0) {
  body.set_sent_at(kNow - 60);
  body.set_flags(flags);
  body.set_seq(seq);
  return body;
}

Bytes Serialized(const pb::Body& body) {
  const std::string s = body.SerializeAsString();
  return Bytes(s.begin(), s.end());
}

pb::Body CheckInBody(uint32_t number, std::string note, std::string legacy_code = "") {
  pb::Body body;
  body.mutable_checkin()->set_number(number);
  body.mutable_checkin()->set_note(std::move(note));
  body.mutable_checkin()->set_code(std::move(legacy_code));
  return body;
}

pb::Body TextBody(std::string text) {
  pb::Body body;
  body.mutable_text()->set_text(std::move(text));
  return body;
}

pb::Body ReceiptBody(ByteView of, pb::Receipt::Kind kind, std::string note = "") {
  pb::Body body;
  body.mutable_receipt()->set_of(AsString(of));
  body.mutable_receipt()->set_kind(kind);
  body.mutable_receipt()->set_note(std::move(note));
  return body;
}

pb::Body CodebookBody(uint32_t version,
                      std::vector<std::tuple<uint32_t, std::string, bool>> codes) {
  pb::Body body;
  body.mutable_codebook()->set_version(version);
  for (auto& [number, code, distress] : codes) {
    pb::Code* c = body.mutable_codebook()->add_codes();
    c->set_number(number);
    c->set_code(code);
    c->set_meaning("meaning of " + code);
    c->set_distress(distress);
  }
  return body;
}

pb::Body ScheduleBody(uint32_t version, int64_t every, int64_t due_by, int64_t grace) {
  pb::Body body;
  body.mutable_schedule()->set_version(version);
  body.mutable_schedule()->set_every(every);
  body.mutable_schedule()->set_due_by(due_by);
  body.mutable_schedule()->set_grace(grace);
  return body;
}

pb::Body JoinBody(std::string name, size_t tag_key_size = 32, size_t seed_size = 32) {
  pb::Body body;
  body.mutable_join()->set_name(std::move(name));
  body.mutable_join()->set_tag_key(std::string(tag_key_size, '\x42'));
  body.mutable_join()->set_chain_seed(std::string(seed_size, '\x43'));
  body.set_sent_at(kNow - 60);
  return body;
}

// fuzz_body: one body of every kind each way (fuzz_body.cc's control byte:
// bit 0 the direction, bit 1 the duress chain, bits 2-3 the epoch), valid
// ones and ones near them. Receipts name the messages that BodyPair leaves
// out, so the generator builds the same pair as the target.
void BodySeeds(const fs::path& root) {
  CorpusDir dir(root, "fuzz_body");
  PrepareNodeProcess();
  const FakeClock clock(kNow);
  BodyPair pair(clock);
  constexpr uint8_t kToCoord = 0x00, kToAna = 0x01, kDuress = 0x02, kNextEpoch = 0x04,
                    kEpochAfter = 0x08;
  const auto add = [&](const std::string& name, uint8_t control, const pb::Body& body) {
    dir.Add(name, Cat({One(control), Serialized(body)}));
  };
  using R = pb::Receipt;

  // To the coordinator, from the helper.
  add("coord-checkin", kToCoord, Stamped(CheckInBody(1, "all well"), 2));
  add("coord-checkin-distress", kToCoord, Stamped(CheckInBody(5, "hurt"), 2));
  add("coord-checkin-unknown-number", kToCoord, Stamped(CheckInBody(999, ""), 2));
  add("coord-checkin-legacy-code", kToCoord, Stamped(CheckInBody(0, "", "crossed"), 2));
  add("coord-checkin-flagged-duress", kToCoord, Stamped(CheckInBody(3, ""), 2, 1));
  add("coord-checkin-drill", kToCoord, Stamped(CheckInBody(2, "drill"), 2, 2));
  add("coord-checkin-duress-chain", kToCoord | kDuress, Stamped(CheckInBody(1, ""), 1));
  add("coord-checkin-seq-jump", kToCoord, Stamped(CheckInBody(1, ""), 0xfffffff0u));
  add("coord-checkin-no-seq", kToCoord, [] {
    pb::Body b = CheckInBody(1, "");
    b.set_sent_at(kNow);
    return b;
  }());
  add("coord-checkin-next-epoch", kToCoord | kNextEpoch, Stamped(CheckInBody(4, ""), 2));
  add("coord-text", kToCoord, Stamped(TextBody("at the pass, moving on"), 2));
  add("coord-text-long", kToCoord | kEpochAfter, Stamped(TextBody(std::string(8000, 't')), 2));
  add("coord-text-duress-chain", kToCoord | kDuress, Stamped(TextBody("fine"), 3));
  add("coord-receipt-delivered", kToCoord,
      Stamped(ReceiptBody(pair.text_receipt_id(), R::DELIVERED), 2));
  add("coord-receipt-unknown", kToCoord, Stamped(ReceiptBody(Bytes(16, 0x99), R::DELIVERED), 2));
  add("coord-codebook-from-helper", kToCoord,
      Stamped(CodebookBody(5, {{1, "ok", false}, {7, "ford", false}}), 2));
  add("coord-schedule-from-helper", kToCoord, Stamped(ScheduleBody(1, 3600, 0, 900), 2));
  add("coord-ack-from-helper", kToCoord, [] {
    pb::Body b;
    b.mutable_ack()->set_kind(pb::Ack::DURESS);
    return Stamped(b, 2);
  }());
  add("coord-welcome-from-helper", kToCoord, [] {
    pb::Body b;
    b.mutable_welcome()->set_name("Ana");
    return Stamped(b, 2);
  }());
  add("coord-join-body", kToCoord, JoinBody("Eve"));
  add("coord-empty-body", kToCoord, Stamped(pb::Body(), 2));
  dir.Add("coord-not-protobuf", Cat({One(kToCoord), Bytes{0xff, 0xff, 0xff, 0x0f}}));
  dir.Add("coord-nothing", One(kToCoord));

  // To the helper, from the coordinator.
  add("ana-receipt-delivered", kToAna,
      Stamped(ReceiptBody(pair.checkin_receipt_id(), R::DELIVERED), 2));
  add("ana-receipt-confirmed", kToAna,
      Stamped(ReceiptBody(pair.checkin_receipt_id(), R::CONFIRMED, "see you at the hut"), 2));
  add("ana-receipt-short-id", kToAna,
      Stamped(ReceiptBody(ByteView(pair.checkin_receipt_id()).first(4), R::CONFIRMED), 2));
  add("ana-ack-duress", kToAna, [] {
    pb::Body b;
    b.mutable_ack()->set_kind(pb::Ack::DURESS);
    return Stamped(b, 3);
  }());
  add("ana-welcome", kToAna, [] {
    pb::Body b;
    b.mutable_welcome()->set_name("Coord");
    return Stamped(b, 3);
  }());
  add("ana-codebook", kToAna,
      Stamped(CodebookBody(2, {{1, "ok", false}, {5, "need-help", true}, {7, "ford-done", false}}),
              3));
  add("ana-codebook-bad-code", kToAna,
      Stamped(CodebookBody(3, {{1, "OK!", false}, {2, "ok", false}}), 3));
  add("ana-codebook-repeated-number", kToAna,
      Stamped(CodebookBody(3, {{1, "ok", false}, {1, "go", false}}), 3));
  add("ana-codebook-old-version", kToAna, Stamped(CodebookBody(1, {{1, "ok", false}}), 3));
  add("ana-codebook-empty", kToAna, Stamped(CodebookBody(4, {}), 3));
  add("ana-schedule-every", kToAna, Stamped(ScheduleBody(1, 3600, 0, 900), 3));
  add("ana-schedule-due-by", kToAna, Stamped(ScheduleBody(2, 0, kNow + kDay, 600), 3));
  add("ana-schedule-due-by-end-of-time", kToAna,
      Stamped(ScheduleBody(5, 0, std::numeric_limits<int64_t>::max(), 900), 3));
  add("ana-schedule-too-often", kToAna, Stamped(ScheduleBody(3, 10, 0, 900), 3));
  add("ana-schedule-version-0", kToAna, Stamped(ScheduleBody(0, 3600, 0, 900), 3));
  add("ana-schedule-negative-grace", kToAna, Stamped(ScheduleBody(4, 3600, 0, -1), 3));
  add("ana-text", kToAna, Stamped(TextBody("stay on the ridge"), 3));
  add("ana-text-duress-chain", kToAna | kDuress, Stamped(TextBody("are you safe?"), 1));
  add("ana-checkin-from-coordinator", kToAna | kNextEpoch, Stamped(CheckInBody(1, ""), 3));
  add("ana-join-body", kToAna, JoinBody("Mallory"));
}

// fuzz_enrollment: bodies for each mode (fuzz_enrollment.cc's control byte),
// and whole envelopes: a join request and a welcome sealed with the right
// keys (the generator builds the same nodes as the target), and ones near
// them.
void EnrollmentSeeds(const fs::path& root) {
  CorpusDir dir(root, "fuzz_enrollment");
  PrepareNodeProcess();
  const FakeClock clock(kNow);
  EnrollmentNodes nodes(clock);
  constexpr uint8_t kJoinOpen = 0, kJoinUsed = 1, kJoinWrongSecret = 2, kJoinWhole = 3,
                    kWelcome = 4, kWelcomeDuressChain = 5, kWelcomeStranger = 6, kWelcomeWhole = 7;
  const auto add = [&](const std::string& name, uint8_t mode, ByteView bytes) {
    dir.Add(name, Cat({One(mode), bytes}));
  };
  const auto join = [](const std::string& name) {
    const std::string body = EnrollmentNodes::WellFormedJoin(name);
    return Bytes(body.begin(), body.end());
  };
  pb::Body welcome;
  welcome.mutable_welcome()->set_name("Coord");
  const Bytes welcome_body = Serialized(Stamped(welcome, 1));

  add("join-open", kJoinOpen, join("Eve"));
  add("join-open-name-clash", kJoinOpen, join("Bo"));
  add("join-open-empty-name", kJoinOpen, Serialized(JoinBody("")));
  add("join-open-control-char", kJoinOpen, Serialized(JoinBody("Ev\x07")));
  add("join-open-zero-width", kJoinOpen, Serialized(JoinBody("E\xE2\x80\x8Bve")));
  add("join-open-long-name", kJoinOpen, Serialized(JoinBody(std::string(65, 'e'))));
  add("join-open-short-tag-key", kJoinOpen, Serialized(JoinBody("Eve", 31)));
  add("join-open-no-chain-seed", kJoinOpen, Serialized(JoinBody("Eve", 32, 0)));
  add("join-open-far-future", kJoinOpen, [] {
    pb::Body b = JoinBody("Eve");
    b.set_sent_at(int64_t{1} << 40);
    return Serialized(b);
  }());
  add("join-open-negative-time", kJoinOpen, [] {
    pb::Body b = JoinBody("Eve");
    b.set_sent_at(-5);
    return Serialized(b);
  }());
  add("join-open-welcome-body", kJoinOpen, welcome_body);
  add("join-open-checkin-body", kJoinOpen, Serialized(Stamped(CheckInBody(1, ""), 1)));
  add("join-open-empty", kJoinOpen, Bytes{});
  add("join-open-not-protobuf", kJoinOpen, Bytes{0xff, 0xff, 0xff, 0x0f});
  add("join-used", kJoinUsed, join("Eve"));
  add("join-used-malformed", kJoinUsed, Serialized(JoinBody("Eve", 3)));
  add("join-wrong-secret", kJoinWrongSecret, join("Eve"));

  SeededRandom random(5001);
  const noise::KeyPair eve = noise::KeyPair::Generate(random);
  const auto sealed = [](Result<Bytes> r) {
    if (!r.ok()) Die("cannot seal a seed");
    return std::move(r).value();
  };
  const std::string eve_join = EnrollmentNodes::WellFormedJoin("Eve");
  const Bytes genuine_join =
      sealed(SealAsJoiner(eve, nodes.coord()->identity().public_key, nodes.open_secret(),
                          nodes.open_secret(), AsBytes(eve_join), kNow, random));
  add("whole-join-genuine", kJoinWhole, genuine_join);
  add("whole-join-used-invite", kJoinWhole,
      sealed(SealAsJoiner(eve, nodes.coord()->identity().public_key, nodes.used_secret(),
                          nodes.used_secret(), AsBytes(eve_join), kNow, random)));
  {
    Bytes flipped = genuine_join;
    flipped[flipped.size() / 2] ^= 0x20;
    add("whole-join-flipped", kJoinWhole, flipped);
  }
  add("whole-join-header-only", kJoinWhole, ByteView(genuine_join).first(envelope::kHeaderSize));
  add("whole-join-random", kJoinWhole, MakeEnvelope(Tag(0x31), kNow + kDay, 31));

  add("welcome", kWelcome, welcome_body);
  add("welcome-no-name", kWelcome, [] {
    pb::Body b;
    b.mutable_welcome();
    return Serialized(b);
  }());
  add("welcome-codebook-instead", kWelcome,
      Serialized(Stamped(CodebookBody(2, {{1, "ok", false}, {8, "camp", false}}), 1)));
  add("welcome-text-instead", kWelcome, Serialized(Stamped(TextBody("welcome aboard"), 1)));
  add("welcome-join-instead", kWelcome, join("Coord"));
  add("welcome-empty", kWelcome, Bytes{});
  add("welcome-duress-chain", kWelcomeDuressChain, welcome_body);
  add("welcome-stranger", kWelcomeStranger, welcome_body);

  const envelope::Epoch today = envelope::EpochOf(kNow);
  const Bytes genuine_welcome =
      sealed(SealAsContact(nodes.to_ana(), false, today, welcome_body, kNow, random));
  add("whole-welcome-genuine", kWelcomeWhole, genuine_welcome);
  add("whole-welcome-other-epoch", kWelcomeWhole,
      sealed(SealAsContact(nodes.to_ana(), false, today + 1, welcome_body, kNow, random)));
  {
    Bytes flipped = genuine_welcome;
    flipped.back() ^= 0x01;
    add("whole-welcome-flipped", kWelcomeWhole, flipped);
  }
  add("whole-welcome-random", kWelcomeWhole, MakeEnvelope(Tag(0x32), kNow + kDay, 32));
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
  ArmorSeeds(root);
  BundleSeeds(root);
  InviteSeeds(root);
  RelayAddressSeeds(root);
  SecureChannelSeeds(root);
  NegentropySeeds(root);
  SyncSessionSeeds(root);
  SyncClientSeeds(root);
  RelayPeerSeeds(root);
  KeyFileSeeds(root);
  BodySeeds(root);
  EnrollmentSeeds(root);
  return 0;
}
