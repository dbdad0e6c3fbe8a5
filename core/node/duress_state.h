// DuressState: which of the home's two databases this is and, for the main
// store, whether the device is under duress (docs/storage.md §3, SECURITY.md
// "Coercion"). Kept in the `meta` table:
//
//   mode            "decoy" in a decoy; absent in a main store
//   decoy_key       main: the decoy's database key
//   duress_since    main: the duress state, until a coordinator's ack
//   duress_slot     both: the key-file slot that opens the decoy
//   duress_used_at  decoy: opened since the main store last looked
//   protected_slot  decoy: the main store's slot, which it never touches
//   extra_slot      decoy: a slot its own `duress set` wrote
//
// While under duress, and always in a decoy, every body sent carries
// kFlagDuress (docs/protocol.md §4.3). Holds key material; move-only.
#pragma once

#include <optional>
#include <vector>

#include "core/clock.h"
#include "core/random.h"
#include "core/secret.h"
#include "core/status.h"
#include "core/store/database.h"

namespace waypost::node {

class DuressState {
 public:
  DuressState() = default;  // nothing known yet; assign from Create() or Load()
  // A new main store, opened by key-file slot `slot`: remembers the decoy's
  // key in `db`.
  static Result<DuressState> Create(store::Database& db, Secret decoy_key, int slot);
  // `slot` opened the store with `own_key`. Corrupt if the decoy key is damaged.
  static Result<DuressState> Load(store::Database& db, int slot, Secret own_key);

  // Reads the duress state again, after a change to it was rolled back.
  Status Reload(store::Database& db);

  bool is_decoy() const { return decoy_; }
  // Whether what is sent now carries the duress flag.
  bool flagged() const { return decoy_ || since_.has_value(); }
  int slot() const { return slot_; }
  const Secret& own_key() const { return own_key_; }
  const Secret& decoy_key() const { return decoy_key_; }  // main store only

  // Main store: the first episode stands until a coordinator's ack ends it.
  Status Enter(store::Database& db, UnixTime since);
  Status End(store::Database& db);

  // Decoy: records the first unlock since the main store last looked.
  Status MarkUsed(store::Database& db, UnixTime now);
  // The mark a decoy carries, read (and then cleared) by the main store.
  static Result<std::optional<int64_t>> UsedAt(store::Database& decoy);
  static Status ClearUsed(store::Database& decoy);

  // What the decoy must know of the slots: that it is a decoy, the main
  // store's slot, and which slot opens it; written only where it differs.
  Status DescribeTo(store::Database& decoy, std::optional<int64_t> duress_slot) const;
  Result<std::optional<int64_t>> DuressSlot(store::Database& db) const;

  // `duress set` (docs/storage.md §3): the slot that the new passphrase is to
  // wrap, and the record of it once written.
  Result<int> SlotForNewPassphrase(store::Database& db, Random& random) const;
  Status RecordNewPassphraseSlot(store::Database& db, int slot) const;

 private:
  bool decoy_ = false;
  int slot_ = -1;     // the key-file slot that opened it
  Secret own_key_;    // its database key
  Secret decoy_key_;  // main store only
  std::optional<UnixTime> since_;
};

}  // namespace waypost::node
