// Node: one Waypost participant's state and actions, over its encrypted store.
//
// Everything a command does happens here, with no I/O other than the store:
// the CLI parses and prints, net/ moves envelopes, and Node decides. A Node
// owns its open Database; it is not thread-safe. Every mutating call runs in
// one transaction: when it fails, the store is as it was before the call.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/clock.h"
#include "core/envelope/format.h"
#include "core/envelope/keys.h"
#include "core/noise/key_pair.h"
#include "core/random.h"
#include "core/secret.h"
#include "core/status.h"
#include "core/store/database.h"
#include "core/store/kdf.h"

namespace waypost::pb {
class Body;
}

namespace waypost::node {

// Body.flags bit 0 (proto/waypost.proto): sent from a device under duress.
inline constexpr uint32_t kFlagDuress = 1;
// What the coordinator is told to do about a helper under duress.
inline constexpr char kDuressAdvice[] = "do not contact the device directly";

struct SelfInfo {
  std::string name;
  std::string fingerprint;
  std::string role;  // "coordinator", "helper" or "relay"
  Bytes public_key;
};

struct ContactInfo {
  std::string name;
  std::string fingerprint;
  std::string role;   // the contact's role in this node's eyes
  std::string state;  // "pending" until enrollment completes, then "active"
  std::optional<UnixTime> last_seen;
};

struct MessageInfo {
  std::string id;         // 12 hex digits: the start of the content id
  std::string direction;  // "in" or "out"
  std::string kind;       // "checkin" or "text"
  std::string peer;
  std::string code;
  std::string text;
  UnixTime sent_at = 0;
  std::optional<UnixTime> received_at;
  std::string state;  // out: queued|relayed|delivered|confirmed; in: received|confirmed
  bool duress = false;  // in: the sender's device was under duress
  bool test = false;
};

// Something a coordinator must act on. Only "duress" so far: raised by the
// first duress-flagged check-in or message from a contact, open until `Ack`.
struct AlertInfo {
  int64_t id = 0;
  std::string kind;  // "duress"
  std::string peer;
  std::string fingerprint;
  UnixTime raised_at = 0;  // by this node's clock, when the flag arrived
  std::optional<UnixTime> acked_at;
  std::string note;
};

// One helper's line on the coordinator's board.
struct BoardEntry {
  std::string name;
  std::string fingerprint;
  std::string last_code;  // of the newest check-in received, "" if none
  std::optional<UnixTime> last_sent_at;      // its sent_at, by the helper's clock
  std::optional<UnixTime> last_received_at;  // when it arrived, by ours
  std::optional<UnixTime> due_at;            // none yet: no schedules
  std::string state;                         // "ok" or "duress"
  std::optional<int64_t> alert;              // the open duress alert
};

// What one sync with a relay should carry.
struct SyncPlan {
  std::vector<Bytes> upload;  // queued envelopes no relay has taken yet
  std::vector<envelope::RecipientTag> tags;
  std::vector<Bytes> have;  // 8-byte content-id prefixes already held
};

enum class IngestOutcome {
  kAccepted,   // new, opened and applied
  kDuplicate,  // seen before (a replay or a second copy)
  kNotOurs,    // addressed to someone else
};

// Settings a user may change (`waypost settings`), kept in the store's
// `settings` table (docs/storage.md). A missing row means the default.
struct NodeSettings {
  // Messages (both directions) older than this many seconds are deleted at
  // every Open. nullopt: "keep", the history stays until the store is destroyed.
  std::optional<int64_t> retention_seconds = kDefaultRetentionSeconds;
  // Envelopes live, and chain keys are kept, for this many epochs.
  int64_t delivery_window_epochs = envelope::kDeliveryWindowEpochs;

  static constexpr int64_t kDefaultRetentionSeconds = 30 * envelope::kEpochSeconds;
  static constexpr int64_t kMinRetentionSeconds = envelope::kEpochSeconds;
  static constexpr int64_t kMinDeliveryWindowEpochs = 1;
  // Below Briar's 29 days for removable drives (SECURITY.md).
  static constexpr int64_t kMaxDeliveryWindowEpochs = 28;
};

inline constexpr size_t kMaxNameSize = 64;
// Ok for 1..64 bytes with no control characters (names reach terminals).
Status CheckName(std::string_view name);

class Node {
 public:
  // Creates the home, its key file and database, and a fresh identity.
  static Result<std::unique_ptr<Node>> Create(const std::string& home, const Secret& passphrase,
                                              store::KdfProfile profile, std::string_view name,
                                              std::string_view role, const Clock& clock,
                                              Random& random);
  // Opens an existing home. WrongPassphrase leaves every file untouched.
  // On success it has also erased what has aged out (settings()): chain keys
  // older than the delivery window are ratcheted forward and messages older
  // than the retention are deleted. secure_delete is on, so the old bytes
  // are overwritten inside the database file.
  //
  // Duress (docs/storage.md §3): the key opens either the main store or its
  // decoy, and both kinds of Node behave alike to whoever uses them. Opening
  // the main store also checks the decoy and brings it up to date; opening
  // the decoy marks it used, so the next main open enters the duress state.
  static Result<std::unique_ptr<Node>> Open(const std::string& home, const Secret& passphrase,
                                            const Clock& clock, Random& random);

  // `waypost passwd [--rotate]` for the store that `current` opens; opens it
  // first (so a decoy is marked used). In a decoy, rotate only re-wraps (its
  // key must stay the one the main store holds), which looks the same from
  // outside. The caller runs store::RecoverRotation first.
  static Status ChangePassphrase(const std::string& home, const Secret& current,
                                 const Secret& next, bool rotate, const Clock& clock,
                                 Random& random);

  // `waypost duress set`: makes `next` open the decoy. From the main store it
  // writes (or rewrites) the duress slot and refreshes the decoy; from the
  // decoy it adds a slot that opens the decoy too, never touching the main
  // store's slot. InvalidArgument if `next` equals `current` or already opens
  // a slot of this store.
  Status SetDuressPassphrase(const Secret& current, const Secret& next);

  const SelfInfo& self() const { return self_; }
  const noise::KeyPair& identity() const { return identity_; }
  store::Database& database() { return db_; }

  const NodeSettings& settings() const { return settings_; }
  // Each validates its value (InvalidArgument outside the NodeSettings
  // bounds), stores it and applies it at once: a shorter retention deletes
  // older messages now, a shorter window erases older chain keys now.
  Status SetRetention(std::optional<int64_t> seconds);
  Status SetDeliveryWindow(int64_t epochs);

  Status AddRelay(std::string_view address);
  Result<std::vector<std::string>> Relays();

  // A one-time invite code valid for `ttl_seconds`, carrying this node's relays.
  Result<std::string> CreateInvite(std::string_view for_name, int64_t ttl_seconds);
  // Accepts an invite: the inviter becomes a pending coordinator contact and
  // a join request is queued for the next sync. Returns the inviter's name.
  Result<std::string> Join(std::string_view code);

  Result<std::vector<ContactInfo>> Contacts();

  // Queues a check-in to `to`, or to every coordinator when empty. Returns
  // the message ids.
  Result<std::vector<std::string>> CheckIn(std::string_view code, std::string_view note,
                                           std::string_view to);
  Result<std::string> SendText(std::string_view to, std::string_view text);
  // Confirms a received check-in, named by an id prefix of 4+ hex digits.
  Status Confirm(std::string_view id_prefix);

  Result<std::vector<MessageInfo>> Inbox();

  // Alerts, newest first; only the unacknowledged ones if `open_only`.
  Result<std::vector<AlertInfo>> Alerts(bool open_only);
  // Acknowledges an open alert, named by its id or by the contact's name (then
  // all of that contact's open alerts). For duress it also queues an Ack that
  // ends the duress state on the helper's device. Returns what was acked.
  Result<std::vector<AlertInfo>> Ack(std::string_view alert, std::string_view note);
  // Every helper contact, by name.
  Result<std::vector<BoardEntry>> Board();

  Result<SyncPlan> PlanSync();
  // The relay accepted (or already had) these envelopes.
  Status MarkRelayed(const std::vector<Bytes>& envelopes);
  // Takes in one envelope from any path. Bad envelopes are AuthFailed or
  // Corrupt and change nothing.
  Result<IngestOutcome> Ingest(ByteView envelope);

  struct IngestCounts {
    size_t accepted = 0;
    size_t duplicate = 0;
    size_t not_ours = 0;
    size_t rejected = 0;  // forged, damaged or expired; dropped
  };
  // Takes in a batch in any order. Envelopes that fail are retried while the
  // batch still makes progress, so a check-in that arrives beside the join
  // request it depends on is not lost to ordering.
  IngestCounts IngestAll(const std::vector<Bytes>& envelopes);

 private:
  struct Contact;
  Node(store::Database db, std::string home, const Clock& clock, Random& random);
  Status LoadIdentity();
  // Duress (duress.cc).
  Status LoadDuressState();
  Status CheckDecoy();      // main store, at Open
  Status MarkDecoyUsed();   // decoy, at Open
  // Makes the decoy a copy of what a captor may see (docs/storage.md §3).
  Status WriteDecoy(store::Database& decoy);
  // Opens the decoy and writes it; a no-op in the decoy itself.
  Status RefreshDecoy();
  Status EnterDuress(UnixTime since);
  Status RaiseAlert(const Contact& from, std::string_view kind, ByteView message_id);
  // Sets Body.flags (always present, kFlagDuress while under duress) and
  // serialises.
  std::string Serialize(pb::Body& body) const;
  Status InsertRelay(std::string_view address);
  Status EnsureSchema();
  Status LoadSettings();
  Status PutSetting(std::string_view key, const std::string& value);
  // Both are no-ops, taking no write lock, when nothing has aged out.
  Status RatchetOldChains();
  Status DeleteOldMessages();

  Result<std::vector<Contact>> LoadContacts(std::string_view where_clause = "");
  Result<Contact> FindContact(std::string_view name);
  Result<std::string> QueueBody(const Contact& to, const std::string& body_bytes,
                                std::string_view kind, std::string_view code,
                                std::string_view text, bool record);
  Result<IngestOutcome> IngestJoin(ByteView envelope, ByteView invite_id, const Secret& secret);
  Result<IngestOutcome> IngestFromContact(ByteView envelope, const envelope::Header& header,
                                          const envelope::ContentId& id, envelope::Epoch epoch);
  Status ApplyBody(const Contact& from, const envelope::ContentId& id, ByteView body);
  // One row of `messages`: direction "out" starts "queued", "in" starts
  // "received" with received_at set.
  Status InsertMessage(ByteView id, std::string_view direction, std::string_view kind,
                       int64_t contact_id, std::string_view code, std::string_view text,
                       UnixTime sent_at, std::optional<UnixTime> received_at,
                       bool duress = false);
  Status AddUniqueContact(std::string name, ByteView public_key, std::string_view role,
                          std::string_view state, ByteView tag_key, envelope::Epoch epoch,
                          const Secret& chain);

  store::Database db_;
  std::string home_;
  const Clock& clock_;
  Random& random_;
  SelfInfo self_;
  noise::KeyPair identity_;
  Secret tag_key_;
  NodeSettings settings_;
  // Duress: which store this is and what it knows (duress.cc).
  bool decoy_ = false;
  int slot_ = -1;             // the key-file slot that opened it
  Secret own_key_;            // its database key
  Secret decoy_key_;          // main store only: the decoy's database key
  std::optional<UnixTime> duress_since_;  // main store only: sticky until acked
};

}  // namespace waypost::node
