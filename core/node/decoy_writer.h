// The decoy's contents (docs/storage.md §3): what a captor holding the
// duress passphrase may see, and nothing more. The main store writes it
// after every change a captor could see (Node::Mutate), and at every open.
#pragma once

#include "core/clock.h"
#include "core/node/codebook.h"
#include "core/node/contact_book.h"
#include "core/node/duress_state.h"
#include "core/node/identity.h"
#include "core/node/relay_list.h"
#include "core/node/schedule_book.h"
#include "core/node/settings_table.h"
#include "core/node/team_book.h"
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
  ContactBook& contacts;
  Codebook& codebook;
  ScheduleBook& schedules;
  TeamBook& teams;
};

// Makes `decoy` hold the same identity, relays, settings and codebooks as
// the main store, the schedules its coordinators set, and its coordinators, each with the pair's
// duress chain as its only chain key (never the pair's chain: the decoy can open nothing sealed
// under it, and can seal nothing a coordinator takes for a normal check-in or the main store for a
// coordinator's); no messages, no other contacts, no invites, no record of what the main store has
// seen. Writes only what differs, in one transaction, so that opening the main store and reading
// changes no byte of either file (SECURITY.md, "Coercion").
Status WriteDecoy(const DecoySource& main, store::Database& decoy, UnixTime now);

}  // namespace waypost::node
