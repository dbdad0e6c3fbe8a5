// Unlock cost: OpenStore() on a store created with each Argon2id profile
// (core/store/kdf.h), in a fresh temporary home. One unlock is one Argon2id
// derivation, an unwrap try for every key-file slot, and opening the
// database, so the wall time is what a user waits for at the passphrase
// prompt. A wrong passphrase must cost the same: every slot is always tried.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "core/random.h"
#include "core/secret.h"
#include "core/status.h"
#include "core/store/home.h"
#include "core/store/kdf.h"

namespace waypost::store {
namespace {

constexpr char kPassphrase[] = "correct horse battery staple";
constexpr char kWrongPassphrase[] = "correct horse battery stapler";

[[noreturn]] void Die(const std::string& what, const Status& status) {
  std::fprintf(stderr, "unlock_bench: %s: %s\n", what.c_str(), status.ToString().c_str());
  std::abort();
}

// A temporary home holding a store under `profile`; removed on destruction.
class TempStore {
 public:
  explicit TempStore(KdfProfile profile) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "waypost-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    dir_ = pattern;
    home_ = dir_ + "/home";
    SystemRandom random;
    Result<Database> db = CreateStore(home_, Secret::FromString(kPassphrase), profile, random);
    if (!db.ok()) Die("CreateStore", db.status());
  }  // the database closes here, so OpenStore finds it unlocked
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

// state.range(0) is the KdfProfile; range(1) is 1 for the wrong passphrase.
void BM_Unlock(benchmark::State& state) {
  auto profile = static_cast<KdfProfile>(state.range(0));
  bool wrong = state.range(1) != 0;
  TempStore store(profile);
  Secret passphrase = Secret::FromString(wrong ? kWrongPassphrase : kPassphrase);
  for (auto _ : state) {
    Result<Database> db = OpenStore(store.home(), passphrase);
    bool expected = wrong ? db.status().code() == Status::Code::kWrongPassphrase : db.ok();
    if (!expected) Die("OpenStore", db.status());
    benchmark::DoNotOptimize(db);
  }
  state.SetLabel(std::string(KdfProfileName(profile)) + (wrong ? ", wrong passphrase" : ""));
  KdfParams params = ParamsFor(profile);
  state.counters["memory_MiB"] = double(params.memlimit >> 20);
  state.counters["passes"] = double(params.opslimit);
}

// Few iterations: a sensitive unlock takes seconds. Iterations() also
// overrides scripts/bench's --benchmark_min_time.
BENCHMARK(BM_Unlock)
    ->ArgNames({"profile", "wrong"})
    ->Args({int(KdfProfile::kInteractive), 0})
    ->Args({int(KdfProfile::kModerate), 0})
    ->Args({int(KdfProfile::kModerate), 1})
    ->Args({int(KdfProfile::kSensitive), 0})
    ->Iterations(3)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace waypost::store

BENCHMARK_MAIN();
