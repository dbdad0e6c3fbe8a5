// The node's vocabulary: roles, contact states, directions, message kinds and
// states, alert kinds. Inside the code each is an enum class; it becomes text
// at exactly one boundary, here, and the same words are what the store keeps
// (docs/storage.md §5) and what `--json` prints (README, "Global options").
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/status.h"

namespace waypost::node {

enum class Role { kCoordinator, kHelper, kRelay };
// A contact is pending until enrollment completes (docs/protocol.md §5);
// revoked once a coordinator cut it off (`revoke`, docs/protocol.md §11.6).
enum class ContactState { kPending, kActive, kRevoked };
enum class Direction { kIn, kOut };
// What a message row holds; receipts, welcomes and acks are never messages.
enum class MessageKind { kCheckIn, kText };
// Outgoing: queued, relayed, delivered, confirmed; or failed, when the
// recipient can never read it (a sign-up that was never answered,
// docs/protocol.md §5.3, or a revoked contact, §11.6). Incoming: received,
// confirmed (§4.5); revoked, when it arrived after its sender was revoked.
enum class MessageState { kQueued, kRelayed, kDelivered, kConfirmed, kReceived, kFailed, kRevoked };
// kInviteReused: a second join under an invite that was already used.
// kKeyChanged: a join request in a verified helper's name with another key
// (docs/protocol.md §10); nobody was enrolled.
// kGap: envelopes from a contact that never arrived (docs/protocol.md §4.6).
// kDistress: a check-in with a distress code (docs/protocol.md §4.7).
// kOverdue: a helper's deadline plus grace passed, by the coordinator's
// clock, with no check-in received (§4.8).
// kApproval: another coordinator asks this one to approve a new
// coordinator (`approve`, docs/protocol.md §12.6).
enum class AlertKind { kDuress, kInviteReused, kGap, kDistress, kOverdue, kKeyChanged, kApproval };
// One helper's state on the coordinator's board; the enumerators are in
// order of strength, and the strongest that holds is shown.
enum class BoardState { kOk, kDue, kOverdue, kDistress, kDuress, kRevoked };

// How urgent an alert is, the most urgent 0: duress, distress, overdue,
// a changed key, gap, invite reuse, an approval asked for. The board and `sync` list alerts in
// this order.
constexpr int Urgency(AlertKind kind) {
  switch (kind) {
    case AlertKind::kDuress:
      return 0;
    case AlertKind::kDistress:
      return 1;
    case AlertKind::kOverdue:
      return 2;
    case AlertKind::kKeyChanged:
      return 3;
    case AlertKind::kGap:
      return 4;
    case AlertKind::kInviteReused:
      return 5;
    case AlertKind::kApproval:
      return 6;
  }
  return 7;
}

// Each enum's words, in one table per enum.
template <typename E>
struct Words;
template <>
struct Words<Role> {
  static constexpr std::array<std::pair<Role, std::string_view>, 3> kAll = {
      {{Role::kCoordinator, "coordinator"}, {Role::kHelper, "helper"}, {Role::kRelay, "relay"}}};
};
template <>
struct Words<ContactState> {
  static constexpr std::array<std::pair<ContactState, std::string_view>, 3> kAll = {
      {{ContactState::kPending, "pending"},
       {ContactState::kActive, "active"},
       {ContactState::kRevoked, "revoked"}}};
};
template <>
struct Words<Direction> {
  static constexpr std::array<std::pair<Direction, std::string_view>, 2> kAll = {
      {{Direction::kIn, "in"}, {Direction::kOut, "out"}}};
};
template <>
struct Words<MessageKind> {
  static constexpr std::array<std::pair<MessageKind, std::string_view>, 2> kAll = {
      {{MessageKind::kCheckIn, "checkin"}, {MessageKind::kText, "text"}}};
};
template <>
struct Words<MessageState> {
  static constexpr std::array<std::pair<MessageState, std::string_view>, 7> kAll = {
      {{MessageState::kQueued, "queued"},
       {MessageState::kRelayed, "relayed"},
       {MessageState::kDelivered, "delivered"},
       {MessageState::kConfirmed, "confirmed"},
       {MessageState::kReceived, "received"},
       {MessageState::kFailed, "failed"},
       {MessageState::kRevoked, "revoked"}}};
};
template <>
struct Words<AlertKind> {
  static constexpr std::array<std::pair<AlertKind, std::string_view>, 7> kAll = {
      {{AlertKind::kDuress, "duress"},
       {AlertKind::kInviteReused, "invite-reused"},
       {AlertKind::kGap, "gap"},
       {AlertKind::kDistress, "distress"},
       {AlertKind::kOverdue, "overdue"},
       {AlertKind::kKeyChanged, "key-changed"},
       {AlertKind::kApproval, "approval"}}};
};
template <>
struct Words<BoardState> {
  static constexpr std::array<std::pair<BoardState, std::string_view>, 6> kAll = {
      {{BoardState::kOk, "ok"},
       {BoardState::kDue, "due"},
       {BoardState::kOverdue, "overdue"},
       {BoardState::kDistress, "distress"},
       {BoardState::kDuress, "duress"},
       {BoardState::kRevoked, "revoked"}}};
};

// The word for `value`, as stored and printed.
template <typename E>
constexpr std::string_view NameOf(E value) {
  for (const auto& [v, word] : Words<E>::kAll) {
    if (v == value) return word;
  }
  return "?";
}

// The value `word` names, or nullopt.
template <typename E>
constexpr std::optional<E> Parse(std::string_view word) {
  for (const auto& [v, w] : Words<E>::kAll) {
    if (w == word) return v;
  }
  return std::nullopt;
}

// Parse() for a word read back from the store: Corrupt if it names nothing.
template <typename E>
Result<E> ParseStored(std::string_view word) {
  const std::optional<E> value = Parse<E>(word);
  if (!value)
    return Status::Corrupt("the store holds an unknown word \"" + std::string(word) + "\"");
  return *value;
}

// A name is 1 to 64 characters (code points, as a person counts them,
// docs/protocol.md §4.1), so at most 256 bytes of UTF-8: the bound the wire
// and the store see.
inline constexpr size_t kMaxNameChars = 64;
inline constexpr size_t kMaxNameSize = 4 * kMaxNameChars;
// Ok for 1..64 characters of UTF-8 with no control characters and no
// invisible formatting (core/text.h): names reach terminals, and one must
// not pose as another (docs/protocol.md §4.1).
Status CheckName(std::string_view name);

}  // namespace waypost::node
