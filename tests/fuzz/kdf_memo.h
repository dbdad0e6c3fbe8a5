// Argon2id, remembered: for fuzz targets that unlock key files or open node
// stores on many inputs (fuzz_key_file.cc, fuzz_body.cc, fuzz_enrollment.cc).
//
// Exactly one source file of a binary includes this header: it defines
// libsodium's crypto_pwhash() for the whole binary, and so stands in for the
// library's own in every call core/store/kdf.cc makes. This one runs the real
// Argon2id (crypto_pwhash_argon2id) once per distinct input and answers every
// repeat from memory. A derivation is a pure function of its inputs, so no
// caller can tell the difference, except by the time it takes.
//
// Why: no key file may ask for less than the interactive profile (64 MiB, 2
// passes; PlausibleParams, core/store/kdf.h), which takes tens of
// milliseconds, and nothing in core/ lowers that for tests. A fuzz target
// unlocks the same few headers with the same few passphrases over and over;
// with this, only the first time costs.
//
// It keeps every key it derived in ordinary memory, unwiped: for the test
// passphrases of a fuzz target only, never for a real one. Not thread-safe:
// the targets are single-threaded.
#pragma once

#include <sodium.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/store/kdf.h"

namespace waypost::fuzz::kdf_memo {

struct Stats {
  size_t derived = 0;     // real Argon2id runs
  size_t remembered = 0;  // answers from memory
};

namespace internal {

// Everything the output depends on, in one string.
inline std::string KeyOf(unsigned long long outlen, const char* passwd,
                         unsigned long long passwdlen, const unsigned char* salt,
                         unsigned long long opslimit, size_t memlimit, int alg) {
  std::string key;
  for (uint64_t v : {uint64_t{outlen}, uint64_t{opslimit}, uint64_t{memlimit},
                     static_cast<uint64_t>(alg), uint64_t{passwdlen}}) {
    key.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  key.append(reinterpret_cast<const char*>(salt), crypto_pwhash_argon2id_SALTBYTES);
  if (passwdlen > 0) key.append(passwd, passwdlen);
  return key;
}

inline std::map<std::string, std::vector<unsigned char>>& Memory() {
  static auto* memory = new std::map<std::string, std::vector<unsigned char>>();
  return *memory;
}

inline Stats& MutableStats() {
  static Stats stats;
  return stats;
}

}  // namespace internal

inline const Stats& stats() { return internal::MutableStats(); }

// True if deriving a wrap key (kdf.h: 32 bytes, Argon2id) from `passphrase`,
// `salt` (kSaltSize bytes) and `params` would be answered from memory.
inline bool Remembers(ByteView passphrase, ByteView salt, const store::KdfParams& params) {
  if (salt.size() != store::kSaltSize) return false;
  const std::string key =
      internal::KeyOf(store::kWrapKeySize, reinterpret_cast<const char*>(passphrase.data()),
                      passphrase.size(), salt.data(), params.opslimit,
                      static_cast<size_t>(params.memlimit), crypto_pwhash_ALG_ARGON2ID13);
  return internal::Memory().count(key) != 0;
}

}  // namespace waypost::fuzz::kdf_memo

extern "C" int crypto_pwhash(unsigned char* const out, unsigned long long outlen,
                             const char* const passwd, unsigned long long passwdlen,
                             const unsigned char* const salt, unsigned long long opslimit,
                             size_t memlimit, int alg) {
  namespace memo = waypost::fuzz::kdf_memo::internal;
  const std::string key = memo::KeyOf(outlen, passwd, passwdlen, salt, opslimit, memlimit, alg);
  auto found = memo::Memory().find(key);
  if (found != memo::Memory().end()) {
    std::copy(found->second.begin(), found->second.end(), out);
    ++memo::MutableStats().remembered;
    return 0;
  }
  if (alg != crypto_pwhash_ALG_ARGON2ID13) return -1;  // the only one kdf.cc asks for
  const int rc =
      crypto_pwhash_argon2id(out, outlen, passwd, passwdlen, salt, opslimit, memlimit, alg);
  ++memo::MutableStats().derived;
  if (rc == 0) memo::Memory()[key].assign(out, out + outlen);
  return rc;
}
