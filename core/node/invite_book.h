// InviteBook: the `invites` table (docs/storage.md §5): invites this node
// handed out and that no join request has spent yet. Each holds the invite's
// secret, from which the join tag and the join PSK derive (docs/protocol.md
// §5.1).
//
// Lifetime: borrows the Database. Not thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/clock.h"
#include "core/node/records.h"
#include "core/secret.h"
#include "core/status.h"
#include "core/store/database.h"

namespace waypost::node {

struct LiveInvite {
  Bytes id;                          // 16 random bytes; never leaves this node
  Secret secret;                     // the join PSK
  std::optional<ContactId> used_by;  // the contact that joined with it
  bool coordinator = false;          // `invite --coordinator` (docs/protocol.md §12.1)
  UnixTime expires_at = 0;
};

class InviteBook {
 public:
  static constexpr size_t kIdSize = 16;

  explicit InviteBook(store::Database& db) : db_(&db) {}

  Status Add(ByteView id, const Secret& secret, std::string_view for_name, UnixTime now,
             UnixTime expires_at, bool coordinator = false);
  // Invites not yet expired at `now`, used or not: a used one is kept until
  // it expires, so that a second join under it is noticed.
  Result<std::vector<LiveInvite>> Live(UnixTime now);
  // The name the new member is to be filed under ("" for the name it chose),
  // or nullopt if the invite is gone.
  Result<std::optional<std::string>> ForName(ByteView id);
  // Used by a join request from `contact`.
  Status MarkUsed(ByteView id, ContactId contact);
  Status PurgeExpired(UnixTime now);

 private:
  store::Database* db_;
};

}  // namespace waypost::node
