// Test helpers for core/sync: fabricated envelopes, a temporary relay
// database, the kit's in-memory pump (tests/kit/pump.h), and a hand-driven
// Noise initiator that can put arbitrary (hostile) plaintext on the wire.
#pragma once

#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>

#include "core/clock.h"
#include "core/connection.h"
#include "core/envelope/format.h"
#include "core/noise/handshake_state.h"
#include "core/random.h"
#include "core/secret.h"
#include "core/store/database.h"
#include "core/sync/constants.h"
#include "core/sync/frame.h"
#include "core/sync/negentropy_wire.h"
#include "tests/kit/fake_envelope.h"
#include "tests/kit/pump.h"
#include "tests/kit/status.h"
#include "tests/kit/temp_dir.h"

namespace waypost::sync::test_util {

inline constexpr UnixTime kNow = 1'800'000'000;

inline envelope::RecipientTag Tag(uint8_t b) {
  envelope::RecipientTag t;
  t.fill(b);
  return t;
}

// A well-formed envelope as a relay sees it (tests/kit/fake_envelope.h).
inline Bytes MakeEnvelope(const envelope::RecipientTag& tag, uint32_t expires_at, uint32_t seed,
                          size_t size = envelope::kBucketSizes[0]) {
  return testing::FakeEnvelope(tag, expires_at, seed, size);
}

inline Bytes IdOf(ByteView envelope_bytes) {
  const envelope::ContentId id = envelope::ComputeContentId(envelope_bytes);
  return Bytes(id.begin(), id.end());
}

// The reconciliation record of an envelope: (expiry, content id).
inline NegItem ItemOf(ByteView envelope_bytes) {
  NegItem item;
  item.timestamp = envelope::ParseHeader(envelope_bytes).value().expires_at;
  const envelope::ContentId id = envelope::ComputeContentId(envelope_bytes);
  std::copy(id.begin(), id.end(), item.id.begin());
  return item;
}

inline Bytes Prefix(ByteView envelope_bytes, size_t n = 8) {
  const envelope::ContentId id = envelope::ComputeContentId(envelope_bytes);
  return Bytes(id.begin(), id.begin() + static_cast<std::ptrdiff_t>(n));
}

// A fresh SQLCipher database in its own temporary directory.
class TempDatabase {
 public:
  TempDatabase() {
    Secret key(store::Database::kRawKeySize);
    randombytes_buf(key.data(), key.size());
    auto db = store::Database::Open(dir_.File("relay.db"), key);
    if (!db.ok()) throw std::runtime_error(db.status().message());
    db_.emplace(std::move(db).value());
  }
  store::Database& db() { return *db_; }

 private:
  testing::TempDir dir_;  // outlives the database: declared first
  std::optional<store::Database> db_;
};

using testing::Pump;
using testing::PumpResult;

// Plays the initiator of the transport by hand, so tests can send what a
// well-behaved SecureChannel never would. Frames in, frames out.
class RawInitiator {
 public:
  explicit RawInitiator(Random& random) {
    noise::HandshakeConfig config;
    config.protocol_name = std::string(kTransportProtocol);
    config.initiator = true;
    config.prologue.assign(kTransportPrologue.begin(), kTransportPrologue.end());
    config.local_static = noise::KeyPair::Generate(random);
    config.random = &random;
    hs_.emplace(noise::HandshakeState::Create(std::move(config)).value());
  }

  Bytes Message0() {
    Bytes out;
    EXPECT_OK(AppendFrame(out, hs_->WriteMessage({}).value()));
    return out;
  }

  // Takes the responder's message 1; returns framed message 2.
  Bytes Message2(ByteView responder_output) {
    FrameReader reader;
    reader.Append(responder_output);
    auto frame = reader.Next();
    EXPECT_TRUE(frame.ok() && frame->has_value());
    EXPECT_OK(hs_->ReadMessage(**frame));
    Bytes out;
    EXPECT_OK(AppendFrame(out, hs_->WriteMessage({}).value()));
    auto ciphers = hs_->Split().value();
    send_ = std::move(ciphers.first);
    return out;
  }

  // One framed transport message carrying `plaintext`, rekeying after every
  // 1024th message when `rekey` is set (as the protocol requires).
  Bytes Transport(ByteView plaintext, bool rekey = true) {
    Bytes out;
    EXPECT_OK(AppendFrame(out, send_.EncryptWithAd({}, plaintext).value()));
    if (rekey && ++sent_ % kRekeyInterval == 0) {
      EXPECT_OK(send_.Rekey());
    }
    return out;
  }

  // A whole app message with the given announced length and body, padded as
  // a SecureChannel pads, in as many transport messages as needed.
  Bytes AppMessage(uint32_t announced, ByteView body, size_t padded_size) {
    Bytes plain;
    PutU32(plain, announced);
    Append(plain, body);
    plain.resize(padded_size, 0);
    Bytes out;
    for (size_t i = 0; i < plain.size(); i += kMaxChunkPlaintext) {
      const size_t n = std::min(kMaxChunkPlaintext, plain.size() - i);
      Append(out, Transport(ByteView(plain).subspan(i, n)));
    }
    return out;
  }

 private:
  std::optional<noise::HandshakeState> hs_;
  noise::CipherState send_;
  uint64_t sent_ = 0;
};

}  // namespace waypost::sync::test_util
