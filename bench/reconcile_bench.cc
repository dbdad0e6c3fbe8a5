// Negentropy reconciliation (core/sync/negentropy.h, docs/reconciliation.md):
// the bytes and round trips two stores of n envelope ids spend to find the d
// that one of them lacks, and the time the engine takes, both sides in one
// process. Issue 9's target for the whole sync: d = 1 under 3 KB plus the
// envelope. This measures the reconciliation alone, without transport
// framing or the envelopes themselves.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "core/sync/negentropy.h"

namespace waypost::sync {
namespace {

// n records with distinct random ids and timestamps spread over 60 days, as
// envelope expiries would be; the client lacks `d` of them.
struct Sets {
  std::vector<NegItem> server;
  std::vector<NegItem> client;
};

Sets MakeSets(size_t n, size_t d) {
  std::mt19937_64 random(n * 1000 + d);
  Sets sets;
  for (size_t i = 0; i < n; ++i) {
    NegItem item;
    item.timestamp = 1'800'000'000 + random() % (60 * 86'400);
    for (auto& byte : item.id) byte = uint8_t(random());
    sets.server.push_back(item);
  }
  sets.client = sets.server;
  for (size_t i = 0; i < d; ++i)
    sets.client.erase(sets.client.begin() + long(random() % sets.client.size()));
  return sets;
}

void BM_Reconcile(benchmark::State& state) {
  const size_t n = size_t(state.range(0));
  const size_t d = size_t(state.range(1));
  const size_t limit = size_t(state.range(2));
  const Sets sets = MakeSets(n, d);
  const NegStorage server_storage = NegStorage::Create(sets.server).value();
  const NegStorage client_storage = NegStorage::Create(sets.client).value();
  const NegentropyServer server = NegentropyServer::Create(server_storage, limit).value();

  uint64_t up = 0, down = 0, trips = 0, found = 0;
  for (auto _ : state) {
    state.PauseTiming();
    NegentropyClient client = NegentropyClient::Create(client_storage, limit).value();
    up = down = trips = 0;
    std::vector<NegId> have, need;
    state.ResumeTiming();

    Bytes message = client.Initiate().value();
    for (;;) {
      up += message.size();
      const Bytes reply = server.Reconcile(message).value();
      down += reply.size();
      ++trips;
      std::optional<Bytes> next = client.Reconcile(reply, &have, &need).value();
      if (!next) break;
      message = std::move(*next);
    }
    found = need.size();
  }
  if (found != d) state.SkipWithError("the client did not find every missing id");
  state.counters["bytes_up"] = double(up);
  state.counters["bytes_down"] = double(down);
  state.counters["bytes"] = double(up + down);
  state.counters["round_trips"] = double(trips);
}

// n = 10,000 and 100,000 held envelopes; d = 0, 1, 10, 100 missing; no
// frame limit, and a 60,000-byte limit (a message fits one transport frame).
BENCHMARK(BM_Reconcile)
    ->ArgNames({"n", "d", "limit"})
    ->ArgsProduct({{10'000, 100'000}, {0, 1, 10, 100}, {0, 60'000}})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace waypost::sync

BENCHMARK_MAIN();
