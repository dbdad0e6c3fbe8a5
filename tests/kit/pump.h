// An in-memory wire between two Connections (core/connection.h): bytes move
// in seeded random chunks, as a real socket would split them, and time stands
// still. The same seam net/ pumps over TCP.
#pragma once

#include <algorithm>
#include <random>

#include "core/connection.h"
#include "core/status.h"

namespace waypost::testing {

// What a pump run ended with.
struct PumpResult {
  Status a;  // the first error `a` returned, or Ok
  Status b;
};

// Moves bytes between `a` and `b`, in chunks of 1..700 bytes drawn from
// `rng`, until neither has anything to send or one returns an error (as net/
// would then close the socket). Both must have been started (OnStart).
inline PumpResult Pump(Connection& a, Connection& b, std::mt19937& rng, int64_t now_ms = 0) {
  PumpResult result;
  std::uniform_int_distribution<size_t> chunk(1, 700);
  auto deliver = [&](Connection& from, Connection& to, Status& to_status) {
    Bytes out = from.TakeOutgoing();
    for (size_t i = 0; i < out.size() && to_status.ok();) {
      const size_t n = std::min(chunk(rng), out.size() - i);
      to_status = to.OnReceive(ByteView(out).subspan(i, n), now_ms);
      i += n;
    }
    return !out.empty();
  };
  while (result.a.ok() && result.b.ok()) {
    const bool moved_ab = deliver(a, b, result.b);
    if (!result.b.ok()) break;
    const bool moved_ba = deliver(b, a, result.a);
    if (!moved_ab && !moved_ba) break;
  }
  return result;
}

}  // namespace waypost::testing
