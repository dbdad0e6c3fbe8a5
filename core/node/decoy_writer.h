// The decoy's contents (docs/storage.md §3): what a captor holding the
// duress passphrase may see, and nothing more. The main store writes it
// after every change a captor could see (Node::Mutate), and at every open.
#pragma once

#include "core/clock.h"
#include "core/node/contact_book.h"
#include "core/node/duress_state.h"
#include "core/node/identity.h"
#include "core/node/relay_list.h"
#include "core/node/replay_cache.h"
#include "core/node/settings_table.h"
#include "core/status.h"
#include "core/store/database.h"

namespace waypost::node {

// The main store's parts that the decoy mirrors.
struct DecoySource {
  store::Database& db;
  const Identity& identity;
  const DuressState& duress;
  RelayList& relays;
  SettingsTable& settings;
  ReplayCache& seen;
  ContactBook& contacts;
};

// Makes `decoy` hold the same identity, relays, settings and seen ids as the
// main store, and its coordinators, with chain keys moved to tomorrow's epoch
// at the earliest, so the decoy cannot open anything a coordinator sealed
// before; no messages, no other contacts, no invites. Writes only what
// differs, in one transaction, so that opening the main store and reading
// changes no byte of either file (SECURITY.md, "Coercion").
Status WriteDecoy(const DecoySource& main, store::Database& decoy, UnixTime now);

}  // namespace waypost::node
