// ContactBook: the `contacts` table (docs/storage.md §5): who this node
// talks to, the tag key of each, and the pair's chain key, which ratchets one
// way once per epoch (docs/protocol.md §3.2).
//
// A Contact holds key material in guarded memory; keep one only as long as
// one call needs it. Lifetime: borrows the Database. Not thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/envelope/keys.h"
#include "core/node/records.h"
#include "core/public_key.h"
#include "core/secret.h"
#include "core/status.h"
#include "core/store/database.h"

namespace waypost::node {

struct Contact {
  ContactId id;
  std::string name;
  PublicKey public_key;
  Role role = Role::kHelper;
  ContactState state = ContactState::kPending;
  Secret tag_key;  // the contact's recipient-tag key
  envelope::Epoch chain_epoch = 0;
  Secret chain_key;                // the pair's chain key at chain_epoch
  envelope::Epoch peer_epoch = 0;  // the newest epoch the contact sealed under
  std::optional<UnixTime> last_seen;
  UnixTime created_at = 0;

  ContactInfo Info() const;
};

// What enrollment knows about a new contact.
struct NewContact {
  std::string name;  // wanted; a clash gets a numeric suffix
  PublicKey public_key;
  Role role = Role::kHelper;
  ContactState state = ContactState::kPending;
  ByteView tag_key;
  envelope::Epoch chain_epoch = 0;
  const Secret* chain_key = nullptr;
};

class ContactBook {
 public:
  explicit ContactBook(store::Database& db) : db_(&db) {}

  // By name.
  Result<std::vector<Contact>> All();
  Result<std::vector<Contact>> WithRole(Role role);
  // Corrupt if there is none: ids come from rows that refer to it.
  Result<Contact> Get(ContactId id);
  // NotFound, pointing at `waypost contacts`, if no contact has this name.
  Result<Contact> Named(std::string_view name);
  Result<std::optional<Contact>> WithKey(const PublicKey& key);

  // Names are local labels: a clash gets a suffix ("-2", "-3", ...) rather
  // than failing. Returns the new contact's id.
  Result<ContactId> Add(const NewContact& contact, UnixTime now);
  Status SetState(ContactId id, ContactState state);
  // Replies use at least this epoch (docs/protocol.md §3.3).
  Status SetPeerEpoch(ContactId id, envelope::Epoch epoch);
  Status Touch(ContactId id, UnixTime now);

  // Forward secrecy (docs/protocol.md §3.2): moves every chain key older than
  // `floor` forward to `floor`, overwriting the old value. Writes nothing
  // when none is that old.
  Status RatchetTo(envelope::Epoch floor);

  // The decoy's side (docs/storage.md §3): its contacts' keys and ids, and
  // one contact written as the main store sees it but with its chain at
  // `epoch` (never moved back), changing nothing when nothing differs.
  // `epoch` is at least main.chain_epoch: a chain only ratchets forward.
  Result<std::vector<std::pair<ContactId, PublicKey>>> Keys();
  Status Mirror(const Contact& main, envelope::Epoch epoch, UnixTime now);
  // Removes the contact and its messages and alerts.
  Status Remove(ContactId id);

 private:
  template <typename... Args>
  Result<std::vector<Contact>> Load(std::string_view sql, const Args&... args);
  Result<std::optional<envelope::Epoch>> ChainEpochOf(const PublicKey& key);

  store::Database* db_;
};

}  // namespace waypost::node
