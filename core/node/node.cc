// The Node's lifecycle and its one way to change the store (node.h).
#include "core/node/node.h"

#include <set>
#include <string>
#include <utility>

#include "core/node/decoy_writer.h"
#include "core/node/internal/schema.h"
#include "core/store/home.h"

namespace waypost::node {
namespace {

// The tables WriteDecoy reads (docs/storage.md §3). A change to any other
// table shows nowhere in the decoy.
bool DecoyMirrors(const std::set<std::string>& tables) {
  for (const char* mirrored : {"meta", "relays", "settings", "contacts", "seen", "codebooks",
                               "codes", "schedules", "teams"}) {
    if (tables.count(mirrored) != 0) return true;
  }
  return false;
}

// After some I/O errors SQLite rolls back the whole transaction by itself.
Status RolledBack() {
  return Status::IoError("a write to the store failed, and nothing of this change was saved");
}

}  // namespace

Node::Node(store::Database db, std::string home, const Clock& clock, Random& random)
    : db_(std::move(db)), home_(std::move(home)), clock_(clock), random_(random) {}

Result<std::unique_ptr<Node>> Node::Create(const std::string& home, const Secret& passphrase,
                                           store::KdfProfile profile, std::string_view name,
                                           Role role, const Clock& clock, Random& random,
                                           Env& env) {
  WAYPOST_RETURN_IF_ERROR(CheckName(name));
  std::unique_ptr<Node> node;
  // Both databases are filled before the key file is written: a store is
  // whole or absent (store::CreateStore).
  WAYPOST_RETURN_IF_ERROR(store::CreateStore(
      home, passphrase, profile, random,
      [&](store::CreatedStore& created) -> Status {
        node.reset(new Node(std::move(created.main), home, clock, random));
        node->decoy_db_.emplace(std::move(created.decoy));
        return node->Fill(name, role, std::move(created.decoy_key), created.main_slot);
      },
      env));
  return node;
}

// A new identity in a new store. The decoy is written too, filled alike
// whether or not a duress passphrase is ever set: its presence says nothing.
Status Node::Fill(std::string_view name, Role role, Secret decoy_key, int main_slot) {
  WAYPOST_RETURN_IF_ERROR(internal::MigrateSchema(db_));
  return Mutate(
      [&]() -> Status {
        WAYPOST_ASSIGN_OR_RETURN(identity_, Identity::Create(db_, name, role, random_));
        WAYPOST_ASSIGN_OR_RETURN(duress_,
                                 DuressState::Create(db_, std::move(decoy_key), main_slot));
        WAYPOST_ASSIGN_OR_RETURN(settings_, settings_table_.Load());
        return Status::Ok();
      },
      DecoyRefresh::kAlways);
}

Result<std::unique_ptr<Node>> Node::Open(const std::string& home, const Secret& passphrase,
                                         const Clock& clock, Random& random) {
  WAYPOST_ASSIGN_OR_RETURN(store::OpenedStore opened, store::OpenStore(home, passphrase));
  std::unique_ptr<Node> node(new Node(std::move(opened.db), home, clock, random));
  WAYPOST_RETURN_IF_ERROR(node->Load(opened.slot, std::move(opened.key)));
  const UnixTime now = clock.Now();
  WAYPOST_RETURN_IF_ERROR(node->duress_.is_decoy() ? node->OpenDecoy(now) : node->OpenMain(now));
  return node;
}

Status Node::Load(int slot, Secret own_key) {
  WAYPOST_RETURN_IF_ERROR(internal::MigrateSchema(db_));
  WAYPOST_ASSIGN_OR_RETURN(identity_, Identity::Load(db_));
  WAYPOST_ASSIGN_OR_RETURN(settings_, settings_table_.Load());
  WAYPOST_ASSIGN_OR_RETURN(duress_, DuressState::Load(db_, slot, std::move(own_key)));
  return Status::Ok();
}

Status Node::Reload() {
  WAYPOST_ASSIGN_OR_RETURN(identity_, Identity::Load(db_));
  WAYPOST_ASSIGN_OR_RETURN(settings_, settings_table_.Load());
  return duress_.Reload(db_);
}

// The decoy says whether it was opened since we last looked; a decoy that is
// gone or replaced means a captor or an examiner was here (docs/storage.md
// §3). Either way the duress state is entered, durably, before the mark is
// cleared or a fresh decoy is put under the same key, so the duress
// passphrase keeps working.
Status Node::OpenMain(UnixTime now) {
  Result<store::Database> decoy = store::OpenDatabaseWithKey(home_, duress_.decoy_key());
  // Busy (another waypost has it open): look again next time.
  const bool busy = !decoy.ok() && decoy.status().code() == Status::Code::kIoError;
  std::optional<int64_t> used;
  if (decoy.ok()) {
    WAYPOST_ASSIGN_OR_RETURN(used, DuressState::UsedAt(*decoy));
  } else if (!busy) {
    used = now;
  }
  if (used) {
    WAYPOST_RETURN_IF_ERROR(
        Mutate([&] { return duress_.Enter(db_, *used); }, DecoyRefresh::kAfterRepair));
    if (decoy.ok()) {
      WAYPOST_RETURN_IF_ERROR(DuressState::ClearUsed(*decoy));
    } else {
      decoy = store::RecreateOtherDatabase(home_, duress_.own_key(), duress_.decoy_key());
      WAYPOST_RETURN_IF_ERROR(decoy.status());
    }
  }
  // Kept open for the refreshes: an unlock opens the decoy once, as a
  // decoy's unlock opens its own file a second time (OpenDecoy).
  if (decoy.ok()) decoy_db_.emplace(std::move(decoy).value());
  return Mutate([&] { return AgeOut(); }, DecoyRefresh::kAlways);
}

Status Node::OpenDecoy(UnixTime now) {
  WAYPOST_RETURN_IF_ERROR(Mutate([&] { return duress_.MarkUsed(db_, now); }));
  // The reads a main store's OpenMain does, so that both unlocks cost about
  // the same: open the file a second time by key and look.
  Result<store::Database> again = store::OpenDatabaseWithKey(home_, duress_.own_key());
  if (again.ok()) WAYPOST_RETURN_IF_ERROR(DuressState::UsedAt(*again).status());
  return Mutate([&] { return AgeOut(); });
}

Status Node::Mutate(const std::function<Status()>& change, DecoyRefresh refresh, bool* committed) {
  if (committed != nullptr) *committed = false;
  if (depth_ > 0) return MutateNested(change);
  (void)db_.TakeWrittenTables();
  ++depth_;
  Status status = [&]() -> Status {
    WAYPOST_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db_));
    WAYPOST_RETURN_IF_ERROR(change());
    if (!db_.InTransaction()) return RolledBack();  // a nested change's write failed
    return tx.Commit();
  }();
  --depth_;
  if (!status.ok()) {
    (void)Reload();
    return status;
  }
  if (committed != nullptr) *committed = true;
  const bool visible = DecoyMirrors(db_.TakeWrittenTables());
  if (refresh == DecoyRefresh::kAlways || (refresh == DecoyRefresh::kIfVisible && visible)) {
    return RefreshDecoy();
  }
  return Status::Ok();
}

Status Node::MutateNested(const std::function<Status()>& change) {
  // After some I/O errors SQLite rolls back the whole transaction by itself.
  // Then nothing of the outer change can be saved any more, and this one
  // must not quietly become a transaction of its own.
  if (!db_.InTransaction()) return RolledBack();
  WAYPOST_ASSIGN_OR_RETURN(store::Savepoint savepoint, store::Savepoint::Begin(db_));
  ++depth_;
  Status status = change();
  --depth_;
  if (status.ok()) return savepoint.Release();
  { store::Savepoint undo = std::move(savepoint); }  // rolls back to it
  (void)Reload();
  return status;
}

// The only caller is Mutate: a change a captor could see reaches the decoy
// without anyone having to remember it.
Status Node::RefreshDecoy() {
  if (duress_.is_decoy()) return Status::Ok();
  if (!decoy_db_) {
    Result<store::Database> decoy = store::OpenDatabaseWithKey(home_, duress_.decoy_key());
    // Busy (another waypost has it open): every open of the main store
    // refreshes it, so nothing is lost by waiting.
    if (!decoy.ok() && decoy.status().code() == Status::Code::kIoError) return Status::Ok();
    WAYPOST_RETURN_IF_ERROR(decoy.status());
    decoy_db_.emplace(std::move(decoy).value());
  }
  const DecoySource main{db_,       identity_, duress_,    relays_, settings_table_,
                         contacts_, codebook_, schedules_, teams_};
  return WriteDecoy(main, *decoy_db_, clock_.Now());
}

}  // namespace waypost::node
