// SyncClient: a node's side of one sync connection to a relay (initiator).
// The session is drawn in relay_session.h and specified in docs/protocol.md
// §2.4. In order, on one connection:
//
//   1. upload:    one Upload batch of what the party has waiting for this
//                 relay; its verdicts go to the party, which commits them;
//   2. reconcile: Negentropy V1 over the envelopes under the party's tags,
//                 against the records the party already holds;
//      When the relay had to cut the scope (more records than it reconciles
//      at once), the client reconciles the next page, below the cut, once
//      this one is done, up to kMaxScopePages per session;
//   3. fetch:     as reconciliation names envelopes the party lacks, Fetch
//                 batches of them; each batch goes to the party, which takes
//                 it in and commits before the next is asked for;
//      (uploads the reconciliation found, for a party that asks for that,
//      go up between rounds too);
//   4. upload the rest in batches, with what taking in queued (receipts, a
//      welcome), each batch's verdicts committed before the next leaves; a
//      FULL verdict ends uploading for the session. Then close.
//
// Batches start small and double with each answer, so a link that drops
// after a few kilobytes still moves at least one batch per connection, and a
// good link soon moves many. The Negentropy frame limit grows the same way.
//
// The client pins the relay's public key from its address (relay_address.h):
// a relay that proves any other key fails with AuthFailed. Each answer must
// come within `deadline_ms` of the message it answers, else Timeout.
//
// Everything from the relay is untrusted: a fetched envelope whose content id
// was not asked for, a verdict list of the wrong length, or a reply of the
// wrong kind is Protocol. Lifetime: `party` and `random` are borrowed and
// must outlive the client. Single-threaded.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <vector>

#include "core/bytes.h"
#include "core/connection.h"
#include "core/envelope/format.h"
#include "core/random.h"
#include "core/sync/constants.h"
#include "core/sync/negentropy.h"
#include "core/sync/secure_channel.h"
#include "core/team/ring_signature.h"
#include "core/team/team_state.h"

namespace waypost::pb {
class Admit;
class RelayMessage;
}  // namespace waypost::pb

namespace waypost::sync {

enum class UploadVerdict { kStored, kHeld, kRefused, kFull };

// What a sync client needs from the node it syncs for (core/node implements
// it over the store). Every method that returns Status commits its change
// before returning; an error fails the session.
class SyncParty {
 public:
  virtual ~SyncParty() = default;

  // How the party proves it belongs to a team the relay serves
  // (docs/protocol.md §11.3). The keys are borrowed from the party.
  struct Admission {
    team::TeamId team{};
    Bytes roster;                            // newest signed roster held; may be empty
    const team::RingKeyPair* key = nullptr;  // its admission key, if it has one
    Bytes ticket;                            // an invite's ticket, while joining
    const team::SigningKeyPair* ticket_key = nullptr;
    bool peer = false;  // a relay dialing a relay it peers with
  };
  // nullopt: the session starts without admission (an open relay).
  virtual Result<std::optional<Admission>> AdmissionFor() { return std::optional<Admission>(); }
  // The relay holds a newer roster of the party's team (exact bytes), with
  // the steps of its chain above the party's version (docs/protocol.md
  // §11.7). Ok once the party checked that it follows its own through them
  // and keeps it; the client then proves against it. An error ends the
  // session.
  virtual Status NewerRoster(ByteView roster, const std::vector<ByteView>& steps) {
    (void)roster;
    (void)steps;
    return Status::AuthFailed();
  }
  // The steps the party keeps of `team`'s chain above `version`, oldest
  // first: they go up with a roster the relay holds an older one of.
  virtual Result<std::vector<Bytes>> RosterSteps(const team::TeamId& team, uint64_t version) {
    (void)team;
    (void)version;
    return std::vector<Bytes>();
  }
  // The newest roster the party holds of `team` now (exact bytes), empty if
  // none: read at the session's end, to push one that changed meanwhile.
  virtual Result<Bytes> NewestRoster(const team::TeamId& team) {
    (void)team;
    return Bytes();
  }

  // The next envelopes waiting for this relay: at most `max_count`, and at
  // most `max_bytes` in all unless the first alone is larger. None handed
  // out earlier in this session. Empty when nothing is left.
  virtual Result<std::vector<Bytes>> NextUploads(size_t max_count, size_t max_bytes) = 0;
  // The relay's verdicts on `batch`, one each, in order.
  virtual Status Uploaded(const std::vector<Bytes>& batch,
                          const std::vector<UploadVerdict>& verdicts) = 0;

  struct Scope {
    std::vector<envelope::RecipientTag> tags;  // at most kMaxTags
    std::vector<NegItem> held;                 // (expiry, content id) already taken in or rejected
    // Every envelope the relay holds, instead of `tags`: a relay syncing
    // with a relay it peers with (docs/protocol.md §2.5).
    bool everything = false;
  };
  virtual Result<Scope> FetchScope() = 0;
  // For a later page of a scope the relay cut (docs/protocol.md §2.4,
  // "Pages"): sets *held to the held records at or below `bound` and
  // returns true; false (the default) lets the client take them from the
  // `held` FetchScope gave, which it keeps. A party whose `held` was itself
  // cut (a relay's store) reads them afresh.
  virtual Result<bool> HeldAtOrBelow(const NegItem& bound, std::vector<NegItem>* held) {
    (void)bound;
    (void)held;
    return false;
  }
  // Reconciliation found these in `held` and not at the relay. A node's
  // uploads follow its outbox, so it ignores them (false); a relay peering
  // with another queues them for NextUploads and returns true: they then go
  // up between reconciliation rounds, so that a link which drops every few
  // kilobytes still moves them.
  virtual bool RelayLacks(const std::vector<NegId>& ids) {
    (void)ids;
    return false;
  }
  // One fetched batch; every envelope is one that was asked for.
  virtual Status Fetched(std::vector<Bytes> batch) = 0;
  // Reconciliation ended and all it found was fetched.
  virtual Status FetchDone() = 0;
};

class SyncClient final : public Connection {
 public:
  // `relay_public_key`: 32 bytes, from the relay address. `local_static`:
  // null for a node, which proves a fresh key per connection; a relay
  // dialing a peer passes its own identity (copied).
  SyncClient(ByteView relay_public_key, SyncParty& party, Random& random,
             int64_t deadline_ms = kClientDeadlineMs, const noise::KeyPair* local_static = nullptr);

  Status OnStart(int64_t now_ms) override;
  Status OnReceive(ByteView bytes, int64_t now_ms) override;
  Bytes TakeOutgoing() override;
  bool IsDone() const override { return done_; }
  std::optional<int64_t> Deadline() const override;
  Status OnTimeout(int64_t now_ms) override;
  void OnClosed(const Status& why) override;

  // True once the whole session ran.
  bool succeeded() const { return done_ && status_.ok(); }
  // The first error, or Ok. Before the end it is Ok as long as nothing failed.
  const Status& status() const { return status_; }

  // What happened so far; meaningful after a failure too, since every
  // answered batch was committed.
  size_t uploaded() const { return uploaded_; }    // STORED or HELD
  size_t refused() const { return refused_; }      // REFUSED or FULL at the relay
  bool relay_full() const { return relay_full_; }  // a FULL verdict came
  size_t downloaded() const { return downloaded_; }
  uint64_t bytes_sent() const { return channel_.bytes_sent(); }
  uint64_t bytes_received() const { return channel_.bytes_received(); }
  int round_trips() const { return round_trips_; }

  // First batch sizes; each answered batch doubles them up to the maximum.
  static constexpr size_t kFirstUploadBytes = 480;  // 4 check-ins in one 512-byte bucket
  static constexpr size_t kMaxUploadBytes = size_t{256} << 10;
  static constexpr size_t kFirstFetchCount = 4;

 private:
  enum class Phase {
    kHandshake,
    kAdmit,
    kRoster,  // a newer roster going up at the end (SendNewerRoster)
    kUpload,
    kReconcile,
    kFetch,
    kUploadFound,
    kUploadAgain,
    kDone
  };

  Status Fail(Status why);
  // Sends the next message for the current phase, moving on through the
  // phases while one has nothing to send.
  Status Advance();
  Status SendUpload(bool* sent);
  Status SendReconcile();
  // Opens a reconciliation of the records at or below `bound`.
  Status StartPage(const NegItem& bound);
  Status SendFetch();
  Status HandleAnswer(ByteView bytes);
  Status HandleUploadResult(const pb::RelayMessage& answer);
  Status HandleParsedAnswer(const pb::RelayMessage& answer);
  Status Refusal();
  Status HandleReconcileReply(const pb::RelayMessage& answer);
  Status HandleFetchReply(const pb::RelayMessage& answer);
  Status Send(const std::string& encoded);
  // The first message after the handshake, when the party has an admission.
  Status StartAdmission();
  // `relay_version`: the roster version the relay said it holds, when it
  // asked for ours (the steps above it go up too).
  Status SendAdmit(bool with_roster, uint64_t relay_version = 0);
  Status AttachSteps(uint64_t relay_version, pb::Admit& admit);
  Status HandleAdmitReply(const pb::RelayMessage& answer);
  Status SendNewerRoster(bool* sent);

  SecureChannel channel_;
  SyncParty* party_;
  Random* random_;
  int64_t deadline_ms_;
  std::optional<int64_t> started_ms_;
  int64_t waiting_since_ms_ = 0;
  Phase phase_ = Phase::kHandshake;
  bool done_ = false;
  Status status_;

  std::optional<SyncParty::Admission> admission_;
  std::optional<team::SignedTeamState> roster_;  // admission_->roster, parsed
  int admits_sent_ = 0;
  // While admission is pending, the session's first message waits here to
  // go inside the Admit, and the phase it was sent in.
  bool holding_first_ = false;
  std::string held_first_;
  Phase first_phase_ = Phase::kUpload;

  std::vector<Bytes> in_flight_uploads_;
  int uploads_answered_ = 0;
  size_t upload_bytes_ = kFirstUploadBytes;

  std::vector<envelope::RecipientTag> tags_;
  bool everything_ = false;
  std::optional<NegentropyClient> reconciler_;
  std::optional<Bytes> next_reconcile_;  // nullopt once reconciliation is done
  std::vector<NegItem> held_;            // the scope's held records, for later pages
  std::optional<NegItem> page_bound_;    // goes with the next Reconcile
  bool opening_page_ = false;            // the next reply opens a page: it may cut
  std::optional<NegItem> cut_;           // where the relay cut the current page
  int pages_ = 0;
  size_t frame_limit_ = kMinReconcileFrame;
  int reconcile_rounds_ = 0;
  std::deque<NegId> need_;
  bool upload_found_ = false;  // the party has uploads that reconciliation found
  std::vector<NegId> in_flight_fetch_;
  size_t fetch_count_ = kFirstFetchCount;

  size_t uploaded_ = 0;
  size_t refused_ = 0;
  bool relay_full_ = false;
  size_t downloaded_ = 0;
  int round_trips_ = 0;
};

}  // namespace waypost::sync
