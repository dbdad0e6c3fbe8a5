#include "core/sync/secure_channel.h"

#include <algorithm>
#include <string>

#include "core/sync/constants.h"

namespace waypost::sync {

SecureChannel SecureChannel::Initiator(ByteView expected_responder_public_key, Random& random,
                                       const noise::KeyPair* local_static) {
  SecureChannel channel(/*initiator=*/true, random);
  channel.expected_remote_.assign(expected_responder_public_key.begin(),
                                  expected_responder_public_key.end());
  if (local_static != nullptr) channel.local_static_ = local_static->Clone();
  return channel;
}

SecureChannel SecureChannel::Responder(const noise::KeyPair& local_static, Random& random) {
  SecureChannel channel(/*initiator=*/false, random);
  channel.local_static_ = local_static.Clone();
  return channel;
}

size_t SecureChannel::PaddedSize(size_t length) {
  const size_t size = kAppLengthSize + length;
  if (size <= kMinPaddedSize) return kMinPaddedSize;
  size_t power = kMinPaddedSize;  // the largest power of two <= size
  while (power <= size / 2) power <<= 1;
  const size_t step = power >> kPaddingSteps;
  return (size + step - 1) / step * step;
}

Status SecureChannel::Fail(Status why) {
  if (status_.ok()) status_ = std::move(why);
  handshake_.reset();
  send_ = noise::CipherState();
  receive_ = noise::CipherState();
  established_ = false;
  return status_;
}

Status SecureChannel::Start() {
  if (!status_.ok()) return status_;
  if (started_) return Status::Internal("SecureChannel::Start called twice");
  started_ = true;
  noise::HandshakeConfig config;
  config.protocol_name = std::string(kTransportProtocol);
  config.initiator = initiator_;
  config.prologue.assign(kTransportPrologue.begin(), kTransportPrologue.end());
  config.random = random_;
  if (initiator_) {
    if (expected_remote_.size() != kDhPublicSize) {
      return Fail(Status::InvalidArgument("a relay public key is 32 bytes"));
    }
    // A fresh static per connection, unless a relay dials as itself.
    config.local_static =
        local_static_ ? std::move(*local_static_) : noise::KeyPair::Generate(*random_);
  } else {
    config.local_static = std::move(*local_static_);
  }
  local_static_.reset();
  auto handshake = noise::HandshakeState::Create(std::move(config));
  if (!handshake.ok()) return Fail(handshake.status());
  handshake_.emplace(std::move(handshake).value());
  if (!initiator_) return Status::Ok();
  auto message0 = handshake_->WriteMessage({});
  if (!message0.ok()) return Fail(message0.status());
  return QueueFrame(*message0);
}

Status SecureChannel::QueueFrame(ByteView message) {
  const size_t before = output_.size();
  Status s = AppendFrame(output_, message);
  if (!s.ok()) return Fail(Status::Internal("outgoing Noise message does not fit a frame"));
  bytes_sent_ += output_.size() - before;
  return Status::Ok();
}

Status SecureChannel::Feed(ByteView bytes) {
  if (!status_.ok()) return status_;
  if (!started_) return Status::Internal("SecureChannel::Feed before Start");
  bytes_received_ += bytes.size();
  reader_.Append(bytes);
  while (true) {
    auto frame = reader_.Next();
    if (!frame.ok()) return Fail(frame.status());
    if (!frame->has_value()) return Status::Ok();
    const Bytes& message = **frame;
    Status s = established_ ? OnTransportMessage(message) : OnHandshakeMessage(message);
    if (!s.ok()) return Fail(std::move(s));
  }
}

Status SecureChannel::OnHandshakeMessage(ByteView message) {
  if (!handshake_ || handshake_->IsMyTurn()) {
    return Status::Protocol("peer sent a handshake message out of turn");
  }
  // Every handshake failure looks the same to the peer and to the log.
  auto payload = handshake_->ReadMessage(message);
  if (!payload.ok()) return Status::AuthFailed();
  if (!payload->empty()) return Status::Protocol("handshake payloads must be empty");
  ++handshake_read_;
  if (initiator_ && handshake_->RemoteStatic().has_value()) {
    // Pinning: the responder proved a static key; it must be the one we expect.
    if (!ConstantTimeEqual(*handshake_->RemoteStatic(), expected_remote_)) {
      return Status::AuthFailed();
    }
  }
  if (!handshake_->IsComplete()) {
    auto reply = handshake_->WriteMessage({});
    if (!reply.ok()) return Status::Internal("cannot write handshake message");
    WAYPOST_RETURN_IF_ERROR(QueueFrame(*reply));
  }
  if (handshake_->IsComplete()) return FinishHandshake();
  return Status::Ok();
}

Status SecureChannel::FinishHandshake() {
  auto ciphers = handshake_->Split();
  if (!ciphers.ok()) return Status::Internal("cannot split the handshake");
  // c1 carries initiator -> responder.
  if (initiator_) {
    send_ = std::move(ciphers->first);
    receive_ = std::move(ciphers->second);
  } else {
    send_ = std::move(ciphers->second);
    receive_ = std::move(ciphers->first);
  }
  if (handshake_->RemoteStatic()) remote_static_ = *handshake_->RemoteStatic();
  const ByteView hash = handshake_->HandshakeHash();
  handshake_hash_.assign(hash.begin(), hash.end());
  handshake_.reset();
  established_ = true;
  return Status::Ok();
}

Status SecureChannel::OnTransportMessage(ByteView message) {
  auto plaintext = receive_.DecryptWithAd({}, message);
  if (!plaintext.ok()) return Status::AuthFailed();
  if (++transport_received_ % kRekeyInterval == 0) {
    if (!receive_.Rekey().ok()) return Status::Internal("rekey failed");
  }
  Append(reassembly_, *plaintext);
  return ExtractAppMessages();
}

Status SecureChannel::ExtractAppMessages() {
  while (reassembly_.size() >= kAppLengthSize) {
    const size_t length = GetU32(reassembly_.data());
    if (length > kMaxAppMessage) return Status::Protocol("peer announced an oversized message");
    const size_t padded = PaddedSize(length);
    if (reassembly_.size() < padded) return Status::Ok();
    const auto body = reassembly_.begin() + kAppLengthSize;
    const auto end = body + static_cast<std::ptrdiff_t>(length);
    const auto padding_end = reassembly_.begin() + static_cast<std::ptrdiff_t>(padded);
    if (std::any_of(end, padding_end, [](uint8_t b) { return b != 0; })) {
      return Status::Protocol("message padding is not zero");
    }
    inbox_.emplace_back(body, end);
    reassembly_.erase(reassembly_.begin(), padding_end);
  }
  return Status::Ok();
}

Status SecureChannel::Send(ByteView app_message) {
  if (!status_.ok()) return status_;
  if (!established_) return Status::Internal("SecureChannel::Send before the handshake ended");
  if (app_message.size() > kMaxAppMessage) {
    return Status::LimitExceeded("a message may hold at most 8 MiB");
  }
  Bytes padded;
  padded.reserve(PaddedSize(app_message.size()));
  PutU32(padded, static_cast<uint32_t>(app_message.size()));
  Append(padded, app_message);
  padded.resize(PaddedSize(app_message.size()), 0);
  for (size_t offset = 0; offset < padded.size(); offset += kMaxChunkPlaintext) {
    const size_t n = std::min(kMaxChunkPlaintext, padded.size() - offset);
    auto ciphertext = send_.EncryptWithAd({}, ByteView(padded).subspan(offset, n));
    if (!ciphertext.ok()) return Fail(ciphertext.status());
    WAYPOST_RETURN_IF_ERROR(QueueFrame(*ciphertext));
    if (++transport_sent_ % kRekeyInterval == 0) {
      if (!send_.Rekey().ok()) return Fail(Status::Internal("rekey failed"));
    }
  }
  return Status::Ok();
}

Bytes SecureChannel::TakeOutput() {
  Bytes out;
  out.swap(output_);
  return out;
}

std::optional<Bytes> SecureChannel::NextMessage() {
  if (inbox_.empty()) return std::nullopt;
  Bytes message = std::move(inbox_.front());
  inbox_.pop_front();
  return message;
}

}  // namespace waypost::sync
