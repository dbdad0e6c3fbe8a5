// Bundle import at scale (docs/protocol.md §8, §9): a coordinator taking in
// a bundle of 10,000 check-ins addressed to it, and a mule carrying the same
// bundle for it. Real nodes in real SQLCipher homes, as `waypost` makes them
// (Argon2id interactive), enrolled through bundles as the CLI would do it;
// the envelopes are real sealed check-ins from one helper. Not a Google
// Benchmark program: one import of 10,000 is the figure, and it can only be
// taken once per fresh store, so it is timed once, with the wall clock.
//
// Run by scripts/bench (`make bench`) through bench/offline_vs_nncp.py, which
// passes --keep DIR and then imports the same bundle with the real binary
// into a copy of the coordinator's home, made before the import below.
//
// Usage: waypost_offline_import [--envelopes N] [--keep DIR]
//   --envelopes N  check-ins in the bundle (default 10000)
//   --keep DIR     DIR must not exist: leaves in it bundle.wpb and coord-cli/,
//                  the coordinator's home as it was before the import
//                  (passphrase kPassphrase below), for `waypost bundle import`
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "bench/bench_check.h"
#include "core/bytes.h"
#include "core/clock.h"
#include "core/envelope/bundle.h"
#include "core/node/node.h"
#include "core/random.h"
#include "core/secret.h"
#include "core/store/kdf.h"

namespace waypost::node {
namespace {

namespace fs = std::filesystem;

// A throwaway bench store; bench/offline_vs_nncp.py passes the same one to
// the CLI in WAYPOST_PASSPHRASE.
constexpr const char* kPassphrase = "waypost bench passphrase, not a secret";
// Invites carry the coordinator's relays, so it needs one; nothing dials it.
constexpr const char* kRelay =
    "wpr1:abababababababababababababababababababababababababababababababab@127.0.0.1:9";
constexpr size_t kChunk = size_t{1} << 16;  // as `bundle import` reads a file

using bench::Check;
using bench::Die;
using bench::Unwrap;

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct Homes {
  SystemClock clock;
  SystemRandom random;
  fs::path dir;       // the coordinator's and the mule's: on disk, as a user's
  fs::path fast_dir;  // the helper's: see Group::Make

  fs::path Home(const std::string& name) const {
    return (name == "helper" ? fast_dir : dir) / name;
  }
  std::unique_ptr<Node> Create(const std::string& name, Role role) {
    return Unwrap(Node::Create(Home(name).string(), Secret::FromString(kPassphrase),
                               store::KdfProfile::kInteractive, name, role, clock, random),
                  "create " + name);
  }
  std::unique_ptr<Node> Open(const std::string& name) {
    return Unwrap(Node::Open(Home(name).string(), Secret::FromString(kPassphrase), clock, random),
                  "open " + name);
  }
};

// Everything `from` would put in a bundle now; a relay is then told it took
// them, so that they leave `from`'s outbox (those that wait for no receipt).
std::vector<Bytes> Drain(Node& from) {
  std::vector<Bytes> out = Unwrap(from.ExportEnvelopes("", std::nullopt), "export");
  Check(from.MarkRelayed(out), "mark relayed");
  return out;
}

// The whole enrollment through bundles: invite, join request to the
// coordinator, welcome back.
void Enroll(Node& coord, Node& helper) {
  const std::string code = Unwrap(coord.CreateInvite(helper.self().name, 3600), "invite");
  Check(Unwrap(helper.Join(code), "join").inviter == coord.self().name ? Status::Ok()
                                                                       : Status::Corrupt("inviter"),
        "join");
  if (Unwrap(coord.TakeIn(Drain(helper), false), "join request in").counts.accepted != 1) {
    Die("the coordinator did not take the join request in");
  }
  if (Unwrap(helper.TakeIn(Drain(coord), false), "welcome in").counts.accepted < 1) {
    Die("the helper did not take the welcome in");
  }
}

struct Options {
  size_t envelopes = 10'000;
  std::string keep;
};

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--envelopes" && i + 1 < argc) {
      o.envelopes = std::strtoul(argv[++i], nullptr, 10);
    } else if (arg == "--keep" && i + 1 < argc) {
      o.keep = argv[++i];
    } else {
      Die("usage: waypost_offline_import [--envelopes N] [--keep DIR]");
    }
  }
  if (o.envelopes == 0 || o.envelopes > envelope::kMaxBundleEnvelopes) Die("bad --envelopes");
  return o;
}

// The bundle through a BundleReader in file-sized chunks, as `bundle import`
// reads it.
std::vector<Bytes> ReadBack(const Bytes& bundle) {
  envelope::BundleReader reader;
  for (size_t at = 0; at < bundle.size(); at += kChunk) {
    reader.Feed(ByteView(bundle).subspan(at, std::min(kChunk, bundle.size() - at)));
  }
  reader.Finish();
  if (reader.Bad() != 0) Die("the reader found bad records in a fresh bundle");
  return reader.TakeEnvelopes();
}

void Report(const char* what, size_t n, double seconds) {
  std::printf("%-52s %7.2f s  %9.0f envelopes/s\n", what, seconds, double(n) / seconds);
}

// The three nodes: a coordinator, the helper whose check-ins fill the
// bundle, and a second helper of the same group, who carries the bundle.
struct Group {
  Homes homes;
  std::unique_ptr<Node> coord, helper, mule;

  void Make(const std::string& keep) {
    const std::string tag = "waypost-offline-import." + std::to_string(getpid());
    homes.dir = keep.empty() ? fs::temp_directory_path() / tag : fs::path(keep);
    if (!keep.empty() && fs::exists(homes.dir)) Die(keep + " exists");
    fs::create_directories(homes.dir);
    // The helper's home goes on tmpfs when there is one: its thousands of
    // check-ins (a transaction each, about 5 ms on this machine's disk, half
    // that on tmpfs) only make the bundle, and are not the figure.
    homes.fast_dir = fs::is_directory("/dev/shm") ? fs::path("/dev/shm") / tag : homes.dir;
    fs::create_directories(homes.fast_dir);
    coord = homes.Create("coord", Role::kCoordinator);
    helper = homes.Create("helper", Role::kHelper);
    mule = homes.Create("mule", Role::kHelper);
    Check(Unwrap(coord->AddRelay(kRelay), "add relay") ? Status::Ok() : Status::Corrupt("relay"),
          "add relay");
    Enroll(*coord, *helper);
    Enroll(*coord, *mule);
    Drain(*coord);
  }

  // The helper's `n` check-ins, sealed and in its outbox; the helper is
  // closed and its home removed afterwards. Returns the queuing time.
  std::vector<Bytes> CheckIns(size_t n, double* seconds) {
    const auto t0 = std::chrono::steady_clock::now();
    for (size_t i = 0; i < n; ++i) Unwrap(helper->CheckIn("ok", "", "", false), "checkin");
    *seconds = Since(t0);
    std::vector<Bytes> sealed = Unwrap(helper->ExportEnvelopes("", std::nullopt), "export");
    if (sealed.size() != n) {
      Die("the helper exported " + std::to_string(sealed.size()) + " envelopes, not " +
          std::to_string(n));
    }
    helper.reset();
    std::error_code ec;
    if (homes.fast_dir != homes.dir) fs::remove_all(homes.fast_dir, ec);
    return sealed;
  }

  // For --keep: the bundle as a file, and a copy of the coordinator's home
  // (closed while it is copied) as it is before any import.
  void Keep(const Bytes& bundle) {
    std::ofstream(homes.dir / "bundle.wpb", std::ios::binary)
        .write(reinterpret_cast<const char*>(bundle.data()), std::streamsize(bundle.size()));
    coord.reset();
    std::error_code ec;
    fs::copy(homes.dir / "coord", homes.dir / "coord-cli", fs::copy_options::recursive, ec);
    if (ec) Die("copy the coordinator's home: " + ec.message());
    coord = homes.Open("coord");
  }

  void Close(bool remove) {
    coord.reset();
    mule.reset();
    std::error_code ec;
    if (remove) fs::remove_all(homes.dir, ec);
  }
};

// Times one TakeIn; dies unless `ok` holds for its report.
double TimedTakeIn(Node& node, const std::vector<Bytes>& envelopes, const std::string& who,
                   bool (*ok)(const Node::TakeInReport&, size_t), size_t expected) {
  const auto t0 = std::chrono::steady_clock::now();
  const Node::TakeInReport r = Unwrap(node.TakeIn(envelopes, true), who + " import");
  const double seconds = Since(t0);
  if (!ok(r, expected)) {
    Die(who + ": accepted " + std::to_string(r.counts.accepted) + ", duplicate " +
        std::to_string(r.counts.duplicate) + ", carried " + std::to_string(r.carried) +
        ", not carried " + std::to_string(r.not_carried) + "; expected " +
        std::to_string(expected));
  }
  return seconds;
}

int Run(const Options& o) {
  Group g;
  g.Make(o.keep);
  double queue_s = 0;
  const std::vector<Bytes> sealed = g.CheckIns(o.envelopes, &queue_s);
  auto t0 = std::chrono::steady_clock::now();
  const Bytes bundle = Unwrap(envelope::WriteBundle(sealed, g.homes.random), "write bundle");
  const double write_s = Since(t0);
  if (!o.keep.empty()) g.Keep(bundle);
  std::printf("%zu check-ins sealed by one helper (Node::CheckIn, one transaction each): %.1f s\n",
              o.envelopes, queue_s);
  std::printf("bundle: %zu bytes, %.1f B per envelope (117-byte envelopes); WriteBundle %.3f s\n",
              bundle.size(), double(bundle.size()) / double(o.envelopes), write_s);

  t0 = std::chrono::steady_clock::now();
  const std::vector<Bytes> read = ReadBack(bundle);
  const double read_s = Since(t0);
  if (read.size() != o.envelopes) Die("the reader returned " + std::to_string(read.size()));
  const size_t n = o.envelopes;
  const double take_s = TimedTakeIn(
      *g.coord, read, "coordinator",
      [](const Node::TakeInReport& r, size_t e) { return r.counts.accepted == e; }, n);
  const double again_s = TimedTakeIn(
      *g.coord, read, "coordinator, again",
      [](const Node::TakeInReport& r, size_t e) { return r.counts.duplicate == e; }, n);
  // A mule keeps at most kCarryMaxEnvelopes; the figure is for 10,000.
  const double carry_s = TimedTakeIn(
      *g.mule, read, "mule", [](const Node::TakeInReport& r, size_t e) { return r.carried == e; },
      std::min(n, Outbox::kCarryMaxEnvelopes));
  const size_t receipts = Unwrap(g.coord->OutboxSize(), "outbox size");

  Report("BundleReader (64 KiB chunks)", n, read_s);
  Report("coordinator: TakeIn (open, file, queue receipts)", n, take_s);
  Report("coordinator: reader + TakeIn", n, read_s + take_s);
  Report("coordinator: the same bundle again (all duplicates)", n, again_s);
  Report("mule (a helper of the group): TakeIn, carry all", n, carry_s);
  Report("mule: reader + TakeIn", n, read_s + carry_s);
  std::printf("coordinator's outbox after the import: %zu envelopes (its delivery receipts)\n",
              receipts);
  g.Close(o.keep.empty());
  return 0;
}

}  // namespace
}  // namespace waypost::node

int main(int argc, char** argv) {
  waypost::bench::ProgramName() = "offline_import";
  if (sodium_init() < 0) {
    std::fprintf(stderr, "offline_import: error: libsodium failed to initialise\n");
    return 1;
  }
  return waypost::node::Run(waypost::node::ParseOptions(argc, argv));
}
