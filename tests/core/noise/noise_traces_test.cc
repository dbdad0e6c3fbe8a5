// Checks intermediate handshake hashes and the Split() keys against
// shared/vectors/noise/noise-traces.json, so a regression points at the first
// message (not just the first byte) where we diverge.
#include <gtest/gtest.h>

#include <map>

#include "core/noise/handshake_state.h"
#include "core/noise/symmetric_state.h"
#include "tests/core/noise/noise_test_util.h"
#include "tests/kit/status.h"

namespace waypost::noise {
namespace {

using nlohmann::json;
using testing::Hex;

// Same key => same ciphertext for the same nonce and input.
bool SameKey(CipherState& cipher, const std::string& key_hex) {
  CipherState reference;
  if (!reference.InitializeKey(Hex(key_hex)).ok()) return false;
  auto a = cipher.EncryptWithAd({}, AsBytes("probe"));
  auto b = reference.EncryptWithAd({}, AsBytes("probe"));
  return a.ok() && b.ok() && *a == *b;
}

TEST(NoiseTraceTest, IntermediateHashesAndSplitKeysMatch) {
  auto traces = testing::LoadJsonFile(testing::VectorDir() + "/noise-traces.json");
  auto vectors = testing::LoadJsonFile(testing::VectorDir() + "/noise-vectors.json");
  if (!traces || !vectors) GTEST_SKIP() << "Noise traces not found in " << testing::VectorDir();

  for (const json& trace : traces->at("traces")) {
    const json& v = vectors->at("vectors").at(
        trace.at("vector").at("index_in_noise_vectors_json").get<size_t>());
    SCOPED_TRACE(trace.at("protocol_name").get<std::string>());
    const json& steps = trace.at("steps");

    // The first two steps pin InitializeSymmetric and MixHash(prologue).
    SymmetricState symmetric(v.at("protocol_name").get<std::string>());
    EXPECT_EQ(ToHex(symmetric.GetHandshakeHash()), steps[0].at("h").get<std::string>());
    symmetric.MixHash(Hex(v.at("init_prologue").get<std::string>()));
    EXPECT_EQ(ToHex(symmetric.GetHandshakeHash()), steps[1].at("h").get<std::string>());

    // h after the last step of each message.
    std::map<int, std::string> h_after_message;
    for (const json& step : steps) {
      if (step.contains("msg"))
        h_after_message[step.at("msg").get<int>()] = step.at("h").get<std::string>();
    }
    auto init = HandshakeState::Create(testing::ConfigFromVector(v, true));
    auto resp = HandshakeState::Create(testing::ConfigFromVector(v, false));
    ASSERT_TRUE(init.ok() && resp.ok());
    for (const auto& [msg, h] : h_after_message) {
      HandshakeState& writer = msg % 2 == 0 ? *init : *resp;
      HandshakeState& reader = msg % 2 == 0 ? *resp : *init;
      auto written =
          writer.WriteMessage(Hex(v.at("messages")[msg].at("payload").get<std::string>()));
      ASSERT_OK(written);
      ASSERT_OK(reader.ReadMessage(*written));
      EXPECT_EQ(ToHex(writer.HandshakeHash()), h) << "after message " << msg;
    }
    const json& split = steps.back();
    auto pair = init->Split();
    ASSERT_OK(pair);
    EXPECT_TRUE(SameKey(pair->first, split.at("k1_initiator_to_responder").get<std::string>()));
    EXPECT_TRUE(SameKey(pair->second, split.at("k2_responder_to_initiator").get<std::string>()));
    EXPECT_EQ(ToHex(init->HandshakeHash()), split.at("handshake_hash").get<std::string>());
  }
}

}  // namespace
}  // namespace waypost::noise
