// Settings, relays, and what ages out of the store: the retention of
// messages and the delivery window of chain keys (docs/storage.md §5,
// SECURITY.md "Epochs, chain keys and forward secrecy").
#include <vector>

#include "core/envelope/keys.h"
#include "core/node/node.h"
#include "core/text.h"

namespace waypost::node {

Status Node::SetRetention(std::optional<int64_t> seconds) {
  return Mutate([&]() -> Status {
    WAYPOST_RETURN_IF_ERROR(settings_table_.PutRetention(seconds));
    settings_.retention_seconds = seconds;
    return AgeOut();
  });
}

Status Node::SetDeliveryWindow(int64_t epochs) {
  return Mutate([&]() -> Status {
    WAYPOST_RETURN_IF_ERROR(settings_table_.PutDeliveryWindow(epochs));
    settings_.delivery_window_epochs = epochs;
    return AgeOut();
  });
}

Status Node::SetProxy(std::string_view url) {
  return Mutate([&]() -> Status {
    WAYPOST_RETURN_IF_ERROR(settings_table_.PutProxy(url));
    settings_.proxy = std::string(url);
    return Status::Ok();
  });
}

// Forward secrecy: a chain key older than the delivery window is ratcheted
// forward and the old value overwritten (secure_delete is on), so envelopes
// from before the window can never be opened again on this device.
//
// Retention: an outgoing message's outbox row goes with it once a relay
// holds the envelope; one that no relay has taken yet stays until it is
// uploaded or expires, so it still gets delivered.
//
// Both write nothing when nothing has aged out.
Status Node::AgeOut() {
  const UnixTime now = clock_.Now();
  WAYPOST_RETURN_IF_ERROR(
      contacts_.RatchetTo(envelope::EpochOf(now) - settings_.delivery_window_epochs));
  if (!settings_.retention_seconds) return Status::Ok();
  const UnixTime cutoff = now - *settings_.retention_seconds;
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Bytes> old, messages_.IdsOlderThan(cutoff));
  if (old.empty()) return Status::Ok();
  for (const Bytes& id : old) WAYPOST_RETURN_IF_ERROR(outbox_.RemoveIfRelayed(id));
  return messages_.DeleteOlderThan(cutoff);
}

Result<std::string> Node::RenameContact(std::string_view name, std::string_view to) {
  std::string old;
  WAYPOST_RETURN_IF_ERROR(Mutate([&]() -> Status {
    WAYPOST_ASSIGN_OR_RETURN(const Contact found, contacts_.Named(name));
    old = found.name;
    return contacts_.Rename(found.id, TrimSpace(to));
  }));
  return old;
}

Result<ContactInfo> Node::ContactNamed(std::string_view name) {
  WAYPOST_ASSIGN_OR_RETURN(const Contact found, contacts_.Named(name));
  return found.Info();
}

Result<Node::Verification> Node::SafetyNumberWith(std::string_view name) {
  WAYPOST_ASSIGN_OR_RETURN(const Contact found, contacts_.Named(name));
  return Verification{found.Info(), envelope::SafetyNumber(identity_.key_pair().public_key,
                                                           found.public_key.view())};
}

Result<ContactInfo> Node::MarkVerified(std::string_view name) {
  ContactInfo info;
  WAYPOST_RETURN_IF_ERROR(Mutate([&]() -> Status {
    WAYPOST_ASSIGN_OR_RETURN(Contact found, contacts_.Named(name));
    WAYPOST_RETURN_IF_ERROR(contacts_.SetVerified(found.id, clock_.Now()));
    found.verified_at = clock_.Now();
    info = found.Info();
    return Status::Ok();
  }));
  return info;
}

Result<bool> Node::AddRelay(std::string_view address) {
  bool added = false;
  WAYPOST_RETURN_IF_ERROR(Mutate([&]() -> Status {
    WAYPOST_ASSIGN_OR_RETURN(added, relays_.Add(address, clock_.Now()));
    return Status::Ok();
  }));
  return added;
}

Result<bool> Node::RemoveRelay(std::string_view address) {
  bool removed = false;
  WAYPOST_RETURN_IF_ERROR(Mutate([&]() -> Status {
    WAYPOST_ASSIGN_OR_RETURN(removed, relays_.Remove(address));
    return Status::Ok();
  }));
  return removed;
}

Result<std::vector<std::string>> Node::Relays() { return relays_.Addresses(); }

}  // namespace waypost::node
