// Enrollment (docs/protocol.md §5): a coordinator's invite, the joiner's
// join request, and the welcome that answers it.
//
// Lifetime: borrows everything it is built from. Not thread-safe. Callers
// run each call inside one transaction (Node::Mutate).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/clock.h"
#include "core/node/alert_book.h"
#include "core/node/approvals.h"
#include "core/node/codebook.h"
#include "core/node/contact_book.h"
#include "core/node/courier.h"
#include "core/node/identity.h"
#include "core/node/invite_book.h"
#include "core/node/message_log.h"
#include "core/node/outbox.h"
#include "core/node/records.h"
#include "core/node/relay_list.h"
#include "core/node/team_book.h"
#include "core/node/team_news.h"
#include "core/random.h"
#include "core/status.h"
#include "core/store/database.h"
#include "proto/waypost.pb.h"

namespace waypost::node {

struct EnrollmentParts {
  store::Database& db;
  Identity& identity;
  RelayList& relays;
  ContactBook& contacts;
  InviteBook& invites;
  MessageLog& messages;
  AlertBook& alerts;
  Codebook& codebook;
  Outbox& outbox;
  Courier& courier;
  TeamBook& teams;
  TeamNews& news;
  Approvals& approvals;
  const Clock& clock;
  Random& random;
};

// What joining did (Enrollment::Join).
struct Joined {
  std::string inviter;  // the coordinator's name, as this node files it
  UnixTime invite_expires_at = 0;
  // It replaced a sign-up with the same coordinator that was never answered;
  // `failed` messages sent under that one can never be read.
  bool replaced = false;
  size_t failed = 0;
  bool coordinator = false;  // a coordinator invite: this node coordinates the team too
};

class Enrollment {
 public:
  static constexpr int64_t kMaxInviteSeconds = 30 * 86400;

  explicit Enrollment(const EnrollmentParts& parts) : p_(parts) {}

  // A one-time invite code valid for `ttl_seconds`, carrying this node's
  // relays. InvalidArgument without a relay or with a ttl over 30 days.
  // `coordinator` (docs/protocol.md §12.1): the joiner becomes another
  // coordinator of this node's team; InvalidArgument unless this node is a
  // coordinator whose team can still add one on its own signature.
  Result<std::string> CreateInvite(std::string_view for_name, int64_t ttl_seconds,
                                   bool coordinator = false);
  // Accepts an invite: the inviter becomes a pending coordinator contact,
  // its relays are saved, this node becomes a helper, and a join request is
  // queued. AlreadyExists, naming them, when this node already has a
  // coordinator, unless `another_coordinator`: every check-in would go to
  // the new one too. A coordinator invite (§12.1) is joined by a
  // coordinator with no contacts yet, which stays a coordinator and joins
  // the inviter's team with a roster-signing key of its own. A new invite from a coordinator whose
  // sign-up is still pending replaces that sign-up (docs/protocol.md §5.3): the old join request is
  // withdrawn if still queued, and what was sent under it fails.
  Result<Joined> Join(std::string_view code, bool another_coordinator);
  // A join request that `invite`'s secret opens: the joiner becomes a helper
  // contact (a coordinator, for a coordinator invite: it joins the roster
  // and is introduced to every helper, §12.2), the invite is marked used,
  // and a welcome is queued. A joiner
  // already known joins again (§5.3): its keys are renewed, unless this
  // join request is older than the one that set them. If the
  // invite was already used by someone else, nobody is enrolled and an
  // alert names both (docs/protocol.md §5.2): someone else may hold the
  // invite. AuthFailed if it does not open or is malformed.
  Result<IngestOutcome> TakeJoin(ByteView envelope, const LiveInvite& invite);

  // After the roster held changed (docs/protocol.md §12.6): each candidate
  // coordinator the roster now lists is welcomed and introduced to the
  // helpers and the other coordinators (Approvals::Settle); a candidate
  // still waiting is proposed again on a roster that moved on.
  Status FinishCoordinators();

 private:
  Status CheckNotAVerifiedName(std::string_view name, const PublicKey& key);
  Result<bool> RefuseNewKeyForVerified(std::string_view name, const PublicKey& joiner);
  // Returns the join request's content id.
  Result<Bytes> QueueJoinRequest(ContactId inviter, ByteView inviter_key,
                                 const Secret& invite_secret, int64_t expires_at,
                                 const Secret& chain_seed,
                                 const std::optional<team::RingPoint>& ring_key,
                                 const team::TeamId* coordinator_of);
  // Keeps the invite's team ticket; returns this node's admission key for
  // that team, nullopt for an invite that names no team.
  Result<std::optional<team::RingPoint>> JoinTeam(const pb::Invite& invite,
                                                  const Secret& invite_secret);
  // A coordinator invite's joiner: this node must be a coordinator with no
  // contact but `inviter` (a sign-up being replaced) and no team of its own.
  Status CheckFreeToCoordinate(const std::optional<Contact>& inviter);
  // The coordinator half of TakeJoin: the joiner's signing key, vouching
  // for its static key, joins the roster (§12.1).
  Status TakeCoordinator(ContactId id, const PublicKey& joiner, const pb::JoinRequest& join);
  // Withdraws a pending sign-up that a new invite replaces: its join request
  // leaves the outbox, and what was sent under it fails. Returns how many.
  Result<size_t> WithdrawSignUp(const Contact& pending);
  Status Welcome(ContactId id);
  Status WelcomeCoordinator(ContactId id);
  Status CheckNoOtherCoordinator(const std::string& inviter_name);
  Status AlertReuse(ContactId first, const PublicKey& second, std::string_view second_name);

  EnrollmentParts p_;
};

}  // namespace waypost::node
