#include "core/node/decoy_writer.h"

#include <algorithm>
#include <vector>

#include "core/envelope/keys.h"
#include "core/node/internal/schema.h"

namespace waypost::node {
namespace {

// The coordinators, and nobody else. A contact the main store no longer has
// as a coordinator leaves the decoy with whatever the decoy said to it.
Status MirrorCoordinators(ContactBook& main, ContactBook& decoy, UnixTime now) {
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Contact> coordinators, main.WithRole(Role::kCoordinator));
  WAYPOST_ASSIGN_OR_RETURN(auto held, decoy.Keys());
  for (const auto& [id, key] : held) {
    const PublicKey& held_key = key;  // a lambda may not capture a binding (clang 14)
    const bool kept = std::any_of(coordinators.begin(), coordinators.end(),
                                  [&](const Contact& c) { return c.public_key == held_key; });
    if (!kept) WAYPOST_RETURN_IF_ERROR(decoy.Remove(id));
  }
  // Each with the pair's duress chain as its only chain, at the epoch the
  // main store holds it: the decoy can open nothing the pair's chain
  // sealed, past or future, and what it sends is duress by construction
  // (docs/protocol.md §4.3).
  for (const Contact& c : coordinators) WAYPOST_RETURN_IF_ERROR(decoy.Mirror(c, now));
  return Status::Ok();
}

}  // namespace

Status WriteDecoy(const DecoySource& main, store::Database& decoy, UnixTime now) {
  WAYPOST_RETURN_IF_ERROR(internal::MigrateSchema(decoy));
  WAYPOST_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(decoy));
  // The same identity: the coordinators must know whom the flag is about.
  WAYPOST_RETURN_IF_ERROR(main.identity.CopyTo(decoy));
  WAYPOST_ASSIGN_OR_RETURN(std::optional<int64_t> duress_slot, main.duress.DuressSlot(main.db));
  WAYPOST_RETURN_IF_ERROR(main.duress.DescribeTo(decoy, duress_slot));

  RelayList relays(decoy);
  WAYPOST_ASSIGN_OR_RETURN(std::vector<RelayList::Row> relay_rows, main.relays.Rows());
  WAYPOST_RETURN_IF_ERROR(relays.ReplaceWith(relay_rows));
  SettingsTable settings(decoy);
  WAYPOST_ASSIGN_OR_RETURN(std::vector<SettingsTable::Row> setting_rows, main.settings.Rows());
  WAYPOST_RETURN_IF_ERROR(settings.ReplaceWith(setting_rows));
  ContactBook contacts(decoy);
  WAYPOST_RETURN_IF_ERROR(MirrorCoordinators(main.contacts, contacts, now));
  // The codes a helper checks in with, and a coordinator's own: a captor
  // holding the decoy sees the same codebook, and a check-in from it means
  // what its code means.
  Codebook codebook(decoy);
  WAYPOST_ASSIGN_OR_RETURN(Codebook::Tables codebook_rows, main.codebook.AllRows());
  WAYPOST_RETURN_IF_ERROR(codebook.ReplaceWith(codebook_rows));
  // What each coordinator expects, so `status` shows the same next due
  // time; never a coordinator's schedules for its helpers, whom the decoy
  // does not know.
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Contact> coordinators,
                           main.contacts.WithRole(Role::kCoordinator));
  WAYPOST_ASSIGN_OR_RETURN(std::vector<ScheduleBook::Row> schedule_rows, main.schedules.Rows());
  std::erase_if(schedule_rows, [&](const ScheduleBook::Row& row) {
    return std::none_of(coordinators.begin(), coordinators.end(), [&](const Contact& c) {
      const ByteView key = c.public_key.view();
      const Bytes& held = std::get<0>(row);
      return std::equal(key.begin(), key.end(), held.begin(), held.end());
    });
  });
  ScheduleBook schedules(decoy);
  WAYPOST_RETURN_IF_ERROR(schedules.ReplaceWith(schedule_rows));
  // The same admission key and roster: a captor's syncs look like the
  // owner's to a relay (docs/protocol.md §11.3); never a signing key.
  TeamBook teams(decoy);
  WAYPOST_RETURN_IF_ERROR(main.teams.MirrorTo(teams));
  return tx.Commit();
}

}  // namespace waypost::node
