// User settings and what ages out of the store: the retention of messages
// and the delivery window of chain keys (docs/storage.md "settings",
// SECURITY.md "Epochs, chain keys and forward secrecy").
#include <charconv>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/envelope/keys.h"
#include "core/node/internal/contact.h"
#include "core/node/node.h"

namespace waypost::node {
namespace {

// Stored values are text: retention is decimal seconds or "keep"; the
// delivery window is decimal epochs (days).
constexpr const char* kRetentionKey = "retention";
constexpr const char* kDeliveryWindowKey = "delivery-window";
constexpr const char* kKeep = "keep";

std::optional<int64_t> ParseStoredInt(const std::string& text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

bool ValidRetention(std::optional<int64_t> seconds) {
  return !seconds || *seconds >= NodeSettings::kMinRetentionSeconds;
}

// A transaction of its own unless the caller already holds one.
Result<std::optional<store::Transaction>> BeginUnlessInOne(store::Database& db) {
  std::optional<store::Transaction> tx;
  if (db.InTransaction()) return tx;
  WAYPOST_ASSIGN_OR_RETURN(store::Transaction begun, store::Transaction::Begin(db));
  tx.emplace(std::move(begun));
  return tx;
}

Status CommitIfOwned(std::optional<store::Transaction>& tx) {
  return tx ? tx->Commit() : Status::Ok();
}

bool ValidWindow(int64_t epochs) {
  return epochs >= NodeSettings::kMinDeliveryWindowEpochs &&
         epochs <= NodeSettings::kMaxDeliveryWindowEpochs;
}

}  // namespace

Status Node::LoadSettings() {
  settings_ = NodeSettings();
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st, db_.Prepare("SELECT key, value FROM settings"));
  while (true) {
    WAYPOST_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    const std::string key = st.ColumnText(0);
    const std::string value = st.ColumnText(1);
    const std::optional<int64_t> number = ParseStoredInt(value);
    if (key == kRetentionKey) {
      settings_.retention_seconds = value == kKeep ? std::nullopt : number;
      if ((value != kKeep && !number) || !ValidRetention(settings_.retention_seconds)) {
        return Status::Corrupt("the stored retention setting is damaged");
      }
    } else if (key == kDeliveryWindowKey) {
      if (!number || !ValidWindow(*number)) {
        return Status::Corrupt("the stored delivery-window setting is damaged");
      }
      settings_.delivery_window_epochs = *number;
    }
    // Unknown keys are ignored: a later version may add some.
  }
  return Status::Ok();
}

Status Node::PutSetting(std::string_view key, const std::string& value) {
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st,
                           db_.Prepare("INSERT OR REPLACE INTO settings(key, value) VALUES(?, ?)"));
  WAYPOST_RETURN_IF_ERROR(st.BindText(1, key));
  WAYPOST_RETURN_IF_ERROR(st.BindText(2, value));
  return st.Step().status();
}

Status Node::SetRetention(std::optional<int64_t> seconds) {
  if (!ValidRetention(seconds)) {
    return Status::InvalidArgument("the retention is at least 1 day (1d), or keep");
  }
  WAYPOST_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db_));
  WAYPOST_RETURN_IF_ERROR(PutSetting(kRetentionKey, seconds ? std::to_string(*seconds) : kKeep));
  const NodeSettings before = settings_;
  settings_.retention_seconds = seconds;
  Status applied = DeleteOldMessages();
  if (applied.ok()) applied = tx.Commit();
  if (!applied.ok()) settings_ = before;
  if (applied.ok()) applied = RefreshDecoy();
  return applied;
}

Status Node::SetDeliveryWindow(int64_t epochs) {
  if (!ValidWindow(epochs)) {
    return Status::InvalidArgument("the delivery window is 1 to 28 whole days (1d to 28d)");
  }
  WAYPOST_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db_));
  WAYPOST_RETURN_IF_ERROR(PutSetting(kDeliveryWindowKey, std::to_string(epochs)));
  const NodeSettings before = settings_;
  settings_.delivery_window_epochs = epochs;
  Status applied = RatchetOldChains();
  if (applied.ok()) applied = tx.Commit();
  if (!applied.ok()) settings_ = before;
  if (applied.ok()) applied = RefreshDecoy();
  return applied;
}

// Forward secrecy: a chain key older than the delivery window is ratcheted
// forward and the old value overwritten (secure_delete is on), so envelopes
// from before the window can never be opened again on this device.
Status Node::RatchetOldChains() {
  const envelope::Epoch floor = envelope::EpochOf(clock_.Now()) - settings_.delivery_window_epochs;
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Contact> contacts,
                           LoadContacts("WHERE chain_epoch < " + std::to_string(floor)));
  if (contacts.empty()) return Status::Ok();
  WAYPOST_ASSIGN_OR_RETURN(std::optional<store::Transaction> tx, BeginUnlessInOne(db_));
  for (const Contact& c : contacts) {
    Secret chain = envelope::ChainAt(c.chain_key, c.chain_epoch, floor);
    WAYPOST_ASSIGN_OR_RETURN(
        store::Statement st,
        db_.Prepare("UPDATE contacts SET chain_epoch = ?, chain_key = ? WHERE id = ?"));
    WAYPOST_RETURN_IF_ERROR(st.Bind(1, floor));
    WAYPOST_RETURN_IF_ERROR(st.BindBlob(2, chain.view()));
    WAYPOST_RETURN_IF_ERROR(st.Bind(3, c.id));
    WAYPOST_RETURN_IF_ERROR(st.Step().status());
  }
  return CommitIfOwned(tx);
}

// Retention: incoming messages age from when they arrived (our clock),
// outgoing ones from when they were sent. An outgoing message's outbox row
// goes with it once a relay holds the envelope; one that no relay has taken
// yet stays until it is uploaded or expires, so it still gets delivered.
Status Node::DeleteOldMessages() {
  if (!settings_.retention_seconds) return Status::Ok();
  const std::string cutoff = std::to_string(clock_.Now() - *settings_.retention_seconds);
  const std::string old_messages = "(direction = 'in' AND coalesce(received_at, sent_at) < " +
                                   cutoff + ") OR (direction = 'out' AND sent_at < " + cutoff + ")";
  {
    WAYPOST_ASSIGN_OR_RETURN(store::Statement st,
                             db_.Prepare("SELECT 1 FROM messages WHERE " + old_messages));
    WAYPOST_ASSIGN_OR_RETURN(bool any, st.Step());
    if (!any) return Status::Ok();
  }
  WAYPOST_ASSIGN_OR_RETURN(std::optional<store::Transaction> tx, BeginUnlessInOne(db_));
  WAYPOST_RETURN_IF_ERROR(
      db_.Exec("DELETE FROM outbox WHERE relayed = 1 AND id IN (SELECT id FROM messages WHERE " +
               old_messages + ")"));
  WAYPOST_RETURN_IF_ERROR(db_.Exec("DELETE FROM messages WHERE " + old_messages));
  return CommitIfOwned(tx);
}

}  // namespace waypost::node
