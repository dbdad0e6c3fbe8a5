#include "core/node/schedule_book.h"

#include <algorithm>
#include <limits>

#include "core/node/internal/rows.h"
#include "proto/waypost.pb.h"

namespace waypost::node {

void ScheduleToWire(const Schedule& schedule, pb::Schedule& out) {
  out.set_version(static_cast<uint32_t>(schedule.version));
  out.set_every(schedule.every.value_or(0));
  out.set_due_by(schedule.due_by.value_or(0));
  out.set_grace(schedule.grace);
}

std::optional<Schedule> ScheduleFromWire(const pb::Schedule& in) {
  const bool every_ok =
      in.every() == 0 || (in.every() >= Schedule::kMinEvery && in.every() <= Schedule::kMaxSpan);
  if (!every_ok || in.due_by() < 0 || in.due_by() > Schedule::kLatest || in.grace() < 0 ||
      in.grace() > Schedule::kMaxSpan) {
    return std::nullopt;
  }
  Schedule s;
  if (in.every() != 0) s.every = in.every();
  if (in.every() == 0 && in.due_by() != 0) s.due_by = in.due_by();
  s.grace = in.grace();
  s.version = in.version();
  return s;
}
namespace {

constexpr char kColumns[] =
    "SELECT contact_key, version, every, due_by, grace, set_at FROM schedules ";

ScheduleBook::Row ReadRow(const store::Statement& r) {
  return {r.ColumnBlob(0),          r.ColumnInt64(1), r.ColumnOptionalInt64(2),
          r.ColumnOptionalInt64(3), r.ColumnInt64(4), r.ColumnInt64(5)};
}

}  // namespace

Deadline EvaluateDeadline(const Schedule& schedule, std::optional<UnixTime> last_received,
                          UnixTime now) {
  Deadline d;
  if (schedule.every) {
    const UnixTime anchor = std::max(schedule.set_at, last_received.value_or(schedule.set_at));
    d.due_at = anchor + *schedule.every;
  } else if (schedule.due_by) {
    if (last_received && *last_received > schedule.set_at) return d;  // met
    d.due_at = *schedule.due_by;
  } else {
    return d;
  }
  // A helper's due_by is whatever its coordinator sent, any time from 0 on
  // (BodyHandlers::OnSchedule), so the end of the grace saturates rather
  // than overflow (tests/fuzz/fuzz_body.cc sends such schedules).
  const UnixTime end_of_grace =
      schedule.grace > 0 && *d.due_at > std::numeric_limits<UnixTime>::max() - schedule.grace
          ? std::numeric_limits<UnixTime>::max()
          : *d.due_at + schedule.grace;
  if (now >= end_of_grace) {
    d.state = BoardState::kOverdue;
  } else if (now >= *d.due_at) {
    d.state = BoardState::kDue;
  }
  return d;
}

Result<std::optional<Schedule>> ScheduleBook::Get(ByteView contact_key) {
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_->Query(std::string(kColumns) + "WHERE contact_key = ?", contact_key));
  WAYPOST_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<Schedule>();
  const auto [key, version, every, due_by, grace, set_at] = ReadRow(st);
  return std::optional<Schedule>(Schedule{every, due_by, grace, set_at, version});
}

Result<Schedule> ScheduleBook::Set(ByteView contact_key, std::optional<int64_t> every,
                                   std::optional<UnixTime> due_by, int64_t grace, UnixTime now) {
  WAYPOST_ASSIGN_OR_RETURN(std::optional<Schedule> held, Get(contact_key));
  Schedule s{every, due_by, grace, now, held ? held->version + 1 : 1};
  WAYPOST_RETURN_IF_ERROR(Write(contact_key, s));
  return s;
}

Result<bool> ScheduleBook::Receive(ByteView contact_key, const Schedule& schedule) {
  WAYPOST_ASSIGN_OR_RETURN(std::optional<Schedule> held, Get(contact_key));
  if (held && held->version >= schedule.version) return false;
  WAYPOST_RETURN_IF_ERROR(Write(contact_key, schedule));
  return true;
}

Result<std::vector<ScheduleBook::Row>> ScheduleBook::Rows() {
  std::vector<Row> rows;
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st,
                           db_->Query(std::string(kColumns) + "ORDER BY contact_key"));
  WAYPOST_RETURN_IF_ERROR(
      st.ForEach([&](const store::Statement& r) { rows.push_back(ReadRow(r)); }));
  return rows;
}

Status ScheduleBook::ReplaceWith(const std::vector<Row>& rows) {
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Row> have, Rows());
  return internal::ReplaceRows(*db_, have, rows, "DELETE FROM schedules WHERE 1",
                               "INSERT INTO schedules(contact_key, version, every, due_by, grace, "
                               "set_at) VALUES(?, ?, ?, ?, ?, ?)");
}

Status ScheduleBook::Write(ByteView contact_key, const Schedule& s) {
  return db_->Run(
      "INSERT OR REPLACE INTO schedules(contact_key, version, every, due_by, grace, set_at) "
      "VALUES(?, ?, ?, ?, ?, ?)",
      contact_key, s.version, s.every, s.due_by, s.grace, s.set_at);
}

}  // namespace waypost::node
