// One whole sync exchange: a SyncClient and a RelaySession wired together in
// memory, bytes passed in seeded random chunks, time passed as arguments.
#include "core/sync/relay_session.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/sync/constants.h"
#include "core/sync/frame.h"
#include "core/sync/sync_client.h"
#include "proto/waypost.pb.h"
#include "tests/core/sync/sync_test_util.h"
#include "tests/kit/status.h"

namespace waypost::sync {
namespace {

using test_util::kNow;
using test_util::MakeEnvelope;
using test_util::Prefix;
using test_util::Pump;
using test_util::RawInitiator;
using test_util::Tag;

constexpr uint32_t kDay = 24 * 3600;

std::vector<Bytes> Sorted(std::vector<Bytes> v) {
  std::sort(v.begin(), v.end());
  return v;
}

class RelaySessionTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK(store_.EnsureSchema()); }

  RelaySession NewRelay() { return RelaySession(store_, relay_key_, clock_, random_); }
  SyncClient NewClient(std::vector<Bytes> uploads, std::vector<envelope::RecipientTag> tags,
                       std::vector<Bytes> have = {}) {
    return SyncClient(relay_key_.public_key, std::move(uploads), std::move(tags), std::move(have),
                      random_);
  }

  // Runs one exchange to the end; both sides must succeed.
  void Sync(SyncClient& client) {
    RelaySession relay = NewRelay();
    ASSERT_OK(relay.OnStart(0));
    ASSERT_OK(client.OnStart(0));
    test_util::PumpResult r = Pump(client, relay, rng_, 5);
    ASSERT_OK(r.a);
    ASSERT_OK(r.b);
    ASSERT_TRUE(client.IsDone());
    ASSERT_TRUE(relay.IsDone());
    EXPECT_FALSE(relay.Deadline());
    EXPECT_EQ(client.bytes_sent(), relay.bytes_received());
    EXPECT_EQ(client.bytes_received(), relay.bytes_sent());
  }

  // The relay after the handshake, driven by a hand-played client.
  Status HandshakeRaw(RelaySession& relay, RawInitiator& raw) {
    WAYPOST_RETURN_IF_ERROR(relay.OnStart(0));
    WAYPOST_RETURN_IF_ERROR(relay.OnReceive(raw.Message0(), 1));
    return relay.OnReceive(raw.Message2(relay.TakeOutgoing()), 2);
  }

  int64_t Count() { return store_.Count().value(); }

  FakeClock clock_{kNow};
  SeededRandom random_{42};
  std::mt19937 rng_{7};
  noise::KeyPair relay_key_ = noise::KeyPair::Generate(random_);
  test_util::TempDatabase temp_;
  RelayStore store_{temp_.db()};
};

TEST_F(RelaySessionTest, UploadThenAnotherClientFetchesByTag) {
  const Bytes for_a1 = MakeEnvelope(Tag(0xA), kNow + kDay, 1);
  const Bytes for_a2 = MakeEnvelope(Tag(0xA), kNow + kDay, 2, 4096);
  const Bytes for_b = MakeEnvelope(Tag(0xB), kNow + kDay, 3);
  const Bytes expired = MakeEnvelope(Tag(0xA), kNow - 1, 4);

  SyncClient sender = NewClient({for_a1, for_a2, for_b, expired}, {Tag(0xA)});
  Sync(sender);
  EXPECT_EQ(sender.accepted(), 3u);
  EXPECT_EQ(sender.rejected(), 1u);
  EXPECT_TRUE(sender.envelopes().empty()) << "its own uploads are not echoed";
  EXPECT_EQ(sender.round_trips(), 2);
  EXPECT_EQ(Count(), 3);

  SyncClient a = NewClient({}, {Tag(0xA)});
  Sync(a);
  EXPECT_EQ(Sorted(a.envelopes()), Sorted({for_a1, for_a2}));
  EXPECT_EQ(a.accepted(), 0u);

  SyncClient a_again = NewClient({}, {Tag(0xA), Tag(0xB)}, {Prefix(for_a1)});
  Sync(a_again);
  EXPECT_EQ(Sorted(a_again.envelopes()), Sorted({for_a2, for_b}));

  SyncClient a_later = NewClient({}, {Tag(0xA)});
  clock_.Advance(kDay);  // both have expired for the relay now
  Sync(a_later);
  EXPECT_TRUE(a_later.envelopes().empty());
}

TEST_F(RelaySessionTest, ReuploadIsDeduplicated) {
  const Bytes e = MakeEnvelope(Tag(1), kNow + kDay, 1);
  SyncClient first = NewClient({e}, {});
  Sync(first);
  SyncClient second = NewClient({e, e}, {});
  Sync(second);
  EXPECT_EQ(first.accepted(), 1u);
  EXPECT_EQ(second.accepted(), 0u);
  EXPECT_EQ(second.rejected(), 0u);
  EXPECT_EQ(Count(), 1);
}

TEST_F(RelaySessionTest, WrongRelayKeyFailsClosed) {
  SeededRandom other_random(9);
  noise::KeyPair other = noise::KeyPair::Generate(other_random);
  SyncClient client(other.public_key, {MakeEnvelope(Tag(1), kNow + kDay, 1)}, {Tag(1)}, {},
                    random_);
  RelaySession relay = NewRelay();
  ASSERT_OK(relay.OnStart(0));
  ASSERT_OK(client.OnStart(0));
  test_util::PumpResult r = Pump(client, relay, rng_);
  EXPECT_EQ(r.a.code(), Status::Code::kAuthFailed);
  EXPECT_EQ(client.status().code(), Status::Code::kAuthFailed);
  EXPECT_FALSE(client.succeeded());
  EXPECT_EQ(Count(), 0) << "nothing was uploaded to the impostor";
}

TEST_F(RelaySessionTest, FlippedBitInRequestIsAuthFailedAndStoresNothing) {
  SyncClient client = NewClient({MakeEnvelope(Tag(1), kNow + kDay, 1)}, {Tag(1)});
  RelaySession relay = NewRelay();
  ASSERT_OK(relay.OnStart(0));
  ASSERT_OK(client.OnStart(0));
  ASSERT_OK(relay.OnReceive(client.TakeOutgoing(), 1));
  ASSERT_OK(client.OnReceive(relay.TakeOutgoing(), 2));
  Bytes wire = client.TakeOutgoing();  // message 2, then the request
  ASSERT_GT(wire.size(), 64u + 2 + 100);
  wire[wire.size() - 100] ^= 0x04;
  Status s = relay.OnReceive(wire, 3);
  EXPECT_EQ(s.code(), Status::Code::kAuthFailed);
  EXPECT_EQ(relay.OnReceive(Bytes{1}, 4).code(), Status::Code::kAuthFailed) << "stays failed";
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

TEST_F(RelaySessionTest, MalformedRequestIsProtocolErrorAndStoresNothing) {
  RelaySession relay = NewRelay();
  RawInitiator raw(random_);
  ASSERT_OK(HandshakeRaw(relay, raw));
  const Bytes not_protobuf{0xFF, 0xFF, 0xFF, 0xFF, 0x0F};
  Status s = relay.OnReceive(raw.AppMessage(5, not_protobuf, 512), 3);
  EXPECT_EQ(s.code(), Status::Code::kProtocol);
  EXPECT_EQ(Count(), 0);
}

TEST_F(RelaySessionTest, OverLimitRequestIsRejectedBeforeStoring) {
  pb::SyncRequest request;
  request.add_upload(AsString(MakeEnvelope(Tag(1), kNow + kDay, 1)));
  for (size_t i = 0; i <= kMaxTags; ++i) request.add_tags(std::string(8, 'x'));
  const std::string encoded = request.SerializeAsString();
  RelaySession relay = NewRelay();
  RawInitiator raw(random_);
  ASSERT_OK(HandshakeRaw(relay, raw));
  Status s = relay.OnReceive(raw.AppMessage(static_cast<uint32_t>(encoded.size()), AsBytes(encoded),
                                            SecureChannel::PaddedSize(encoded.size())),
                             3);
  EXPECT_EQ(s.code(), Status::Code::kLimitExceeded);
  EXPECT_EQ(Count(), 0);
}

TEST_F(RelaySessionTest, BadTagLengthIsRejectedBeforeStoring) {
  pb::SyncRequest request;
  request.add_upload(AsString(MakeEnvelope(Tag(1), kNow + kDay, 1)));
  request.add_tags("short");
  const std::string encoded = request.SerializeAsString();
  RelaySession relay = NewRelay();
  RawInitiator raw(random_);
  ASSERT_OK(HandshakeRaw(relay, raw));
  Status s = relay.OnReceive(raw.AppMessage(static_cast<uint32_t>(encoded.size()), AsBytes(encoded),
                                            SecureChannel::PaddedSize(encoded.size())),
                             3);
  EXPECT_EQ(s.code(), Status::Code::kProtocol);
  EXPECT_EQ(Count(), 0);
}

TEST_F(RelaySessionTest, OversizedAnnouncedMessageIsAnError) {
  RelaySession relay = NewRelay();
  RawInitiator raw(random_);
  ASSERT_OK(HandshakeRaw(relay, raw));
  Bytes header;
  PutU32(header, static_cast<uint32_t>(kMaxAppMessage + 1));
  header.resize(kMaxChunkPlaintext, 0);
  EXPECT_EQ(relay.OnReceive(raw.Transport(header), 3).code(), Status::Code::kProtocol);
  EXPECT_EQ(Count(), 0);
}

// After a good handshake, random frames must fail authentication, whatever
// their sizes, and never reach the store.
TEST_F(RelaySessionTest, RandomFramesAfterHandshakeAreErrors) {
  for (uint64_t seed = 0; seed < 30; ++seed) {
    RelaySession relay = NewRelay();
    RawInitiator raw(random_);
    ASSERT_OK(HandshakeRaw(relay, raw));
    SeededRandom g(seed);
    Bytes body(1 + seed * 61);
    g.Fill(body);
    Bytes wire;
    ASSERT_OK(AppendFrame(wire, body));
    EXPECT_EQ(relay.OnReceive(wire, 3).code(), Status::Code::kAuthFailed) << seed;
  }
  EXPECT_EQ(Count(), 0);
}

TEST_F(RelaySessionTest, ClientRejectsGarbageFromRelay) {
  SyncClient client = NewClient({}, {Tag(1)});
  ASSERT_OK(client.OnStart(0));
  Bytes garbage(300);
  SeededRandom(11).Fill(garbage);
  garbage[0] = 0;
  garbage[1] = 200;
  EXPECT_EQ(client.OnReceive(garbage, 1).code(), Status::Code::kAuthFailed);
  EXPECT_FALSE(client.succeeded());
}

TEST_F(RelaySessionTest, StalledHandshakeTimesOutAfter10Seconds) {
  RelaySession relay = NewRelay();
  ASSERT_OK(relay.OnStart(1000));
  EXPECT_EQ(relay.Deadline(), 1000 + kHandshakeDeadlineMs);
  EXPECT_OK(relay.OnTimeout(1000 + kHandshakeDeadlineMs - 1)) << "early wake-up";
  EXPECT_EQ(relay.OnTimeout(1000 + kHandshakeDeadlineMs).code(), Status::Code::kTimeout);
}

TEST_F(RelaySessionTest, StalledRequestTimesOutAfter30Seconds) {
  RelaySession relay = NewRelay();
  RawInitiator raw(random_);
  ASSERT_OK(HandshakeRaw(relay, raw));  // started at 0
  EXPECT_EQ(relay.Deadline(), kRequestDeadlineMs);
  EXPECT_OK(relay.OnTimeout(kHandshakeDeadlineMs + 1));
  // Half a request arrives in time, the rest never does.
  EXPECT_OK(relay.OnReceive(raw.Transport(Bytes(100, 0)), 20'000));
  EXPECT_EQ(relay.OnTimeout(kRequestDeadlineMs).code(), Status::Code::kTimeout);
}

TEST_F(RelaySessionTest, BytesAfterTheDeadlineAreTooLate) {
  RelaySession relay = NewRelay();
  RawInitiator raw(random_);
  ASSERT_OK(relay.OnStart(0));
  EXPECT_EQ(relay.OnReceive(raw.Message0(), kHandshakeDeadlineMs + 1).code(),
            Status::Code::kTimeout);
}

TEST_F(RelaySessionTest, StalledRelayTimesOutClientAfter30Seconds) {
  SyncClient client = NewClient({}, {Tag(1)});
  ASSERT_OK(client.OnStart(500));
  EXPECT_FALSE(client.TakeOutgoing().empty());
  EXPECT_EQ(client.Deadline(), 500 + kClientDeadlineMs);
  EXPECT_OK(client.OnTimeout(500 + kClientDeadlineMs - 1));
  EXPECT_EQ(client.OnTimeout(500 + kClientDeadlineMs).code(), Status::Code::kTimeout);
  EXPECT_EQ(client.status().code(), Status::Code::kTimeout);
  EXPECT_FALSE(client.succeeded());
}

TEST_F(RelaySessionTest, ClientRefusesRequestsOverTheLimits) {
  std::vector<envelope::RecipientTag> tags(kMaxTags + 1, Tag(1));
  SyncClient too_many_tags = NewClient({}, tags);
  EXPECT_EQ(too_many_tags.OnStart(0).code(), Status::Code::kLimitExceeded);
  EXPECT_TRUE(too_many_tags.TakeOutgoing().empty());
  SyncClient bad_prefix = NewClient({}, {Tag(1)}, {Bytes{1, 2}});
  EXPECT_EQ(bad_prefix.OnStart(0).code(), Status::Code::kInvalidArgument);
}

TEST_F(RelaySessionTest, ClientReportsEarlyClose) {
  SyncClient client = NewClient({}, {Tag(1)});
  ASSERT_OK(client.OnStart(0));
  client.OnClosed(Status::Unavailable("connection reset"));
  EXPECT_EQ(client.status().code(), Status::Code::kUnavailable);
  EXPECT_FALSE(client.succeeded());
}

}  // namespace
}  // namespace waypost::sync
