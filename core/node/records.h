// What a Node's queries return and its settings take: plain values, typed
// with the node's vocabulary (vocabulary.h). Nothing here holds a secret.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/clock.h"
#include "core/envelope/format.h"
#include "core/envelope/keys.h"
#include "core/node/vocabulary.h"
#include "core/public_key.h"

namespace waypost::node {

// Body.flags bit 0 (proto/waypost.proto): sent from a device under duress.
inline constexpr uint32_t kFlagDuress = 1;
// Body.flags bit 1: a drill (`checkin --test`), marked TEST at every step.
inline constexpr uint32_t kFlagTest = 2;
// What the coordinator is told to do about a helper under duress.
inline constexpr char kDuressAdvice[] = "do not contact the device directly";

// A row id in the contacts table, as a type of its own.
struct ContactId {
  int64_t value = 0;
  bool operator==(const ContactId&) const = default;
};

struct SelfInfo {
  std::string name;
  std::string fingerprint;
  Role role = Role::kCoordinator;
  PublicKey public_key;
};

struct ContactInfo {
  std::string name;
  std::string fingerprint;
  Role role = Role::kHelper;  // the contact's role in this node's eyes
  ContactState state = ContactState::kPending;
  std::optional<UnixTime> last_seen;
  UnixTime since = 0;  // when this node added the contact (by its own clock)
  // A helper's pending coordinator: when the invite it joined expires. A
  // coordinator takes a join request only until then (docs/protocol.md §5.3).
  std::optional<UnixTime> invite_expires_at;
  // When safety numbers were compared and matched (`contacts verify`).
  std::optional<UnixTime> verified_at;
  // The coordinator who introduced it (docs/protocol.md §12.2), as this
  // node named that coordinator then; "" for a contact enrolled directly.
  std::string introduced_by;

  // Pending, and the invite expired: the coordinator can no longer take the
  // join request, so this sign-up will not complete; a new invite can.
  bool SignUpFailed(UnixTime now) const {
    return state == ContactState::kPending && invite_expires_at && now >= *invite_expires_at;
  }
};

struct MessageInfo {
  std::string id;  // 12 hex digits: the start of the content id
  Direction direction = Direction::kIn;
  MessageKind kind = MessageKind::kCheckIn;
  std::string peer;
  std::string code;
  std::string meaning;  // a check-in's code's meaning when it was sent or received
  std::string text;
  UnixTime sent_at = 0;
  std::optional<UnixTime> received_at;
  MessageState state = MessageState::kReceived;
  std::optional<UnixTime> state_at;  // by our clock, when the state last changed
  std::string state_note;            // confirmed: the note that came with it
  // In, confirmed: the other coordinator who confirmed it (docs/protocol.md
  // §12.4); "" when this node did.
  std::string state_by;
  bool duress = false;  // in: the sender's device was under duress
  bool test = false;
};

// Something a coordinator must act on: raised by the first duress-flagged
// check-in or message from a contact, open until `Ack`.
struct AlertInfo {
  int64_t id = 0;
  AlertKind kind = AlertKind::kDuress;
  std::string peer;
  std::string fingerprint;
  UnixTime raised_at = 0;  // by this node's clock, when the flag arrived
  std::optional<UnixTime> acked_at;
  std::string note;                // from `ack --note`
  std::string acked_by;            // the other coordinator who acknowledged it; "" for this node
  std::string detail;              // what else the alert says (who used an invite again)
  std::optional<UnixTime> due_at;  // overdue: the deadline that passed
  std::optional<UnixTime> notified_at;  // when `watch --on-alert` passed it on
};

// One helper's line on the coordinator's board.
struct BoardEntry {
  std::string name;
  std::string fingerprint;
  std::string last_code;                     // of the newest check-in received, "" if none
  std::string last_meaning;                  // that code's meaning
  std::optional<UnixTime> last_sent_at;      // its sent_at, by the helper's clock
  std::optional<UnixTime> last_received_at;  // when it arrived, by ours
  bool last_test = false;                    // it was a drill (`checkin --test`)
  std::optional<UnixTime> due_at;  // the next deadline, by our clock; none without a schedule
  std::optional<int64_t> grace;    // its grace, with a schedule
  BoardState state = BoardState::kOk;
  std::optional<int64_t> alert;  // the open alert behind the state
  // The newest acknowledged alert about this helper: which, when (by our
  // clock), and the note `ack --note` gave ("" for none).
  std::optional<int64_t> acked_alert;
  std::optional<UnixTime> acked_at;
  std::string ack_note;
};

// What is waiting to go and what to ask for (docs/protocol.md §6).
struct SyncPlan {
  std::vector<Bytes> upload;  // queued envelopes no relay has taken yet
  std::vector<envelope::RecipientTag> tags;
};

enum class IngestOutcome {
  kAccepted,   // new, opened and applied
  kDuplicate,  // seen before (a replay or a second copy)
  kNotOurs,    // addressed to someone else
};

struct IngestCounts {
  size_t accepted = 0;
  size_t duplicate = 0;
  size_t not_ours = 0;
  size_t rejected = 0;  // forged, damaged or expired; dropped
};

// Settings a user may change (`waypost settings`), kept in the store's
// `settings` table (docs/storage.md §5). A missing row means the default.
struct NodeSettings {
  // Messages (both directions) older than this many seconds are deleted at
  // every Open. nullopt: "keep", the history stays until the store is destroyed.
  std::optional<int64_t> retention_seconds = kDefaultRetentionSeconds;
  // Envelopes live, and chain keys are kept, for this many epochs.
  int64_t delivery_window_epochs = envelope::kDeliveryWindowEpochs;
  // "socks5://HOST:PORT": every command that connects goes through this
  // proxy, and fails rather than connect directly when it cannot; "" for
  // direct connections. The decoy holds the same (docs/storage.md §3).
  std::string proxy;

  static constexpr int64_t kDefaultRetentionSeconds = 30 * envelope::kEpochSeconds;
  static constexpr int64_t kMinRetentionSeconds = envelope::kEpochSeconds;
  static constexpr int64_t kMinDeliveryWindowEpochs = 1;
  // Below Briar's 29 days for removable drives (SECURITY.md).
  static constexpr int64_t kMaxDeliveryWindowEpochs = 28;
};

// Display ids are the first 6 bytes of the content id, in hex.
inline std::string DisplayId(ByteView content_id) { return ToHex(content_id.first(6)); }

}  // namespace waypost::node
