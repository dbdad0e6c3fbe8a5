// AlertBook: the `alerts` table (docs/storage.md §5): what a coordinator must
// act on. An alert is raised by the first duress-flagged message from a
// contact and stays open until acknowledged (docs/protocol.md §4.3).
//
// Lifetime: borrows the Database. Not thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/clock.h"
#include "core/node/records.h"
#include "core/status.h"
#include "core/store/database.h"

namespace waypost::node {

class AlertBook {
 public:
  explicit AlertBook(store::Database& db) : db_(&db) {}

  // Raises `kind` about `contact` unless one is already open; `detail` is
  // shown with it.
  Status Raise(ContactId contact, AlertKind kind, ByteView message_id, UnixTime now,
               std::string_view detail = "");
  // Raises an overdue alert about `contact` for the deadline `due_at`,
  // once: not again for the same deadline, open or acknowledged.
  Status RaiseOverdue(ContactId contact, UnixTime due_at, UnixTime now, std::string_view detail);
  // Raises `kind` about `contact`, or adds `detail` to the one already open
  // ("; " between).
  Status RaiseOrExtend(ContactId contact, AlertKind kind, UnixTime now, std::string_view detail);
  // Newest first; only the unacknowledged ones if `open_only`.
  Result<std::vector<AlertInfo>> List(bool open_only);

  // The open alerts that `which` names: an alert number, or a contact's name
  // (then all of that contact's), oldest first, each with its contact.
  struct Open {
    AlertInfo alert;
    ContactId contact;
  };
  Result<std::vector<Open>> OpenNamed(std::string_view which);
  Status Acknowledge(int64_t id, UnixTime now, std::string_view note);
  // Another coordinator, `by`, acknowledged its alerts of `kind` about
  // `contact` (docs/protocol.md §12.4): the open ones here are acknowledged
  // too, by `by`, with `note`. Returns how many.
  Result<size_t> AcknowledgedBy(ContactId contact, AlertKind kind, UnixTime now,
                                std::string_view note, std::string_view by);
  // `watch --on-alert` passed it on (once per alert).
  Status MarkNotified(int64_t id, UnixTime now);

 private:
  store::Database* db_;
};

}  // namespace waypost::node
