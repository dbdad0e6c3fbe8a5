#include "core/envelope/keys.h"

#include <sodium.h>

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

}  // namespace waypost::envelope
