// SecureChannel: one end of a Noise_XX_25519_ChaChaPoly_BLAKE2b transport,
// sans-IO (docs/protocol.md, "Transport").
//
//   wire      := frame*                       (frame.h: u16 length || message)
//   handshake := XX, prologue "waypost transport v2", empty payloads
//   app msg   := u32 BE length || bytes || zero padding, padded to at least
//                512 and above that to one of 8 steps per power of two (less
//                than an eighth added), cut into transport messages of at most
//                65535 bytes; reassembled by the receiver
//   rekey     := each side calls Rekey() on a direction's cipher after every
//                1024th transport message in that direction (no signalling)
//
// The initiator brings a fresh random static key per connection, so a relay
// cannot link one client's connections; it pins the responder's static key
// and fails with AuthFailed if the responder proves any other key.
//
// Errors: every decryption or pinning failure is the one opaque AuthFailed.
// A framing or padding violation is Protocol; an announced message over
// kMaxAppMessage is Protocol. After any error the channel is dead: every
// later call returns the same Status. Not thread-safe; one owner.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>

#include "core/bytes.h"
#include "core/noise/cipher_state.h"
#include "core/noise/handshake_state.h"
#include "core/noise/key_pair.h"
#include "core/random.h"
#include "core/status.h"
#include "core/sync/frame.h"

namespace waypost::sync {

class SecureChannel {
 public:
  // `random` must outlive the channel. The expected key must be 32 bytes;
  // otherwise Start() fails with InvalidArgument. A client proves a fresh
  // static key per connection, so relays cannot link its visits; a relay
  // dialing its peer passes `local_static` (copied), its own identity, which
  // the peer checks against the keys it peers with (docs/protocol.md §2.5).
  static SecureChannel Initiator(ByteView expected_responder_public_key, Random& random,
                                 const noise::KeyPair* local_static = nullptr);
  // Copies `local_static` (the relay's long-term identity).
  static SecureChannel Responder(const noise::KeyPair& local_static, Random& random);

  SecureChannel(SecureChannel&&) noexcept = default;
  SecureChannel& operator=(SecureChannel&&) noexcept = default;

  // Begins the handshake; the initiator queues message 0. Call exactly once,
  // before Feed().
  Status Start();
  // Bytes from the peer, in any chunking. Processes every whole frame.
  Status Feed(ByteView bytes);
  // Bytes to write to the peer, in order; empty when there is nothing.
  Bytes TakeOutput();

  bool established() const { return established_; }
  // Handshake messages read from the peer so far (0 to 2).
  int handshake_messages_read() const { return handshake_read_; }
  // The static public key the peer proved in the handshake; empty before
  // established().
  const Bytes& remote_static() const { return remote_static_; }
  // The Noise handshake hash h (64 bytes), the same at both ends of this one
  // session and at no other: what a proof binds to (docs/protocol.md §11.3).
  // Empty before established().
  const Bytes& handshake_hash() const { return handshake_hash_; }
  const Status& status() const { return status_; }

  // Queues one application message (at most kMaxAppMessage bytes, else
  // LimitExceeded). Only once established().
  Status Send(ByteView app_message);
  // The next whole application message received, in order.
  std::optional<Bytes> NextMessage();
  // True when no part of a frame or of an application message is waiting
  // for the rest of it: the peer stopped between messages.
  bool Idle() const { return reader_.buffered() == 0 && reassembly_.empty(); }

  // Wire bytes, frame headers included.
  uint64_t bytes_sent() const { return bytes_sent_; }
  uint64_t bytes_received() const { return bytes_received_; }
  // Transport messages (not app messages) in each direction since Split().
  uint64_t transport_sent() const { return transport_sent_; }
  uint64_t transport_received() const { return transport_received_; }

  // The padded size of an app message of `length` bytes (exposed for tests).
  static size_t PaddedSize(size_t length);

 private:
  SecureChannel(bool initiator, Random& random) : initiator_(initiator), random_(&random) {}

  Status Fail(Status why);
  Status QueueFrame(ByteView message);
  Status OnHandshakeMessage(ByteView message);
  Status FinishHandshake();
  Status OnTransportMessage(ByteView message);
  Status ExtractAppMessages();

  bool initiator_;
  Random* random_;
  std::optional<noise::KeyPair> local_static_;
  Bytes expected_remote_;  // initiator only
  Bytes remote_static_;
  Bytes handshake_hash_;
  std::optional<noise::HandshakeState> handshake_;
  noise::CipherState send_;
  noise::CipherState receive_;
  bool started_ = false;
  bool established_ = false;
  int handshake_read_ = 0;
  Status status_;

  FrameReader reader_;
  Bytes output_;
  Bytes reassembly_;  // decrypted, not yet whole, app-message bytes
  std::deque<Bytes> inbox_;
  uint64_t bytes_sent_ = 0;
  uint64_t bytes_received_ = 0;
  uint64_t transport_sent_ = 0;
  uint64_t transport_received_ = 0;
};

}  // namespace waypost::sync
