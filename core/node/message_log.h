// MessageLog: the `messages` table (docs/storage.md §5): the check-ins and
// text messages sent and received, and the state of each (docs/protocol.md
// §4.5). Receipts, welcomes and acks are never rows here.
//
// Lifetime: borrows the Database. Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "core/clock.h"
#include "core/node/records.h"
#include "core/status.h"
#include "core/store/database.h"

namespace waypost::node {

struct NewMessage {
  ByteView id;  // the envelope's content id
  Direction direction = Direction::kIn;
  MessageKind kind = MessageKind::kCheckIn;
  ContactId contact;
  std::string_view code;
  std::string_view text;
  UnixTime sent_at = 0;
  std::optional<UnixTime> received_at;  // in: by our clock
  bool duress = false;                  // in: the sender was under duress
  bool via_duress = false;              // sealed under the pair's duress chain
  std::string_view meaning = {};        // a check-in's code's meaning, then
  bool test = false;                    // a drill (`checkin --test`)
  // The number its sender gave it (docs/protocol.md §4.6), which orders one
  // sender's messages sent in the same second; 0 if unknown.
  uint32_t seq = 0;
  // in: it arrived after its sender was revoked (docs/protocol.md §11.6);
  // kept in state revoked, and never counts as a check-in.
  bool revoked = false;
};

struct LastCheckIn {
  std::string code;
  UnixTime sent_at = 0;
  std::optional<UnixTime> received_at;
  std::string meaning;
  bool test = false;
  bool duress = false;
};

class MessageLog {
 public:
  // A receipt names a message by this many leading bytes of its content id.
  static constexpr size_t kReceiptIdSize = 16;

  explicit MessageLog(store::Database& db) : db_(&db) {}

  // Outgoing messages start queued, incoming ones received (or revoked).
  Status Insert(const NewMessage& message);
  // Every message with its peer's name, oldest first (README, "inbox"): by
  // when it arrived, by this node's clock, or for an outgoing one when it
  // was sent. One sender's messages keep the places that gives them, but
  // fill them in the order the sender sent them: by the sender's sent_at,
  // then by the number it gave each (seq), then as they arrived. Messages
  // that arrive out of order, or together in one sync, then still read in
  // the sender's order.
  Result<std::vector<MessageInfo>> List();
  // For telling what one sync changed (core/node/sync_news.h) at a cost that
  // follows what changed, not the history: the newest row's number (0 when
  // none), the messages added after row `rowid` (in List's order), the
  // outgoing ones a receipt may still move (queued, relayed, delivered) by
  // display id, and the outgoing ones whose state changed at or after `t`.
  Result<int64_t> LastRowId();
  Result<std::vector<MessageInfo>> ListAfter(int64_t rowid);
  Result<std::map<std::string, MessageState>> Unsettled();
  Result<std::vector<MessageInfo>> ChangedSince(UnixTime t);
  // The message with content id `id`; NotFound if there is none.
  Result<MessageInfo> Get(ByteView id);

  // A relay took it: queued becomes relayed. Every state change records
  // `now` (this node's clock) as the message's state_at.
  Status MarkRelayed(ByteView id, UnixTime now);
  // A receipt from `from` for the outgoing message whose content id starts
  // with `of`: its state moves to `state`, never back from confirmed. Only
  // the contact a message went to can move it. Returns the ids it matched.
  // A confirmation's `note` is kept with it.
  Result<std::vector<Bytes>> ApplyReceipt(ContactId from, ByteView of, MessageState state,
                                          UnixTime now, std::string_view note = {});

  // The received check-in whose display id starts with `id_prefix` (4+ hex
  // digits). NotFound, or InvalidArgument when the prefix is ambiguous.
  struct Found {
    Bytes id;
    ContactId contact;
    bool via_duress = false;  // came under the duress chain: so goes the reply
  };
  Result<Found> FindReceivedCheckIn(std::string_view id_prefix);
  // Any message, in or out, by an id prefix of 4+ hex digits: its content
  // id and direction. NotFound, or InvalidArgument when ambiguous.
  Result<std::pair<Bytes, Direction>> Resolve(std::string_view id_prefix);
  Status SetState(ByteView id, MessageState state, UnixTime now, std::string_view note = {});
  // Another coordinator, `by`, confirmed the check-in `from` sent at
  // `sent_at` by its clock (docs/protocol.md §12.4): the copy this node
  // received of it (received and not yet confirmed, nor revoked) shows
  // confirmed, by `by`, with `note`. A helper's one check-in reaches each
  // coordinator as its own envelope, all with the same sent_at. Returns
  // how many rows changed.
  Result<size_t> ConfirmedBy(ContactId from, UnixTime sent_at, UnixTime now, std::string_view note,
                             std::string_view by);
  // The outgoing messages to `to` that no receipt answered (queued or
  // relayed; only queued if `queued_only`) become failed: `to` can never
  // read them (docs/protocol.md §5.3), or is never sent them (§11.6).
  // Returns their content ids.
  Result<std::vector<Bytes>> FailUnanswered(ContactId to, UnixTime now, bool queued_only = false);

  // The newest check-in received from `contact`, if any, never one in state
  // revoked; drills (`checkin --test`) left out if `real_only`.
  Result<std::optional<LastCheckIn>> LastCheckInFrom(ContactId contact, bool real_only = false);
  // The newest check-in sent to `contact`, likewise.
  Result<std::optional<LastCheckIn>> LastCheckInTo(ContactId contact, bool real_only = false);

  // Retention (docs/storage.md §5): incoming messages that arrived (by our
  // clock), and outgoing ones sent, before `cutoff`.
  Result<std::vector<Bytes>> IdsOlderThan(UnixTime cutoff);
  Status DeleteOlderThan(UnixTime cutoff);

 private:
  Result<std::optional<LastCheckIn>> Last(ContactId contact, Direction direction, bool real_only);

  store::Database* db_;
};

}  // namespace waypost::node
