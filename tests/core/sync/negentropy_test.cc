// Negentropy V1 against the shared vectors (WAYPOST_SHARED_DIR/vectors/
// negentropy/cases.json), plus malformed input and a random model check.
#include "core/sync/negentropy.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>

#include "tests/kit/status.h"

namespace waypost::sync {
namespace {

using nlohmann::json;

const json& Vectors() {
  static const json vectors = [] {
    std::ifstream in(WAYPOST_SHARED_DIR "/vectors/negentropy/cases.json");
    return in ? json::parse(in) : json();
  }();
  return vectors;
}

Bytes Hex(const std::string& hex) {
  auto bytes = FromHex(hex);
  EXPECT_TRUE(bytes.has_value()) << "bad hex in vectors: " << hex;
  return bytes.value_or(Bytes());
}

NegId IdFromHex(const std::string& hex) {
  const Bytes bytes = Hex(hex);
  NegId id{};
  EXPECT_EQ(bytes.size(), kNegIdSize);
  std::copy_n(bytes.begin(), std::min(bytes.size(), kNegIdSize), id.begin());
  return id;
}

// [[timestamp as decimal string, id hex], ...] -> records
std::vector<NegItem> Items(const json& list) {
  std::vector<NegItem> items;
  for (const json& entry : list) {
    items.push_back({std::stoull(entry[0].get<std::string>()), IdFromHex(entry[1])});
  }
  return items;
}

std::vector<NegItem> Concat(std::vector<NegItem> a, const std::vector<NegItem>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::set<std::string> HexSet(const std::vector<NegId>& ids) {
  std::set<std::string> out;
  for (const NegId& id : ids) out.insert(ToHex(id));
  return out;
}

// A server or a client (`Side`) over `items`; the test fails if it cannot be
// made.
template <typename Side>
Side Make(std::vector<NegItem> items, size_t limit = 0) {
  auto storage = NegStorage::Create(std::move(items));
  EXPECT_OK(storage);
  auto side = Side::Create(std::move(storage).value(), limit);
  EXPECT_OK(side);
  return std::move(side).value();
}

NegentropyServer MakeServer(std::vector<NegItem> items, size_t limit = 0) {
  return Make<NegentropyServer>(std::move(items), limit);
}

NegentropyClient MakeClient(std::vector<NegItem> items, size_t limit = 0) {
  return Make<NegentropyClient>(std::move(items), limit);
}

NegItem Item(uint64_t timestamp, uint8_t fill) {
  NegItem item{timestamp, {}};
  item.id.fill(fill);
  return item;
}

TEST(VarintTest, UnitVectorsBothWays) {
  ASSERT_FALSE(Vectors().is_null()) << "cannot read " WAYPOST_SHARED_DIR;
  const json& cases = Vectors()["unit"]["varint"];
  ASSERT_FALSE(cases.empty());
  for (const json& c : cases) {
    const std::string hex = c["hex"];
    SCOPED_TRACE(hex);
    const uint64_t value = std::stoull(c["value"].get<std::string>());
    Bytes encoded;
    AppendVarint(encoded, value);
    EXPECT_EQ(ToHex(encoded), hex);
    const Bytes bytes = Hex(hex);
    NegReader reader(bytes);
    ASSERT_OK_AND_ASSIGN(const uint64_t decoded, reader.Varint());
    EXPECT_EQ(decoded, value);
    EXPECT_TRUE(reader.empty());
  }
}

TEST(VarintTest, RejectsTruncatedAndOversized) {
  for (const char* hex : {"", "80", "81ff", "ffffffffffffffffffff"}) {
    const Bytes bytes = Hex(hex);
    NegReader reader(bytes);
    EXPECT_STATUS(reader.Varint(), Status::Code::kProtocol) << hex;
  }
  // 2^64 (one more than the largest value) and a 65-bit value.
  for (const char* hex :
       {"82808080808080808000", "83ffffffffffffffff7f", "8180808080808080808000"}) {
    const Bytes bytes = Hex(hex);
    NegReader reader(bytes);
    EXPECT_STATUS(reader.Varint(), Status::Code::kProtocol) << hex;
  }
}

TEST(FingerprintTest, UnitVectors) {
  const json& cases = Vectors()["unit"]["fingerprint"];
  ASSERT_FALSE(cases.empty());
  for (const json& c : cases) {
    SCOPED_TRACE(c["note"].get<std::string>());
    NegFingerprintBuilder builder;
    for (const json& id : c["ids"]) builder.Add(IdFromHex(id));
    EXPECT_EQ(ToHex(builder.Finish()), c["fingerprint"].get<std::string>());
  }
}

TEST(BoundTest, MinimalBoundsSeparateNeighbours) {
  NegItem a = Item(5, 0x11), b = Item(5, 0x11);
  b.id[3] = 0x20;
  const NegBound between = NegBound::Between(a, b);
  EXPECT_EQ(between.prefix_size, 4);
  EXPECT_TRUE(IsBelow(a, between));
  EXPECT_FALSE(IsBelow(b, between));
  const NegBound by_time = NegBound::Between(Item(4, 0xff), Item(9, 0));
  EXPECT_EQ(by_time.timestamp, 9u);
  EXPECT_EQ(by_time.prefix_size, 0);
}

TEST(BoundTest, DeltaCodedRoundTrip) {
  NegBound prefixed{15, {}, 4};
  prefixed.id = {0x11, 0x11, 0x11, 0x20};
  Bytes out;
  NegBoundWriter writer;
  writer.Append(out, NegBound{10, {}, 0});
  writer.Append(out, prefixed);
  writer.Append(out, NegBound::Infinity());
  EXPECT_EQ(ToHex(out),
            "0b00060411111120"
            "0000");

  NegReader reader(out);
  NegBoundReader bounds;
  ASSERT_OK_AND_ASSIGN(const NegBound first, bounds.Read(reader));
  EXPECT_EQ(first.timestamp, 10u);
  ASSERT_OK_AND_ASSIGN(const NegBound second, bounds.Read(reader));
  EXPECT_EQ(second.timestamp, 15u);
  EXPECT_EQ(second.prefix_size, 4);
  EXPECT_EQ(second.id, prefixed.id);
  ASSERT_OK_AND_ASSIGN(const NegBound third, bounds.Read(reader));
  EXPECT_EQ(third.timestamp, kNegInfinity);
  EXPECT_TRUE(reader.empty());
}

TEST(BoundTest, OverflowingDeltaSaturatesToInfinity) {
  // 2^64-2, then a delta of 2 (which would wrap), then a small delta.
  const Bytes bytes =
      Hex("81ffffffffffffffff7f00"
          "0300"
          "0200");
  NegReader reader(bytes);
  NegBoundReader bounds;
  ASSERT_OK_AND_ASSIGN(const NegBound first, bounds.Read(reader));
  EXPECT_EQ(first.timestamp, kNegInfinity - 1);
  ASSERT_OK_AND_ASSIGN(const NegBound second, bounds.Read(reader));
  EXPECT_EQ(second.timestamp, kNegInfinity);
  ASSERT_OK_AND_ASSIGN(const NegBound third, bounds.Read(reader));
  EXPECT_EQ(third.timestamp, kNegInfinity);
}

TEST(StorageTest, RejectsDuplicatesAndInfinity) {
  EXPECT_STATUS(NegStorage::Create({Item(1, 1), Item(2, 2), Item(1, 1)}),
                Status::Code::kInvalidArgument);
  EXPECT_STATUS(NegStorage::Create({Item(kNegInfinity, 1)}), Status::Code::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(
      const NegStorage storage,
      NegStorage::Create({Item(3, 1), Item(0, 9), Item(3, 0), Item(kNegInfinity - 1, 0)}));
  ASSERT_EQ(storage.size(), 4u);
  EXPECT_EQ(storage[0], Item(0, 9));
  EXPECT_EQ(storage[1], Item(3, 0));
  EXPECT_EQ(storage[2], Item(3, 1));
}

TEST(StorageTest, FrameSizeLimitBelowMinimumIsRejected) {
  ASSERT_OK_AND_ASSIGN(NegStorage storage, NegStorage::Create({}));
  EXPECT_STATUS(NegentropyServer::Create(storage, 2047), Status::Code::kInvalidArgument);
  EXPECT_STATUS(NegentropyClient::Create(storage, 1), Status::Code::kInvalidArgument);
  EXPECT_OK(NegentropyServer::Create(storage, 2048));
  EXPECT_OK(NegentropyClient::Create(storage, 0));
}

TEST(ResponderTest, ProbeReplies) {
  const json& probes = Vectors()["unit"]["responder_probes"];
  ASSERT_FALSE(probes.empty());
  for (const json& probe : probes) {
    SCOPED_TRACE(probe["note"].get<std::string>());
    const NegentropyServer server = MakeServer(Items(probe["server_items"]));
    ASSERT_OK_AND_ASSIGN(const Bytes reply, server.Reconcile(Hex(probe["input"])));
    EXPECT_EQ(ToHex(reply), probe["expected_output"].get<std::string>());
  }
}

// Runs one shared case in-process and checks every message byte for byte.
void RunCase(const json& c) {
  const auto common = Items(c["common"]);
  NegentropyClient client =
      MakeClient(Concat(common, Items(c["client_only"])), c["client_frame_size_limit"]);
  const NegentropyServer server =
      MakeServer(Concat(common, Items(c["server_only"])), c["server_frame_size_limit"]);
  const json& transcript = c["transcript"];
  std::vector<NegId> have, need;
  ASSERT_OK_AND_ASSIGN(Bytes message, client.Initiate());
  for (size_t i = 0;; i += 2) {
    ASSERT_LT(i + 1, transcript.size()) << "session runs longer than the transcript";
    ASSERT_EQ(ToHex(message), transcript[i].get<std::string>()) << "message " << i;
    ASSERT_OK_AND_ASSIGN(const Bytes reply, server.Reconcile(message));
    ASSERT_EQ(ToHex(reply), transcript[i + 1].get<std::string>()) << "message " << i + 1;
    ASSERT_OK_AND_ASSIGN(auto next, client.Reconcile(reply, &have, &need));
    if (!next.has_value()) {
      EXPECT_EQ(i + 2, transcript.size()) << "session ended early";
      break;
    }
    message = std::move(*next);
  }
  EXPECT_TRUE(client.done());
  EXPECT_EQ(HexSet(have), c["expected_have"].get<std::set<std::string>>());
  EXPECT_EQ(HexSet(need), c["expected_need"].get<std::set<std::string>>());
  EXPECT_EQ(have.size(), HexSet(have).size()) << "an id was reported twice";
  EXPECT_EQ(need.size(), HexSet(need).size()) << "an id was reported twice";
}

TEST(SessionTest, EveryCaseMatchesTranscript) {
  const json& cases = Vectors()["cases"];
  ASSERT_EQ(cases.size(), 11u);
  for (const json& c : cases) {
    SCOPED_TRACE(c["name"].get<std::string>());
    RunCase(c);
  }
}

// A model check: random sets, collisions, and frame limits; the outcome must
// be exactly the two set differences.
TEST(SessionTest, RandomSetsReconcileToSetDifference) {
  std::mt19937_64 rng(20261130);
  for (int round = 0; round < 40; ++round) {
    SCOPED_TRACE(round);
    const size_t n = rng() % 2000;
    const uint64_t spread = 1 + rng() % 50;
    std::vector<NegItem> client_items, server_items;
    std::set<std::string> only_client, only_server;
    for (size_t i = 0; i < n; ++i) {
      NegItem item{1'700'000'000 + rng() % spread, {}};
      for (auto& byte : item.id) byte = static_cast<uint8_t>(rng());
      const uint64_t side = rng() % 10;
      if (side != 0) server_items.push_back(item);
      if (side != 1) client_items.push_back(item);
      if (side == 0) only_client.insert(ToHex(item.id));
      if (side == 1) only_server.insert(ToHex(item.id));
    }
    const size_t limits[] = {0, 2048, 4096, 10000};
    NegentropyClient client = MakeClient(client_items, limits[rng() % 4]);
    const NegentropyServer server = MakeServer(server_items, limits[rng() % 4]);
    std::vector<NegId> have, need;
    ASSERT_OK_AND_ASSIGN(Bytes message, client.Initiate());
    for (int step = 0; step < 1000; ++step) {
      ASSERT_OK_AND_ASSIGN(const Bytes reply, server.Reconcile(message));
      ASSERT_OK_AND_ASSIGN(auto next, client.Reconcile(reply, &have, &need));
      if (!next.has_value()) break;
      message = std::move(*next);
    }
    ASSERT_TRUE(client.done());
    EXPECT_EQ(HexSet(have), only_client);
    EXPECT_EQ(HexSet(need), only_server);
  }
}

TEST(SessionTest, ClientMisuseIsInvalidArgument) {
  NegentropyClient client = MakeClient({Item(1, 1)});
  std::vector<NegId> have, need;
  EXPECT_STATUS(client.Reconcile(Hex("61"), &have, &need), Status::Code::kInvalidArgument);
  ASSERT_OK(client.Initiate());
  EXPECT_STATUS(client.Initiate(), Status::Code::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(auto next, client.Reconcile(Hex("61"), &have, &need));
  EXPECT_FALSE(next.has_value());
  EXPECT_STATUS(client.Reconcile(Hex("61"), &have, &need), Status::Code::kInvalidArgument);
}

// Each malformed message gives Protocol, from either side, and never crashes.
TEST(MalformedTest, EveryBadMessageIsAProtocolError) {
  const std::string ids31 = std::string(62, 'a');
  const struct {
    const char* what;
    std::string hex;
  } bad[] = {
      {"empty message", ""},
      {"not a negentropy version", "42"},
      {"truncated timestamp varint", "6181"},
      {"oversized timestamp varint", "61ffffffffffffffffffff7f0000"},
      {"missing prefix length", "6100"},
      {"prefix length over 32", "610021" + std::string(66, '0') + "00"},
      {"prefix cut short", "610004aabb"},
      {"missing mode", "610000"},
      {"bad mode", "61000003"},
      {"huge mode", "610000ffffffffffffffffff7f"},
      {"fingerprint cut short", "61000001aabbccdd"},
      {"id list count missing", "61000002"},
      {"id list cut short", "6100000201" + ids31},
      {"id list count overflows", "61000002ffffffffffffffff7f" + ids31},
      {"trailing garbage after a range", "6100000000ff"},
  };
  const NegentropyServer server = MakeServer({Item(1, 1), Item(2, 2)});
  for (const auto& b : bad) {
    SCOPED_TRACE(b.what);
    const Bytes message = Hex(b.hex);
    EXPECT_STATUS(server.Reconcile(message), Status::Code::kProtocol);
    NegentropyClient client = MakeClient({Item(1, 1)});
    ASSERT_OK(client.Initiate());
    std::vector<NegId> have, need;
    EXPECT_STATUS(client.Reconcile(message, &have, &need), Status::Code::kProtocol);
    EXPECT_TRUE(have.empty());
    EXPECT_TRUE(need.empty());
  }
}

TEST(MalformedTest, OtherVersionServerFallsBackClientRefuses) {
  const NegentropyServer server = MakeServer({Item(1, 1)});
  ASSERT_OK_AND_ASSIGN(const Bytes reply, server.Reconcile(Hex("60")));
  EXPECT_EQ(ToHex(reply), "61");
  NegentropyClient client = MakeClient({Item(1, 1)});
  ASSERT_OK(client.Initiate());
  std::vector<NegId> have, need;
  EXPECT_STATUS(client.Reconcile(Hex("62"), &have, &need), Status::Code::kProtocol);
  EXPECT_STATUS(client.Reconcile(Hex("ff"), &have, &need), Status::Code::kProtocol);
}

// Every prefix of a real message either parses or gives Protocol.
TEST(MalformedTest, EveryTruncationIsHandled) {
  const json& cases = Vectors()["cases"];
  ASSERT_FALSE(cases.empty());
  const json& c = cases[4];  // small-idlist: id lists in both directions
  const NegentropyServer server = MakeServer(Concat(Items(c["common"]), Items(c["server_only"])));
  for (const json& hex : c["transcript"]) {
    const Bytes full = Hex(hex);
    for (size_t n = 0; n < full.size(); ++n) {
      const auto reply = server.Reconcile(ByteView(full).first(n));
      if (!reply.ok()) {
        EXPECT_STATUS(reply, Status::Code::kProtocol) << n;
      }
    }
  }
}

}  // namespace
}  // namespace waypost::sync
