// Courier: seals bodies to contacts and queues them (docs/protocol.md §3.3).
//
// A body is sealed under the pair's chain key for the sender's current
// epoch, never below the epoch the contact last sealed under (the contact's
// clock may run ahead, and it must read our replies), with the contact's
// recipient tag for that epoch and a sender hint from the chain. A reply to
// something that came under the duress chain goes under the duress chain
// (docs/protocol.md §4.3), so that the decoy that sent it can read it.
// Lifetime: borrows everything it is built from. Not thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/node/contact_book.h"
#include "core/node/duress_state.h"
#include "core/node/identity.h"
#include "core/node/message_log.h"
#include "core/node/outbox.h"
#include "core/node/records.h"
#include "core/node/sequencer.h"
#include "core/random.h"
#include "core/status.h"

namespace waypost::pb {
class Body;
}

namespace waypost::node {

class Courier {
 public:
  Courier(const Identity& identity, const DuressState& duress, const NodeSettings& settings,
          Outbox& outbox, MessageLog& messages, Sequencer& sequencer, const Clock& clock,
          Random& random)
      : identity_(identity),
        duress_(duress),
        settings_(settings),
        outbox_(outbox),
        messages_(messages),
        sequencer_(sequencer),
        clock_(clock),
        random_(random) {}

  // Sets Body.flags, always present (kFlagDuress while DuressState::flagged(),
  // kFlagTest kept if the caller set it), and serialises. The caller wipes the result. For bodies
  // outside a pair (a join request); Send does this itself.
  std::string Serialize(pb::Body& body) const;

  // What a sent check-in or text leaves in the message log.
  struct Shown {
    MessageKind kind = MessageKind::kCheckIn;
    std::string_view code;
    std::string_view text;
    std::string_view meaning = {};
    bool test = false;
  };
  // Numbers `body` with the pair's next sequence number (sequencer.h), sets
  // its flags, seals it to `to` and queues it. With `shown` it also becomes
  // an outgoing message in state queued and stays in the outbox until a
  // receipt; without, it leaves once a relay took it. Returns the display id.
  // Chain::kDuress seals under `to`'s duress chain; in a decoy, whose only
  // chain is that one, both are the same. InvalidArgument, sending nothing,
  // if `to` is revoked.
  enum class Chain { kPair, kDuress };
  Result<std::string> Send(const Contact& to, pb::Body& body,
                           std::optional<Shown> shown = std::nullopt, Chain chain = Chain::kPair);

 private:
  const Identity& identity_;
  const DuressState& duress_;
  const NodeSettings& settings_;
  Outbox& outbox_;
  MessageLog& messages_;
  Sequencer& sequencer_;
  const Clock& clock_;
  Random& random_;
};

}  // namespace waypost::node
