// Whole sync sessions: a SyncClient and a RelaySession wired together in
// memory, bytes passed in seeded random chunks, time passed as arguments.
// Hostile peers are played by hand: a client over a real SecureChannel that
// sends whatever ClientMessages a test wants (RawClient), one below the
// transport (test_util::RawInitiator), and a relay that lies (ScriptedRelay).
#include "core/sync/relay_session.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/envelope/format.h"
#include "core/sync/constants.h"
#include "core/sync/frame.h"
#include "core/sync/negentropy.h"
#include "core/sync/negentropy_storage.h"
#include "core/sync/secure_channel.h"
#include "core/sync/sync_client.h"
#include "proto/waypost.pb.h"
#include "tests/core/sync/sync_parties.h"
#include "tests/core/sync/sync_test_util.h"
#include "tests/kit/status.h"

namespace waypost::sync {
namespace {

using test_util::IdOf;
using test_util::ItemOf;
using test_util::kNow;
using test_util::MakeEnvelope;
using test_util::Pump;
using test_util::PumpResult;
using test_util::RawInitiator;
using test_util::Tag;
using RecipientTag = envelope::RecipientTag;
using test_util::RawClient;
using test_util::TestParty;

constexpr uint32_t kDay = 24 * 3600;
constexpr size_t kSmall = envelope::kBucketSizes[0];  // 117 bytes

std::vector<Bytes> Sorted(std::vector<Bytes> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// A tag per number, for tests that need more than 256 distinct ones.
RecipientTag NumberedTag(uint32_t n) {
  RecipientTag tag;
  tag.fill(0x77);
  Bytes be;
  PutU32(be, n);
  std::copy(be.begin(), be.end(), tag.begin());
  return tag;
}

// Distinct small envelopes under `tag`, seeds from `first_seed` on.
std::vector<Bytes> Envelopes(const RecipientTag& tag, size_t n, uint32_t first_seed,
                             uint32_t expires_at = kNow + kDay) {
  std::vector<Bytes> out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(MakeEnvelope(tag, expires_at, first_seed + static_cast<uint32_t>(i)));
  }
  return out;
}

pb::ClientMessage UploadOf(const std::vector<Bytes>& envelopes) {
  pb::ClientMessage message;
  for (const Bytes& e : envelopes) message.mutable_upload()->add_envelopes(AsString(e));
  return message;
}

// The first Negentropy message of a client holding `held`.
Bytes FirstNegentropy(std::vector<NegItem> held = {}) {
  NegentropyClient client =
      NegentropyClient::Create(NegStorage::Create(std::move(held)).value()).value();
  return client.Initiate().value();
}

pb::ClientMessage ReconcileOf(const std::vector<RecipientTag>& tags,
                              const Bytes& negentropy = FirstNegentropy()) {
  pb::ClientMessage message;
  for (const RecipientTag& tag : tags) {
    message.mutable_reconcile()->add_tags(AsString(ByteView(tag.data(), tag.size())));
  }
  message.mutable_reconcile()->set_negentropy(AsString(negentropy));
  return message;
}

pb::ClientMessage FetchOf(const std::vector<Bytes>& ids) {
  pb::ClientMessage message;
  for (const Bytes& id : ids) message.mutable_fetch()->add_ids(AsString(id));
  return message;
}

// A relay of the test's making: a real transport and a real Negentropy
// server over `envelopes`, answering honestly unless `tamper` changes the
// answer on its way out.
class ScriptedRelay final : public Connection {
 public:
  using Tamper = std::function<void(const pb::ClientMessage&, pb::RelayMessage&)>;

  ScriptedRelay(const noise::KeyPair& key, Random& random, const std::vector<Bytes>& envelopes,
                Tamper tamper = nullptr)
      : channel_(SecureChannel::Responder(key, random)), tamper_(std::move(tamper)) {
    std::vector<NegItem> items;
    for (const Bytes& e : envelopes) {
      items.push_back(ItemOf(e));
      by_id_[IdOf(e)] = e;
    }
    server_.emplace(NegentropyServer::Create(NegStorage::Create(std::move(items)).value()).value());
  }

  Status OnStart(int64_t) override { return channel_.Start(); }
  Status OnReceive(ByteView bytes, int64_t) override {
    WAYPOST_RETURN_IF_ERROR(channel_.Feed(bytes));
    while (std::optional<Bytes> m = channel_.NextMessage()) {
      pb::ClientMessage message;
      if (!message.ParseFromArray(m->data(), static_cast<int>(m->size()))) {
        return Status::Internal("the client sent an unparsable message");
      }
      ++messages;
      pb::RelayMessage reply;
      WAYPOST_RETURN_IF_ERROR(Answer(message, reply));
      if (tamper_) tamper_(message, reply);
      const std::string encoded = reply.SerializeAsString();
      WAYPOST_RETURN_IF_ERROR(channel_.Send(AsBytes(encoded)));
    }
    return Status::Ok();
  }
  Bytes TakeOutgoing() override { return channel_.TakeOutput(); }
  bool IsDone() const override { return false; }
  std::optional<int64_t> Deadline() const override { return std::nullopt; }
  Status OnTimeout(int64_t) override { return Status::Ok(); }
  void OnClosed(const Status&) override {}

  int messages = 0;

 private:
  Status Answer(const pb::ClientMessage& message, pb::RelayMessage& reply) {
    if (message.has_upload()) {
      for (int i = 0; i < message.upload().envelopes_size(); ++i) {
        reply.mutable_upload()->add_verdicts(pb::UploadResult::STORED);
      }
    } else if (message.has_reconcile()) {
      WAYPOST_RETURN_IF_ERROR(server_->SetFrameSizeLimit(
          std::max<size_t>(message.reconcile().frame_limit(), kMinReconcileFrame)));
      WAYPOST_ASSIGN_OR_RETURN(const Bytes answer,
                               server_->Reconcile(AsBytes(message.reconcile().negentropy())));
      reply.mutable_reconcile()->set_negentropy(AsString(answer));
    } else if (message.has_fetch()) {
      pb::FetchReply* out = reply.mutable_fetch();
      for (const std::string& id : message.fetch().ids()) {
        auto it = by_id_.find(Bytes(id.begin(), id.end()));
        if (it == by_id_.end()) {
          out->add_gone(id);
        } else {
          out->add_envelopes(AsString(it->second));
        }
      }
    } else {
      return Status::Internal("a message of no kind");
    }
    return Status::Ok();
  }

  SecureChannel channel_;
  Tamper tamper_;
  std::optional<NegentropyServer> server_;
  std::map<Bytes, Bytes> by_id_;
};

// Pump's wire, but it carries only `budget` bytes in all (both directions
// together) and then drops: whatever was not delivered by then never is.
PumpResult PumpCut(Connection& a, Connection& b, std::mt19937& rng, size_t budget) {
  PumpResult result;
  std::uniform_int_distribution<size_t> chunk(1, 700);
  auto deliver = [&](Connection& from, Connection& to, Status& to_status) {
    const Bytes out = from.TakeOutgoing();
    for (size_t i = 0; i < out.size() && to_status.ok() && budget > 0;) {
      const size_t n = std::min({chunk(rng), out.size() - i, budget});
      to_status = to.OnReceive(ByteView(out).subspan(i, n), 5);
      i += n;
      budget -= n;
    }
    return !out.empty();
  };
  while (result.a.ok() && result.b.ok() && budget > 0) {
    const bool moved_ab = deliver(a, b, result.b);
    if (!result.b.ok()) break;
    const bool moved_ba = deliver(b, a, result.a);
    if (!moved_ab && !moved_ba) break;
  }
  return result;
}

bool Holds(RelayStore& store, const Bytes& envelope_bytes, UnixTime now) {
  const envelope::Header header = envelope::ParseHeader(envelope_bytes).value();
  auto found = store.Get({IdOf(envelope_bytes)}, {header.tag}, now, kMaxFetchReplyBytes);
  return found.ok() && found->envelopes.size() == 1 && found->envelopes[0] == envelope_bytes;
}

class RelaySessionTest : public test_util::RelayFixture {
 protected:
  RelaySession NewRelay() {
    return RelaySession(store_, relay_key_, clock_, random_, nullptr, page_records_);
  }
  SyncClient NewClient(TestParty& party) {
    return SyncClient(relay_key_.public_key, party, random_);
  }
  // Plays the handshake by hand against `relay` (at 0, 1 and 2 ms), so that
  // `raw` can then send anything at all.
  void Handshake(RelaySession& relay, RawInitiator& raw) {
    ASSERT_OK(relay.OnStart(0));
    ASSERT_OK(relay.OnReceive(raw.Message0(), 1));
    ASSERT_OK(relay.OnReceive(raw.Message2(relay.TakeOutgoing()), 2));
  }
  // Starts both ends and pumps until neither has more to say; both must stay
  // without error.
  void RunToEnd(Connection& client, Connection& relay) {
    ASSERT_OK(relay.OnStart(0));
    ASSERT_OK(client.OnStart(0));
    PumpResult r = Pump(client, relay, rng_);
    ASSERT_OK(r.a);
    ASSERT_OK(r.b);
  }

  // What one whole session did, for the test to look at.
  struct Outcome {
    uint32_t accepted = 0;  // relay
    uint32_t rejected = 0;
    size_t envelopes_sent = 0;
    size_t uploaded = 0;  // client
    size_t refused = 0;
    size_t downloaded = 0;
    bool relay_full = false;
    int round_trips = 0;
    uint64_t wire_bytes = 0;  // both directions
  };

  // Runs one session to the end: both sides must succeed, and the client's
  // close must end the relay's side cleanly.
  void Sync(TestParty& party) {
    RelaySession relay = NewRelay();
    SyncClient client = NewClient(party);
    ASSERT_OK(relay.OnStart(0));
    ASSERT_OK(client.OnStart(0));
    PumpResult r = Pump(client, relay, rng_, 5);
    ASSERT_OK(r.a);
    ASSERT_OK(r.b);
    ASSERT_TRUE(client.IsDone());
    ASSERT_TRUE(client.succeeded());
    EXPECT_FALSE(client.Deadline());
    EXPECT_TRUE(party.fetch_done);
    EXPECT_TRUE(client.TakeOutgoing().empty());
    EXPECT_TRUE(relay.TakeOutgoing().empty());
    EXPECT_FALSE(relay.IsDone()) << "only the client ends a session";
    // net/ closes the client's socket; the relay sees its peer go.
    client.OnClosed(Status::Ok());
    relay.OnClosed(Status::Unavailable("connection closed by peer"));
    EXPECT_TRUE(relay.IsDone());
    EXPECT_OK(relay.status()) << "a close between messages is a clean end";
    EXPECT_FALSE(relay.Deadline());
    EXPECT_TRUE(client.succeeded());
    EXPECT_EQ(client.bytes_sent(), relay.bytes_received());
    EXPECT_EQ(client.bytes_received(), relay.bytes_sent());
    EXPECT_EQ(client.downloaded(), relay.envelopes_sent()) << "a relay sends only what was asked";
    last_ = Outcome{
        relay.accepted(),    relay.rejected(),     relay.envelopes_sent(),
        client.uploaded(),   client.refused(),     client.downloaded(),
        client.relay_full(), client.round_trips(), client.bytes_sent() + client.bytes_received()};
  }

  size_t page_records_ = kMaxScopeRecords;
  Outcome last_;
};

// ---- Whole sessions ----

TEST_F(RelaySessionTest, UploadThenAnotherClientFetchesByTag) {
  const Bytes for_a1 = MakeEnvelope(Tag(0xA), kNow + kDay, 1);
  const Bytes for_a2 = MakeEnvelope(Tag(0xA), kNow + kDay, 2, 4096);
  const Bytes for_a3 = MakeEnvelope(Tag(0xA), kNow + 2 * kDay, 3);
  const Bytes for_b = MakeEnvelope(Tag(0xB), kNow + kDay, 4);
  const Bytes expired = MakeEnvelope(Tag(0xA), kNow - 1, 5);

  TestParty sender({for_a1, for_a2, for_a3, for_b, expired});
  ASSERT_NO_FATAL_FAILURE(Sync(sender));
  EXPECT_EQ(last_.accepted, 4u);
  EXPECT_EQ(last_.rejected, 1u);
  EXPECT_EQ(last_.uploaded, 4u);
  EXPECT_EQ(last_.refused, 1u);
  EXPECT_EQ(sender.VerdictsFor(expired), std::vector<UploadVerdict>{UploadVerdict::kRefused});
  EXPECT_EQ(sender.waiting(), 0u);
  EXPECT_EQ(sender.scope_calls, 1);
  EXPECT_TRUE(sender.fetched.empty()) << "no tags: nothing to fetch";
  EXPECT_EQ(Count(), 4);

  TestParty a({}, {Tag(0xA)});
  ASSERT_NO_FATAL_FAILURE(Sync(a));
  EXPECT_EQ(Sorted(a.fetched), Sorted({for_a1, for_a2, for_a3})) << "nothing of tag B";
  EXPECT_EQ(last_.accepted, 0u);
  EXPECT_EQ(last_.envelopes_sent, 3u);
  EXPECT_EQ(a.fetch_done_calls, 1);

  TestParty a_again({}, {Tag(0xA), Tag(0xB)}, {for_a1, for_a3});
  ASSERT_NO_FATAL_FAILURE(Sync(a_again));
  EXPECT_EQ(Sorted(a_again.fetched), Sorted({for_a2, for_b})) << "what it held is not sent";

  TestParty c({}, {Tag(0xC)});
  ASSERT_NO_FATAL_FAILURE(Sync(c));
  EXPECT_TRUE(c.fetched.empty());
  EXPECT_EQ(last_.envelopes_sent, 0u);

  clock_.Advance(kDay);  // all but a3 have expired for the relay now
  TestParty a_later({}, {Tag(0xA), Tag(0xB)});
  ASSERT_NO_FATAL_FAILURE(Sync(a_later));
  EXPECT_EQ(a_later.fetched, std::vector<Bytes>{for_a3}) << "expired envelopes are not served";
}

TEST_F(RelaySessionTest, ReuploadIsHeldAndVerdictsComeInOrder) {
  const Bytes e = MakeEnvelope(Tag(1), kNow + kDay, 1);
  TestParty first({e});
  ASSERT_NO_FATAL_FAILURE(Sync(first));
  EXPECT_EQ(first.VerdictsFor(e), std::vector<UploadVerdict>{UploadVerdict::kStored});
  EXPECT_EQ(last_.accepted, 1u);

  // One batch (381 bytes, under the first batch's 480) of mixed envelopes.
  const Bytes malformed(30, 0x01);
  const Bytes expired = MakeEnvelope(Tag(1), kNow - 1, 2);
  const Bytes f = MakeEnvelope(Tag(1), kNow + kDay, 3);
  TestParty second({e, malformed, expired, f});
  ASSERT_NO_FATAL_FAILURE(Sync(second));
  ASSERT_EQ(second.batches.size(), 1u) << "the four fit the first batch";
  ASSERT_EQ(second.verdicts.size(), 4u);
  const std::vector<std::pair<Bytes, UploadVerdict>> want = {{e, UploadVerdict::kHeld},
                                                             {malformed, UploadVerdict::kRefused},
                                                             {expired, UploadVerdict::kRefused},
                                                             {f, UploadVerdict::kStored}};
  EXPECT_EQ(second.verdicts, want);
  EXPECT_EQ(last_.accepted, 1u);
  EXPECT_EQ(last_.rejected, 2u);
  EXPECT_EQ(last_.uploaded, 2u) << "HELD counts as uploaded: the relay has it";
  EXPECT_EQ(last_.refused, 2u);

  // The same bytes twice in one batch, and one expiring too far ahead.
  const Bytes g = MakeEnvelope(Tag(2), kNow + kDay, 4);
  const Bytes far = MakeEnvelope(Tag(2), kNow + kMaxEnvelopeLifetimeSeconds + 1, 5);
  TestParty third({g, g, far});
  ASSERT_NO_FATAL_FAILURE(Sync(third));
  const std::vector<std::pair<Bytes, UploadVerdict>> want_third = {
      {g, UploadVerdict::kStored}, {g, UploadVerdict::kHeld}, {far, UploadVerdict::kRefused}};
  EXPECT_EQ(third.verdicts, want_third);
  EXPECT_EQ(Count(), 3) << "e, f and g, each once";
}

TEST_F(RelaySessionTest, UploadsGoInDoublingBatchesAndEachVerdictArrivesOnce) {
  const std::vector<Bytes> uploads = Envelopes(Tag(1), 50, 1000);
  TestParty party(uploads);
  ASSERT_NO_FATAL_FAILURE(Sync(party));

  // 480 bytes hold 4 envelopes of 117, then 960 hold 8, 1920 hold 16, and
  // the last 22 fit 3840.
  ASSERT_GE(party.asked_max_bytes.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(party.asked_max_bytes[i], SyncClient::kFirstUploadBytes << i) << i;
  }
  std::vector<size_t> sizes;
  for (const auto& batch : party.batches) sizes.push_back(batch.size());
  EXPECT_EQ(sizes, (std::vector<size_t>{4, 8, 16, 22}));
  EXPECT_EQ(last_.round_trips, 1 + 4) << "the handshake and one per batch";

  ASSERT_EQ(party.verdicts.size(), uploads.size());
  for (const Bytes& e : uploads) {
    EXPECT_EQ(party.VerdictsFor(e), std::vector<UploadVerdict>{UploadVerdict::kStored});
  }
  EXPECT_EQ(party.waiting(), 0u);
  EXPECT_EQ(last_.accepted, 50u);
  EXPECT_EQ(last_.uploaded, 50u);
  EXPECT_EQ(Count(), 50);
}

TEST_F(RelaySessionTest, BigUploadBatchesHoldOneOversizedEnvelopeEach) {
  // Each 16 KiB envelope is larger than the batch allows until the batch
  // has grown past it: then the first alone goes.
  const std::vector<Bytes> big = {MakeEnvelope(Tag(1), kNow + kDay, 1, 16384),
                                  MakeEnvelope(Tag(1), kNow + kDay, 2, 16384),
                                  MakeEnvelope(Tag(1), kNow + kDay, 3, 16384)};
  TestParty party(big);
  ASSERT_NO_FATAL_FAILURE(Sync(party));
  ASSERT_EQ(party.batches.size(), 3u);
  for (const auto& batch : party.batches) EXPECT_EQ(batch.size(), 1u);
  EXPECT_EQ(Count(), 3);
}

TEST_F(RelaySessionTest, FetchesGoInDoublingBatches) {
  const std::vector<Bytes> held_by_relay = Envelopes(Tag(0xA), 60, 1);
  ASSERT_OK(
      store_.PutBatch(std::vector<ByteView>(held_by_relay.begin(), held_by_relay.end()), kNow));
  TestParty party({}, {Tag(0xA)});
  ASSERT_NO_FATAL_FAILURE(Sync(party));
  EXPECT_EQ(Sorted(party.fetched), Sorted(held_by_relay));
  EXPECT_GE(party.fetch_batches.size(), 2u);
  for (size_t i = 0; i < party.fetch_batches.size(); ++i) {
    EXPECT_LE(party.fetch_batches[i], SyncClient::kFirstFetchCount << i) << i;
  }
  EXPECT_EQ(party.fetch_batches[0], SyncClient::kFirstFetchCount);
}

TEST_F(RelaySessionTest, RelayFullEndsUploadingForTheSession) {
  RelayStore tight(temp_.db(), RelayStore::Quotas{.per_tag_bytes = 2 * kSmall,
                                                  .total_bytes = RelayStore::kDefaultStoreQuota});
  const std::vector<Bytes> uploads = Envelopes(Tag(1), 6, 1);
  TestParty party(uploads);
  RelaySession relay(tight, relay_key_, clock_, random_);
  SyncClient client = NewClient(party);
  ASSERT_NO_FATAL_FAILURE(RunToEnd(client, relay));
  EXPECT_TRUE(client.succeeded());
  EXPECT_TRUE(client.relay_full());
  ASSERT_EQ(party.batches.size(), 1u) << "no batch after a FULL verdict";
  const std::vector<std::pair<Bytes, UploadVerdict>> want = {{uploads[0], UploadVerdict::kStored},
                                                             {uploads[1], UploadVerdict::kStored},
                                                             {uploads[2], UploadVerdict::kFull},
                                                             {uploads[3], UploadVerdict::kFull}};
  EXPECT_EQ(party.verdicts, want);
  EXPECT_EQ(client.uploaded(), 2u);
  EXPECT_EQ(client.refused(), 2u);
  EXPECT_EQ(party.waiting(), 4u) << "the FULL ones and the two never sent wait for later";
  EXPECT_EQ(Count(), 2);
}

// Reconciliation costs what the difference costs, not what the relay holds.
TEST_F(RelaySessionTest, CostFollowsTheDifference) {
  std::vector<Bytes> held_by_relay;
  for (uint32_t i = 0; i < 1000; ++i) {
    held_by_relay.push_back(MakeEnvelope(Tag(0xA), kNow + kDay * (1 + i % 30), 10'000 + i));
  }
  ASSERT_OK(
      store_.PutBatch(std::vector<ByteView>(held_by_relay.begin(), held_by_relay.end()), kNow));
  // Envelopes under another tag are not part of the difference either.
  const std::vector<Bytes> others = Envelopes(Tag(0xB), 200, 50'000);
  ASSERT_OK(store_.PutBatch(std::vector<ByteView>(others.begin(), others.end()), kNow));

  TestParty in_step({}, {Tag(0xA)}, held_by_relay);
  ASSERT_NO_FATAL_FAILURE(Sync(in_step));
  EXPECT_TRUE(in_step.fetched.empty());
  EXPECT_EQ(last_.envelopes_sent, 0u);
  EXPECT_LT(last_.wire_bytes, 6'000u) << "1000 envelopes are 117,000 bytes";

  std::vector<Bytes> all_but_one = held_by_relay;
  const Bytes missing = all_but_one[517];
  all_but_one.erase(all_but_one.begin() + 517);
  TestParty one_behind({}, {Tag(0xA)}, all_but_one);
  ASSERT_NO_FATAL_FAILURE(Sync(one_behind));
  EXPECT_EQ(one_behind.fetched, std::vector<Bytes>{missing});
  EXPECT_EQ(last_.envelopes_sent, 1u);
  EXPECT_LT(last_.wire_bytes, 12'000u);
}

// A flooder cannot push a real check-in out of the scope by uploading more
// records than a page holds, expiring after it, under the recipient's tags
// (docs/protocol.md §2.4, "Pages"): the client reconciles page after page.
TEST_F(RelaySessionTest, JunkThatOutnumbersAPageCannotHideACheckIn) {
  page_records_ = 50;
  const Bytes real = MakeEnvelope(Tag(0xA), kNow + kDay, 1);
  ASSERT_OK(store_.PutBatch({ByteView(real)}, kNow));
  std::vector<Bytes> junk = Envelopes(Tag(0xA), 130, 1000, kNow + 50 * kDay);
  for (Bytes& e : Envelopes(Tag(0xB), 30, 2000, kNow + 50 * kDay)) junk.push_back(std::move(e));
  ASSERT_OK(store_.PutBatch(std::vector<ByteView>(junk.begin(), junk.end()), kNow));

  TestParty party({}, {Tag(0xA), Tag(0xB)});
  ASSERT_NO_FATAL_FAILURE(Sync(party));
  std::vector<Bytes> want = junk;
  want.push_back(real);
  EXPECT_EQ(Sorted(party.fetched), Sorted(want)) << "every page, each envelope once";

  // Held now: the next session pages through and fetches nothing.
  party.fetched.clear();
  ASSERT_NO_FATAL_FAILURE(Sync(party));
  EXPECT_TRUE(party.fetched.empty());
  EXPECT_LT(last_.wire_bytes, 8'000u) << "four pages in step";
}

TEST_F(RelaySessionTest, PageBoundsAreCheckedAndPagesAreCapped) {
  page_records_ = 1;
  const std::vector<Bytes> held = Envelopes(Tag(0xA), 3, 10);
  ASSERT_OK(store_.PutBatch(std::vector<ByteView>(held.begin(), held.end()), kNow));
  RelaySession relay = NewRelay();
  RawClient raw(relay, relay_key_.public_key, random_);
  ASSERT_OK(raw.Connect(0));
  pb::RelayMessage answer;
  ASSERT_OK(raw.Send(ReconcileOf({Tag(0xA)}), 1, &answer));
  ASSERT_EQ(answer.reconcile().cut_at().size(), kNegItemWireSize) << "three records, one a page";
  pb::ClientMessage next = ReconcileOf({});
  next.mutable_reconcile()->set_at_or_below(answer.reconcile().cut_at());
  for (int page = 2; page <= kMaxScopePages; ++page) ASSERT_OK(raw.Send(next, page));
  EXPECT_STATUS(raw.Send(next, 100), Status::Code::kLimitExceeded);

  RelaySession other = NewRelay();
  RawClient bad(other, relay_key_.public_key, random_);
  ASSERT_OK(bad.Connect(0));
  ASSERT_OK(bad.Send(ReconcileOf({Tag(0xA)}), 1));
  next.mutable_reconcile()->set_at_or_below("short");
  EXPECT_STATUS(bad.Send(next, 2), Status::Code::kProtocol);
}

TEST_F(RelaySessionTest, ClientWithNothingToDoSucceedsWithoutAMessage) {
  TestParty party;
  RelaySession relay = NewRelay();
  SyncClient client = NewClient(party);
  ASSERT_NO_FATAL_FAILURE(RunToEnd(client, relay));
  EXPECT_TRUE(client.succeeded());
  EXPECT_EQ(client.round_trips(), 1) << "the handshake only";
  EXPECT_EQ(party.scope_calls, 1);
  EXPECT_TRUE(party.fetch_done);
  EXPECT_EQ(relay.bytes_sent(), client.bytes_received());
}

// ---- The session as the relay enforces it ----

TEST_F(RelaySessionTest, FetchServesOnlyTheSessionsTags) {
  const Bytes mine = MakeEnvelope(Tag(0xA), kNow + kDay, 1);
  const Bytes theirs = MakeEnvelope(Tag(0xB), kNow + kDay, 2);
  const Bytes expired = MakeEnvelope(Tag(0xA), kNow + 10, 3);
  const Bytes never = MakeEnvelope(Tag(0xA), kNow + kDay, 4);
  for (const Bytes& e : {mine, theirs, expired}) ASSERT_OK(store_.Put(e, kNow));
  clock_.Advance(10);

  RelaySession relay = NewRelay();
  RawClient raw(relay, relay_key_.public_key, random_);
  ASSERT_OK(raw.Connect(0));
  pb::RelayMessage answer;
  ASSERT_OK(raw.Send(ReconcileOf({Tag(0xA)}), 1, &answer));
  ASSERT_TRUE(answer.has_reconcile());

  ASSERT_OK(raw.Send(FetchOf({IdOf(theirs), IdOf(mine), IdOf(expired), IdOf(never)}), 2, &answer));
  ASSERT_TRUE(answer.has_fetch());
  ASSERT_EQ(answer.fetch().envelopes_size(), 1);
  EXPECT_EQ(answer.fetch().envelopes(0), AsString(mine));
  std::vector<Bytes> gone;
  for (const std::string& id : answer.fetch().gone()) gone.emplace_back(id.begin(), id.end());
  EXPECT_EQ(gone, (std::vector<Bytes>{IdOf(theirs), IdOf(expired), IdOf(never)}))
      << "another tag, expired, never held: all the same to the client";
  EXPECT_EQ(relay.envelopes_sent(), 1u);

  // A later Reconcile without tags goes on in the same scope.
  ASSERT_OK(raw.Send(ReconcileOf({}), 3, &answer));
  EXPECT_TRUE(answer.has_reconcile());
  ASSERT_OK(raw.Send(FetchOf({IdOf(theirs)}), 4, &answer));
  EXPECT_EQ(answer.fetch().envelopes_size(), 0);
  EXPECT_EQ(answer.fetch().gone_size(), 1);
  relay.OnClosed(Status::Unavailable("closed"));
  EXPECT_OK(relay.status());
}

TEST_F(RelaySessionTest, ReconcileAndFetchOutOfOrderAreProtocolErrors) {
  const Bytes e = MakeEnvelope(Tag(0xA), kNow + kDay, 1);
  struct Case {
    const char* name;
    std::vector<pb::ClientMessage> before;  // each answered
    pb::ClientMessage bad;
  };
  const std::vector<Case> cases = {
      {"fetch before any reconcile", {UploadOf({e})}, FetchOf({IdOf(e)})},
      {"a second reconcile naming tags",
       {UploadOf({e}), ReconcileOf({Tag(0xA)})},
       ReconcileOf({Tag(0xB)})},
      {"a second reconcile naming the same tags",
       {UploadOf({e}), ReconcileOf({Tag(0xA)}), ReconcileOf({})},
       ReconcileOf({Tag(0xA)})},
      {"a first reconcile naming no tags", {UploadOf({e})}, ReconcileOf({})},
      {"a reconcile with bad Negentropy",
       {UploadOf({e})},
       ReconcileOf({Tag(0xA)}, Bytes{0x61, 0xFF})},
      {"a fetch with a short id",
       {UploadOf({e}), ReconcileOf({Tag(0xA)})},
       FetchOf({Bytes(31, 0x01)})},
      {"a message of no kind", {UploadOf({e})}, pb::ClientMessage()},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RelaySession relay = NewRelay();
    RawClient raw(relay, relay_key_.public_key, random_);
    ASSERT_OK(raw.Connect(0));
    for (const pb::ClientMessage& m : c.before) ASSERT_OK(raw.Send(m, 1));
    EXPECT_STATUS(raw.Send(c.bad, 2), Status::Code::kProtocol);
    EXPECT_STATUS(relay.status(), Status::Code::kProtocol);
    EXPECT_FALSE(relay.Deadline()) << "a dead session waits for nothing";
    EXPECT_STATUS(relay.OnReceive(Bytes{1}, 3), Status::Code::kProtocol) << "stays failed";
    relay.OnClosed(Status::Unavailable("closed"));
    EXPECT_STATUS(relay.status(), Status::Code::kProtocol) << "the close does not clean it";
    EXPECT_EQ(Count(), 1) << "the upload answered before stays";
  }
}

TEST_F(RelaySessionTest, ClientClosingBetweenMessagesEndsTheSessionCleanly) {
  {
    RelaySession relay = NewRelay();
    RawClient raw(relay, relay_key_.public_key, random_);
    ASSERT_OK(raw.Connect(0));
    ASSERT_OK(raw.Send(UploadOf({MakeEnvelope(Tag(1), kNow + kDay, 1)}), 1));
    ASSERT_OK(raw.Send(ReconcileOf({Tag(1)}), 2));
    EXPECT_FALSE(relay.IsDone());
    relay.OnClosed(Status::Unavailable("connection closed by peer"));
    EXPECT_TRUE(relay.IsDone());
    EXPECT_OK(relay.status());
    EXPECT_FALSE(relay.Deadline());
    EXPECT_OK(relay.OnReceive(Bytes{1, 2, 3}, 3)) << "late bytes while net/ closes are ignored";
  }
  {  // A close during the handshake is not a session.
    RelaySession relay = NewRelay();
    RawInitiator raw(random_);
    ASSERT_OK(relay.OnStart(0));
    ASSERT_OK(relay.OnReceive(raw.Message0(), 1));
    relay.OnClosed(Status::Unavailable("connection closed by peer"));
    EXPECT_STATUS(relay.status(), Status::Code::kUnavailable);
  }
  {  // A socket error is reported as it is.
    RelaySession relay = NewRelay();
    RawClient raw(relay, relay_key_.public_key, random_);
    ASSERT_OK(raw.Connect(0));
    ASSERT_OK(raw.Send(UploadOf({MakeEnvelope(Tag(1), kNow + kDay, 2)}), 1));
    relay.OnClosed(Status::IoError("reset"));
    EXPECT_STATUS(relay.status(), Status::Code::kIoError);
  }
  EXPECT_EQ(Count(), 2);
}

// ---- Hostile or broken clients ----

TEST_F(RelaySessionTest, WrongRelayKeyFailsClosed) {
  SeededRandom other_random(9);
  noise::KeyPair other = noise::KeyPair::Generate(other_random);
  TestParty party({MakeEnvelope(Tag(1), kNow + kDay, 1)}, {Tag(1)});
  SyncClient client(other.public_key, party, random_);
  RelaySession relay = NewRelay();
  ASSERT_OK(relay.OnStart(0));
  ASSERT_OK(client.OnStart(0));
  PumpResult r = Pump(client, relay, rng_);
  EXPECT_STATUS(r.a, Status::Code::kAuthFailed);
  EXPECT_STATUS(client.status(), Status::Code::kAuthFailed);
  EXPECT_FALSE(client.succeeded());
  EXPECT_TRUE(party.asked_max_bytes.empty()) << "nothing was taken out for an impostor";
  EXPECT_EQ(party.scope_calls, 0) << "not even the tags";
  EXPECT_TRUE(party.verdicts.empty());
  EXPECT_EQ(Count(), 0) << "nothing was uploaded to the impostor";
}

TEST_F(RelaySessionTest, FlippedBitInUploadIsAuthFailedAndStoresNothing) {
  TestParty party({MakeEnvelope(Tag(1), kNow + kDay, 1)}, {Tag(1)});
  SyncClient client = NewClient(party);
  RelaySession relay = NewRelay();
  ASSERT_OK(relay.OnStart(0));
  ASSERT_OK(client.OnStart(0));
  ASSERT_OK(relay.OnReceive(client.TakeOutgoing(), 1));
  ASSERT_OK(client.OnReceive(relay.TakeOutgoing(), 2));
  Bytes wire = client.TakeOutgoing();  // message 2, then the first Upload
  ASSERT_EQ(party.batches.size(), 1u);
  ASSERT_GT(wire.size(), 64u + 2 + 100);
  wire[wire.size() - 100] ^= 0x04;
  EXPECT_STATUS(relay.OnReceive(wire, 3), Status::Code::kAuthFailed);
  EXPECT_STATUS(relay.OnReceive(Bytes{1}, 4), Status::Code::kAuthFailed) << "stays failed";
  EXPECT_TRUE(relay.TakeOutgoing().empty()) << "no answer";
  EXPECT_EQ(Count(), 0);
}

TEST_F(RelaySessionTest, GarbageIsAnErrorAndLeavesStoreUnchanged) {
  ASSERT_OK(store_.Put(MakeEnvelope(Tag(1), kNow + kDay, 1), kNow));
  for (uint64_t seed = 0; seed < 50; ++seed) {
    SeededRandom g(seed);
    Bytes garbage(1 + seed * 37);
    g.Fill(garbage);
    RelaySession relay = NewRelay();
    ASSERT_OK(relay.OnStart(0));
    Status s;
    for (size_t i = 0; i < garbage.size() && s.ok(); i += 13) {
      s = relay.OnReceive(ByteView(garbage).subspan(i, std::min<size_t>(13, garbage.size() - i)),
                          1);
    }
    // Short garbage may just be an unfinished frame; then the deadline ends it.
    if (s.ok()) s = relay.OnTimeout(kHandshakeDeadlineMs);
    EXPECT_FALSE(s.ok()) << seed;
    EXPECT_FALSE(relay.IsDone());
  }
  EXPECT_EQ(Count(), 1);
}

TEST_F(RelaySessionTest, MalformedClientMessageIsProtocolErrorAndStoresNothing) {
  {
    RelaySession relay = NewRelay();
    RawInitiator raw(random_);
    ASSERT_NO_FATAL_FAILURE(Handshake(relay, raw));
    const Bytes not_protobuf{0xFF, 0xFF, 0xFF, 0xFF, 0x0F};
    EXPECT_STATUS(relay.OnReceive(raw.AppMessage(5, not_protobuf, 512), 3),
                  Status::Code::kProtocol);
  }
  {  // An upload whose envelope field is cut short.
    RelaySession relay = NewRelay();
    RawClient raw(relay, relay_key_.public_key, random_);
    ASSERT_OK(raw.Connect(0));
    std::string encoded = UploadOf({MakeEnvelope(Tag(1), kNow + kDay, 1)}).SerializeAsString();
    encoded.resize(encoded.size() - 10);
    EXPECT_STATUS(raw.SendBytes(AsBytes(encoded), 1), Status::Code::kProtocol);
  }
  EXPECT_EQ(Count(), 0);
}

TEST_F(RelaySessionTest, OverLimitMessagesAreRejectedBeforeStoring) {
  const std::vector<Bytes> batch = Envelopes(Tag(1), kMaxBatchEnvelopes + 1, 1);
  std::vector<RecipientTag> too_many_tags;
  for (uint32_t i = 0; i <= kMaxTags; ++i) too_many_tags.push_back(NumberedTag(i));
  std::vector<Bytes> too_many_ids;
  for (const Bytes& e : batch) too_many_ids.push_back(IdOf(e));

  {
    RelaySession relay = NewRelay();
    RawClient raw(relay, relay_key_.public_key, random_);
    ASSERT_OK(raw.Connect(0));
    EXPECT_STATUS(raw.Send(UploadOf(batch), 1), Status::Code::kLimitExceeded);
    EXPECT_EQ(Count(), 0) << "not even the first 256";
  }
  {
    RelaySession relay = NewRelay();
    RawClient raw(relay, relay_key_.public_key, random_);
    ASSERT_OK(raw.Connect(0));
    EXPECT_STATUS(raw.Send(ReconcileOf(too_many_tags), 1), Status::Code::kLimitExceeded);
  }
  {
    RelaySession relay = NewRelay();
    RawClient raw(relay, relay_key_.public_key, random_);
    ASSERT_OK(raw.Connect(0));
    ASSERT_OK(raw.Send(ReconcileOf({Tag(1)}), 1));
    EXPECT_STATUS(raw.Send(FetchOf(too_many_ids), 2), Status::Code::kLimitExceeded);
    EXPECT_EQ(relay.envelopes_sent(), 0u);
  }
  EXPECT_EQ(Count(), 0);

  // At the limits, all is well.
  RelaySession relay = NewRelay();
  RawClient raw(relay, relay_key_.public_key, random_);
  ASSERT_OK(raw.Connect(0));
  const std::vector<Bytes> full_batch(batch.begin(), batch.end() - 1);
  pb::RelayMessage answer;
  ASSERT_OK(raw.Send(UploadOf(full_batch), 1, &answer));
  EXPECT_EQ(answer.upload().verdicts_size(), static_cast<int>(kMaxBatchEnvelopes));
  EXPECT_EQ(Count(), static_cast<int64_t>(kMaxBatchEnvelopes));
  std::vector<RecipientTag> max_tags(too_many_tags.begin(), too_many_tags.end() - 1);
  max_tags.back() = Tag(1);
  ASSERT_OK(raw.Send(ReconcileOf(max_tags), 2, &answer));
  ASSERT_OK(raw.Send(FetchOf(std::vector<Bytes>(too_many_ids.begin(), too_many_ids.end() - 1)), 3,
                     &answer));
  EXPECT_EQ(answer.fetch().envelopes_size() + answer.fetch().gone_size(),
            static_cast<int>(kMaxBatchEnvelopes));
  EXPECT_EQ(answer.fetch().envelopes(0), AsString(batch[0]));
}

TEST_F(RelaySessionTest, BadTagLengthIsProtocolError) {
  for (const std::string& bad : {std::string("short"), std::string(9, 'x'), std::string()}) {
    pb::ClientMessage message = ReconcileOf({Tag(1)});
    message.mutable_reconcile()->add_tags(bad);
    RelaySession relay = NewRelay();
    RawClient raw(relay, relay_key_.public_key, random_);
    ASSERT_OK(raw.Connect(0));
    EXPECT_STATUS(raw.Send(message, 1), Status::Code::kProtocol) << bad.size();
  }
}

TEST_F(RelaySessionTest, OversizedAnnouncedMessageIsAnError) {
  RelaySession relay = NewRelay();
  RawInitiator raw(random_);
  ASSERT_NO_FATAL_FAILURE(Handshake(relay, raw));
  Bytes header;
  PutU32(header, static_cast<uint32_t>(kMaxAppMessage + 1));
  header.resize(kMaxChunkPlaintext, 0);
  EXPECT_STATUS(relay.OnReceive(raw.Transport(header), 3), Status::Code::kProtocol);
  EXPECT_EQ(Count(), 0);
}

// After a good handshake, random frames must fail authentication, whatever
// their sizes, and never reach the store.
TEST_F(RelaySessionTest, RandomFramesAfterHandshakeAreErrors) {
  for (uint64_t seed = 0; seed < 30; ++seed) {
    RelaySession relay = NewRelay();
    RawInitiator raw(random_);
    ASSERT_NO_FATAL_FAILURE(Handshake(relay, raw));
    SeededRandom g(seed);
    Bytes body(1 + seed * 61);
    g.Fill(body);
    Bytes wire;
    ASSERT_OK(AppendFrame(wire, body));
    EXPECT_STATUS(relay.OnReceive(wire, 3), Status::Code::kAuthFailed) << seed;
  }
  EXPECT_EQ(Count(), 0);
}

// ---- Hostile or broken relays ----

TEST_F(RelaySessionTest, ClientRejectsGarbageFromRelay) {
  TestParty party({}, {Tag(1)});
  SyncClient client = NewClient(party);
  ASSERT_OK(client.OnStart(0));
  Bytes garbage(300);
  SeededRandom(11).Fill(garbage);
  garbage[0] = 0;
  garbage[1] = 200;
  EXPECT_STATUS(client.OnReceive(garbage, 1), Status::Code::kAuthFailed);
  EXPECT_FALSE(client.succeeded());
  EXPECT_EQ(party.scope_calls, 0);
}

TEST_F(RelaySessionTest, HonestScriptedRelayServesTheParty) {
  // The control for the lying relays below: the script itself is sound.
  const std::vector<Bytes> on_relay = Envelopes(Tag(0xA), 6, 1);
  TestParty party({MakeEnvelope(Tag(0xB), kNow + kDay, 100)}, {Tag(0xA)}, {on_relay[0]});
  ScriptedRelay relay(relay_key_, random_, on_relay);
  SyncClient client = NewClient(party);
  ASSERT_NO_FATAL_FAILURE(RunToEnd(client, relay));
  EXPECT_TRUE(client.succeeded());
  EXPECT_EQ(Sorted(party.fetched),
            Sorted(std::vector<Bytes>(on_relay.begin() + 1, on_relay.end())));
  EXPECT_EQ(party.verdicts.size(), 1u);
}

TEST_F(RelaySessionTest, ClientAsksAgainForWhatAFetchReplyLeftOut) {
  // A relay that answers each Fetch with only its first envelope, as a real
  // one does when the rest would pass kMaxFetchReplyBytes.
  const std::vector<Bytes> on_relay = Envelopes(Tag(0xA), 7, 1);
  TestParty party({}, {Tag(0xA)});
  ScriptedRelay relay(relay_key_, random_, on_relay,
                      [](const pb::ClientMessage&, pb::RelayMessage& reply) {
                        if (!reply.has_fetch() || reply.fetch().envelopes_size() < 2) return;
                        const std::string first = reply.fetch().envelopes(0);
                        reply.mutable_fetch()->clear_envelopes();
                        reply.mutable_fetch()->add_envelopes(first);
                      });
  SyncClient client = NewClient(party);
  ASSERT_NO_FATAL_FAILURE(RunToEnd(client, relay));
  EXPECT_TRUE(client.succeeded());
  EXPECT_EQ(Sorted(party.fetched), Sorted(on_relay)) << "each once";
  EXPECT_EQ(party.fetch_batches, std::vector<size_t>(7, 1));
}

TEST_F(RelaySessionTest, LyingRelayIsProtocolErrorAndThePartyTakesNothingFromIt) {
  const std::vector<Bytes> on_relay = Envelopes(Tag(0xA), 3, 1);
  const Bytes stranger = MakeEnvelope(Tag(0xB), kNow + kDay, 99);
  auto on_fetch = [](std::function<void(pb::FetchReply&)> change) {
    return [change](const pb::ClientMessage&, pb::RelayMessage& reply) {
      if (reply.has_fetch()) change(*reply.mutable_fetch());
    };
  };
  struct Case {
    const char* name;
    ScriptedRelay::Tamper tamper;
  };
  const std::vector<Case> cases = {
      {"an envelope not asked for",
       on_fetch([&](pb::FetchReply& f) { f.add_envelopes(AsString(stranger)); })},
      {"an envelope not asked for, first", on_fetch([&](pb::FetchReply& f) {
         f.add_envelopes(AsString(stranger));
         std::swap(*f.mutable_envelopes(0), *f.mutable_envelopes(f.envelopes_size() - 1));
       })},
      {"an envelope with one bit changed",
       on_fetch([](pb::FetchReply& f) { (*f.mutable_envelopes(0))[40] ^= 0x01; })},
      {"the same envelope twice",
       on_fetch([](pb::FetchReply& f) { f.add_envelopes(f.envelopes(0)); })},
      {"an empty fetch reply", on_fetch([](pb::FetchReply& f) { f.Clear(); })},
      {"a bad id in gone", on_fetch([](pb::FetchReply& f) { f.add_gone("short"); })},
      {"a reconcile reply to a fetch",
       [](const pb::ClientMessage& m, pb::RelayMessage& reply) {
         if (m.has_fetch()) reply.mutable_reconcile()->set_negentropy("\x61");
       }},
      {"an upload result to a reconcile",
       [](const pb::ClientMessage& m, pb::RelayMessage& reply) {
         if (m.has_reconcile()) reply.mutable_upload();
       }},
      {"too few verdicts",
       [](const pb::ClientMessage& m, pb::RelayMessage& reply) {
         if (m.has_upload()) reply.mutable_upload()->mutable_verdicts()->RemoveLast();
       }},
      {"too many verdicts",
       [](const pb::ClientMessage& m, pb::RelayMessage& reply) {
         if (m.has_upload()) reply.mutable_upload()->add_verdicts(pb::UploadResult::STORED);
       }},
      {"bad Negentropy",
       [](const pb::ClientMessage& m, pb::RelayMessage& reply) {
         if (m.has_reconcile()) reply.mutable_reconcile()->set_negentropy("\x61\xFF\xFF");
       }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    TestParty party({MakeEnvelope(Tag(0xC), kNow + kDay, 50)}, {Tag(0xA)});
    ScriptedRelay relay(relay_key_, random_, on_relay, c.tamper);
    SyncClient client = NewClient(party);
    ASSERT_OK(relay.OnStart(0));
    ASSERT_OK(client.OnStart(0));
    PumpResult r = Pump(client, relay, rng_);
    EXPECT_OK(r.b);
    EXPECT_STATUS(r.a, Status::Code::kProtocol);
    EXPECT_STATUS(client.status(), Status::Code::kProtocol);
    EXPECT_FALSE(client.succeeded());
    EXPECT_FALSE(client.Deadline());
    EXPECT_TRUE(party.fetched.empty()) << "nothing of a lying reply is taken in";
    EXPECT_EQ(client.downloaded(), 0u);
    EXPECT_EQ(party.verdicts.size(), client.uploaded() + client.refused());
    EXPECT_FALSE(party.fetch_done);
  }
}

TEST_F(RelaySessionTest, ClientRefusesTooManyTags) {
  std::vector<RecipientTag> tags;
  for (uint32_t i = 0; i <= kMaxTags; ++i) tags.push_back(NumberedTag(i));
  TestParty party({}, tags);
  SyncClient client = NewClient(party);
  RelaySession relay = NewRelay();
  ASSERT_OK(relay.OnStart(0));
  ASSERT_OK(client.OnStart(0));
  PumpResult r = Pump(client, relay, rng_);
  EXPECT_STATUS(r.a, Status::Code::kLimitExceeded);
  EXPECT_OK(r.b);
  EXPECT_FALSE(client.succeeded());
  // net/ flushes what was queued before closing: only the handshake's end.
  ASSERT_OK(relay.OnReceive(client.TakeOutgoing(), 1));
  EXPECT_TRUE(relay.TakeOutgoing().empty()) << "no message reached the relay";
  EXPECT_EQ(relay.bytes_received(), client.bytes_sent());
}

// ---- Deadlines ----

TEST_F(RelaySessionTest, ASilentNewConnectionTimesOutAfter5Seconds) {
  RelaySession relay = NewRelay();
  ASSERT_OK(relay.OnStart(1000));
  EXPECT_TRUE(relay.Provisional());
  EXPECT_EQ(relay.Deadline(), 1000 + kFirstMessageDeadlineMs);
  // Part of the first message is not the first message.
  RawInitiator raw(random_);
  const Bytes message0 = raw.Message0();
  ASSERT_OK(relay.OnReceive(ByteView(message0).first(message0.size() - 1), 2000));
  EXPECT_EQ(relay.Deadline(), 1000 + kFirstMessageDeadlineMs);
  EXPECT_OK(relay.OnTimeout(1000 + kFirstMessageDeadlineMs - 1)) << "early wake-up";
  EXPECT_STATUS(relay.OnTimeout(1000 + kFirstMessageDeadlineMs), Status::Code::kTimeout);
  EXPECT_NE(relay.status().message().find("no handshake within 5 s"), std::string::npos)
      << relay.status().message();
  EXPECT_FALSE(relay.Deadline());
}

TEST_F(RelaySessionTest, AStalledHandshakeTimesOutAfter10Seconds) {
  RelaySession relay = NewRelay();
  RawInitiator raw(random_);
  ASSERT_OK(relay.OnStart(1000));
  ASSERT_OK(relay.OnReceive(raw.Message0(), 4000));
  EXPECT_FALSE(relay.TakeOutgoing().empty()) << "message 1";
  EXPECT_TRUE(relay.Provisional()) << "message 2 proves the client's key; until then, nothing";
  EXPECT_EQ(relay.Deadline(), 1000 + kHandshakeDeadlineMs);
  EXPECT_OK(relay.OnTimeout(1000 + kHandshakeDeadlineMs - 1)) << "early wake-up";
  EXPECT_STATUS(relay.OnTimeout(1000 + kHandshakeDeadlineMs), Status::Code::kTimeout);
  EXPECT_FALSE(relay.Deadline());
  relay.OnClosed(relay.status());
  EXPECT_FALSE(relay.Provisional()) << "closed";
}

TEST_F(RelaySessionTest, TheNextMessageIsAwaitedFromWhenTheAnswerWasWrittenOut) {
  RelaySession relay = NewRelay();
  RawClient raw(relay, relay_key_.public_key, random_);
  ASSERT_OK(raw.Connect(1000));
  EXPECT_FALSE(relay.Provisional()) << "past the handshake";
  ASSERT_OK(raw.Send(UploadOf({MakeEnvelope(Tag(1), kNow + kDay, 1)}), 2'000));
  EXPECT_EQ(relay.Deadline(), 2'000 + kIdleDeadlineMs);
  // A client on a slow link takes 50 s to read the answer.
  relay.OnFlushed(52'000);
  EXPECT_EQ(relay.Deadline(), 52'000 + kIdleDeadlineMs);
  EXPECT_OK(relay.OnTimeout(2'000 + kIdleDeadlineMs)) << "not blamed for the relay's bytes";
  relay.OnFlushed(40'000);
  EXPECT_EQ(relay.Deadline(), 52'000 + kIdleDeadlineMs) << "never earlier";
  EXPECT_STATUS(relay.OnTimeout(52'000 + kIdleDeadlineMs), Status::Code::kTimeout);
}

TEST_F(RelaySessionTest, SilentClientTimesOut30SecondsAfterTheLastAnswer) {
  RelaySession relay = NewRelay();
  RawClient raw(relay, relay_key_.public_key, random_);
  ASSERT_OK(raw.Connect(1000));
  EXPECT_EQ(relay.Deadline(), 1000 + kIdleDeadlineMs) << "the first message, after the handshake";
  ASSERT_OK(raw.Send(UploadOf({MakeEnvelope(Tag(1), kNow + kDay, 1)}), 20'000));
  EXPECT_EQ(relay.Deadline(), 20'000 + kIdleDeadlineMs) << "each answer restarts the clock";
  EXPECT_OK(relay.OnTimeout(1000 + kIdleDeadlineMs)) << "the old deadline no longer counts";

  // Half of the next message arrives in time; the rest never does.
  const std::string next = ReconcileOf({Tag(1)}).SerializeAsString();
  ASSERT_OK(raw.channel().Send(AsBytes(next)));
  const Bytes wire = raw.channel().TakeOutput();
  ASSERT_OK(relay.OnReceive(ByteView(wire).first(wire.size() / 2), 40'000));
  EXPECT_EQ(relay.Deadline(), 20'000 + kIdleDeadlineMs) << "part of a message is not a message";
  EXPECT_OK(relay.OnTimeout(20'000 + kIdleDeadlineMs - 1));
  EXPECT_STATUS(relay.OnTimeout(20'000 + kIdleDeadlineMs), Status::Code::kTimeout);
  EXPECT_STATUS(relay.status(), Status::Code::kTimeout);
  EXPECT_EQ(Count(), 1) << "what was answered stays";
}

TEST_F(RelaySessionTest, BytesAfterTheDeadlineAreTooLate) {
  {
    RelaySession relay = NewRelay();
    RawInitiator raw(random_);
    ASSERT_OK(relay.OnStart(0));
    EXPECT_STATUS(relay.OnReceive(raw.Message0(), kHandshakeDeadlineMs), Status::Code::kTimeout);
  }
  {
    RelaySession relay = NewRelay();
    RawClient raw(relay, relay_key_.public_key, random_);
    ASSERT_OK(raw.Connect(0));
    ASSERT_OK(raw.Send(UploadOf({MakeEnvelope(Tag(1), kNow + kDay, 1)}), 5'000));
    EXPECT_STATUS(
        raw.Send(UploadOf({MakeEnvelope(Tag(1), kNow + kDay, 2)}), 5'000 + kIdleDeadlineMs),
        Status::Code::kTimeout);
    EXPECT_TRUE(relay.TakeOutgoing().empty()) << "no answer";
  }
  EXPECT_EQ(Count(), 1) << "the late upload was not stored";
}

TEST_F(RelaySessionTest, StalledRelayTimesOutTheClientAfterItsDeadline) {
  {
    TestParty party({}, {Tag(1)});
    SyncClient client = NewClient(party);
    ASSERT_OK(client.OnStart(500));
    EXPECT_FALSE(client.TakeOutgoing().empty());
    EXPECT_EQ(client.Deadline(), 500 + kClientDeadlineMs);
    EXPECT_OK(client.OnTimeout(500 + kClientDeadlineMs - 1));
    EXPECT_STATUS(client.OnTimeout(500 + kClientDeadlineMs), Status::Code::kTimeout);
    EXPECT_STATUS(client.status(), Status::Code::kTimeout);
    EXPECT_FALSE(client.succeeded());
  }
  {  // A deadline of its own, counted from each message it waits on.
    TestParty party({MakeEnvelope(Tag(1), kNow + kDay, 1)}, {Tag(1)});
    SyncClient client(relay_key_.public_key, party, random_, 5'000);
    RelaySession relay = NewRelay();
    ASSERT_OK(relay.OnStart(0));
    ASSERT_OK(client.OnStart(0));
    EXPECT_EQ(client.Deadline(), 5'000);
    ASSERT_OK(relay.OnReceive(client.TakeOutgoing(), 1'000));
    ASSERT_OK(client.OnReceive(relay.TakeOutgoing(), 2'000));  // the upload leaves
    EXPECT_EQ(client.Deadline(), 7'000);
    ASSERT_OK(relay.OnReceive(client.TakeOutgoing(), 3'000));
    const Bytes answer = relay.TakeOutgoing();
    ASSERT_FALSE(answer.empty());
    EXPECT_OK(client.OnTimeout(6'999));
    EXPECT_STATUS(client.OnReceive(answer, 7'000), Status::Code::kTimeout) << "too late";
    EXPECT_TRUE(party.verdicts.empty()) << "a late answer is not taken";
    EXPECT_EQ(Count(), 1) << "though the relay did store it";
  }
}

TEST_F(RelaySessionTest, ClientReportsEarlyClose) {
  {
    TestParty party({}, {Tag(1)});
    SyncClient client = NewClient(party);
    ASSERT_OK(client.OnStart(0));
    client.OnClosed(Status::Unavailable("connection reset"));
    EXPECT_STATUS(client.status(), Status::Code::kUnavailable);
    EXPECT_FALSE(client.succeeded());
  }
  {  // A close that net/ saw as orderly is still early if the client was not done.
    TestParty party({MakeEnvelope(Tag(1), kNow + kDay, 1)}, {Tag(1)});
    SyncClient client = NewClient(party);
    RelaySession relay = NewRelay();
    ASSERT_OK(relay.OnStart(0));
    ASSERT_OK(client.OnStart(0));
    ASSERT_OK(relay.OnReceive(client.TakeOutgoing(), 1));
    ASSERT_OK(client.OnReceive(relay.TakeOutgoing(), 2));
    client.OnClosed(Status::Ok());
    EXPECT_STATUS(client.status(), Status::Code::kUnavailable);
    EXPECT_FALSE(client.succeeded());
    EXPECT_TRUE(party.verdicts.empty());
  }
}

// ---- A link that drops ----

// Runs sessions over a wire cut after `budget` bytes, then a whole one, and
// checks that every batch answered before the cut was committed at both
// ends and that the whole session finishes the rest without doing anything
// twice.
class CutSession {
 public:
  CutSession(const noise::KeyPair& relay_key, const Clock& clock, Random& random)
      : relay_key_(&relay_key), clock_(&clock), random_(&random) {}

  static constexpr size_t kUploads = 50;
  static constexpr size_t kOnRelay = 40;

  void Run(size_t budget, std::mt19937& rng, uint64_t* full_session_bytes = nullptr) {
    test_util::TempDatabase temp;
    RelayStore store(temp.db());
    ASSERT_OK(store.EnsureSchema());
    const std::vector<Bytes> on_relay = Envelopes(Tag(0xA), kOnRelay, 1);
    ASSERT_OK(store.PutBatch(std::vector<ByteView>(on_relay.begin(), on_relay.end()), kNow));
    const std::vector<Bytes> uploads = Envelopes(Tag(0x55), kUploads, 1000);
    TestParty party(uploads, {Tag(0xA)});
    party.receipts = true;

    // The cut session.
    RelaySession relay1(store, *relay_key_, *clock_, *random_);
    SyncClient client1(relay_key_->public_key, party, *random_);
    ASSERT_OK(relay1.OnStart(0));
    ASSERT_OK(client1.OnStart(0));
    PumpResult r1 = PumpCut(client1, relay1, rng, budget);
    ASSERT_OK(r1.a);
    ASSERT_OK(r1.b);
    if (full_session_bytes) *full_session_bytes = client1.bytes_sent() + client1.bytes_received();
    client1.OnClosed(client1.IsDone() ? Status::Ok() : Status::Unavailable("link dropped"));
    relay1.OnClosed(Status::Unavailable("link dropped"));
    EXPECT_EQ(client1.succeeded(), party.fetch_done && party.waiting() == 0);
    if (!client1.succeeded()) {
      EXPECT_STATUS(client1.status(), Status::Code::kUnavailable);
    }

    // Every answered batch reached the party, and is on the relay.
    EXPECT_EQ(party.verdicts.size(), client1.uploaded() + client1.refused());
    size_t stored1 = 0;
    for (const auto& [e, v] : party.verdicts) {
      EXPECT_EQ(party.VerdictsFor(e).size(), 1u);
      EXPECT_EQ(v, UploadVerdict::kStored) << "nothing was on the relay before";
      EXPECT_TRUE(Holds(store, e, kNow));
      stored1 += v == UploadVerdict::kStored;
    }
    EXPECT_GE(relay1.accepted(), stored1) << "the relay may have stored a batch whose answer "
                                             "was lost; never less than it promised";
    // Every fetched batch reached the party whole, each envelope once.
    EXPECT_EQ(party.fetched.size(), client1.downloaded());
    std::set<Bytes> fetched1(party.fetched.begin(), party.fetched.end());
    EXPECT_EQ(fetched1.size(), party.fetched.size());
    for (const Bytes& e : party.fetched) {
      EXPECT_TRUE(std::find(on_relay.begin(), on_relay.end(), e) != on_relay.end());
    }
    // docs/protocol.md §2.4: 1,002 bytes move the first batch of four.
    if (budget >= 1002) {
      EXPECT_GE(party.verdicts.size(), 4u);
    } else {
      EXPECT_TRUE(party.verdicts.empty());
    }

    // A whole session on a fresh connection finishes the rest.
    party.NewSession();
    RelaySession relay2(store, *relay_key_, *clock_, *random_);
    SyncClient client2(relay_key_->public_key, party, *random_);
    ASSERT_OK(relay2.OnStart(0));
    ASSERT_OK(client2.OnStart(0));
    PumpResult r2 = Pump(client2, relay2, rng, 5);
    ASSERT_OK(r2.a);
    ASSERT_OK(r2.b);
    ASSERT_TRUE(client2.succeeded());

    EXPECT_EQ(Sorted(party.fetched), Sorted(on_relay)) << "all fetched, none twice";
    std::vector<Bytes> all_uploads = uploads;
    for (const Bytes& e : on_relay) all_uploads.push_back(TestParty::ReceiptFor(e));
    EXPECT_EQ(party.verdicts.size(), all_uploads.size());
    size_t stored = 0;
    size_t held = 0;
    for (const Bytes& e : all_uploads) {
      const std::vector<UploadVerdict> v = party.VerdictsFor(e);
      ASSERT_EQ(v.size(), 1u) << "one verdict per envelope over both sessions";
      EXPECT_TRUE(v[0] == UploadVerdict::kStored || v[0] == UploadVerdict::kHeld);
      stored += v[0] == UploadVerdict::kStored;
      held += v[0] == UploadVerdict::kHeld;
      EXPECT_TRUE(Holds(store, e, kNow));
    }
    EXPECT_EQ(party.waiting(), 0u);
    EXPECT_EQ(relay1.accepted() + relay2.accepted(), all_uploads.size()) << "each stored once";
    EXPECT_EQ(held, relay1.accepted() - stored1) << "HELD only where an answer was lost";
    EXPECT_EQ(stored, stored1 + relay2.accepted());
    EXPECT_EQ(store.Count().value(), static_cast<int64_t>(kOnRelay + all_uploads.size()));
  }

 private:
  const noise::KeyPair* relay_key_;
  const Clock* clock_;
  Random* random_;
};

TEST_F(RelaySessionTest, CutMidSessionKeepsWhatWasAnsweredAndTheNextSessionFinishes) {
  CutSession cut(relay_key_, clock_, random_);
  uint64_t total = 0;
  ASSERT_NO_FATAL_FAILURE(cut.Run(size_t{1} << 30, rng_, &total));
  ASSERT_GT(total, 4'000u);
  std::vector<size_t> budgets = {0, 1, 34, 100, 198, 700, 1001, 1002, 1800, 2500};
  for (size_t k = 1; k < 16; ++k) budgets.push_back(static_cast<size_t>(total * k / 16));
  budgets.push_back(static_cast<size_t>(total - 1));
  for (const size_t budget : budgets) {
    SCOPED_TRACE("cut after " + std::to_string(budget) + " of " + std::to_string(total) + " bytes");
    ASSERT_NO_FATAL_FAILURE(cut.Run(budget, rng_));
  }
}

}  // namespace
}  // namespace waypost::sync
