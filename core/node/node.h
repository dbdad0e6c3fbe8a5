// Node: one Waypost participant, over its encrypted store. The facade that
// cli/ and the sync round use; the work is done by parts that each own their
// tables (docs/design.md, "core/node"):
//
//   Identity, DuressState   the meta table: who we are, which store this is
//   RelayList, SettingsTable, ContactBook, InviteBook, MessageLog, Outbox,
//   ReplayCache, AlertBook  one table each; Codebook its two
//   Courier                 seals bodies to contacts and queues them
//   Enrollment              invites, join requests, welcomes
//   TeamBook, TeamNews      the team's roster and keys; what coordinators
//                           tell each other and introduce (protocol.md §12)
//   Receiver, BodyHandlers  taking envelopes in, one handler per body kind
//   WriteDecoy              what the decoy holds (docs/storage.md §3)
//
// Every change goes through Mutate(): one transaction, then, if a table the
// decoy mirrors changed, a refresh of the decoy. No other code writes the
// store or refreshes the decoy.
//
// A Node owns its open Database; it is not thread-safe. Every mutating call
// runs in one transaction: when it fails, the store is as it was before.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/clock.h"
#include "core/env.h"
#include "core/node/alert_book.h"
#include "core/node/approvals.h"
#include "core/node/body_handlers.h"
#include "core/node/codebook.h"
#include "core/node/contact_book.h"
#include "core/node/courier.h"
#include "core/node/duress_state.h"
#include "core/node/enrollment.h"
#include "core/node/identity.h"
#include "core/node/invite_book.h"
#include "core/node/message_log.h"
#include "core/node/outbox.h"
#include "core/node/receiver.h"
#include "core/node/records.h"
#include "core/node/relay_list.h"
#include "core/node/replay_cache.h"
#include "core/node/schedule_book.h"
#include "core/node/settings_table.h"
#include "core/node/team_book.h"
#include "core/node/team_news.h"
#include "core/random.h"
#include "core/secret.h"
#include "core/status.h"
#include "core/store/database.h"
#include "core/store/kdf.h"
#include "core/sync/sync_client.h"

namespace waypost::sync {
class RelayService;
}

namespace waypost::node {

class Node {
 public:
  // Creates the home, its key file and both databases, and a fresh identity.
  // All or nothing: a failure, or a crash, leaves no store (store::CreateStore).
  static Result<std::unique_ptr<Node>> Create(const std::string& home, const Secret& passphrase,
                                              store::KdfProfile profile, std::string_view name,
                                              Role role, const Clock& clock, Random& random,
                                              Env& env = Env::Default());
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
  // outside. Opening finishes a change that a crash interrupted (home.h).
  static Status ChangePassphrase(const std::string& home, const Secret& current, const Secret& next,
                                 bool rotate, const Clock& clock, Random& random);

  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // `waypost duress set`: makes `next` open the decoy. From the main store it
  // writes (or rewrites) the duress slot and refreshes the decoy; from the
  // decoy it adds a slot that opens the decoy too, never touching the main
  // store's slot. InvalidArgument if `next` equals `current` or already opens
  // a slot of this store.
  Status SetDuressPassphrase(const Secret& current, const Secret& next);

  const SelfInfo& self() const { return identity_.self(); }
  const noise::KeyPair& identity() const { return identity_.key_pair(); }

  const NodeSettings& settings() const { return settings_; }
  // Each validates its value (InvalidArgument outside the NodeSettings
  // bounds), stores it and applies it at once: a shorter retention deletes
  // older messages now, a shorter window erases older chain keys now.
  Status SetRetention(std::optional<int64_t> seconds);
  Status SetDeliveryWindow(int64_t epochs);
  // "socks5://HOST:PORT", or "" for none (NodeSettings::proxy).
  Status SetProxy(std::string_view url);

  // Saves `address` (false: it already was). InvalidArgument unless it is a
  // relay address.
  Result<bool> AddRelay(std::string_view address);
  // Forgets `address` (false: it was not saved).
  Result<bool> RemoveRelay(std::string_view address);
  Result<std::vector<std::string>> Relays();

  // A one-time invite code valid for `ttl_seconds`, carrying this node's
  // relays; with `coordinator`, for another coordinator of this node's team
  // (Enrollment::CreateInvite).
  Result<std::string> CreateInvite(std::string_view for_name, int64_t ttl_seconds,
                                   bool coordinator = false);
  // Accepts an invite: the inviter becomes a pending coordinator contact and
  // a join request is queued for the next sync. AlreadyExists, naming them,
  // if this node already has a coordinator, unless `another_coordinator`;
  // a pending sign-up with the same coordinator is replaced
  // (Enrollment::Join).
  Result<Joined> Join(std::string_view code, bool another_coordinator = false);

  Result<std::vector<ContactInfo>> Contacts();
  // `contacts rename`: the contact `name` finds (ContactBook::Named) gets
  // the local label `to`; nobody else learns it. Returns the old name.
  Result<std::string> RenameContact(std::string_view name, std::string_view to);
  // The contact `name` finds (ContactBook::Named), for a command to show
  // before it acts.
  Result<ContactInfo> ContactNamed(std::string_view name);
  // `contacts verify` (docs/protocol.md §10): the safety number of this
  // node and the contact `name` finds, for both to compare in person.
  struct Verification {
    ContactInfo contact;
    std::string safety_number;
  };
  Result<Verification> SafetyNumberWith(std::string_view name);
  // The numbers matched: the contact is marked verified, from now on (the
  // decoy shows the same mark). A later join or invite that names a
  // verified contact with another key is refused (Enrollment::Join).
  Result<ContactInfo> MarkVerified(std::string_view name);

  // Queues a check-in to `to`, or to every coordinator when empty, naming
  // `code` by its number in each recipient's codebook (docs/protocol.md
  // §4.7). InvalidArgument, listing the codes and their meanings, if a
  // recipient's codebook has no such code. `test`: a drill, marked TEST at
  // every step. Returns the message ids.
  Result<std::vector<std::string>> CheckIn(std::string_view code, std::string_view note,
                                           std::string_view to, bool test = false);

  // The codebooks this node holds: a coordinator's own, or a helper's from
  // each coordinator (the default one until that coordinator sends another).
  struct CodebookView {
    std::string owner;  // this node's name, or the coordinator's
    int64_t version = 0;
    std::vector<CodeEntry> codes;  // in use, by number
  };
  Result<std::vector<CodebookView>> Codebooks();
  // A coordinator's `codes add` and `codes remove`: changes its codebook
  // (Codebook::Add, Remove) and queues the new one to every helper.
  // InvalidArgument on any other role.
  Status AddCode(std::string_view code, std::string_view meaning, bool distress);
  Status RemoveCode(std::string_view code);
  Result<std::string> SendText(std::string_view to, std::string_view text);
  // Confirms a received check-in, named by an id prefix of 4+ hex digits;
  // `note` (if any) travels with the confirmation, and the team's other
  // coordinators are told (docs/protocol.md §12.4). Returns the check-in as
  // it now stands (confirmed), so that the user sees whom and what they
  // confirmed.
  Result<MessageInfo> Confirm(std::string_view id_prefix, std::string_view note = {});

  // Every message, in the order MessageLog::List gives: by arrival, each
  // sender's in the order the sender sent them.
  Result<std::vector<MessageInfo>> Inbox();
  // What one sync changed, read at a cost that follows the change
  // (core/node/sync_news.h): a mark taken before, and the messages added
  // and the outgoing ones moved since it.
  struct MessageMark {
    int64_t last_rowid = 0;
    std::map<std::string, MessageState> unsettled;  // outgoing, by display id
    UnixTime at = 0;                                // this node's clock
  };
  Result<MessageMark> MarkMessages();
  Result<std::vector<MessageInfo>> MessagesAddedSince(const MessageMark& mark);
  Result<std::vector<MessageInfo>> MessagesMovedSince(const MessageMark& mark);

  // Alerts, newest first; only the unacknowledged ones if `open_only`.
  // Deadlines are looked at first (CheckDeadlines), unless not `look`.
  Result<std::vector<AlertInfo>> Alerts(bool open_only, bool look = true);
  // Acknowledges an open alert, named by its id or by the contact's name (then
  // all of that contact's open alerts). For duress it also queues an Ack that
  // ends the duress state on the helper's device. The team's other
  // coordinators are told (docs/protocol.md §12.4). Returns what was acked.
  Result<std::vector<AlertInfo>> Ack(std::string_view alert, std::string_view note);
  // Every helper contact, by name. The state is the strongest that holds
  // (vocabulary.h BoardState): its open alerts, and its schedule by this
  // node's clock. Raises overdue alerts first (CheckDeadlines).
  Result<std::vector<BoardEntry>> Board();

  // A coordinator's `expect` (docs/protocol.md §4.8): the helper named
  // `name` must check in every `every` seconds, or by `due_by`, with
  // `grace` more before the alarm; neither ends the schedule. Queues the
  // schedule to the helper. InvalidArgument on any other role, for a
  // contact that is not a helper, or for values out of Schedule's bounds.
  Result<Schedule> Expect(std::string_view name, std::optional<int64_t> every,
                          std::optional<UnixTime> due_by, int64_t grace);
  // Raises an overdue alert for every helper whose deadline plus grace has
  // passed, by this node's clock, with no real check-in received; once per
  // deadline. Nothing in a decoy or on a helper.
  Status CheckDeadlines();
  // `watch` passed the alert on; it is not passed on again.
  Status MarkAlertNotified(int64_t id);

  // A helper's `status`: per coordinator, what it expects and when the next
  // check-in is due (by this node's clock: a guide, the coordinator's clock
  // decides), and every check-in sent, newest last.
  struct ExpectedBy {
    std::string coordinator;
    std::optional<Schedule> schedule;  // none, or inactive: nothing expected
    Deadline next;
  };
  Result<std::vector<ExpectedBy>> Expectations();

  // docs/protocol.md §6: drops what expired, then says what no relay has
  // taken yet and which tags to ask for.
  Result<SyncPlan> PlanSync();
  // How many envelopes no relay has taken yet.
  Result<size_t> OutboxSize();
  // What a sync with one relay reconciles: the tags to ask for (as in
  // PlanSync), and the (expiry, id) of every envelope already taken in or
  // rejected under them. Drops what expired first.
  Result<sync::SyncParty::Scope> SyncScope();
  // What this node proves membership of its team with, at a relay that
  // serves teams (TeamBook::ForSync); nullopt for a node in no team.
  Result<std::optional<TeamBook::Material>> TeamMaterial();
  // A newer roster a relay holds, kept if it follows ours, directly or
  // through `steps` (docs/protocol.md §11.7; AuthFailed or Protocol
  // otherwise, and nothing changes). A coordinator no roster lists any more
  // is then revoked here (§12.5).
  Status TakeNewerRoster(ByteView roster, const std::vector<ByteView>& steps = {});
  // The steps this node keeps of `team`'s chain above `version`.
  Result<std::vector<Bytes>> RosterSteps(const team::TeamId& team, uint64_t version);
  // The roster a sync's end offers a relay that holds an older one: for a
  // coordinator, reconciled first (TeamBook::Reconcile, §12.3).
  Result<Bytes> RosterToPublish(const team::TeamId& team);
  // The roster held of `team` (exact bytes), empty if none.
  Result<Bytes> RosterOf(const team::TeamId& team);
  // `team export`: the newest roster of the team this coordinator leads,
  // made now if it leads none yet.
  Result<Bytes> ExportTeam();
  // `revoke` (docs/protocol.md §11.6), coordinator only: the helper (or
  // other coordinator, §12.5) `name` finds is revoked, and the team's other
  // coordinators are told. Nothing is sent to it again (what waits for it
  // leaves the outbox; messages it was never sent fail), and whatever
  // arrives from it from now on shows as revoked and counts for nothing.
  // Unless `quiet`, its admission key also leaves the team's ring, so
  // relays refuse it from the next roster they see; quiet leaves the
  // roster alone, so a captor holding the device sees no change. Revoking
  // again without `quiet` completes a quiet revocation. A coordinator is
  // never revoked quietly: helpers go on sending to whoever the roster
  // lists, so its signing key leaves the roster, and each helper is sent
  // that roster.
  struct Revocation {
    std::string name;
    bool already = false;  // it was revoked before (quietly, or fully)
    bool cut_off = false;  // its key left the ring now: a new roster
    size_t withdrawn = 0;  // queued messages to it that now fail
  };
  Result<Revocation> Revoke(std::string_view name, bool quiet);
  // `approve` (docs/protocol.md §12.6), coordinator only: this node signs
  // the roster another coordinator proposed to add the candidate `name`,
  // and sends it back. NotFound if no candidate of that name waits.
  Result<PendingApproval> Approve(std::string_view name);
  // The candidates other coordinators asked this one to approve.
  Result<std::vector<PendingApproval>> PendingApprovals();
  // The next outbox envelopes the relay with this key has not acknowledged,
  // oldest first, except those in `skip` (content ids); see
  // Outbox::PendingFor.
  Result<std::vector<Bytes>> PendingFor(ByteView relay_key, const std::set<Bytes>& skip,
                                        size_t max_count, size_t max_bytes);
  // A relay acknowledged these envelopes: their messages go from queued to
  // relayed, and those that need no receipt leave the outbox. `relay_key`
  // (when given) records which relay, so it is not offered them again.
  Status MarkRelayed(const std::vector<Bytes>& envelopes, ByteView relay_key = {});
  // Takes in one envelope from any path. Bad envelopes are AuthFailed,
  // Corrupt or Expired and change nothing.
  Result<IngestOutcome> Ingest(ByteView envelope);
  // Takes in a batch in any order, in one transaction. Envelopes that fail
  // are retried while the batch still makes progress, so a check-in that
  // arrives beside the join request it depends on is not lost to ordering;
  // each failure alone is rolled back and counted as rejected. An error means
  // the batch itself could not be saved (a failed write): nothing of it was
  // kept, and the next sync fetches it again. `rejected` and `not_ours` (if
  // given) receive the envelopes that were not taken in, by reason.
  Result<IngestCounts> IngestAll(const std::vector<Bytes>& envelopes,
                                 std::vector<Bytes>* rejected = nullptr,
                                 std::vector<Bytes>* not_ours = nullptr);
  // `bundle import` and `unarmor` (docs/protocol.md §9): takes in what a
  // bundle or a text brought, as IngestAll does, and, if `carry`, in the
  // same transaction keeps what this node cannot open to pass on, as a
  // relay would (Outbox::AddCarried): only while it lives, and never one that
  // claims to live longer than a relay would keep it. A carried envelope
  // goes out with the next sync or bundle export and never shows in the
  // inbox. An error means nothing of it was kept.
  struct TakeInReport {
    IngestCounts counts;         // as IngestAll counts them
    size_t carried = 0;          // not ours, kept now to pass on
    size_t already_carried = 0;  // carried already: nothing changed
    size_t own = 0;              // our own, still in the outbox, come back
    size_t not_carried = 0;      // not ours, and not kept: quota, or expiry
  };
  Result<TakeInReport> TakeIn(const std::vector<Bytes>& envelopes, bool carry);
  // What `bundle export` writes (docs/protocol.md §8): every live outbox
  // envelope, ours and carried; with `for_name`, only ours to that contact;
  // with `since`, only those queued (or carried) at or after it. In a
  // random order, so that the file does not tell which were ours.
  Result<std::vector<Bytes>> ExportEnvelopes(std::string_view for_name,
                                             std::optional<UnixTime> since);
  // `armor ID` (docs/protocol.md §7): for one of our messages, its
  // envelope; for a received one, the newest reply to it still in the
  // outbox (its delivery receipt, or its confirmation). NotFound, saying
  // why, once it has left the outbox.
  Result<Bytes> EnvelopeFor(std::string_view id_prefix);

  // Remembers fetched envelopes that could not be taken in, so that no sync
  // fetches them again while they live (docs/protocol.md §6). Bytes that are
  // not an envelope are skipped. Returns the content ids of those never
  // rejected before: the ones worth telling the user about.
  Result<std::set<Bytes>> RecordRejected(const std::vector<Bytes>& envelopes);

  // A relay's home is a node home with role relay; this serves its
  // envelopes table (core/sync/relay_service.h), after dropping what
  // expired. InvalidArgument for any other role: a relay's address would
  // publish a coordinator's or a helper's own key. `warn` hears of later purges that fail. The
  // service borrows this Node's store: it must not outlive the Node.
  Result<std::unique_ptr<sync::RelayService>> ServeRelay(
      std::function<void(const Status&)> warn = nullptr);

 private:
  // When Mutate brings the decoy up to date after its commit.
  enum class DecoyRefresh {
    kIfVisible,  // if a table the decoy mirrors changed
    kAlways,     // every open: the decoy's chain keys move with the date
    // Not now: a write that must be durable before a missing decoy is put
    // back (Open); the caller's next Mutate refreshes.
    kAfterRepair,
  };

  Node(store::Database db, std::string home, const Clock& clock, Random& random);

  // The one way to change the store: `change` runs in a transaction (a
  // savepoint when nested in another Mutate, whose commit then counts); if
  // it fails, the store and this Node's state are as before. After a commit
  // the decoy is refreshed as `refresh` says; a refresh that fails is
  // returned, though the change stands (every open refreshes again).
  // `committed`, when given, tells the two failures apart.
  Status Mutate(const std::function<Status()>& change,
                DecoyRefresh refresh = DecoyRefresh::kIfVisible, bool* committed = nullptr);
  Status MutateNested(const std::function<Status()>& change);
  Status RefreshDecoy();
  // Reads what this Node keeps in memory again (after a rollback).
  Status Reload();
  Status Fill(std::string_view name, Role role, Secret decoy_key, int main_slot);
  Status Load(int slot, Secret own_key);
  Status OpenMain(UnixTime now);
  Status OpenDecoy(UnixTime now);
  // Ratchets old chain keys and deletes old messages (settings()).
  Status AgeOut();
  // Raises a gap alert for every sequence number that has been missing for
  // the delivery window (core/node/sequencer.h). Main store only.
  Status RaiseGapAlerts(UnixTime now);
  Status ChangeCodebook(const std::function<Status()>& change);
  // IngestAll's work, inside the caller's Mutate. The out-lists may be null.
  Result<IngestCounts> IngestBatch(const std::vector<Bytes>& envelopes,
                                   std::vector<Bytes>* rejected, std::vector<Bytes>* not_ours);
  // A helper's next deadline by this node's clock; none without an active
  // schedule. Board() and CheckDeadlines() both judge by it.
  struct HelperDeadline {
    Deadline next;
    int64_t grace = 0;
  };
  Result<std::optional<HelperDeadline>> DeadlineOf(const Contact& helper, UnixTime now);

  store::Database db_;
  std::string home_;
  const Clock& clock_;
  Random& random_;
  Identity identity_;
  DuressState duress_;
  NodeSettings settings_;
  // Main store only: the decoy, once opened (RefreshDecoy).
  std::optional<store::Database> decoy_db_;
  int depth_ = 0;  // how many Mutate calls are running, one inside another

  RelayList relays_{db_};
  SettingsTable settings_table_{db_};
  ContactBook contacts_{db_};
  InviteBook invites_{db_};
  MessageLog messages_{db_};
  Outbox outbox_{db_};
  ReplayCache seen_{db_};
  AlertBook alerts_{db_};
  Codebook codebook_{db_};
  ScheduleBook schedules_{db_};
  TeamBook teams_{db_};

  Sequencer sequencer_{db_};
  Courier courier_{identity_, duress_, settings_, outbox_, messages_, sequencer_, clock_, random_};
  TeamNews news_{{identity_, contacts_, messages_, alerts_, outbox_, codebook_, schedules_, teams_,
                  courier_, clock_, random_}};
  Approvals approvals_{{db_, identity_, contacts_, alerts_, teams_, courier_, clock_}};
  Enrollment enrollment_{{db_, identity_, relays_, contacts_, invites_, messages_, alerts_,
                          codebook_, outbox_, courier_, teams_, news_, approvals_, clock_,
                          random_}};
  BodyHandlers handlers_{{db_, duress_, contacts_, messages_, outbox_, alerts_, codebook_,
                          schedules_, sequencer_, courier_, teams_, news_, approvals_, enrollment_,
                          clock_}};
  Receiver receiver_{
      {identity_, settings_, duress_, contacts_, invites_, seen_, handlers_, enrollment_, clock_}};
};

}  // namespace waypost::node
