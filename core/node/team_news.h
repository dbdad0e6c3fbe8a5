// TeamNews: what keeps a team of several coordinators together
// (docs/protocol.md §12).
//
//   - Introductions (§12.2). When a coordinator welcomes a new coordinator,
//     it introduces the new one to each helper and each helper to the new
//     one, under the pairs it already has, with one fresh chain seed per
//     new pair. A helper takes a coordinator only on a roster it can check:
//     one that follows the roster it holds (team::VerifySuccessor, so once
//     a team has two coordinators no single one can add a third) and lists
//     the new coordinator's signing key, which vouches for its static key.
//   - Notes (§12.4). What one coordinator does about a member (a
//     confirmation, an acknowledgement, a revocation) is told to the
//     others, who show it with who did it.
//   - Coordinators leaving (§12.5). Once no roster a helper holds lists a
//     coordinator's signing key, that coordinator is revoked there.
//
// Helpers are introduced only to coordinators, never to each other: a
// helper's store holds coordinators and nobody else (need-to-know).
//
// Lifetime: borrows everything it is built from. Not thread-safe. Callers
// run each call inside one transaction (Node::Mutate).
#pragma once

#include <vector>

#include "core/bytes.h"
#include "core/clock.h"
#include "core/node/alert_book.h"
#include "core/node/codebook.h"
#include "core/node/contact_book.h"
#include "core/node/courier.h"
#include "core/node/identity.h"
#include "core/node/message_log.h"
#include "core/node/outbox.h"
#include "core/node/schedule_book.h"
#include "core/node/team_book.h"
#include "core/random.h"
#include "core/status.h"

namespace waypost::pb {
class Body;
class Introduction;
class TeamNote;
}  // namespace waypost::pb

namespace waypost::node {

struct TeamNewsParts {
  const Identity& identity;
  ContactBook& contacts;
  MessageLog& messages;
  AlertBook& alerts;
  Outbox& outbox;
  Codebook& codebook;
  ScheduleBook& schedules;
  TeamBook& teams;
  Courier& courier;
  const Clock& clock;
  Random& random;
};

class TeamNews {
 public:
  explicit TeamNews(const TeamNewsParts& parts) : p_(parts) {}

  // `coordinator` (an active contact with its signing key and binding set)
  // was just welcomed into the team: introduces it to every active helper,
  // and every active helper to it, with the helper's admission key and
  // schedule.
  Status IntroduceCoordinator(const Contact& coordinator);
  // `helper` was just enrolled by this coordinator: introduces it to every
  // other active coordinator of the team, and them to it.
  Status IntroduceHelper(const Contact& helper);

  // `coordinator` was just welcomed into a team that has other
  // coordinators (docs/protocol.md §12.6): introduces it to each other
  // active coordinator, and each to it, as coordinators.
  Status IntroduceToCoordinators(const Contact& coordinator);

  // An introduction from `from`. AuthFailed, changing nothing, unless
  // `from` is an active coordinator, the introduction is well formed, and,
  // for a coordinator, the roster check above holds; for a helper, unless
  // this node is a coordinator. An already known key is left as it is.
  Status TakeIntroduction(const Contact& from, const pb::Introduction& introduction);

  // Tells every other active coordinator of this node's team what this
  // node did (`note`, its kind and fields set by the caller).
  Status Tell(const pb::TeamNote& note);
  // A note from another coordinator. AuthFailed unless both are
  // coordinators; a note about a member this node does not know changes
  // nothing.
  Status TakeNote(const Contact& from, const pb::TeamNote& note);

  // A codebook from the coordinator `from`: a helper keeps it as that
  // coordinator's (§4.7); another coordinator of the team takes it as its
  // own (§12.2) and passes it on to its helpers. Older ones change
  // nothing; InvalidArgument for a malformed one.
  Status TakeCodebook(const Contact& from, int64_t version, const std::vector<CodeEntry>& codes);

  // Cuts `contact` off here (§11.6): revoked, nothing queued for it goes
  // out any more, and what it was never sent fails. Returns how many.
  Result<size_t> CutOff(const Contact& contact);

  // Revokes here every coordinator whose signing key no roster this node
  // holds lists any more (§12.5). Returns how many.
  Result<size_t> SweepCoordinators();

 private:
  // Introduces `coordinator` and `helper` to each other (§12.2). A
  // `helper` that is a coordinator too (§12.6) is introduced as one, with
  // no admission key or schedule.
  Status IntroducePair(const Contact& coordinator, const Contact& helper, ByteView roster);
  struct Intro {
    Secret seed;  // the new pair's chain key at `epoch`
    envelope::Epoch epoch = 0;
  };
  Intro NewIntro();
  void FillIntroduction(const Contact& who, const Intro& intro, ByteView roster, pb::Body& body);
  Status CheckCoordinator(const pb::Introduction& introduction, const PublicKey& key);
  Status SendOwnCodebook(const Contact& helper);
  Status ExpectAsTold(const Contact& helper, const Schedule& told);
  Result<std::vector<Contact>> Active(Role role);

  TeamNewsParts p_;
};

}  // namespace waypost::node
