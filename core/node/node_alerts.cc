// The coordinator's desk: alerts and their acknowledgement (docs/protocol.md
// §4.3), schedules and overdue alarms on this node's own clock (§4.8), and
// the board; a helper's view of what is expected of it.
#include <string>
#include <utility>
#include <vector>

#include "core/envelope/keys.h"
#include "core/node/internal/scrub.h"
#include "core/node/node.h"
#include "proto/waypost.pb.h"

namespace waypost::node {

constexpr size_t kMaxAckNoteSize = 1024;

Result<std::vector<AlertInfo>> Node::Alerts(bool open_only, bool look) {
  if (look) WAYPOST_RETURN_IF_ERROR(CheckDeadlines());
  return alerts_.List(open_only);
}

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
      WAYPOST_ASSIGN_OR_RETURN(const Contact about, contacts_.Get(a.contact));
      pb::TeamNote told;
      told.set_kind(pb::TeamNote::ACKED);
      told.set_member(AsString(about.public_key.view()));
      told.set_alert(std::string(NameOf(a.alert.kind)));
      told.set_note(std::string(note));
      WAYPOST_RETURN_IF_ERROR(news_.Tell(told));
      if (a.alert.kind != AlertKind::kDuress) continue;
      // Ends the duress state on the helper's device, once its main store
      // takes this in. A decoy takes it in and shows nothing. A revoked
      // helper is sent nothing: the acknowledgement stays here.
      WAYPOST_ASSIGN_OR_RETURN(Contact helper, contacts_.Get(a.contact));
      if (helper.state == ContactState::kRevoked) continue;
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
  WAYPOST_RETURN_IF_ERROR(CheckDeadlines());
  const UnixTime now = clock_.Now();
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Contact> helpers, contacts_.WithRole(Role::kHelper));
  WAYPOST_ASSIGN_OR_RETURN(std::vector<AlertInfo> all, alerts_.List(false));
  std::vector<BoardEntry> out;
  for (const Contact& c : helpers) {
    BoardEntry e;
    e.name = c.name;
    e.fingerprint = envelope::Fingerprint(c.public_key.view());
    // Revoked holds above everything (docs/protocol.md §11.6); its last
    // code is the last one from before the revocation.
    if (c.state == ContactState::kRevoked) e.state = BoardState::kRevoked;
    WAYPOST_ASSIGN_OR_RETURN(std::optional<LastCheckIn> last, messages_.LastCheckInFrom(c.id));
    if (last) {
      e.last_code = last->code;
      e.last_meaning = last->meaning;
      e.last_sent_at = last->sent_at;
      e.last_received_at = last->received_at;
      e.last_test = last->test;
    }
    WAYPOST_ASSIGN_OR_RETURN(std::optional<HelperDeadline> deadline, DeadlineOf(c, now));
    if (deadline) {
      e.due_at = deadline->next.due_at;
      e.grace = deadline->grace;
      e.state = deadline->next.state;
    }
    // List() is newest first; the oldest open alert of the strongest kind
    // names the episode. An overdue alert holds the state until it is
    // acknowledged, even after a late check-in. The newest acknowledgement
    // rides on the entry with its note (`board --json`: ack_note).
    for (const AlertInfo& a : all) {
      if (a.peer != c.name) continue;
      if (a.acked_at) {
        if (!e.acked_at || *a.acked_at > *e.acked_at) {
          e.acked_alert = a.id;
          e.acked_at = a.acked_at;
          e.ack_note = a.note;
        }
        continue;
      }
      BoardState state = BoardState::kOk;
      if (a.kind == AlertKind::kDuress) state = BoardState::kDuress;
      if (a.kind == AlertKind::kDistress) state = BoardState::kDistress;
      if (a.kind == AlertKind::kOverdue) state = BoardState::kOverdue;
      if (state == BoardState::kOk || state < e.state) continue;
      e.state = state;
      e.alert = a.id;
    }
    out.push_back(std::move(e));
  }
  return out;
}

// The one place a helper's deadline is judged: its schedule, the newest
// real check-in received from it, and this node's clock. A revoked helper
// has none: nothing it sends can meet one, and it is never overdue.
Result<std::optional<Node::HelperDeadline>> Node::DeadlineOf(const Contact& helper, UnixTime now) {
  if (helper.state == ContactState::kRevoked) return std::optional<HelperDeadline>();
  WAYPOST_ASSIGN_OR_RETURN(std::optional<Schedule> schedule,
                           schedules_.Get(helper.public_key.view()));
  if (!schedule || !schedule->active()) return std::optional<HelperDeadline>();
  WAYPOST_ASSIGN_OR_RETURN(std::optional<LastCheckIn> real,
                           messages_.LastCheckInFrom(helper.id, /*real_only=*/true));
  return std::optional<HelperDeadline>(HelperDeadline{
      EvaluateDeadline(*schedule, real ? real->received_at : std::nullopt, now), schedule->grace});
}

Result<Schedule> Node::Expect(std::string_view name, std::optional<int64_t> every,
                              std::optional<UnixTime> due_by, int64_t grace) {
  if (self().role != Role::kCoordinator) {
    return Status::InvalidArgument("only a coordinator sets when helpers must check in");
  }
  const UnixTime now = clock_.Now();
  if (every && (*every < Schedule::kMinEvery || *every > Schedule::kMaxSpan)) {
    return Status::InvalidArgument("--every must be from 5m to 60d");
  }
  if (due_by && (*due_by <= now || *due_by > now + Schedule::kMaxSpan)) {
    return Status::InvalidArgument("--by must be a time in the next 60 days");
  }
  if (grace < 0 || grace > Schedule::kMaxSpan) {
    return Status::InvalidArgument("--grace must be from 0 to 60d");
  }
  WAYPOST_ASSIGN_OR_RETURN(Contact helper, contacts_.Named(name));
  if (helper.role != Role::kHelper) {
    return Status::InvalidArgument(helper.name + " is not a helper; `waypost board` lists them");
  }
  if (helper.state == ContactState::kRevoked) {
    return Status::InvalidArgument(helper.name +
                                   " is revoked: nothing is sent to it any more, and nothing it "
                                   "sends meets a deadline");
  }
  Schedule set;
  WAYPOST_RETURN_IF_ERROR(Mutate([&]() -> Status {
    WAYPOST_ASSIGN_OR_RETURN(set,
                             schedules_.Set(helper.public_key.view(), every, due_by, grace, now));
    internal::Scrubbed<pb::Body> body;
    ScheduleToWire(set, *body->mutable_schedule());
    body->set_sent_at(now);
    WAYPOST_RETURN_IF_ERROR(courier_.Send(helper, *body).status());
    // The team's other coordinators expect the same (docs/protocol.md §12.4).
    pb::TeamNote told;
    told.set_kind(pb::TeamNote::SCHEDULED);
    told.set_member(AsString(helper.public_key.view()));
    ScheduleToWire(set, *told.mutable_schedule());
    return news_.Tell(told);
  }));
  return set;
}

Status Node::CheckDeadlines() {
  if (duress_.is_decoy() || self().role != Role::kCoordinator) return Status::Ok();
  const UnixTime now = clock_.Now();
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Contact> helpers, contacts_.WithRole(Role::kHelper));
  struct Late {
    ContactId contact;
    UnixTime due_at;
  };
  std::vector<Late> late;
  for (const Contact& c : helpers) {
    WAYPOST_ASSIGN_OR_RETURN(std::optional<HelperDeadline> deadline, DeadlineOf(c, now));
    if (deadline && deadline->next.state == BoardState::kOverdue) {
      late.push_back({c.id, *deadline->next.due_at});
    }
  }
  if (late.empty()) return Status::Ok();
  return Mutate([&]() -> Status {
    for (const Late& l : late) {
      WAYPOST_RETURN_IF_ERROR(alerts_.RaiseOverdue(l.contact, l.due_at, now, ""));
    }
    return Status::Ok();
  });
}

Status Node::MarkAlertNotified(int64_t id) {
  return Mutate([&] { return alerts_.MarkNotified(id, clock_.Now()); });
}

Result<std::vector<Node::ExpectedBy>> Node::Expectations() {
  const UnixTime now = clock_.Now();
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Contact> coordinators,
                           contacts_.WithRole(Role::kCoordinator));
  std::vector<ExpectedBy> out;
  for (const Contact& c : coordinators) {
    ExpectedBy e{c.name, std::nullopt, {}};
    WAYPOST_ASSIGN_OR_RETURN(e.schedule, schedules_.Get(c.public_key.view()));
    if (e.schedule && e.schedule->active()) {
      WAYPOST_ASSIGN_OR_RETURN(std::optional<LastCheckIn> sent,
                               messages_.LastCheckInTo(c.id, /*real_only=*/true));
      e.next =
          EvaluateDeadline(*e.schedule, sent ? std::optional(sent->sent_at) : std::nullopt, now);
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace waypost::node
