// RelaySession: the relay's side of one sync connection (responder).
//
//   client                                  relay
//   XX message 0                 ->
//                                <-         XX message 1 (proves the relay key)
//   XX message 2                 ->
//   Upload | Reconcile | Fetch   ->
//                                <-         UploadResult | ReconcileReply | FetchReply
//   ... (any number of these)
//   close
//
// Each client message gets exactly one answer (docs/protocol.md §2.4). An
// Upload is committed to disk before its answer is sent, so an answer the
// client reads is a promise that survives a crash. The first Reconcile names
// the recipient tags the session may see; Fetch serves only envelopes under
// them. A relay it peers with (docs/protocol.md §2.5) proves its own static
// key in the handshake and may ask for every envelope instead; anyone else
// asking that is cut off.
//
// Deadlines: the client's first handshake message must arrive within 5 s of
// OnStart and the handshake must finish within 10 s; each next client
// message must arrive within 30 s of the previous answer (of OnFlushed, when
// net/ reports the answer written out), else Timeout. Until the handshake
// ends the session is Provisional(): a full relay drops it first
// (docs/protocol.md §2.6). A client that closes between messages ends the
// session cleanly.
//
// Hostile input: garbage, a bad handshake, a malformed or over-limit message
// all return an error Status (net/ then closes the socket); what earlier
// messages committed stays. Envelopes are checked one by one; bad ones are
// refused and do not fail the session. After an error the session is dead and
// every later call returns the same Status.
//
// Lifetime: `store`, `clock` and `random` are borrowed and must outlive the
// session. Single-threaded, like every Connection.
#pragma once

#include <cstdint>
#include <optional>
#include <set>

#include "core/clock.h"
#include "core/connection.h"
#include "core/noise/key_pair.h"
#include "core/random.h"
#include "core/sync/constants.h"
#include "core/sync/negentropy.h"
#include "core/sync/relay_store.h"
#include "core/sync/secure_channel.h"
#include "core/sync/team_registry.h"

namespace waypost::pb {
class Upload;
class UploadResult;
class Reconcile;
class Fetch;
class Admit;
class AdmitReply;
class ClientMessage;
class RelayMessage;
}  // namespace waypost::pb

namespace waypost::sync {

class RelaySession final : public Connection {
 public:
  // `relay_static` is the relay's long-term key pair (copied). `clock`
  // supplies Unix time for expiry checks; deadlines use the ms passed in.
  // `peer_keys`: the static public keys of the relays this one peers with
  // (borrowed; must outlive the session); null for none. `page_records`:
  // the most records one page of the scope holds (tests make it small).
  // `teams` (borrowed): the teams served; every session must then be
  // admitted for one of them first (docs/protocol.md §11.3). Null for an
  // open relay, which serves anyone, as before teams.
  RelaySession(RelayStore& store, const noise::KeyPair& relay_static, const Clock& clock,
               Random& random, const std::set<Bytes>* peer_keys = nullptr,
               size_t page_records = kMaxScopeRecords, TeamRegistry* teams = nullptr);

  Status OnStart(int64_t now_ms) override;
  Status OnReceive(ByteView bytes, int64_t now_ms) override;
  Bytes TakeOutgoing() override;
  bool IsDone() const override { return done_; }
  std::optional<int64_t> Deadline() const override;
  Status OnTimeout(int64_t now_ms) override;
  void OnClosed(const Status& why) override;
  void OnFlushed(int64_t now_ms) override;
  bool Provisional() const override;
  Status Outcome(const Status& /*why*/) const override { return status_; }

  // For the operator's log once the session is over.
  uint32_t accepted() const { return accepted_; }
  uint32_t rejected() const { return rejected_; }
  size_t envelopes_sent() const { return envelopes_sent_; }
  uint64_t bytes_sent() const { return channel_.bytes_sent(); }
  uint64_t bytes_received() const { return channel_.bytes_received(); }
  // Ok after a clean close; otherwise why the session ended (or is ending).
  const Status& status() const { return status_; }

 private:
  Status Fail(Status why);
  Status HandleMessage(ByteView bytes);
  Status HandleUpload(const pb::Upload& upload, pb::UploadResult& result);
  Status HandleReconcile(const pb::Reconcile& reconcile, pb::RelayMessage& reply);
  Status HandleFetch(const pb::Fetch& fetch, pb::RelayMessage& reply);
  Status Send(const pb::RelayMessage& reply);
  // An Upload, Reconcile or Fetch of an admitted session.
  Status Dispatch(const pb::ClientMessage& message, pb::RelayMessage& reply);
  // An Admit, and the first message it carries once admitted.
  Status Admit(const pb::Admit& admit, pb::RelayMessage& reply);
  bool IsLateRoster(const pb::Admit& admit) const;
  void TakeLateRoster(const pb::Admit& admit, pb::RelayMessage& reply);
  // Fills `reply`; an error means REFUSED, with the reason for the log only.
  Status HandleAdmit(const pb::Admit& admit, pb::AdmitReply& reply);
  Status CheckProof(const pb::Admit& admit, const team::SignedTeamState& held);
  bool IsPeer() const;

  RelayStore* store_;
  const Clock* clock_;
  SecureChannel channel_;
  std::optional<int64_t> started_ms_;
  int64_t last_answer_ms_ = 0;
  size_t messages_ = 0;
  bool done_ = false;
  Status status_;
  Status SetScope(const pb::Reconcile& first);
  // A new reconciliation over the scope's records at or below the message's
  // bound (all of them without one); notes in `reply` where the relay cut.
  Status StartPage(const pb::Reconcile& reconcile, pb::RelayMessage& reply);

  const std::set<Bytes>* peer_keys_;
  TeamRegistry* teams_;
  bool admitted_ = false;
  bool admitted_peer_ = false;
  int admit_messages_ = 0;
  // What the first Reconcile named, and the reconciliation over it.
  RelayStore::View scope_;
  std::optional<NegentropyServer> reconciler_;
  int pages_ = 0;
  size_t page_records_;
  uint32_t accepted_ = 0;
  uint32_t rejected_ = 0;
  size_t uploaded_bytes_ = 0;  // offered for storing, against kMaxSessionUploadBytes
  size_t envelopes_sent_ = 0;
};

}  // namespace waypost::sync
