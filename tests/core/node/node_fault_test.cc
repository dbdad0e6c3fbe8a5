// Whole commands under I/O faults (docs/storage.md §8): every write, fsync
// and delete of the node's databases and files fails, or "crashes" the
// process, at each step in turn. Afterwards, with a working disk, the store
// opens and holds the state from before the command or the state after it,
// never a mix; nothing a relay delivered is lost for good; and the decoy
// still opens with the duress passphrase.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "core/node/node.h"
#include "core/store/home.h"
#include "core/store/panic.h"
#include "tests/kit/fake_envelope.h"
#include "tests/kit/fault_env.h"
#include "tests/kit/fault_util.h"
#include "tests/kit/fault_vfs.h"
#include "tests/kit/peers.h"
#include "tests/kit/status.h"

namespace waypost::node {
namespace {

using namespace peers;  // NOLINT: the fixture language
using testing::CopyDir;
using testing::FaultEnv;
using testing::FaultInjector;
using testing::FaultMode;
using testing::FaultOp;
using testing::ForEachFault;
using testing::ScopedFaultVfs;

Secret Duress() { return Secret::FromString("blue umbrella"); }

class NodeFaultTest : public ::testing::TestWithParam<FaultMode> {
 protected:
  // Opens `home` as a command would, with every write going through `faults`,
  // and runs `command` on it. The Node is gone before the fault VFS is.
  Status WithFaults(FaultInjector& faults, const std::string& home,
                    const std::function<Status(Node&)>& command) {
    ScopedFaultVfs vfs(faults);
    auto node = Node::Open(home, Passphrase(), clock_, random_);
    if (!node.ok()) return node.status();
    return command(**node);
  }

  // The inbox of `home`, opened with a working disk.
  std::vector<MessageInfo> InboxAt(const std::string& home) {
    auto node = Node::Open(home, Passphrase(), clock_, random_);
    EXPECT_OK(node);
    if (!node.ok()) return {};
    auto inbox = (*node)->Inbox();
    EXPECT_OK(inbox);
    return inbox.ok() ? *inbox : std::vector<MessageInfo>{};
  }

  FakeClock clock_;
  SeededRandom random_{5};
};

// init makes a whole store or none: the key file, written last, decides.
TEST_P(NodeFaultTest, CreateLeavesAWholeStoreOrNone) {
  waypost::testing::TempDir dir;
  const std::string home = dir.File("home");
  ForEachFault(
      GetParam(), [&] { std::filesystem::remove_all(home); },
      [&](FaultInjector& faults) -> Status {
        SeededRandom random(1);
        ScopedFaultVfs vfs(faults);
        FaultEnv env(faults);
        return Node::Create(home, Passphrase(), store::KdfProfile::kInteractive, "alice",
                            Role::kHelper, clock_, random, env)
            .status();
      },
      [&](const Status& status, const FaultInjector&) {
        // A store that exists is whole. After a transient fault a failed init
        // leaves none; after a crash (nobody heard the failure) one may be
        // whole already: its key file, written last, was in place.
        if (store::StoreExists(home)) {
          EXPECT_TRUE(status.ok() || GetParam() == FaultMode::kCrash) << status.ToString();
          auto node = Node::Open(home, Passphrase(), clock_, random_);
          ASSERT_OK(node);
          EXPECT_EQ((*node)->self().name, "alice");
          return;
        }
        EXPECT_FALSE(status.ok());
        // What a crash left (databases without a key file) init refuses and
        // panic removes; then init works.
        SeededRandom random(2);
        if (!Node::Create(home, Passphrase(), store::KdfProfile::kInteractive, "alice",
                          Role::kHelper, clock_, random)
                 .ok()) {
          ASSERT_OK(store::Panic(home, random));
          ASSERT_OK(Node::Create(home, Passphrase(), store::KdfProfile::kInteractive, "alice",
                                 Role::kHelper, clock_, random));
        }
      });
}

// A check-in is queued whole or not at all, and a failed one says so.
TEST_P(NodeFaultTest, CheckInIsQueuedWholeOrNotAtAll) {
  Peer coord("base", Role::kCoordinator, clock_, 1);
  Peer alice("alice", Role::kHelper, clock_, 2);
  Enroll(coord, alice);
  ASSERT_OK(alice->SetDuressPassphrase(Passphrase(), Duress()));
  alice.node.reset();
  const std::string saved = alice.dir.File("saved");
  CopyDir(alice.home, saved);
  ForEachFault(
      GetParam(), [&] { CopyDir(saved, alice.home); },
      [&](FaultInjector& faults) {
        return WithFaults(faults, alice.home, [](Node& node) {
          return node.CheckIn("crossed", "all well", "").status();
        });
      },
      [&](const Status& status, const FaultInjector&) {
        const std::vector<MessageInfo> inbox = InboxAt(alice.home);
        EXPECT_EQ(inbox.size(), status.ok() ? 1u : inbox.size());
        EXPECT_LE(inbox.size(), 1u);
        for (const MessageInfo& m : inbox) EXPECT_EQ(m.text, "all well");
        auto decoy = Node::Open(alice.home, Duress(), clock_, random_);
        EXPECT_OK(decoy) << "the decoy no longer opens";
      });
}

// A batch a relay delivered is taken in, in one transaction, or can be taken
// in again: whatever a fault left, a second try with a working disk ends with
// every message there once.
TEST_P(NodeFaultTest, ABatchIsNeverHalfTakenIn) {
  Peer coord("base", Role::kCoordinator, clock_, 1);
  Peer alice("alice", Role::kHelper, clock_, 2);
  Enroll(coord, alice);
  ASSERT_OK(alice->CheckIn("crossed", "one", ""));
  ASSERT_OK(alice->CheckIn("delayed", "two", ""));
  ASSERT_OK(alice->SendText("base", "three"));
  const std::vector<Bytes> batch = Fetch(coord, Upload(alice));
  ASSERT_EQ(batch.size(), 3u);
  coord.node.reset();
  const std::string saved = coord.dir.File("saved");
  CopyDir(coord.home, saved);

  for (int n = 1;; ++n) {
    SCOPED_TRACE("fault at operation " + std::to_string(n));
    CopyDir(saved, coord.home);
    FaultInjector faults;
    if (GetParam() == FaultMode::kFail) faults.Fail(FaultOp::kAny, n);
    if (GetParam() == FaultMode::kCrash) faults.Crash(FaultOp::kAny, n);
    IngestCounts first;
    (void)WithFaults(faults, coord.home, [&](Node& node) {
      WAYPOST_ASSIGN_OR_RETURN(first, node.IngestAll(batch));
      return Status::Ok();
    });
    auto node = Node::Open(coord.home, Passphrase(), clock_, random_);
    ASSERT_OK(node);
    const size_t kept = (*node)->Inbox().value().size();
    EXPECT_LE(kept, first.accepted);  // nothing counted as taken in is missing ...
    ASSERT_OK_AND_ASSIGN(const IngestCounts again, (*node)->IngestAll(batch));
    EXPECT_EQ(again.accepted + again.duplicate, batch.size());
    EXPECT_EQ(again.duplicate, kept);  // ... and what is there is there once
    EXPECT_EQ((*node)->Inbox().value().size(), batch.size());
    if (!faults.hit()) {
      EXPECT_EQ(first.accepted, batch.size());
      EXPECT_GT(n, 1);
      return;
    }
    ASSERT_LT(n, 500);
  }
}

// A bundle is taken in whole or not at all, carried envelopes included
// (docs/protocol.md §8): whatever a fault left, importing it again with a
// working disk ends with each check-in there once and the stranger's
// envelope carried once.
TEST_P(NodeFaultTest, ABundleIsNeverHalfImported) {
  Peer coord("base", Role::kCoordinator, clock_, 1);
  Peer alice("alice", Role::kHelper, clock_, 2);
  Enroll(coord, alice);
  ASSERT_OK(alice->CheckIn("crossed", "one", ""));
  ASSERT_OK(alice->CheckIn("delayed", "two", ""));
  ASSERT_OK_AND_ASSIGN(std::vector<Bytes> bundle, alice->ExportEnvelopes("", std::nullopt));
  bundle.push_back(testing::FakeEnvelope({}, uint32_t(clock_.Now() + kDay), 77));  // a stranger's
  coord.node.reset();
  const std::string saved = coord.dir.File("saved");
  CopyDir(coord.home, saved);

  ForEachFault(
      GetParam(), [&] { CopyDir(saved, coord.home); },
      [&](FaultInjector& faults) {
        return WithFaults(faults, coord.home,
                          [&](Node& node) { return node.TakeIn(bundle, true).status(); });
      },
      [&](const Status& first, const FaultInjector&) {
        auto node = Node::Open(coord.home, Passphrase(), clock_, random_);
        ASSERT_OK(node);
        const size_t kept = (*node)->Inbox().value().size();
        // Everything in the outbox, less our own to alice (the receipts).
        ASSERT_OK_AND_ASSIGN(const std::vector<Bytes> all,
                             (*node)->ExportEnvelopes("", std::nullopt));
        ASSERT_OK_AND_ASSIGN(const std::vector<Bytes> own,
                             (*node)->ExportEnvelopes("alice", std::nullopt));
        const size_t carried = all.size() - own.size();
        EXPECT_TRUE((kept == 0 && carried == 0) || (kept == 2 && carried == 1))
            << kept << " check-ins and " << carried << " carried: half an import";
        if (first.ok()) {
          EXPECT_EQ(kept, 2u);
        }
        ASSERT_OK_AND_ASSIGN(const Node::TakeInReport again, (*node)->TakeIn(bundle, true));
        EXPECT_EQ(again.counts.accepted + again.counts.duplicate, 2u);
        EXPECT_EQ(again.carried + again.already_carried, 1u);
        EXPECT_EQ((*node)->Inbox().value().size(), 2u);
      });
}

// Opening the store writes too (chain keys that aged, the decoy's refresh):
// a fault there never costs the store or the decoy.
TEST_P(NodeFaultTest, OpeningNeverCostsTheStore) {
  Peer coord("base", Role::kCoordinator, clock_, 1);
  Peer alice("alice", Role::kHelper, clock_, 2);
  Enroll(coord, alice);
  ASSERT_OK(alice->CheckIn("crossed", "kept", ""));
  ASSERT_OK(alice->SetDuressPassphrase(Passphrase(), Duress()));
  alice.node.reset();
  clock_.Advance(20 * kDay);  // the chain keys have aged out of the window
  const std::string saved = alice.dir.File("saved");
  CopyDir(alice.home, saved);
  ForEachFault(
      GetParam(), [&] { CopyDir(saved, alice.home); },
      [&](FaultInjector& faults) {
        return WithFaults(faults, alice.home, [](Node&) { return Status::Ok(); });
      },
      [&](const Status&, const FaultInjector&) {
        auto node = Node::Open(alice.home, Passphrase(), clock_, random_);
        ASSERT_OK(node);
        ASSERT_OK_AND_ASSIGN(std::vector<MessageInfo> inbox, (*node)->Inbox());
        EXPECT_EQ(inbox.size(), 1u);
        node->reset();
        EXPECT_OK(Node::Open(alice.home, Duress(), clock_, random_)) << "the decoy is lost";
      });
}

INSTANTIATE_TEST_SUITE_P(Modes, NodeFaultTest,
                         ::testing::Values(FaultMode::kFail, FaultMode::kCrash),
                         [](const auto& info) { return testing::FaultModeName(info.param); });

}  // namespace
}  // namespace waypost::node
