// Enrollment (docs/protocol.md §5): a coordinator's invite, the joiner's
// join request, and the welcome that answers it.
//
// Lifetime: borrows everything it is built from. Not thread-safe. Callers
// run each call inside one transaction (Node::Mutate).
#pragma once

#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/clock.h"
#include "core/node/contact_book.h"
#include "core/node/courier.h"
#include "core/node/identity.h"
#include "core/node/invite_book.h"
#include "core/node/outbox.h"
#include "core/node/records.h"
#include "core/node/relay_list.h"
#include "core/random.h"
#include "core/status.h"
#include "core/store/database.h"

namespace waypost::node {

struct EnrollmentParts {
  store::Database& db;
  Identity& identity;
  RelayList& relays;
  ContactBook& contacts;
  InviteBook& invites;
  Outbox& outbox;
  Courier& courier;
  const Clock& clock;
  Random& random;
};

class Enrollment {
 public:
  static constexpr int64_t kMaxInviteSeconds = 30 * 86400;

  explicit Enrollment(const EnrollmentParts& parts) : p_(parts) {}

  // A one-time invite code valid for `ttl_seconds`, carrying this node's
  // relays. InvalidArgument without a relay or with a ttl over 30 days.
  Result<std::string> CreateInvite(std::string_view for_name, int64_t ttl_seconds);
  // Accepts an invite: the inviter becomes a pending coordinator contact,
  // its relays are saved, this node becomes a helper, and a join request is
  // queued. Returns the inviter's name.
  Result<std::string> Join(std::string_view code);
  // A join request that `invite`'s secret opens: the joiner becomes a helper
  // contact, the invite is spent, and a welcome is queued. AuthFailed if it
  // does not open or is malformed; kNotOurs if the invite is already gone.
  Result<IngestOutcome> TakeJoin(ByteView envelope, const LiveInvite& invite);

 private:
  Status QueueJoinRequest(ByteView inviter_key, const Secret& invite_secret, int64_t expires_at,
                          const Secret& chain_seed);

  EnrollmentParts p_;
};

}  // namespace waypost::node
