// Outbox: the `outbox` table (docs/storage.md §5): sealed envelopes waiting
// for a relay, and those a relay took but whose recipient has not yet sent a
// receipt. Receipts, welcomes, join requests and acks need no receipt of
// their own: they leave the outbox once a relay took them.
//
// Lifetime: borrows the Database. Not thread-safe.
#pragma once

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
  // Envelopes no relay has taken yet, in no particular order.
  Result<std::vector<Bytes>> Pending();
  // A relay took the envelope with this content id.
  Status MarkRelayed(ByteView id);
  // Drops what a relay took and that needs no receipt.
  Status DropRelayedWithoutReceipt();
  // Delivered: no relay needs it from us any more.
  Status Remove(ByteView id);
  // Retention: drops it only once a relay took it, so it still gets there.
  Status RemoveIfRelayed(ByteView id);
  Status PurgeExpired(UnixTime now);

 private:
  store::Database* db_;
};

}  // namespace waypost::node
