// RelayStore: what a relay keeps (docs/storage.md, "Relay").
//
//   envelopes(id         BLOB PRIMARY KEY  -- content id, BLAKE2b-256 of data
//             tag        BLOB              -- the 8-byte recipient tag
//             expires_at INTEGER           -- from the envelope header
//             arrived_at INTEGER           -- relay clock at first receipt
//             data       BLOB)             -- the exact envelope bytes
//   index envelopes_by_tag(tag, expires_at)
//   tag_usage(tag   BLOB PRIMARY KEY      -- a recipient tag, or X'00' for
//             bytes INTEGER)              -- the whole store: envelope bytes held
//
// Quotas: the envelope bytes under one tag, and in the whole store, have a
// ceiling. An upload past either is refused as full (LimitExceeded), politely:
// the sender keeps it and tries again later or elsewhere.
//
// A relay stores ciphertext and only what the header already shows: tag,
// size (implied by data), expiry and arrival. No names, no keys, no
// plaintext, no client addresses.
//
// Lifetime: borrows the Database, which must outlive it. Not thread-safe.
// Every method leaves the table unchanged when it fails.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "core/clock.h"
#include "core/envelope/format.h"
#include "core/status.h"
#include "core/store/database.h"
#include "core/sync/negentropy_wire.h"
#include "core/team/team_state.h"

namespace waypost::sync {

class RelayStore {
 public:
  struct Quotas {
    uint64_t per_tag_bytes = kDefaultTagQuota;
    uint64_t total_bytes = kDefaultStoreQuota;
    uint64_t per_team_bytes = kDefaultTeamQuota;
  };
  // Bytes of envelopes one recipient tag may hold: 16 MiB, some 140,000
  // check-ins, far more than a team sends to one person in a day (tags
  // change daily).
  static constexpr uint64_t kDefaultTagQuota = uint64_t{16} << 20;
  // Bytes of envelopes the whole store may hold.
  static constexpr uint64_t kDefaultStoreQuota = uint64_t{4} << 30;
  // Bytes of envelopes one team may hold: one team cannot crowd out the
  // others a relay serves (docs/protocol.md §11.5).
  static constexpr uint64_t kDefaultTeamQuota = uint64_t{1} << 30;

  // The team an envelope was uploaded for; nullopt for a relay that serves
  // no team list (an open relay).
  using Team = std::optional<team::TeamId>;

  // Which envelopes a session may see: those under the tags a client named,
  // whichever member's team brought them (a tag is known only to its
  // recipient, and a member may carry for another team), or, for a relay it
  // peers with, every envelope of the team (docs/protocol.md §2.5, §11.5).
  struct View {
    View() = default;
    View(std::initializer_list<envelope::RecipientTag> tags) : tags(tags) {}
    View(std::set<envelope::RecipientTag> tags) : tags(std::move(tags)) {}  // NOLINT: implicit
    static View Everything(Team team = std::nullopt) {
      View view;
      view.everything = true;
      view.team = team;
      return view;
    }
    bool Contains(const envelope::RecipientTag& tag) const {
      return everything || tags.count(tag) > 0;
    }
    std::set<envelope::RecipientTag> tags;
    bool everything = false;
    Team team;
  };

  explicit RelayStore(store::Database& db) : db_(&db) {}
  RelayStore(store::Database& db, Quotas quotas) : db_(&db), quotas_(quotas) {}

  // Creates the tables and index if missing, and counts what an older store
  // holds into tag_usage. Call once after opening.
  Status EnsureSchema();

  // Stores one envelope. true: newly stored; false: already held (dedup by
  // content id). Errors that reject only this envelope: Corrupt (not a valid
  // envelope), Expired (expires_at <= now), InvalidArgument (expiry more than
  // 60 days after now), LimitExceeded (a quota is full). IoError when the
  // database fails.
  // `team`: the team the uploading session was admitted for.
  Result<bool> Put(ByteView envelope, UnixTime now, const Team& team = std::nullopt);

  // What became of one envelope of a batch.
  enum class Verdict { kStored, kHeld, kRefused, kFull };

  // Put() for many envelopes in one transaction (one disk sync, not one per
  // envelope). Envelopes that Put() would reject are refused, not fatal; a
  // database failure rolls the whole batch back and is returned. Once this
  // returns, every kStored and kHeld envelope is on disk.
  struct BatchResult {
    uint32_t accepted = 0;          // newly stored
    uint32_t duplicate = 0;         // already held
    uint32_t rejected = 0;          // malformed, expired or expiring too far ahead
    uint32_t full = 0;              // refused because a quota is full
    std::vector<Verdict> verdicts;  // one per envelope, in order
  };
  Result<BatchResult> PutBatch(const std::vector<ByteView>& envelopes, UnixTime now,
                               const Team& team = std::nullopt);

  // The reconciliation records (expiry, content id) of the unexpired
  // envelopes in `view`, only those at or below `at_or_below` when it is
  // given. When there are more than `max_records`, the highest are kept and
  // `cut` is the highest record left out: the next page is the records at
  // or below it (docs/protocol.md §2.4, "Pages"), so paging reaches every
  // record however many sort above it.
  struct Page {
    std::vector<NegItem> items;  // unsorted
    std::optional<NegItem> cut;  // nullopt: nothing was left out
  };
  Result<Page> ScopePage(const View& view, UnixTime now, size_t max_records,
                         const std::optional<NegItem>& at_or_below = std::nullopt);
  // ScopePage's items alone: the first page.
  Result<std::vector<NegItem>> Scope(const View& view, UnixTime now, size_t max_records) {
    WAYPOST_ASSIGN_OR_RETURN(Page page, ScopePage(view, now, max_records));
    return std::move(page.items);
  }

  // Envelopes by content id, for a session that sees `view`.
  struct Found {
    std::vector<Bytes> envelopes;  // in the order asked
    std::vector<Bytes> gone;       // ids not held, expired, or outside `view`
  };
  // Walks `ids` in order. Stops before the envelope that would take the
  // total past `max_bytes` (never before the first); ids after that are in
  // neither list.
  Result<Found> Get(const std::vector<Bytes>& ids, const View& view, UnixTime now,
                    size_t max_bytes);

  // Envelopes newly stored since this RelayStore was made (by any session):
  // a relay's peering notices new arrivals by it.
  uint64_t stored_count() const { return stored_count_; }

  // Envelope bytes held under `tag` (tag_usage); X'00' counts them all,
  // TeamUsageKey(team) those of one team.
  Result<int64_t> UsedBytes(ByteView tag);
  static Bytes TeamUsageKey(const team::TeamId& team);

  // Deletes every envelope with expires_at <= now.
  Status PurgeExpired(UnixTime now);

  // How many envelopes are held, expired or not (for status and tests).
  Result<int64_t> Count();

 private:
  Status AddUsage(ByteView tag, int64_t bytes);

  store::Database* db_;
  uint64_t stored_count_ = 0;
  Quotas quotas_{kDefaultTagQuota, kDefaultStoreQuota};
};

}  // namespace waypost::sync
