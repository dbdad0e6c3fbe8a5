#include "tests/core/noise/noise_test_util.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/kit/status.h"

namespace waypost::noise::testing {

Bytes Hex(std::string_view hex) {
  std::optional<Bytes> bytes = FromHex(hex);
  EXPECT_TRUE(bytes.has_value()) << "bad hex in test data: " << hex;
  return bytes.value_or(Bytes());
}

std::string VectorDir() { return std::string(WAYPOST_SHARED_DIR) + "/vectors/noise"; }

std::optional<nlohmann::json> LoadJsonFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  return nlohmann::json::parse(in);
}

HandshakeConfig ConfigFromVector(const nlohmann::json& v, bool initiator) {
  const std::string prefix = initiator ? "init_" : "resp_";
  auto field = [&](const char* name) -> std::optional<Bytes> {
    auto it = v.find(prefix + name);
    if (it == v.end() || it->is_null()) return std::nullopt;
    return Hex(it->get<std::string>());
  };
  HandshakeConfig config;
  config.protocol_name = v.at("protocol_name").get<std::string>();
  config.initiator = initiator;
  config.prologue = field("prologue").value_or(Bytes());
  if (auto s = field("static")) {
    auto pair = KeyPair::FromPrivate(*s);
    EXPECT_OK(pair);
    if (pair.ok()) config.local_static = std::move(pair).value();
  }
  if (auto e = field("ephemeral")) config.fixed_ephemeral_private = Secret::From(*e);
  config.remote_static = field("remote_static");
  if (auto it = v.find(prefix + "psks"); it != v.end()) {
    for (const auto& psk : *it) config.psks.push_back(Secret::From(Hex(psk.get<std::string>())));
  }
  return config;
}

}  // namespace waypost::noise::testing
