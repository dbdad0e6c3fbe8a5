#include "core/envelope/envelope.h"

#include <sodium.h>

#include <cstring>
#include <string>

#include "core/envelope/keys.h"

namespace waypost::envelope {
namespace {

constexpr const char* kContactProtocol = "Noise_Kpsk0_25519_ChaChaPoly_BLAKE2b";
constexpr const char* kJoinProtocol = "Noise_Xpsk1_25519_ChaChaPoly_BLAKE2b";
constexpr uint8_t kPadMarker = 0x80;

std::string ProtocolFor(Pattern p) { return p == Pattern::kContact ? kContactProtocol : kJoinProtocol; }
size_t OverheadFor(Pattern p) { return p == Pattern::kContact ? kNoiseOverhead : kJoinNoiseOverhead; }

Bytes HeaderBytes(const RecipientTag& tag, const std::array<uint8_t, kHintSize>& hint,
                  uint32_t expires_at) {
  Bytes h;
  h.push_back(kVersion);
  Append(h, tag);
  Append(h, hint);
  PutU32(h, expires_at);
  return h;
}

// body || 0x80 || 0x00... so that header + Noise message fills `bucket`.
Bytes Pad(ByteView body, size_t bucket, size_t overhead) {
  Bytes padded(body.begin(), body.end());
  padded.push_back(kPadMarker);
  padded.resize(bucket - kHeaderSize - overhead, 0);
  return padded;
}

std::optional<size_t> UnpaddedSize(ByteView padded) {
  size_t i = padded.size();
  while (i > 0 && padded[i - 1] == 0) --i;
  if (i == 0 || padded[i - 1] != kPadMarker) return std::nullopt;
  return i - 1;
}

}  // namespace

ByteView EphemeralOf(ByteView envelope) {
  if (envelope.size() < kHeaderSize + 32) return {};
  return envelope.subspan(kHeaderSize, 32);
}

Result<Bytes> Seal(const SealRequest& req, Random& random) {
  const std::optional<size_t> bucket = BucketFor(req.body.size(), OverheadFor(req.pattern));
  if (!bucket) return Status::LimitExceeded("message too large for an envelope");

  // The ephemeral key is made here, not inside Noise, because the sender
  // hint in the authenticated header is bound to it.
  noise::KeyPair ephemeral = noise::KeyPair::Generate(random);
  std::array<uint8_t, kHintSize> hint;
  if (req.hint_chain != nullptr) {
    hint = HintFor(*req.hint_chain, ephemeral.public_key);
  } else {
    random.Fill(hint);
  }
  Bytes envelope = HeaderBytes(req.tag, hint, req.expires_at);

  noise::HandshakeConfig config;
  config.protocol_name = ProtocolFor(req.pattern);
  config.initiator = true;
  config.prologue = envelope;
  config.local_static = req.sender->Clone();
  config.remote_static = Bytes(req.recipient_public.begin(), req.recipient_public.end());
  config.psks.push_back(req.psk->Clone());
  config.random = &random;
  config.fixed_ephemeral_private = ephemeral.private_key.Clone();
  WAYPOST_ASSIGN_OR_RETURN(noise::HandshakeState hs, noise::HandshakeState::Create(std::move(config)));

  Bytes padded = Pad(req.body, *bucket, OverheadFor(req.pattern));
  Result<Bytes> message = hs.WriteMessage(padded);
  Wipe(padded);
  if (!message.ok()) return message.status();
  Append(envelope, *message);
  if (envelope.size() != *bucket) return Status::Internal("envelope size does not match its bucket");
  return envelope;
}

Result<Opened> Open(const OpenRequest& req, ByteView envelope) {
  if (!ParseHeader(envelope).ok()) return Status::AuthFailed();

  noise::HandshakeConfig config;
  config.protocol_name = ProtocolFor(req.pattern);
  config.initiator = false;
  config.prologue = Bytes(envelope.begin(), envelope.begin() + kHeaderSize);
  config.local_static = req.recipient->Clone();
  if (req.pattern == Pattern::kContact) {
    config.remote_static = Bytes(req.sender_public.begin(), req.sender_public.end());
  }
  config.psks.push_back(req.psk->Clone());
  Result<noise::HandshakeState> hs = noise::HandshakeState::Create(std::move(config));
  if (!hs.ok()) return Status::AuthFailed();

  Result<Bytes> padded = hs->ReadMessage(envelope.subspan(kHeaderSize));
  if (!padded.ok()) return Status::AuthFailed();
  const std::optional<size_t> size = UnpaddedSize(*padded);
  if (!size) {
    Wipe(padded.value());
    return Status::AuthFailed();
  }
  Opened opened;
  opened.body.assign(padded->begin(), padded->begin() + *size);
  Wipe(padded.value());
  if (hs->RemoteStatic()) opened.sender_public = *hs->RemoteStatic();
  return opened;
}

}  // namespace waypost::envelope
