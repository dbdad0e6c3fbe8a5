// The duress flag on the wire (docs/storage.md §3, SECURITY.md "Coercion"):
// every body carries the flags field, so a check-in from the decoy, or from
// the main store in the duress state, is exactly as long as a normal one, in
// its body and as an envelope. Real SQLCipher homes, envelopes passed by hand.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/envelope/envelope.h"
#include "core/envelope/format.h"
#include "core/envelope/keys.h"
#include "core/node/node.h"
#include "proto/waypost.pb.h"
#include "tests/core/node/duress_fixture.h"
#include "tests/kit/peers.h"
#include "tests/kit/status.h"

namespace waypost::node {
namespace {

using namespace peers;           // NOLINT: the fixture language
using namespace duress_fixture;  // NOLINT: the fixture language

// A check-in as a helper sends it: the code by its number (crossed is 2 in
// the default codebook).
pb::Body CheckInBody(uint32_t number, const std::string& note, int64_t sent_at) {
  pb::Body body;
  body.mutable_checkin()->set_number(number);
  body.mutable_checkin()->set_note(note);
  body.set_sent_at(sent_at);
  return body;
}

// proto/waypost.proto: flags is `optional fixed32`, so it is encoded even
// when zero and always takes 5 bytes.
TEST(NodeDuressBodyTest, FlagsAreAlwaysEncodedSoFlaggedBodiesAreNoLonger) {
  std::vector<pb::Body> bodies;
  for (size_t n : {0, 1, 20, 127, 128, 1000}) {
    bodies.push_back(CheckInBody(2, std::string(n, 'x'), 1'800'000'000));
  }
  pb::Body text;
  text.mutable_text()->set_text("all fine");
  text.set_sent_at(1'800'000'000);
  bodies.push_back(text);
  pb::Body receipt;
  receipt.mutable_receipt()->set_of(std::string(16, 'r'));
  receipt.mutable_receipt()->set_kind(pb::Receipt::CONFIRMED);
  receipt.set_sent_at(1'800'000'000);
  bodies.push_back(receipt);
  pb::Body ack;
  ack.mutable_ack()->set_kind(pb::Ack::DURESS);
  ack.set_sent_at(1'800'000'000);
  bodies.push_back(ack);

  for (const pb::Body& base : bodies) {
    pb::Body none = base, plain = base, flagged = base, all_bits = base;
    plain.set_flags(0);
    flagged.set_flags(kFlagDuress);
    all_bits.set_flags(0xffffffffu);
    EXPECT_TRUE(plain.has_flags());
    EXPECT_EQ(plain.ByteSizeLong(), flagged.ByteSizeLong());
    EXPECT_EQ(plain.ByteSizeLong(), all_bits.ByteSizeLong());
    EXPECT_EQ(plain.SerializeAsString().size(), flagged.SerializeAsString().size());
    EXPECT_EQ(plain.ByteSizeLong(), none.ByteSizeLong() + 5);  // tag + fixed32

    // A zero flags field survives a round trip as present.
    pb::Body parsed;
    ASSERT_TRUE(parsed.ParseFromString(plain.SerializeAsString()));
    EXPECT_TRUE(parsed.has_flags());
    EXPECT_EQ(parsed.flags(), 0u);
  }
}

// The same check-in from the main store, from the decoy and from the main
// store in the duress state: envelopes of exactly the same size, also at a
// bucket boundary, and bodies of the same size with the field always there.
TEST_F(NodeDuressTest, DuressCheckInIsExactlyAsLongAsANormalOne) {
  // The longest note whose unflagged body still fits the smallest bucket.
  size_t edge = 0;
  for (size_t n = 0; n < 200; ++n) {
    pb::Body body = CheckInBody(2, std::string(n, 'x'), clock_.Now());
    body.set_flags(0);
    body.set_seq(1);
    if (envelope::BucketFor(body.ByteSizeLong()) != envelope::kBucketSizes[0]) break;
    edge = n;
  }
  ASSERT_GT(edge, 0u);
  const std::vector<std::string> notes = {"", "at the border", std::string(edge, 'x'),
                                          std::string(edge + 1, 'x'), std::string(300, 'y')};

  struct Sent {
    std::vector<size_t> envelope_sizes;
    std::vector<size_t> body_sizes;
    std::vector<std::optional<uint32_t>> flags;
  };
  auto send_all = [&]() {
    Sent sent;
    for (const std::string& note : notes) {
      EXPECT_OK(alice_->CheckIn("crossed", note, "base"));
      std::vector<Bytes> envs = Upload(alice_);
      EXPECT_EQ(envs.size(), 1u);
      if (envs.size() != 1) continue;
      sent.envelope_sizes.push_back(envs[0].size());
      auto body = PeekBody(coord_, "alice", alice_->self().public_key.view(), envs[0]);
      EXPECT_TRUE(body.has_value());
      if (!body) continue;
      sent.body_sizes.push_back(body->ByteSizeLong());
      sent.flags.push_back(body->has_flags() ? std::optional<uint32_t>(body->flags())
                                             : std::nullopt);
    }
    return sent;
  };

  const Sent normal = send_all();
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  ASSERT_EQ(Kind(alice_), "decoy");
  const Sent decoy = send_all();
  ASSERT_TRUE(OpenAs(alice_, Passphrase()));
  ASSERT_EQ(Kind(alice_), "main");
  const Sent duress_state = send_all();

  ASSERT_EQ(normal.envelope_sizes.size(), notes.size());
  EXPECT_EQ(normal.envelope_sizes, decoy.envelope_sizes);
  EXPECT_EQ(normal.envelope_sizes, duress_state.envelope_sizes);
  EXPECT_EQ(normal.envelope_sizes[2], envelope::kBucketSizes[0]);
  EXPECT_EQ(normal.envelope_sizes[3], envelope::kBucketSizes[1]);
  EXPECT_EQ(normal.body_sizes, decoy.body_sizes);
  EXPECT_EQ(normal.body_sizes, duress_state.body_sizes);
  for (size_t i = 0; i < notes.size(); ++i) {
    EXPECT_EQ(normal.flags.at(i), std::optional<uint32_t>(0)) << i;
    EXPECT_EQ(decoy.flags.at(i), std::optional<uint32_t>(kFlagDuress)) << i;
    EXPECT_EQ(duress_state.flags.at(i), std::optional<uint32_t>(kFlagDuress)) << i;
  }
}

}  // namespace
}  // namespace waypost::node
