// The fixed record sets of fuzz_negentropy.cc, shared with make_corpus.cc so
// that the seed corpus holds messages about exactly these sets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/sync/negentropy_wire.h"

namespace waypost::fuzz {

// `n` records with some shared timestamps; `salt` tells sets apart.
inline std::vector<sync::NegItem> NegItems(uint8_t salt, size_t n) {
  std::vector<sync::NegItem> items;
  for (size_t i = 0; i < n; ++i) {
    sync::NegItem item;
    item.timestamp = 1000 + i / 3;  // some shared timestamps
    item.id.fill(uint8_t(i * 7 + salt));
    item.id[0] = uint8_t(i);
    item.id[1] = uint8_t(i >> 8);
    items.push_back(item);
  }
  return items;
}

// The sets the target's server and client hold.
inline constexpr uint8_t kNegServerSalt = 1;
inline constexpr uint8_t kNegClientSalt = 2;
inline constexpr size_t kNegSetSize = 300;

// The frame limit the target's first input byte picks.
inline size_t NegLimitFor(uint8_t first_byte) {
  return first_byte % 3 == 0 ? 0 : (first_byte % 3 == 1 ? 2048 : 4096);
}

}  // namespace waypost::fuzz
