// Receiver: takes in one envelope from any path, a relay, a bundle or text
// (docs/protocol.md §3.4, §6 step 4). Its recipient tag says whether it is
// ours: one of our own tags for the epochs a sender's clock may be in, or
// the join tag of an invite we handed out. The sender hint then names the
// candidate contacts, and the one whose pairwise key opens it sent it.
//
// Lifetime: borrows everything it is built from. Not thread-safe. Callers
// run each call inside one transaction (Node::Mutate): a failure then leaves
// the store as it was.
#pragma once

#include <optional>

#include "core/bytes.h"
#include "core/clock.h"
#include "core/envelope/envelope.h"
#include "core/envelope/format.h"
#include "core/envelope/keys.h"
#include "core/node/body_handlers.h"
#include "core/node/contact_book.h"
#include "core/node/duress_state.h"
#include "core/node/enrollment.h"
#include "core/node/identity.h"
#include "core/node/invite_book.h"
#include "core/node/records.h"
#include "core/node/replay_cache.h"
#include "core/status.h"

namespace waypost::node {

struct ReceiverParts {
  const Identity& identity;
  const NodeSettings& settings;
  const DuressState& duress;
  ContactBook& contacts;
  InviteBook& invites;
  ReplayCache& seen;
  BodyHandlers& handlers;
  Enrollment& enrollment;
  const Clock& clock;
};

class Receiver {
 public:
  explicit Receiver(const ReceiverParts& parts) : p_(parts) {}

  // kDuplicate for an envelope already taken in, kNotOurs for someone
  // else's. Bad envelopes are AuthFailed, Corrupt or Expired.
  Result<IngestOutcome> Take(ByteView envelope);

  // The epochs whose tags this node asks for: as far back as the delivery
  // window, and kFutureSkewEpochs ahead (docs/protocol.md §3.5).
  envelope::Epoch FirstEpoch(UnixTime now) const;
  envelope::Epoch LastEpoch(UnixTime now) const;

 private:
  std::optional<envelope::Opened> TryChain(ByteView env, const envelope::Header& header,
                                           const Contact& c, const Secret& base,
                                           envelope::Epoch base_epoch, envelope::Epoch epoch);
  Result<IngestOutcome> FromContact(ByteView envelope, const envelope::Header& header,
                                    const envelope::ContentId& id, envelope::Epoch epoch);
  Result<IngestOutcome> FromJoiner(ByteView envelope, const envelope::Header& header, UnixTime now);

  ReceiverParts p_;
};

}  // namespace waypost::node
