// Shared by the node fuzz targets (fuzz_body.cc, fuzz_enrollment.cc), their
// nodes (node_fuzz_fixtures.h) and the seed-corpus generator
// (make_corpus.cc): real Nodes (core/node/node.h) in homes of their own
// under a scratch directory, each of which can be put back as it was; and
// sealing any body bytes as a contact or a joiner would seal them
// (docs/protocol.md §3.3, §5), with the keys read back from the stores.
//
// A target feeds each input's envelope to a node with Node::Ingest, as a
// sync does, and puts the node's home back as it was whenever an input
// wrote to it, so that every input meets the same store.
//
// No gtest here: the targets build with clang and libFuzzer as well as with
// g++ and tests/fuzz/replay_main.cc.
#pragma once

#include <fcntl.h>
#include <google/protobuf/stubs/logging.h>
#include <sodium.h>
#include <sys/stat.h>

#include <array>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "core/clock.h"
#include "core/envelope/envelope.h"
#include "core/envelope/format.h"
#include "core/envelope/keys.h"
#include "core/node/identity.h"
#include "core/node/node.h"
#include "core/noise/key_pair.h"
#include "core/random.h"
#include "core/secret.h"
#include "core/status.h"
#include "core/store/database.h"
#include "core/store/home.h"
#include "core/store/kdf.h"
#include "tests/fuzz/scratch_dir.h"
#include "tests/fuzz/sync_fuzz_util.h"

namespace waypost::fuzz {

inline constexpr std::string_view kNodePassphrase = "fuzz node passphrase";
inline constexpr std::string_view kNodeDuressPassphrase = "fuzz duress passphrase";
// A documentation address: no relay is ever dialled.
inline constexpr std::string_view kNodeRelay =
    "wpr1:abababababababababababababababababababababababababababababababab@192.0.2.1:7447";

// What every process that builds nodes sets first: no memory locking for
// the key derivation (under the sanitizers it would try to lock their
// shadow memory), and no SQLCipher memory security, for speed, as a relay
// has none (core/store/database.h).
inline void PrepareNodeProcess() {
  if (sodium_init() < 0) Die("sodium_init");
  store::SetKdfMemoryLocking(false);
  store::Database::SetMemorySecurity(false);
}

// Bodies with invalid UTF-8 in a string field fail to parse, as they
// should, and protobuf logs an error for each; a fuzzer makes thousands.
inline void QuietProtobuf() {
  google::protobuf::SetLogHandler(
      [](google::protobuf::LogLevel, const char*, int, const std::string&) {});
}

// ---------------------------------------------------------------- one node

// A Node in a home under `dir`, with its own seeded randomness. Snapshot()
// remembers the home's files; Restore() puts them back and opens the home
// again, as a new process would, whenever Changed() says an input wrote.
class FuzzNode {
 public:
  FuzzNode(const ScratchDir& dir, const std::string& name, node::Role role, const Clock& clock,
           uint64_t seed)
      : home_(dir.File(name)),
        pristine_(dir.File(name + ".pristine")),
        clock_(clock),
        random_(seed) {
    auto created = node::Node::Create(home_, Secret::FromString(kNodePassphrase),
                                      store::KdfProfile::kInteractive, name, role, clock_, random_);
    if (!created.ok()) Die("cannot create a node");
    node_ = std::move(created).value();
  }

  node::Node* operator->() { return node_.get(); }
  node::Node& operator*() { return *node_; }
  const std::string& home() const { return home_; }

  // Every draw of the Node's randomness from here on comes from `seed`.
  void Reseed(uint64_t seed) { random_ = SeededRandom(seed); }

  // Closes the Node and opens its home again with `passphrase`.
  void OpenWith(std::string_view passphrase) {
    node_.reset();
    auto opened = node::Node::Open(home_, Secret::FromString(passphrase), clock_, random_);
    if (!opened.ok()) Die("cannot open a node's home");
    node_ = std::move(opened).value();
  }

  // Remembers the home as it is now, closed, and opens it again (an open
  // writes: the copy is what every Restore() opens).
  void Snapshot() {
    node_.reset();
    CopyFiles(home_, pristine_);
    Open();
  }

  // The home as at Snapshot(), opened as then.
  void Restore() {
    node_.reset();
    CopyFiles(pristine_, home_);
    Open();
  }

  // Whether a file of the home was written (or made, or removed) since the
  // last (re)open.
  bool Changed() const { return StatFiles() != baseline_; }

  // The store itself, on a connection of its own.
  store::Database Raw() const {
    auto opened = store::OpenStore(home_, Secret::FromString(kNodePassphrase));
    if (!opened.ok()) Die("cannot open a node's store");
    return std::move(opened->db);
  }

 private:
  struct FileState {
    bool exists = false;
    ino_t inode = 0;
    off_t size = 0;
    int64_t mtime_ns = 0;
    bool operator==(const FileState&) const = default;
  };
  using Files = std::array<FileState, 5>;

  std::vector<std::string> FileNames(const std::string& home) const {
    std::vector<std::string> names = {store::KeyFilePath(home)};
    for (int i = 0; i < 2; ++i) {
      names.push_back(store::DatabasePath(home, i));
      names.push_back(store::DatabasePath(home, i) + "-journal");
    }
    return names;
  }

  Files StatFiles() const {
    Files out;
    const std::vector<std::string> names = FileNames(home_);
    for (size_t i = 0; i < names.size(); ++i) {
      struct stat st {};
      if (::stat(names[i].c_str(), &st) != 0) continue;
      out[i] = {true, st.st_ino, st.st_size,
                int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec};
    }
    return out;
  }

  void CopyFiles(const std::string& from, const std::string& to) const {
    std::error_code ec;
    std::filesystem::create_directories(to, ec);
    const std::vector<std::string> sources = FileNames(from);
    const std::vector<std::string> targets = FileNames(to);
    for (size_t i = 0; i < sources.size(); ++i) {
      std::filesystem::remove(targets[i], ec);
      if (std::filesystem::exists(sources[i], ec) &&
          !std::filesystem::copy_file(sources[i], targets[i], ec)) {
        Die("cannot copy a node's home");
      }
    }
  }

  // Opens the home and dates its files back to 1970, so that any later
  // write shows in their mtime: a file system's clock may tick only every
  // few milliseconds, so a write soon after the open could keep its time.
  void Open() {
    OpenWith(kNodePassphrase);
    for (const std::string& name : FileNames(home_)) {
      const struct timespec long_ago[2] = {{1, 0}, {1, 0}};
      (void)::utimensat(AT_FDCWD, name.c_str(), long_ago, 0);
    }
    baseline_ = StatFiles();
  }

  std::string home_;
  std::string pristine_;
  const Clock& clock_;
  SeededRandom random_;
  std::unique_ptr<node::Node> node_;
  Files baseline_;
};

// Everything `from` has queued goes to `to`, as through a relay; each
// envelope must be accepted.
inline void Deliver(FuzzNode& from, FuzzNode& to) {
  auto plan = from->PlanSync();
  if (!plan.ok() || !from->MarkRelayed(plan->upload).ok()) Die("cannot plan a sync");
  for (const Bytes& envelope : plan->upload) {
    auto outcome = to->Ingest(envelope);
    if (!outcome.ok() || *outcome != node::IngestOutcome::kAccepted) Die("an envelope failed");
  }
}

// What one node's queued envelopes were; they are then marked relayed and
// never delivered.
inline std::vector<Bytes> Drain(FuzzNode& from) {
  auto plan = from->PlanSync();
  if (!plan.ok() || !from->MarkRelayed(plan->upload).ok()) Die("cannot plan a sync");
  return plan->upload;
}

// ---------------------------------------------------------------- sealing as a contact

// What it takes to seal a body from one node of a pair to the other, as
// Courier::Send does (core/node/courier.cc).
struct PairKeys {
  noise::KeyPair sender;     // the sealing node's static key pair
  Bytes recipient_public;    // the receiving node's static key
  Secret recipient_tag_key;  // the receiving node's tag key
  Secret chain;              // the pair's chain key at chain_epoch
  envelope::Epoch chain_epoch = 0;
  Secret duress;  // the pair's duress chain key at duress_epoch
  envelope::Epoch duress_epoch = 0;
};

// The keys for `sender` to seal to `recipient`, which holds `sender` as its
// contact named `sender_name`: read from the recipient's store.
inline PairKeys KeysBetween(FuzzNode& sender, FuzzNode& recipient, const std::string& sender_name) {
  PairKeys keys;
  keys.sender = sender->identity().Clone();
  const PublicKey& public_key = recipient->self().public_key;
  keys.recipient_public.assign(public_key.view().begin(), public_key.view().end());
  store::Database db = recipient.Raw();
  auto identity = node::Identity::Load(db);
  if (!identity.ok()) Die("cannot load an identity");
  keys.recipient_tag_key = identity->tag_key().Clone();
  auto st = db.Query(
      "SELECT chain_epoch, chain_key, duress_epoch, duress_key FROM contacts WHERE name = ?",
      sender_name);
  if (!st.ok() || !st->Step().value_or(false)) Die("no such contact");
  keys.chain_epoch = st->ColumnInt64(0);
  keys.chain = st->ColumnSecret(1);
  keys.duress_epoch = st->ColumnOptionalInt64(2).value_or(0);
  keys.duress = st->ColumnSecret(3);
  return keys;
}

// When the envelopes sealed here expire: at the end of the day two days on.
inline uint32_t ExpiryAt(UnixTime now) {
  return static_cast<uint32_t>(envelope::RoundUpToEpoch(now + 2 * kDay));
}

// `body` sealed under the pair's chain (or its duress chain) for `epoch`,
// with `sender`'s static key (null: the pair's own sender).
inline Result<Bytes> SealAsContact(const PairKeys& keys, bool duress_chain, envelope::Epoch epoch,
                                   ByteView body, UnixTime now, Random& random,
                                   const noise::KeyPair* sender = nullptr) {
  const Secret& base = duress_chain ? keys.duress : keys.chain;
  const envelope::Epoch base_epoch = duress_chain ? keys.duress_epoch : keys.chain_epoch;
  if (base.empty() || epoch < base_epoch) return Status::InvalidArgument("no chain for that epoch");
  const Secret chain = envelope::ChainAt(base, base_epoch, epoch);
  const Secret psk = envelope::PskFrom(chain);
  envelope::SealRequest req;
  req.pattern = envelope::Pattern::kContact;
  req.sender = sender != nullptr ? sender : &keys.sender;
  req.recipient_public = keys.recipient_public;
  req.psk = &psk;
  req.tag = envelope::TagFor(keys.recipient_tag_key, epoch);
  req.hint_chain = &chain;
  req.expires_at = ExpiryAt(now);
  req.body = body;
  return envelope::Seal(req, random);
}

// ---------------------------------------------------------------- sealing as a joiner

// A join request as a joiner seals one (Enrollment::QueueJoinRequest): to
// the inviter's static key under the invite's secret, behind its join tag.
// `psk` is the secret the sealer holds, `tag_secret` the one its tag comes
// from; they differ only for a forger.
inline Result<Bytes> SealAsJoiner(const noise::KeyPair& joiner, ByteView inviter_public,
                                  const Secret& psk, const Secret& tag_secret, ByteView body,
                                  UnixTime now, Random& random) {
  envelope::SealRequest req;
  req.pattern = envelope::Pattern::kJoin;
  req.sender = &joiner;
  req.recipient_public = inviter_public;
  req.psk = &psk;
  req.tag = envelope::JoinTagFor(tag_secret);
  req.expires_at = ExpiryAt(now);
  req.body = body;
  return envelope::Seal(req, random);
}

}  // namespace waypost::fuzz
