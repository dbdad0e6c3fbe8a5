// The coordinator's side of duress: alerts, their acknowledgement, and the
// board (docs/protocol.md §4.3).
#include <string>
#include <utility>
#include <vector>

#include "core/envelope/keys.h"
#include "core/node/internal/scrub.h"
#include "core/node/node.h"
#include "proto/waypost.pb.h"

namespace waypost::node {

constexpr size_t kMaxAckNoteSize = 1024;

Result<std::vector<AlertInfo>> Node::Alerts(bool open_only) { return alerts_.List(open_only); }

Result<std::vector<AlertInfo>> Node::Ack(std::string_view alert, std::string_view note) {
  if (note.size() > kMaxAckNoteSize) return Status::InvalidArgument("the note is too long");
  WAYPOST_ASSIGN_OR_RETURN(std::vector<AlertBook::Open> open, alerts_.OpenNamed(alert));
  const UnixTime now = clock_.Now();
  std::vector<AlertInfo> acked;
  WAYPOST_RETURN_IF_ERROR(Mutate([&]() -> Status {
    for (AlertBook::Open& a : open) {
      WAYPOST_RETURN_IF_ERROR(alerts_.Acknowledge(a.alert.id, now, note));
      a.alert.acked_at = now;
      a.alert.note = std::string(note);
      acked.push_back(a.alert);
      if (a.alert.kind != AlertKind::kDuress) continue;
      // Ends the duress state on the helper's device, once its main store
      // takes this in. A decoy takes it in and shows nothing.
      WAYPOST_ASSIGN_OR_RETURN(Contact helper, contacts_.Get(a.contact));
      internal::Scrubbed<pb::Body> body;
      body->mutable_ack()->set_kind(pb::Ack::DURESS);
      body->set_sent_at(now);
      WAYPOST_RETURN_IF_ERROR(courier_.Send(helper, *body).status());
    }
    return Status::Ok();
  }));
  return acked;
}

Result<std::vector<BoardEntry>> Node::Board() {
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Contact> helpers, contacts_.WithRole(Role::kHelper));
  WAYPOST_ASSIGN_OR_RETURN(std::vector<AlertInfo> open, alerts_.List(true));
  std::vector<BoardEntry> out;
  for (const Contact& c : helpers) {
    BoardEntry e;
    e.name = c.name;
    e.fingerprint = envelope::Fingerprint(c.public_key.view());
    WAYPOST_ASSIGN_OR_RETURN(std::optional<LastCheckIn> last, messages_.LastCheckInFrom(c.id));
    if (last) {
      e.last_code = last->code;
      e.last_meaning = last->meaning;
      e.last_sent_at = last->sent_at;
      e.last_received_at = last->received_at;
    }
    // List() is newest first; the oldest open alert of the strongest kind
    // names the episode.
    for (const AlertInfo& a : open) {
      if (a.peer != c.name) continue;
      BoardState state = BoardState::kOk;
      if (a.kind == AlertKind::kDuress) state = BoardState::kDuress;
      if (a.kind == AlertKind::kDistress) state = BoardState::kDistress;
      if (state == BoardState::kOk || state < e.state) continue;
      e.state = state;
      e.alert = a.id;
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace waypost::node
