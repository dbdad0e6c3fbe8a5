// ContactBook: the `contacts` table (docs/storage.md §5): who this node
// talks to, the tag key of each, and the pair's two chain keys, each of which
// ratchets one way once per epoch (docs/protocol.md §3.2): the chain, and the
// duress chain, which a decoy holds instead (§4.3).
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
  Secret chain_key;  // the pair's chain key at chain_epoch; in a decoy, the duress chain
  // The pair's duress chain at duress_epoch. Empty in a decoy, whose
  // chain_key is this chain and which holds nothing else.
  envelope::Epoch duress_epoch = 0;
  Secret duress_key;
  envelope::Epoch peer_epoch = 0;  // the newest epoch the contact sealed under
  std::optional<UnixTime> last_seen;
  UnixTime created_at = 0;
  // Enrollment (docs/protocol.md §5.3). A helper's pending coordinator: when
  // the invite expires, and the content id of the join request, so a new
  // invite can withdraw it. Either side: when the join request was sealed,
  // by the joiner's clock, so an older one never undoes a newer one.
  std::optional<UnixTime> invite_expires_at;
  Bytes join_id;
  std::optional<UnixTime> joined_at;
  // When the user compared safety numbers with this contact and they
  // matched (docs/protocol.md §10); none until then.
  std::optional<UnixTime> verified_at;
  // A coordinator of this node's team: its roster-signing key (32 bytes);
  // once the team's roster lists it no more, it was revoked (§12.5).
  // Empty for anyone else.
  Bytes signing_key;
  Bytes binding;              // signing_key's team::CoordinatorBinding over public_key
  std::string introduced_by;  // ContactInfo::introduced_by

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
  std::optional<UnixTime> invite_expires_at = {};
  std::optional<UnixTime> joined_at = {};
  std::string_view introduced_by = {};
};

class ContactBook {
 public:
  explicit ContactBook(store::Database& db) : db_(&db) {}

  // By name.
  Result<std::vector<Contact>> All();
  Result<std::vector<Contact>> WithRole(Role role);
  // Corrupt if there is none: ids come from rows that refer to it.
  Result<Contact> Get(ContactId id);
  // The contact of this name, as a person types it: surrounding space
  // ignored, and the case of A-Z too when no name matches exactly (then
  // InvalidArgument if that leaves more than one). NotFound, with the
  // nearest name as a guess and a pointer at `waypost contacts`, if none.
  Result<Contact> Named(std::string_view name);
  Result<std::optional<Contact>> WithKey(const PublicKey& key);

  // Names are local labels: a clash gets a suffix ("-2", "-3", ...) rather
  // than failing. The duress chain is derived from the chain key at
  // chain_epoch (envelope::DuressChainFrom), as the other side derives it.
  // Returns the new contact's id.
  Result<ContactId> Add(const NewContact& contact, UnixTime now);
  // Enrollment again with a contact already known (docs/protocol.md §5.3):
  // its tag key, chains, state and enrollment times become `again`'s; its
  // name, messages and alerts stay; sequence numbers start again
  // (sequencer.h). The join request id is cleared.
  Status Rekey(ContactId id, const NewContact& again);
  // A new local label (CheckName rules). AlreadyExists if another contact
  // has it, whatever the case of A-Z (Named would find either).
  Status Rename(ContactId id, std::string_view name);
  // The join request queued for this pending contact.
  Status SetJoinId(ContactId id, ByteView join_id);
  Status SetState(ContactId id, ContactState state);
  // The safety numbers matched (docs/protocol.md §10).
  Status SetVerified(ContactId id, UnixTime now);
  Status SetSigningKey(ContactId id, ByteView key, ByteView binding);
  // Replies use at least this epoch (docs/protocol.md §3.3).
  Status SetPeerEpoch(ContactId id, envelope::Epoch epoch);
  Status Touch(ContactId id, UnixTime now);

  // Forward secrecy (docs/protocol.md §3.2): moves every chain key, duress
  // chains included, older than `floor` forward to `floor`, overwriting the
  // old value. Writes nothing when none is that old.
  Status RatchetTo(envelope::Epoch floor);

  // The decoy's side (docs/storage.md §3): its contacts' keys and ids, and
  // one contact written as the main store sees it, except that its chain is
  // the main store's duress chain (at its epoch, or the decoy's own if that
  // is later: a chain never moves back) and it has no other. Changes nothing
  // when nothing differs.
  Result<std::vector<std::pair<ContactId, PublicKey>>> Keys();
  Status Mirror(const Contact& main, UnixTime now);
  // Removes the contact and its messages and alerts.
  Status Remove(ContactId id);

 private:
  template <typename... Args>
  Result<std::vector<Contact>> Load(std::string_view sql, const Args&... args);
  Result<std::optional<envelope::Epoch>> ChainEpochOf(const PublicKey& key);

  store::Database* db_;
};

}  // namespace waypost::node
