// HandshakeState (Noise §5.3): runs any pattern from handshake_pattern.h by
// interpreting its tokens. Sans-IO: bytes in, bytes out.
//
// Typical use:
//   XX transport:  Create({"Noise_XX_25519_ChaChaPoly_BLAKE2b", ...}), then
//                  WriteMessage/ReadMessage alternately until IsComplete(),
//                  then Split() and RemoteStatic().
//   Sealed envelope: "Noise_Kpsk0_25519_ChaChaPoly_BLAKE2b", the initiator
//                  calls WriteMessage once; the responder ReadMessage once.
//
// Failure contract: after any error from WriteMessage or ReadMessage the
// handshake is dead (every later call returns an error), because h and ck may
// already have absorbed part of the message. Every authentication failure is
// the one opaque Status::AuthFailed(). Not thread-safe.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "core/noise/cipher_state.h"
#include "core/noise/handshake_pattern.h"
#include "core/noise/key_pair.h"
#include "core/noise/symmetric_state.h"
#include "core/random.h"
#include "core/secret.h"
#include "core/status.h"

namespace waypost::noise {

struct HandshakeConfig {
  std::string protocol_name;  // e.g. "Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b"
  bool initiator = false;
  Bytes prologue;  // must be identical on both sides; may be empty
  // s: required when the pattern sends it or pre-shares it from this side.
  std::optional<KeyPair> local_static;
  // rs: required exactly when the peer's static key is a pre-message.
  std::optional<Bytes> remote_static;
  // re: only for patterns with an ephemeral pre-message (none built in).
  std::optional<Bytes> remote_ephemeral;
  // Consumed in order by the psk tokens; count must match, 32 bytes each.
  std::vector<Secret> psks;
  // Source for GENERATE_KEYPAIR. Not owned; must outlive the HandshakeState.
  Random* random = nullptr;
  // The private key the e token uses instead of drawing one from `random`.
  // Two legitimate uses: known-answer vectors, and envelope sealing, which
  // draws the ephemeral key itself because the authenticated header binds a
  // hint to it (core/envelope/envelope.cc). It must always be fresh and
  // random: reusing one ephemeral key breaks the handshake's secrecy.
  std::optional<Secret> fixed_ephemeral_private;
};

class HandshakeState {
 public:
  // Initialize() from §5.3: checks the config against the pattern, mixes the
  // prologue and pre-message keys. InvalidArgument on a bad or missing key,
  // a PSK count mismatch, or an unsupported protocol name.
  [[nodiscard]] static Result<HandshakeState> Create(HandshakeConfig config);

  HandshakeState(HandshakeState&&) noexcept = default;
  HandshakeState& operator=(HandshakeState&&) noexcept = default;

  // Builds the next message around `payload`. InvalidArgument if it is not
  // our turn; LimitExceeded if the message would exceed 65535 bytes.
  [[nodiscard]] Result<Bytes> WriteMessage(ByteView payload);
  // Consumes a whole message from the peer and returns its payload.
  // AuthFailed on any tampering; Protocol if it is too short for its keys.
  [[nodiscard]] Result<Bytes> ReadMessage(ByteView message);

  bool IsComplete() const { return !failed_ && next_message_ == pattern_.messages.size(); }
  bool IsMyTurn() const;

  // (c1, c2): c1 encrypts initiator->responder, c2 responder->initiator.
  // Only after IsComplete(). Discard the HandshakeState afterwards.
  [[nodiscard]] Result<std::pair<CipherState, CipherState>> Split() const;
  // h: final after completion, for channel binding. kHashLen bytes.
  ByteView HandshakeHash() const { return symmetric_.GetHandshakeHash(); }
  // The peer's static public key, once pre-shared or received.
  const std::optional<Bytes>& RemoteStatic() const { return rs_; }
  const HandshakePattern& pattern() const { return pattern_; }

 private:
  HandshakeState(HandshakePattern pattern, HandshakeConfig config);

  [[nodiscard]] Status CheckConfig() const;
  [[nodiscard]] Status MixPremessages();
  [[nodiscard]] Result<Bytes> WriteMessageBody(ByteView payload);
  [[nodiscard]] Result<Bytes> ReadMessageBody(ByteView message);
  [[nodiscard]] Status WriteToken(Token token, Bytes& out);
  [[nodiscard]] Status ReadToken(Token token, ByteView& in);
  [[nodiscard]] Status MixDh(Token token);
  [[nodiscard]] Status MixPsk();
  [[nodiscard]] Status GenerateEphemeral();

  HandshakePattern pattern_;
  SymmetricState symmetric_;
  bool initiator_;
  std::optional<KeyPair> s_;
  std::optional<KeyPair> e_;
  std::optional<Bytes> rs_;
  std::optional<Bytes> re_;
  std::vector<Secret> psks_;
  size_t next_psk_ = 0;
  Random* random_;
  std::optional<Secret> fixed_ephemeral_;
  size_t next_message_ = 0;
  bool failed_ = false;
};

}  // namespace waypost::noise
