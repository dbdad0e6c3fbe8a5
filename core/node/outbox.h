// Outbox: the `outbox` table (docs/storage.md §5): sealed envelopes waiting
// for a relay, and those a relay took but whose recipient has not yet sent a
// receipt. Receipts, welcomes, join requests and acks need no receipt of
// their own: they leave the outbox once a relay took them. `outbox_acks`
// remembers which relay acknowledged which envelope, so each relay gets
// every envelope it has not acknowledged, whatever the others did.
//
// Carried envelopes (docs/protocol.md §9) are others': a bundle or text
// brought them and this node cannot open them. They travel on like receipts
// (gone once a relay took them, or at their expiry) within a quota, and are
// never linked to a contact or a message.
//
// Lifetime: borrows the Database. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
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

  // One of our own envelopes.
  struct Entry {
    ByteView id;  // content id
    ByteView envelope;
    UnixTime expires_at = 0;
    Keep keep = Keep::kUntilReceipt;
    std::optional<int64_t> contact;  // the recipient's ContactId, if a contact
    UnixTime created_at = 0;
    ByteView reply_to = {};  // a receipt: Receipt.of, the id prefix it answers
  };
  Status Add(const Entry& entry);

  // The most carried envelopes, and carried bytes, one node keeps.
  static constexpr size_t kCarryMaxEnvelopes = 10'000;
  static constexpr size_t kCarryMaxBytes = size_t{32} << 20;
  enum class Carry { kCarried, kQuotaFull };
  // What is carried now: read once per batch, then kept up to date by
  // AddCarried, so a batch costs one count, not one per envelope.
  struct Carrying {
    size_t envelopes = 0;
    size_t bytes = 0;
  };
  Result<Carrying> CountCarrying();
  // Keeps someone else's envelope, not yet in the outbox (Holding), to
  // pass on. kQuotaFull (and nothing kept) if `carrying` would pass a
  // quota. `carrying` grows by what is kept.
  Result<Carry> AddCarried(ByteView id, ByteView envelope, UnixTime expires_at, UnixTime now,
                           Carrying& carrying);

  // What `bundle export` takes from the outbox: everything not expired at
  // `now`, or, with `contact`, only our own to that contact (nothing
  // carried); with `since`, only what was queued (or carried) at or after
  // it. Oldest first.
  Result<std::vector<Bytes>> ForExport(UnixTime now, std::optional<int64_t> contact,
                                       std::optional<UnixTime> since);
  // The envelope with this content id, if still in the outbox.
  Result<std::optional<Bytes>> Find(ByteView id);
  // The newest of our envelopes that answers the received message whose id
  // starts with `reply_to` (a receipt or a confirmation), if any is left.
  Result<std::optional<Bytes>> FindReplyTo(ByteView reply_to);
  // Whether the outbox holds the envelope with this content id, and as
  // what: one of our own, or one carried for others.
  enum class Held { kNo, kOwn, kCarried };
  Result<Held> Holding(ByteView id);
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
  // Every envelope for contact `contact` leaves: a revoked contact is sent
  // nothing more (docs/protocol.md §11.6).
  Status RemoveFor(int64_t contact);
  // Retention: drops it only once a relay took it, so it still gets there.
  Status RemoveIfRelayed(ByteView id);
  Status PurgeExpired(UnixTime now);

 private:
  Status DropOrphanAcks();

  store::Database* db_;
};

}  // namespace waypost::node
