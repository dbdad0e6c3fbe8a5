// ReplayCache: the `seen` table (docs/storage.md §5): the content ids of
// envelopes already taken in, or fetched and rejected, kept until each
// envelope expires, so a replay or a second copy changes nothing and a sync
// never fetches them again (docs/protocol.md §6). Each row keeps the
// envelope's recipient tag, so a sync can name the rows under the tags it
// reconciles.
//
// Lifetime: borrows the Database. Not thread-safe.
#pragma once

#include <cstddef>
#include <set>
#include <vector>

#include "core/bytes.h"
#include "core/clock.h"
#include "core/envelope/format.h"
#include "core/status.h"
#include "core/store/database.h"
#include "core/sync/negentropy_wire.h"

namespace waypost::node {

class ReplayCache {
 public:
  explicit ReplayCache(store::Database& db) : db_(&db) {}

  // True for an id taken in or rejected (and not forgotten since).
  Result<bool> Contains(ByteView id);
  // An envelope taken in (or deliberately set aside, never to be opened).
  Status Record(ByteView id, int64_t expires_at, const envelope::RecipientTag& tag);
  // A fetched envelope that could not be taken in: junk, a forgery, or
  // someone else's. It is not fetched again while it lives, unless
  // ForgetRejected runs first. True if it was never rejected before, so the
  // user hears of each one once (docs/protocol.md §6).
  Result<bool> RecordRejected(ByteView id, int64_t expires_at, const envelope::RecipientTag& tag);
  // A new contact may make a rejected envelope readable (a check-in that
  // came before the join request it depends on): every rejection is looked
  // at again, by the next sync, but stays known as rejected before.
  Status ForgetRejected();
  Status PurgeExpired(UnixTime now);
  // (expiry, id) of every row under one of `tags`: what a sync reconciles.
  Result<std::vector<sync::NegItem>> Held(const std::set<envelope::RecipientTag>& tags);

 private:
  store::Database* db_;
};

}  // namespace waypost::node
