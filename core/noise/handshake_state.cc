#include "core/noise/handshake_state.h"

#include <algorithm>

#include "core/noise/crypto_primitives.h"
#include "core/noise/noise_constants.h"

namespace waypost::noise {
namespace {

bool Contains(const std::vector<Token>& tokens, Token token) {
  return std::find(tokens.begin(), tokens.end(), token) != tokens.end();
}

// Whether the given side ever transmits `token` in a handshake message.
bool Sends(const HandshakePattern& p, bool initiator, Token token) {
  for (size_t i = 0; i < p.messages.size(); ++i) {
    if ((i % 2 == 0) == initiator && Contains(p.messages[i], token)) return true;
  }
  return false;
}

Status CheckPublicKey(const std::optional<Bytes>& key, const char* what) {
  if (key.has_value() && key->size() != kDhLen) {
    return Status::InvalidArgument(std::string(what) + " must be 32 bytes");
  }
  return Status::Ok();
}

}  // namespace

HandshakeState::HandshakeState(HandshakePattern pattern, HandshakeConfig config)
    : pattern_(std::move(pattern)),
      symmetric_(config.protocol_name),
      initiator_(config.initiator),
      s_(std::move(config.local_static)),
      rs_(std::move(config.remote_static)),
      re_(std::move(config.remote_ephemeral)),
      psks_(std::move(config.psks)),
      random_(config.random),
      fixed_ephemeral_(std::move(config.fixed_ephemeral_private)) {}

Result<HandshakeState> HandshakeState::Create(HandshakeConfig config) {
  WAYPOST_ASSIGN_OR_RETURN(ProtocolName name, ParseProtocolName(config.protocol_name));
  Bytes prologue = std::move(config.prologue);
  HandshakeState state(std::move(name.pattern), std::move(config));
  WAYPOST_RETURN_IF_ERROR(state.CheckConfig());
  state.symmetric_.MixHash(prologue);
  WAYPOST_RETURN_IF_ERROR(state.MixPremessages());
  return state;
}

Status HandshakeState::CheckConfig() const {
  const auto& mine = initiator_ ? pattern_.initiator_premessage : pattern_.responder_premessage;
  const auto& theirs = initiator_ ? pattern_.responder_premessage : pattern_.initiator_premessage;
  if (Contains(mine, Token::kE)) {
    return Status::InvalidArgument("local ephemeral pre-messages are not supported");
  }
  const bool need_s = Contains(mine, Token::kS) || Sends(pattern_, initiator_, Token::kS);
  if (need_s && !s_.has_value()) {
    return Status::InvalidArgument(pattern_.name + " needs a local static key");
  }
  if (s_.has_value() && (s_->public_key.size() != kDhLen || s_->private_key.size() != kDhLen)) {
    return Status::InvalidArgument("the local static key pair must be 32-byte keys");
  }
  // A remote key the peer will transmit anyway would be silently replaced,
  // which would look like pinning but is not; refuse it.
  if (Contains(theirs, Token::kS) != rs_.has_value()) {
    return Status::InvalidArgument(pattern_.name + (rs_ ? " must not be given" : " needs") +
                                   " the remote static key in advance");
  }
  if (Contains(theirs, Token::kE) != re_.has_value()) {
    return Status::InvalidArgument(pattern_.name + (re_ ? " must not be given" : " needs") +
                                   " the remote ephemeral key in advance");
  }
  WAYPOST_RETURN_IF_ERROR(CheckPublicKey(rs_, "the remote static key"));
  WAYPOST_RETURN_IF_ERROR(CheckPublicKey(re_, "the remote ephemeral key"));
  if (psks_.size() != static_cast<size_t>(pattern_.psk_count)) {
    return Status::InvalidArgument(pattern_.name + " needs " + std::to_string(pattern_.psk_count) +
                                   " pre-shared key(s)");
  }
  for (const Secret& psk : psks_) {
    if (psk.size() != kPskLen) return Status::InvalidArgument("a PSK must be 32 bytes");
  }
  if (fixed_ephemeral_.has_value() && fixed_ephemeral_->size() != kDhLen) {
    return Status::InvalidArgument("the fixed ephemeral key must be 32 bytes");
  }
  if (Sends(pattern_, initiator_, Token::kE) && !fixed_ephemeral_ && random_ == nullptr) {
    return Status::InvalidArgument("a Random source is needed for ephemeral keys");
  }
  return Status::Ok();
}

// §7.1: the initiator's pre-message is hashed first, then the responder's,
// identically on both sides.
Status HandshakeState::MixPremessages() {
  for (bool initiator_side : {true, false}) {
    const bool local = initiator_side == initiator_;
    const auto& tokens =
        initiator_side ? pattern_.initiator_premessage : pattern_.responder_premessage;
    for (Token token : tokens) {
      const Bytes& key = token == Token::kS ? (local ? s_->public_key : *rs_) : *re_;
      symmetric_.MixHash(key);
      if (token == Token::kE && pattern_.has_psk) WAYPOST_RETURN_IF_ERROR(symmetric_.MixKey(key));
    }
  }
  return Status::Ok();
}

bool HandshakeState::IsMyTurn() const {
  return !failed_ && !IsComplete() && (next_message_ % 2 == 0) == initiator_;
}

Result<Bytes> HandshakeState::WriteMessage(ByteView payload) {
  if (failed_) return Status::InvalidArgument("the handshake has already failed");
  if (!IsMyTurn()) return Status::InvalidArgument("it is not our turn to send");
  if (payload.size() > kMaxMessageLen) return Status::LimitExceeded("Noise payload too long");
  Result<Bytes> message = WriteMessageBody(payload);
  if (message.ok() && message->size() > kMaxMessageLen) {
    message = Status::LimitExceeded("Noise handshake message too long");
  }
  failed_ = !message.ok();
  return message;
}

Result<Bytes> HandshakeState::ReadMessage(ByteView message) {
  if (failed_) return Status::InvalidArgument("the handshake has already failed");
  if (IsComplete() || IsMyTurn()) return Status::InvalidArgument("not expecting a message");
  Result<Bytes> payload = message.size() > kMaxMessageLen
                              ? Result<Bytes>(Status::LimitExceeded("Noise message too long"))
                              : ReadMessageBody(message);
  failed_ = !payload.ok();
  return payload;
}

Result<Bytes> HandshakeState::WriteMessageBody(ByteView payload) {
  Bytes out;
  for (Token token : pattern_.messages[next_message_]) {
    WAYPOST_RETURN_IF_ERROR(WriteToken(token, out));
  }
  WAYPOST_ASSIGN_OR_RETURN(Bytes sealed, symmetric_.EncryptAndHash(payload));
  Append(out, sealed);
  ++next_message_;
  if (IsComplete()) e_.reset();  // the ephemeral key is no longer needed
  return out;
}

Result<Bytes> HandshakeState::ReadMessageBody(ByteView message) {
  ByteView in = message;
  for (Token token : pattern_.messages[next_message_]) {
    WAYPOST_RETURN_IF_ERROR(ReadToken(token, in));
  }
  // The payload is everything left, even nothing: it must still be hashed.
  WAYPOST_ASSIGN_OR_RETURN(Bytes payload, symmetric_.DecryptAndHash(in));
  ++next_message_;
  if (IsComplete()) e_.reset();
  return payload;
}

Status HandshakeState::WriteToken(Token token, Bytes& out) {
  switch (token) {
    case Token::kE: {
      WAYPOST_RETURN_IF_ERROR(GenerateEphemeral());
      Append(out, e_->public_key);
      symmetric_.MixHash(e_->public_key);
      if (pattern_.has_psk) WAYPOST_RETURN_IF_ERROR(symmetric_.MixKey(e_->public_key));
      return Status::Ok();
    }
    case Token::kS: {
      WAYPOST_ASSIGN_OR_RETURN(Bytes sealed, symmetric_.EncryptAndHash(s_->public_key));
      Append(out, sealed);
      return Status::Ok();
    }
    case Token::kPsk:
      return MixPsk();
    default:
      return MixDh(token);
  }
}

Status HandshakeState::ReadToken(Token token, ByteView& in) {
  switch (token) {
    case Token::kE: {
      if (in.size() < kDhLen) return Status::Protocol("Noise handshake message too short");
      re_ = Bytes(in.begin(), in.begin() + kDhLen);
      in = in.subspan(kDhLen);
      symmetric_.MixHash(*re_);
      if (pattern_.has_psk) WAYPOST_RETURN_IF_ERROR(symmetric_.MixKey(*re_));
      return Status::Ok();
    }
    case Token::kS: {
      const size_t len = kDhLen + (symmetric_.HasKey() ? kTagLen : 0);
      if (in.size() < len) return Status::Protocol("Noise handshake message too short");
      WAYPOST_ASSIGN_OR_RETURN(Bytes key, symmetric_.DecryptAndHash(in.first(len)));
      rs_ = std::move(key);
      in = in.subspan(len);
      return Status::Ok();
    }
    case Token::kPsk:
      return MixPsk();
    default:
      return MixDh(token);
  }
}

// §5.3: the first letter names the initiator's key, the second the
// responder's; each side uses its own private key and the peer's public key.
Status HandshakeState::MixDh(Token token) {
  const bool initiator_uses_e = token == Token::kEe || token == Token::kEs;
  const bool responder_uses_e = token == Token::kEe || token == Token::kSe;
  const bool local_e = initiator_ ? initiator_uses_e : responder_uses_e;
  const bool remote_e = initiator_ ? responder_uses_e : initiator_uses_e;
  const std::optional<KeyPair>& local = local_e ? e_ : s_;
  const std::optional<Bytes>& remote = remote_e ? re_ : rs_;
  if (!local.has_value() || !remote.has_value()) {
    return Status::Internal("Noise pattern uses a key that is not available");
  }
  WAYPOST_ASSIGN_OR_RETURN(Secret shared, Dh(local->private_key.view(), *remote));
  return symmetric_.MixKey(shared.view());
}

Status HandshakeState::MixPsk() {
  if (next_psk_ >= psks_.size()) return Status::Internal("Noise pattern ran out of PSKs");
  return symmetric_.MixKeyAndHash(psks_[next_psk_++].view());
}

Status HandshakeState::GenerateEphemeral() {
  if (fixed_ephemeral_.has_value()) {
    WAYPOST_ASSIGN_OR_RETURN(e_, KeyPair::FromPrivate(fixed_ephemeral_->view()));
    fixed_ephemeral_.reset();
    return Status::Ok();
  }
  e_ = KeyPair::Generate(*random_);
  return Status::Ok();
}

Result<std::pair<CipherState, CipherState>> HandshakeState::Split() const {
  if (!IsComplete()) return Status::InvalidArgument("the handshake is not complete");
  return symmetric_.Split();
}

}  // namespace waypost::noise
