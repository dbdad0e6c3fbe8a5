// Unlock cost: Node::Open() on a store created with each Argon2id profile
// (core/store/kdf.h), in a fresh temporary home that has a duress passphrase
// set. One unlock is one Argon2id derivation, an unwrap try for every
// key-file slot, the key tried against both databases, and the duress check
// (core/node/duress.cc), so the wall time is what a user waits for at the
// passphrase prompt. The duress passphrase and a wrong one must cost the
// same as the normal one.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/node/node.h"
#include "core/random.h"
#include "core/secret.h"
#include "core/status.h"
#include "core/store/kdf.h"

namespace waypost::node {
namespace {

using store::KdfProfile;

constexpr char kPassphrase[] = "correct horse battery staple";
constexpr char kDuressPassphrase[] = "purple monkey dishwasher";
constexpr char kWrongPassphrase[] = "correct horse battery stapler";

enum Which { kNormal = 0, kDuress = 1, kWrong = 2 };

[[noreturn]] void Die(const std::string& what, const Status& status) {
  std::fprintf(stderr, "unlock_bench: %s: %s\n", what.c_str(), status.ToString().c_str());
  std::abort();
}

// A temporary home holding a store under `profile`, with a coordinator-less
// identity and a duress passphrase; removed on destruction.
class TempStore {
 public:
  explicit TempStore(KdfProfile profile) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "waypost-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    dir_ = pattern;
    home_ = dir_ + "/home";
    SystemRandom random;
    SystemClock clock;
    const Secret passphrase = Secret::FromString(kPassphrase);
    auto node = Node::Create(home_, passphrase, profile, "bench", node::Role::kCoordinator, clock, random);
    if (!node.ok()) Die("Node::Create", node.status());
    Status duress =
        (*node)->SetDuressPassphrase(passphrase, Secret::FromString(kDuressPassphrase));
    if (!duress.ok()) Die("SetDuressPassphrase", duress);
  }  // the databases close here, so Open finds them unlocked
  ~TempStore() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  TempStore(const TempStore&) = delete;
  TempStore& operator=(const TempStore&) = delete;

  const std::string& home() const { return home_; }

 private:
  std::string dir_;
  std::string home_;
};

// state.range(0) is the KdfProfile; range(1) is a Which.
void BM_Unlock(benchmark::State& state) {
  auto profile = static_cast<KdfProfile>(state.range(0));
  const auto which = static_cast<Which>(state.range(1));
  TempStore store(profile);
  const char* text = which == kNormal ? kPassphrase
                     : which == kDuress ? kDuressPassphrase
                                        : kWrongPassphrase;
  Secret passphrase = Secret::FromString(text);
  SystemRandom random;
  SystemClock clock;
  for (auto _ : state) {
    auto node = Node::Open(store.home(), passphrase, clock, random);
    bool expected =
        which == kWrong ? node.status().code() == Status::Code::kWrongPassphrase : node.ok();
    if (!expected) Die("Node::Open", node.status());
    benchmark::DoNotOptimize(node);
  }
  static const char* const kNames[] = {"", ", duress passphrase", ", wrong passphrase"};
  state.SetLabel(std::string(store::KdfProfileName(profile)) + kNames[which]);
  store::KdfParams params = store::ParamsFor(profile);
  state.counters["memory_MiB"] = double(params.memlimit >> 20);
  state.counters["passes"] = double(params.opslimit);
}

// Few iterations: a sensitive unlock takes seconds. Iterations() also
// overrides scripts/bench's --benchmark_min_time.
BENCHMARK(BM_Unlock)
    ->ArgNames({"profile", "which"})
    ->Args({int(KdfProfile::kInteractive), kNormal})
    ->Args({int(KdfProfile::kInteractive), kDuress})
    ->Args({int(KdfProfile::kInteractive), kWrong})
    ->Args({int(KdfProfile::kModerate), kNormal})
    ->Args({int(KdfProfile::kModerate), kDuress})
    ->Args({int(KdfProfile::kModerate), kWrong})
    ->Args({int(KdfProfile::kSensitive), kNormal})
    ->Iterations(5)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace waypost::node

BENCHMARK_MAIN();
