// What each kind of body does when it arrives from a contact
// (docs/protocol.md §4.2): a check-in or a text becomes a received message
// and is answered with a delivered receipt; a receipt moves a sent message
// forward; a welcome completes enrollment; a coordinator's ack ends the
// duress state (§4.3); a coordinator's codebook or schedule replaces an
// older one (§4.7, §4.8); introductions and notes between coordinators go
// to TeamNews (§12). One small handler per kind.
//
// Whatever comes from a revoked contact only shows, as revoked (§11.6).
//
// A body that came under the pair's duress chain (`via_duress`: a main store
// taking in what a helper's decoy sent) is duress whatever its flags say,
// is answered under that chain, and can neither welcome nor acknowledge:
// whoever holds the decoy holds that chain (§4.3).
//
// Lifetime: borrows everything it is built from. Not thread-safe. Callers
// run each call inside one transaction (Node::Mutate).
#pragma once

#include "core/bytes.h"
#include "core/clock.h"
#include "core/envelope/format.h"
#include "core/node/alert_book.h"
#include "core/node/approvals.h"
#include "core/node/codebook.h"
#include "core/node/contact_book.h"
#include "core/node/courier.h"
#include "core/node/duress_state.h"
#include "core/node/enrollment.h"
#include "core/node/message_log.h"
#include "core/node/outbox.h"
#include "core/node/schedule_book.h"
#include "core/node/sequencer.h"
#include "core/node/team_book.h"
#include "core/node/team_news.h"
#include "core/status.h"
#include "core/store/database.h"

namespace waypost::pb {
class Ack;
class Body;
class Codebook;
class Receipt;
class Schedule;
class TeamNote;
class Welcome;
}  // namespace waypost::pb

namespace waypost::node {

struct HandlerParts {
  store::Database& db;
  DuressState& duress;
  ContactBook& contacts;
  MessageLog& messages;
  Outbox& outbox;
  AlertBook& alerts;
  Codebook& codebook;
  ScheduleBook& schedules;
  Sequencer& sequencer;
  Courier& courier;
  TeamBook& teams;
  TeamNews& news;
  Approvals& approvals;
  Enrollment& enrollment;
  const Clock& clock;
};

class BodyHandlers {
 public:
  explicit BodyHandlers(const HandlerParts& parts) : p_(parts) {}

  // Applies the opened body `body` of envelope `id` from `from`. AuthFailed,
  // changing nothing, if it does not parse or is of a kind no contact sends
  // (a join request, or nothing).
  Status Apply(const Contact& from, const envelope::ContentId& id, ByteView body,
               bool via_duress = false);

 private:
  Status OnAck(const Contact& from, const pb::Ack& ack);
  Status OnWelcome(const Contact& from, const pb::Welcome& welcome);
  Status OnReceipt(const Contact& from, const pb::Receipt& receipt);
  Status OnCodebook(const Contact& from, const pb::Codebook& codebook);
  Status OnSchedule(const Contact& from, const pb::Schedule& schedule);
  Status OnTeamNote(const Contact& from, const pb::TeamNote& note);
  Status OnMessage(const Contact& from, const envelope::ContentId& id, const pb::Body& body,
                   bool via_duress);
  Status OnRevoked(const Contact& from, const envelope::ContentId& id, const pb::Body& body,
                   bool via_duress);
  Status Keep(const Contact& from, const envelope::ContentId& id, const pb::Body& body,
              const CodeEntry& code, bool via_duress, bool revoked);
  Result<CodeEntry> CodeOf(const pb::Body& body);

  HandlerParts p_;
};

}  // namespace waypost::node
