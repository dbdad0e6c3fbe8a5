// Outbox: the `outbox` table (docs/storage.md §5): sealed envelopes waiting
// for a relay, and those a relay took but whose recipient has not yet sent a
// receipt. Receipts, welcomes, join requests and acks need no receipt of
// their own: they leave the outbox once a relay took them. `outbox_acks`
// remembers which relay acknowledged which envelope, so each relay gets
// every envelope it has not acknowledged, whatever the others did.
//
// Lifetime: borrows the Database. Not thread-safe.
#pragma once

#include <cstddef>
#include <set>
#include <vector>

#include "core/bytes.h"
#include "core/clock.h"
#include "core/status.h"
#include "core/store/database.h"

namespace waypost::node {

class Outbox {
 public:
  // Whether the envelope stays after a relay took it, until a receipt.
  enum class Keep { kUntilReceipt, kUntilRelayed };

  explicit Outbox(store::Database& db) : db_(&db) {}

  Status Add(ByteView id, ByteView envelope, UnixTime expires_at, Keep keep);
  // Envelopes no relay has taken yet, oldest first.
  Result<std::vector<Bytes>> Pending();
  // How many that is.
  Result<size_t> CountPending();
  // Envelopes the relay with this public key has not acknowledged, oldest
  // first, skipping the ids in `skip`: at most `max_count`, and at most
  // `max_bytes` in all unless the first alone is larger.
  Result<std::vector<Bytes>> PendingFor(ByteView relay_key, const std::set<Bytes>& skip,
                                        size_t max_count, size_t max_bytes);
  // A relay took the envelope with this content id; `relay_key` (when not
  // empty) names which, so it is not offered to that relay again.
  Status MarkRelayed(ByteView id, ByteView relay_key = {});
  // Drops what a relay took and that needs no receipt.
  Status DropRelayedWithoutReceipt();
  // Delivered: no relay needs it from us any more.
  Status Remove(ByteView id);
  // Retention: drops it only once a relay took it, so it still gets there.
  Status RemoveIfRelayed(ByteView id);
  Status PurgeExpired(UnixTime now);

 private:
  Status DropOrphanAcks();

  store::Database* db_;
};

}  // namespace waypost::node
