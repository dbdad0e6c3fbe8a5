// Approvals: a coordinator added to a team that has had two needs a second
// coordinator's signature on the roster that adds it (docs/protocol.md
// §12.6, the roster rules in core/team/team_state.h).
//
//   inviter                                  another coordinator
//   TakeJoin: candidate pending,
//   roster + candidate, signed once  --PROPOSED-->  kept; alert "approval"
//                                                   `approve NAME`: signs it;
//                                                   keeps it if it follows
//                                    <--APPROVED--  its roster
//   keeps it if it follows its own;
//   the roster lists the candidate:
//   welcome and introductions (Settle)
//
// Either side's roster may have moved on meanwhile. The approver then
// answers with its own newest roster instead; the inviter takes it if it
// follows, and proposes again on whatever it holds whenever that changes.
// An approval is for a candidate's signing key, not for one roster: a
// proposal that adds the same candidate again is signed at once.
//
// The approver signs only a roster whose coordinators are exactly those it
// holds plus the candidate, and keeps the result only if it follows its
// own (team::VerifySuccessor): its signature never removes anyone or adds
// anyone it was not asked about.
//
// Lifetime: borrows everything it is built from. Not thread-safe; callers
// run each call inside one transaction (Node::Mutate).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "core/clock.h"
#include "core/node/alert_book.h"
#include "core/node/contact_book.h"
#include "core/node/courier.h"
#include "core/node/identity.h"
#include "core/node/team_book.h"
#include "core/status.h"
#include "core/store/database.h"
#include "core/team/ring_signature.h"

namespace waypost::pb {
class TeamNote;
}  // namespace waypost::pb

namespace waypost::node {

struct ApprovalsParts {
  store::Database& db;
  const Identity& identity;
  ContactBook& contacts;
  AlertBook& alerts;
  TeamBook& teams;
  Courier& courier;
  const Clock& clock;
};

// A candidate another coordinator asked this one to approve.
struct PendingApproval {
  std::string name;         // as the proposer gave it
  std::string fingerprint;  // of its static key: compare it in person
  std::string proposer;     // the coordinator who invited it
  UnixTime received_at = 0;
  bool approved = false;
};

class Approvals {
 public:
  explicit Approvals(const ApprovalsParts& parts) : p_(parts) {}

  // Inviter: `candidate` (a pending coordinator contact, its signing key
  // and binding checked) with admission key `point` waits for another
  // coordinator's signature. The proposal goes to every other active
  // coordinator.
  Status Propose(const Contact& candidate, const team::RingPoint& point);

  // A PROPOSED note from the coordinator `from`: kept, and an alert raised
  // once per candidate, unless this node already approved the candidate,
  // which signs it at once. AuthFailed if it is malformed, or `from` or this
  // node is not a coordinator.
  Status TakeProposal(const Contact& from, const pb::TeamNote& note);
  // An APPROVED note: the roster it carries is taken if it follows ours.
  // Settle then finishes or proposes again.
  Status TakeApproval(const Contact& from, const pb::TeamNote& note);

  // `approve NAME`: this node's signature for the candidate named; the
  // alert is acknowledged. NotFound if no candidate of that name waits.
  Result<PendingApproval> Approve(std::string_view name);
  // Candidates other coordinators asked this one to approve, not yet done.
  Result<std::vector<PendingApproval>> Pending();

  // A candidate cut off (revoked here, or by another coordinator): its
  // proposal or approval is dropped, and an alert asking for it is
  // acknowledged.
  Status Forget(ByteView static_key);

  // After the roster held changed. Every candidate it lists is done: on the
  // approver, its alert is acknowledged (the approval itself is kept until
  // the candidate is introduced); on the inviter, its contact id is
  // returned (with its admission key) to be welcomed. An inviter's
  // candidate not listed yet is proposed again if the roster held moved on
  // since the last proposal.
  Result<std::vector<std::pair<ContactId, team::RingPoint>>> Settle();

 private:
  struct Row;
  Result<std::vector<Row>> Rows(std::string_view where, ByteView key = {});
  // Signs the stored proposal (approver), keeps it if it follows, and
  // answers the proposer.
  Status Answer(const Row& row);
  Status Keep(const Row& row);
  Status Drop(ByteView static_key);
  Status SendProposal(const Row& row, ByteView roster);
  Status Acknowledge(const Row& done, std::string_view note);

  ApprovalsParts p_;
};

}  // namespace waypost::node
