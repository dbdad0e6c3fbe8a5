// ScheduleBook: the `schedules` table (docs/storage.md §5): check-in
// schedules (docs/protocol.md §4.8). A coordinator keeps the one it set for
// each helper, a helper the one each coordinator set for it, both under the
// other side's public key. EvaluateDeadline says, from a schedule, what the
// coordinator received and the coordinator's own clock, when the next
// check-in is due and whether it is late.
//
// Lifetime: borrows the Database. Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <tuple>
#include <vector>

#include "core/bytes.h"
#include "core/clock.h"
#include "core/node/vocabulary.h"
#include "core/status.h"
#include "core/store/database.h"

namespace waypost::pb {
class Schedule;
}

namespace waypost::node {

struct Schedule {
  std::optional<int64_t> every;    // seconds between check-ins
  std::optional<UnixTime> due_by;  // one deadline
  int64_t grace = kDefaultGrace;
  UnixTime set_at = 0;  // by this node's clock, when it was set or arrived
  int64_t version = 0;
  bool active() const { return every.has_value() || due_by.has_value(); }
  bool operator==(const Schedule&) const = default;

  static constexpr int64_t kDefaultGrace = 15 * 60;
  static constexpr int64_t kMinEvery = 5 * 60;
  static constexpr int64_t kMaxSpan = 60 * 86400;  // for every, grace, and how far ahead a --by
  // The latest due_by a helper takes from a coordinator, whatever its own
  // clock says: 9999-12-31T23:59:59Z, the last time RFC 3339 can write.
  static constexpr UnixTime kLatest = 253'402'300'799;
};

// When the next check-in is due and the state that gives: ok before
// `due_at`, due until `due_at + grace`, overdue from then on. `every`
// counts from the later of when it was set and `last_received` (the newest
// real check-in, by the coordinator's clock); `due_by` is met by a real
// check-in received after it was set, and then nothing is due.
struct Deadline {
  std::optional<UnixTime> due_at;
  BoardState state = BoardState::kOk;
};
Deadline EvaluateDeadline(const Schedule& schedule, std::optional<UnixTime> last_received,
                          UnixTime now);

// A schedule as a body carries it (docs/protocol.md §4.8), and back: a
// schedule another node sent, if it is within the bounds a coordinator can
// set (every 0 or kMinEvery..kMaxSpan, due_by 0..kLatest, grace
// 0..kMaxSpan); nullopt otherwise. Neither `every` nor `due_by`: an ended
// schedule. set_at is left to the caller.
void ScheduleToWire(const Schedule& schedule, pb::Schedule& out);
std::optional<Schedule> ScheduleFromWire(const pb::Schedule& in);

class ScheduleBook {
 public:
  explicit ScheduleBook(store::Database& db) : db_(&db) {}

  // The schedule held for `contact_key`; none if never set. An ended one
  // comes back inactive.
  Result<std::optional<Schedule>> Get(ByteView contact_key);
  // A coordinator sets (or, with neither `every` nor `due_by`, ends) the
  // schedule for a helper; the version rises by one. Returns it as stored.
  Result<Schedule> Set(ByteView contact_key, std::optional<int64_t> every,
                       std::optional<UnixTime> due_by, int64_t grace, UnixTime now);
  // A helper takes in a coordinator's schedule if its version is newer;
  // `set_at` is the helper's clock. True if it did.
  Result<bool> Receive(ByteView contact_key, const Schedule& schedule);

  // For the decoy (decoy_writer.h): every row as it stands, and its mirror
  // image, written not at all where the table is already so
  // (internal::ReplaceRows). contact_key, version, every, due_by, grace,
  // set_at.
  using Row = std::tuple<Bytes, int64_t, std::optional<int64_t>, std::optional<UnixTime>, int64_t,
                         UnixTime>;
  Result<std::vector<Row>> Rows();
  Status ReplaceWith(const std::vector<Row>& rows);

 private:
  Status Write(ByteView contact_key, const Schedule& schedule);

  store::Database* db_;
};

}  // namespace waypost::node
