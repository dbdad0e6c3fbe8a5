// Envelope costs: sealing and opening a coded check-in, and what a recipient
// with many contacts pays to find the sender of one envelope
// (docs/protocol.md §3.4). Wire sizes are reported as counters.
#include <benchmark/benchmark.h>
#include <sodium.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/envelope/envelope.h"
#include "core/envelope/format.h"
#include "core/envelope/keys.h"
#include "core/noise/key_pair.h"
#include "core/random.h"
#include "proto/waypost.pb.h"

namespace waypost::envelope {
namespace {

constexpr UnixTime kNow = 1'800'000'000;

// A coded check-in as Node sends it: a codebook code and the send time.
std::string CheckInBody() {
  pb::Body body;
  body.mutable_checkin()->set_code("crossed");
  body.set_sent_at(kNow);
  return body.SerializeAsString();
}

struct Pair {
  SystemRandom random;
  noise::KeyPair sender = noise::KeyPair::Generate(random);
  noise::KeyPair recipient = noise::KeyPair::Generate(random);
  Secret tag_key = RandomKey();
  Secret chain = RandomKey();
  Secret psk = PskFrom(chain);
  std::string body = CheckInBody();

  Secret RandomKey() {
    Secret s(kKeySize);
    random.Fill(s.span());
    return s;
  }
  Bytes Sealed() {
    SealRequest req;
    req.sender = &sender;
    req.recipient_public = recipient.public_key;
    req.psk = &psk;
    req.tag = TagFor(tag_key, EpochOf(kNow));
    req.hint_chain = &chain;
    req.expires_at = uint32_t(kNow + kDeliveryWindowEpochs * kEpochSeconds);
    req.body = AsBytes(body);
    Result<Bytes> env = Seal(req, random);
    if (!env.ok()) std::abort();
    return *env;
  }
};

void ReportSizes(benchmark::State& state, const Bytes& env) {
  state.counters["wire_bytes"] = double(env.size());
  state.counters["armored_chars"] = double(("wp1:" + ToBase64Url(env)).size());
}

void BM_SealCheckIn(benchmark::State& state) {
  Pair p;
  Bytes env;
  for (auto _ : state) {
    env = p.Sealed();
    benchmark::DoNotOptimize(env.data());
  }
  ReportSizes(state, env);
  state.counters["seals"] =
      benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SealCheckIn);

void BM_OpenCheckIn(benchmark::State& state) {
  Pair p;
  const Bytes env = p.Sealed();
  OpenRequest req;
  req.recipient = &p.recipient;
  req.sender_public = p.sender.public_key;
  req.psk = &p.psk;
  for (auto _ : state) {
    Result<Opened> opened = Open(req, env);
    if (!opened.ok()) state.SkipWithError("open failed");
    benchmark::DoNotOptimize(opened);
  }
  ReportSizes(state, env);
  state.counters["opens"] =
      benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_OpenCheckIn);

// Finding the sender among `contacts` (the recipient's work in
// Node::Ingest without the store): match the tag against the 17 own tags,
// then per contact ratchet its stored chain key `lag` epochs forward and
// compare the hint. The real sender is the last contact tried: worst case.
// The Noise open is not included (see BM_OpenCheckIn).
void BM_FindSender(benchmark::State& state) {
  const int contacts = int(state.range(0));
  const int lag = int(state.range(1));
  SystemRandom random;
  Secret own_tag_key(kKeySize);
  random.Fill(own_tag_key.span());
  const Epoch now = EpochOf(kNow);
  std::vector<Secret> chains;
  for (int i = 0; i < contacts; ++i) {
    Secret c(kKeySize);
    random.Fill(c.span());
    chains.push_back(std::move(c));
  }
  // The envelope is from the last contact, sealed in epoch `now`.
  const Secret sender_chain = ChainAt(chains.back(), now - lag, now);
  Bytes ephemeral(32);
  random.Fill(ephemeral);
  const RecipientTag tag = TagFor(own_tag_key, now);
  const auto hint = HintFor(sender_chain, ephemeral);

  for (auto _ : state) {
    Epoch found = -1;
    for (Epoch e = now - kDeliveryWindowEpochs; e <= now + kFutureSkewEpochs; ++e) {
      if (TagFor(own_tag_key, e) == tag) {
        found = e;
        break;
      }
    }
    int sender = -1;
    for (int i = 0; i < contacts; ++i) {
      Secret chain = ChainAt(chains[size_t(i)], found - lag, found);
      if (HintFor(chain, ephemeral) == hint) {
        sender = i;
        break;
      }
    }
    if (sender != contacts - 1) state.SkipWithError("sender not found");
    benchmark::DoNotOptimize(sender);
  }
  state.counters["contacts"] = contacts;
  state.counters["chain_lag_epochs"] = lag;
  state.counters["ingests"] =
      benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
}
// 14 epochs of lag is the worst a store that is opened daily keeps.
BENCHMARK(BM_FindSender)
    ->Args({1, 0})
    ->Args({100, 0})
    ->Args({100, 14})
    ->Unit(benchmark::kMicrosecond);

// Where the time of the key schedule goes: one ratchet step (a keyed
// BLAKE2b into a new Secret) against a bare Secret allocation (sodium_malloc:
// guard pages, mlock) and the bare hash into plain memory.
void BM_Ratchet(benchmark::State& state) {
  Secret chain(kKeySize);
  for (auto _ : state) {
    chain = Ratchet(chain);
    benchmark::DoNotOptimize(chain.data());
  }
}
BENCHMARK(BM_Ratchet);

void BM_SecretAllocation(benchmark::State& state) {
  for (auto _ : state) {
    Secret s(kKeySize);
    benchmark::DoNotOptimize(s.data());
  }
}
BENCHMARK(BM_SecretAllocation);

void BM_KeyedHashOnly(benchmark::State& state) {
  uint8_t key[kKeySize] = {1};
  uint8_t out[kKeySize];
  const char label[] = "waypost ratchet v1";
  for (auto _ : state) {
    crypto_generichash(out, sizeof out, reinterpret_cast<const uint8_t*>(label), sizeof label - 1,
                       key, sizeof key);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_KeyedHashOnly);

}  // namespace
}  // namespace waypost::envelope

int main(int argc, char** argv) {
  if (sodium_init() < 0) return 1;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
