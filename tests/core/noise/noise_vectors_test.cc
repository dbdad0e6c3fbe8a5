// Replays every known-answer vector in shared/vectors/noise: handshake
// messages byte for byte, payloads on the receiving side, the handshake hash
// where given, then transport messages with the Split() ciphers.
#include <gtest/gtest.h>

#include <cctype>
#include <ostream>
#include <string>
#include <vector>

#include "core/noise/handshake_state.h"
#include "tests/core/noise/noise_test_util.h"
#include "tests/kit/status.h"

namespace waypost::noise {
namespace {

using nlohmann::json;
using testing::ConfigFromVector;
using testing::Hex;

struct VectorCase {
  std::string name;  // gtest-safe: index, file and protocol
  json vector;       // null when the vector files are missing
};

void PrintTo(const VectorCase& c, std::ostream* os) { *os << c.name; }

std::vector<VectorCase> LoadCases() {
  std::vector<VectorCase> cases;
  for (const char* file : {"noise-vectors.json", "noise-oneway-vectors.json"}) {
    std::optional<json> doc = testing::LoadJsonFile(testing::VectorDir() + "/" + file);
    if (!doc) continue;
    const std::string tag = std::string(file) == "noise-vectors.json" ? "main" : "oneway";
    const json& vectors = doc->at("vectors");
    for (size_t i = 0; i < vectors.size(); ++i) {
      std::string name = tag + std::to_string(i) + "_" +
                         vectors[i].at("protocol_name").get<std::string>() + "_" +
                         vectors[i].value("source", "unknown");
      for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      cases.push_back({name, vectors[i]});
    }
  }
  if (cases.empty()) cases.push_back({"VectorsMissing", json()});
  return cases;
}

class NoiseVectorTest : public ::testing::TestWithParam<VectorCase> {};

TEST_P(NoiseVectorTest, MatchesByteForByte) {
  const json& v = GetParam().vector;
  if (v.is_null()) {
    GTEST_SKIP() << "Noise vectors not found; expected " << testing::VectorDir()
                 << "/noise-vectors.json and noise-oneway-vectors.json";
  }
  auto init = HandshakeState::Create(ConfigFromVector(v, true));
  auto resp = HandshakeState::Create(ConfigFromVector(v, false));
  ASSERT_OK(init);
  ASSERT_OK(resp);
  const bool one_way = init->pattern().one_way;
  const size_t handshake_len = init->pattern().messages.size();
  const json& messages = v.at("messages");
  ASSERT_GE(messages.size(), handshake_len);

  for (size_t i = 0; i < handshake_len; ++i) {
    SCOPED_TRACE("handshake message " + std::to_string(i));
    HandshakeState& writer = i % 2 == 0 ? *init : *resp;
    HandshakeState& reader = i % 2 == 0 ? *resp : *init;
    const Bytes payload = Hex(messages[i].at("payload").get<std::string>());
    const Bytes expected = Hex(messages[i].at("ciphertext").get<std::string>());
    auto written = writer.WriteMessage(payload);
    ASSERT_OK(written);
    ASSERT_EQ(ToHex(*written), ToHex(expected));
    auto read = reader.ReadMessage(expected);
    ASSERT_OK(read);
    ASSERT_EQ(ToHex(*read), ToHex(payload));
  }
  ASSERT_TRUE(init->IsComplete());
  ASSERT_TRUE(resp->IsComplete());
  EXPECT_EQ(ToHex(init->HandshakeHash()), ToHex(resp->HandshakeHash()));
  if (v.contains("handshake_hash")) {
    EXPECT_EQ(ToHex(init->HandshakeHash()), v.at("handshake_hash").get<std::string>());
  }

  auto init_split = init->Split();
  auto resp_split = resp->Split();
  ASSERT_TRUE(init_split.ok() && resp_split.ok());
  for (size_t i = handshake_len; i < messages.size(); ++i) {
    SCOPED_TRACE("transport message " + std::to_string(i));
    const bool from_initiator = one_way || i % 2 == 0;
    CipherState& sender = from_initiator ? init_split->first : resp_split->second;
    CipherState& receiver = from_initiator ? resp_split->first : init_split->second;
    const Bytes payload = Hex(messages[i].at("payload").get<std::string>());
    const Bytes expected = Hex(messages[i].at("ciphertext").get<std::string>());
    auto sealed = sender.EncryptWithAd({}, payload);
    ASSERT_OK(sealed);
    ASSERT_EQ(ToHex(*sealed), ToHex(expected));
    auto opened = receiver.DecryptWithAd({}, expected);
    ASSERT_OK(opened);
    ASSERT_EQ(ToHex(*opened), ToHex(payload));
  }
}

INSTANTIATE_TEST_SUITE_P(SharedVectors, NoiseVectorTest, ::testing::ValuesIn(LoadCases()),
                         [](const ::testing::TestParamInfo<VectorCase>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace waypost::noise
