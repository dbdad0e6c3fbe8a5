#include "core/envelope/keys.h"

#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace waypost::envelope {
namespace {

// Keyed BLAKE2b over personal || data, `out` bytes long.
void KeyedHash(const Secret& key, std::string_view personal, ByteView data, uint8_t* out,
               size_t out_len) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, key.data(), key.size(), out_len);
  crypto_generichash_update(&st, reinterpret_cast<const uint8_t*>(personal.data()),
                            personal.size());
  crypto_generichash_update(&st, data.data(), data.size());
  crypto_generichash_final(&st, out, out_len);
  sodium_memzero(&st, sizeof st);
}

Bytes EpochBytes(Epoch epoch) {
  Bytes b;
  PutU64(b, uint64_t(epoch));
  return b;
}

}  // namespace

Epoch EpochOf(UnixTime t) { return t >= 0 ? t / kEpochSeconds : 0; }

UnixTime RoundUpToEpoch(UnixTime t) {
  return t <= 0 ? 0 : ((t + kEpochSeconds - 1) / kEpochSeconds) * kEpochSeconds;
}

RecipientTag TagFor(const Secret& tag_key, Epoch epoch) {
  RecipientTag tag;
  KeyedHash(tag_key, "waypost tag v1", EpochBytes(epoch), tag.data(), tag.size());
  return tag;
}

RecipientTag JoinTagFor(const Secret& invite_secret) {
  RecipientTag tag;
  KeyedHash(invite_secret, "waypost join tag v1", {}, tag.data(), tag.size());
  return tag;
}

// Guarded allocations cost ~40 µs each (guard pages, mlock), a hash 0.4 µs:
// ratchet inside one Secret through a wiped stack buffer.
void RatchetInPlace(Secret& chain) {
  uint8_t next[kKeySize];
  KeyedHash(chain, "waypost ratchet v1", {}, next, sizeof next);
  std::memcpy(chain.data(), next, sizeof next);
  sodium_memzero(next, sizeof next);
}

Secret Ratchet(const Secret& chain) {
  Secret next = chain.Clone();
  RatchetInPlace(next);
  return next;
}

Secret ChainAt(const Secret& base_chain, Epoch base, Epoch target) {
  Secret chain = base_chain.Clone();
  for (Epoch e = base; e < target; ++e) RatchetInPlace(chain);
  return chain;
}

Secret DuressChainFrom(const Secret& chain) {
  Secret duress(kKeySize);
  KeyedHash(chain, "waypost duress chain v1", {}, duress.data(), duress.size());
  return duress;
}

Secret PskFrom(const Secret& chain) {
  Secret psk(kKeySize);
  KeyedHash(chain, "waypost psk v1", {}, psk.data(), psk.size());
  return psk;
}

std::array<uint8_t, kHintSize> HintFor(const Secret& chain, ByteView ephemeral_pub) {
  std::array<uint8_t, kHintSize> hint;
  KeyedHash(chain, "waypost hint v1", ephemeral_pub, hint.data(), hint.size());
  return hint;
}

std::string Fingerprint(ByteView public_key) {
  uint8_t digest[20];
  crypto_generichash(digest, sizeof digest, public_key.data(), public_key.size(),
                     reinterpret_cast<const uint8_t*>("waypost fingerprint"), 19);
  std::string hex = ToHex(ByteView(digest, sizeof digest));
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 4) {
    if (i) out += ' ';
    out += hex.substr(i, 4);
  }
  return out;
}

std::string SafetyNumber(ByteView a, ByteView b) {
  // Sorted, so both sides hash the same bytes; hashed again and again, so
  // that finding another key pair whose number begins the same costs an
  // attacker 5,200 hashes a try (Signal's iteration count).
  const bool a_first = std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
  const ByteView lo = a_first ? a : b, hi = a_first ? b : a;
  constexpr std::string_view kLabel = "waypost safety number v1";
  crypto_generichash_state state;
  uint8_t digest[64];
  crypto_generichash_init(&state, nullptr, 0, sizeof digest);
  crypto_generichash_update(&state, reinterpret_cast<const uint8_t*>(kLabel.data()), kLabel.size());
  crypto_generichash_update(&state, lo.data(), lo.size());
  crypto_generichash_update(&state, hi.data(), hi.size());
  crypto_generichash_final(&state, digest, sizeof digest);
  for (int round = 1; round < kSafetyNumberRounds; ++round) {
    crypto_generichash_init(&state, nullptr, 0, sizeof digest);
    crypto_generichash_update(&state, digest, sizeof digest);
    crypto_generichash_update(&state, lo.data(), lo.size());
    crypto_generichash_update(&state, hi.data(), hi.size());
    crypto_generichash_final(&state, digest, sizeof digest);
  }
  // Each group: five bytes, as a number, modulo 100000.
  std::string out;
  for (int group = 0; group < 12; ++group) {
    uint64_t v = 0;
    for (int i = 0; i < 5; ++i) v = (v << 8) | digest[group * 5 + i];
    char digits[8];
    std::snprintf(digits, sizeof digits, "%05u", unsigned(v % 100000));
    if (group > 0) out += ' ';
    out += digits;
  }
  return out;
}

}  // namespace waypost::envelope
