// Handshake patterns (Noise §7) as data, and protocol-name parsing (§8).
//
// A pattern is a list of tokens per message; HandshakeState interprets them
// generically. Patterns are written in the spec's own arrow notation in
// handshake_pattern.cc, so each can be checked against the spec by eye.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace waypost::noise {

enum class Token { kE, kS, kEe, kEs, kSe, kSs, kPsk };

struct HandshakePattern {
  std::string name;  // base name plus modifiers, e.g. "XXpsk3"
  // Pre-message tokens (only e and s) known before the first message.
  std::vector<Token> initiator_premessage;  // "-> ..." before the "..."
  std::vector<Token> responder_premessage;  // "<- ..." before the "..."
  // messages[i] is sent by the initiator when i is even, by the responder
  // when i is odd. One-way patterns have a single message.
  std::vector<std::vector<Token>> messages;
  bool one_way = false;
  // True when any psk modifier is present: every e token also runs MixKey.
  bool has_psk = false;
  int psk_count = 0;
};

// The parts of "Noise_<pattern>_<dh>_<cipher>_<hash>".
struct ProtocolName {
  std::string full;
  HandshakePattern pattern;
  std::string dh;
  std::string cipher;
  std::string hash;
};

// Parses a full protocol name. InvalidArgument for an unknown pattern or
// modifier, a psk index past the last message, or any DH/cipher/hash other
// than 25519 / ChaChaPoly / BLAKE2b (the only suite implemented).
[[nodiscard]] Result<ProtocolName> ParseProtocolName(std::string_view name);

// Looks up a pattern with modifiers, e.g. "IK", "XXpsk3", "NNpsk0+psk2".
[[nodiscard]] Result<HandshakePattern> LookUpPattern(std::string_view pattern_name);

}  // namespace waypost::noise
