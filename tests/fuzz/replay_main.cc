// A main() for a libFuzzer target without libFuzzer, so that `make test`
// (g++, no clang) runs every target briefly on its committed seed corpus:
//
//   fuzz_<name>_replay [--mutations N] [--seed S] PATH...
//
// Each PATH is a corpus directory (every regular file in it, in name order)
// or one input file. Every input runs once as it is; then N (default 2000)
// deterministic mutations of them run: bit flips, byte overwrites,
// truncations, insertions, deletions, duplications and splices of two
// inputs, 1 to 4 at a time, from a fixed seed, so a failure reproduces with
// the same command. With no directory input at all it fails, so a corpus that
// went missing is not a silent pass.
//
// When an input crashes (a signal, or a sanitizer report), it is written to
// ./crash-replay-<target>-<n> first and its origin is printed; replay it with
// the same binary and that file, or with the libFuzzer build.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define WAYPOST_REPLAY_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/common_interface_defs.h>
#define WAYPOST_REPLAY_SANITIZED 1
#endif
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

using Input = std::vector<uint8_t>;

// What is running now, for the crash handler (which may only use
// async-signal-safe calls: open, write, close).
const Input* g_current = nullptr;
char g_crash_path[512] = "crash-replay";
char g_origin[512] = "";

void WriteAll(int fd, const void* p, size_t n) {
  const char* c = static_cast<const char*>(p);
  while (n > 0) {
    const ssize_t w = ::write(fd, c, n);
    if (w <= 0) return;
    c += w;
    n -= static_cast<size_t>(w);
  }
}

void SaveCurrentInput() {
  static bool saved = false;
  if (saved || g_current == nullptr) return;
  saved = true;
  const int fd = ::open(g_crash_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    WriteAll(fd, g_current->data(), g_current->size());
    ::close(fd);
  }
  static const char kSaved[] = "\n== replay: the failing input (";
  WriteAll(2, kSaved, sizeof kSaved - 1);
  WriteAll(2, g_origin, std::strlen(g_origin));
  static const char kTo[] = ") is saved as ";
  WriteAll(2, kTo, sizeof kTo - 1);
  WriteAll(2, g_crash_path, std::strlen(g_crash_path));
  WriteAll(2, "\n", 1);
}

void OnSignal(int sig) {
  SaveCurrentInput();
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

// Deterministic everywhere: the raw engine only, no distributions (their
// output differs between standard libraries).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {  // splitmix64
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  size_t Below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(Next() % n); }

 private:
  uint64_t state_;
};

constexpr size_t kMaxInput = 70000;  // as `make fuzz` passes -max_len

void MutateOnce(Input& in, const std::vector<Input>& corpus, Rng& rng) {
  static const uint8_t kInteresting[] = {0x00, 0x01, 0x02, 0x7f, 0x80,
                                         0xfe, 0xff, 0x10, 0x20, 0x40};
  switch (rng.Below(in.empty() ? 2 : 9)) {
    case 0: {  // insert 1..8 random bytes
      const size_t at = rng.Below(in.size() + 1);
      const size_t n = 1 + rng.Below(8);
      Input bytes(n);
      for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng.Next());
      in.insert(in.begin() + static_cast<std::ptrdiff_t>(at), bytes.begin(), bytes.end());
      break;
    }
    case 1: {  // splice: a piece of another input, inserted or overwriting
      const Input& other = corpus[rng.Below(corpus.size())];
      if (other.empty()) break;
      const size_t from = rng.Below(other.size());
      const size_t n = 1 + rng.Below(std::min<size_t>(other.size() - from, 512));
      const size_t at = rng.Below(in.size() + 1);
      if (rng.Below(2) == 0 || at + n > in.size()) {
        in.insert(in.begin() + static_cast<std::ptrdiff_t>(at),
                  other.begin() + static_cast<std::ptrdiff_t>(from),
                  other.begin() + static_cast<std::ptrdiff_t>(from + n));
      } else {
        std::copy(other.begin() + static_cast<std::ptrdiff_t>(from),
                  other.begin() + static_cast<std::ptrdiff_t>(from + n),
                  in.begin() + static_cast<std::ptrdiff_t>(at));
      }
      break;
    }
    case 2:  // flip one bit
    case 3:
      in[rng.Below(in.size())] ^= static_cast<uint8_t>(1u << rng.Below(8));
      break;
    case 4:  // overwrite a byte with an interesting value
      in[rng.Below(in.size())] = kInteresting[rng.Below(sizeof kInteresting)];
      break;
    case 5:  // overwrite a byte with a random one
      in[rng.Below(in.size())] = static_cast<uint8_t>(rng.Next());
      break;
    case 6:  // truncate
      in.resize(rng.Below(in.size()));
      break;
    case 7: {  // delete a range
      const size_t at = rng.Below(in.size());
      const size_t n = 1 + rng.Below(std::min<size_t>(in.size() - at, 64));
      in.erase(in.begin() + static_cast<std::ptrdiff_t>(at),
               in.begin() + static_cast<std::ptrdiff_t>(at + n));
      break;
    }
    case 8: {  // duplicate a range in place
      const size_t at = rng.Below(in.size());
      const size_t n = 1 + rng.Below(std::min<size_t>(in.size() - at, 64));
      const Input piece(in.begin() + static_cast<std::ptrdiff_t>(at),
                        in.begin() + static_cast<std::ptrdiff_t>(at + n));
      in.insert(in.begin() + static_cast<std::ptrdiff_t>(at), piece.begin(), piece.end());
      break;
    }
  }
  if (in.size() > kMaxInput) in.resize(kMaxInput);
}

void Run(const Input& input) {
  g_current = &input;
  // A copy of exactly the input's size, so that a read past its end is a
  // heap overflow the sanitizer sees, as under libFuzzer.
  uint8_t* copy = static_cast<uint8_t*>(std::malloc(input.size() ? input.size() : 1));
  if (!input.empty()) std::memcpy(copy, input.data(), input.size());
  LLVMFuzzerTestOneInput(copy, input.size());
  std::free(copy);
  g_current = nullptr;
}

int Usage(const char* argv0) {
  std::fprintf(stderr, "usage: %s [--mutations N] [--seed S] CORPUS_DIR_OR_FILE...\n", argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  size_t mutations = 2000;
  uint64_t seed = 1;
  std::vector<std::filesystem::path> paths;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--mutations" || arg == "--seed") && i + 1 < argc) {
      const unsigned long long v = std::strtoull(argv[++i], nullptr, 10);
      if (arg == "--mutations")
        mutations = static_cast<size_t>(v);
      else
        seed = v;
    } else if (!arg.empty() && arg[0] == '-') {
      return Usage(argv[0]);
    } else {
      paths.emplace_back(arg);
    }
  }
  if (paths.empty()) return Usage(argv[0]);

  const std::string target = std::filesystem::path(argv[0]).filename().string();
  std::vector<Input> corpus;
  std::vector<std::string> names;
  bool any_dir = false;
  for (const auto& path : paths) {
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      any_dir = true;
      for (const auto& entry : std::filesystem::directory_iterator(path)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
      std::sort(files.begin(), files.end());
    } else if (std::filesystem::is_regular_file(path, ec)) {
      files.push_back(path);
    } else {
      std::fprintf(stderr, "%s: no such corpus directory or file: %s\n", target.c_str(),
                   path.c_str());
      return 2;
    }
    for (const auto& file : files) {
      std::ifstream in(file, std::ios::binary);
      corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      names.push_back(file.filename().string());
    }
  }
  if (any_dir && corpus.empty()) {
    std::fprintf(stderr, "%s: the corpus is empty\n", target.c_str());
    return 2;
  }

  std::snprintf(g_crash_path, sizeof g_crash_path, "crash-replay-%s-%d", target.c_str(),
                static_cast<int>(::getpid()));
  for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) ::signal(sig, OnSignal);
#ifdef WAYPOST_REPLAY_SANITIZED
  __sanitizer_set_death_callback(SaveCurrentInput);
#endif

  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < corpus.size(); ++i) {
    std::snprintf(g_origin, sizeof g_origin, "corpus file %s", names[i].c_str());
    Run(corpus[i]);
  }
  // Only directories get mutations: a single file is a reproduction.
  if (!any_dir) mutations = 0;
  Rng rng(seed);
  for (size_t m = 0; m < mutations; ++m) {
    const size_t base = rng.Below(corpus.size());
    Input input = corpus[base];
    const size_t steps = 1 + rng.Below(4);
    for (size_t s = 0; s < steps; ++s) MutateOnce(input, corpus, rng);
    std::snprintf(g_origin, sizeof g_origin, "mutation %zu of corpus file %s, --seed %llu", m,
                  names[base].c_str(), static_cast<unsigned long long>(seed));
    Run(input);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s: %zu corpus inputs and %zu mutations ran in %.2f s, no failure\n", target.c_str(),
              corpus.size(), mutations, seconds);
  return 0;
}
