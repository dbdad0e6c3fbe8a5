// Shared helpers for the Noise tests: hex, vector files, and a driver that
// runs a handshake between two HandshakeStates in memory.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/noise/handshake_state.h"

namespace waypost::noise::testing {

// Decodes hex that a test controls; fails the test (returns empty) if bad.
Bytes Hex(std::string_view hex);

// The folder holding the shared Noise vectors.
std::string VectorDir();
// Parsed JSON, or nullopt when the file is absent (tests then GTEST_SKIP).
std::optional<nlohmann::json> LoadJsonFile(const std::string& path);

// Builds the initiator ("init_") or responder ("resp_") config from a vector.
HandshakeConfig ConfigFromVector(const nlohmann::json& vector, bool initiator);

}  // namespace waypost::noise::testing
