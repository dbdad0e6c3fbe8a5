#include "core/sync/relay_peering.h"

#include <algorithm>
#include <deque>
#include <utility>

#include "core/sync/constants.h"
#include "core/sync/sync_client.h"

namespace waypost::sync {
namespace {

// The dialing relay's side of a peering session, over its own store: its
// scope is every unexpired envelope it holds; what the peer has and it lacks
// is stored as it arrives; what reconciliation finds the peer lacks goes up.
class StoreParty final : public SyncParty {
 public:
  // `team`: the team this session carries, nullopt on an open relay;
  // `roster`: that team's roster here, offered so the peer catches up, with
  // `steps`, every step of its chain kept here (docs/protocol.md §11.7).
  StoreParty(RelayStore& store, const Clock& clock, RelayStore::Team team, Bytes roster,
             std::vector<Bytes> steps)
      : store_(store),
        clock_(clock),
        team_(team),
        roster_(std::move(roster)),
        steps_(std::move(steps)) {}

  Result<std::optional<Admission>> AdmissionFor() override {
    if (!team_) return std::optional<Admission>();
    Admission admission;
    admission.team = *team_;
    admission.roster = roster_;
    admission.peer = true;
    return std::optional<Admission>(std::move(admission));
  }

  Result<std::vector<Bytes>> RosterSteps(const team::TeamId& team, uint64_t version) override {
    (void)team;
    (void)version;  // a peer says no version: it gets every step
    return steps_;
  }

  Result<std::vector<Bytes>> NextUploads(size_t max_count, size_t max_bytes) override {
    while (!lacking_.empty()) {
      std::vector<Bytes> ids;
      while (!lacking_.empty() && ids.size() < max_count) {
        ids.emplace_back(lacking_.front().begin(), lacking_.front().end());
        lacking_.pop_front();
      }
      WAYPOST_ASSIGN_OR_RETURN(
          RelayStore::Found found,
          store_.Get(ids, RelayStore::View::Everything(team_), clock_.Now(), max_bytes));
      // Ids past the byte limit are in neither list: they wait for the next batch.
      for (size_t i = ids.size(); i-- > found.envelopes.size() + found.gone.size();) {
        NegId id;
        std::copy(ids[i].begin(), ids[i].end(), id.begin());
        lacking_.push_front(id);
      }
      if (!found.envelopes.empty()) return std::move(found.envelopes);
    }
    return std::vector<Bytes>{};
  }

  Status Uploaded(const std::vector<Bytes>& batch,
                  const std::vector<UploadVerdict>& verdicts) override {
    (void)batch;
    for (const UploadVerdict v : verdicts) sent_ += v == UploadVerdict::kStored;
    return Status::Ok();
  }

  Result<Scope> FetchScope() override {
    Scope scope;
    scope.everything = true;
    WAYPOST_ASSIGN_OR_RETURN(scope.held, store_.Scope(RelayStore::View::Everything(team_),
                                                      clock_.Now(), kMaxScopeRecords));
    return scope;
  }

  // Its held side is capped like the other relay's, so a later page reads
  // its own records below the bound afresh.
  Result<bool> HeldAtOrBelow(const NegItem& bound, std::vector<NegItem>* held) override {
    WAYPOST_ASSIGN_OR_RETURN(RelayStore::Page page,
                             store_.ScopePage(RelayStore::View::Everything(team_), clock_.Now(),
                                              kMaxScopeRecords, bound));
    *held = std::move(page.items);
    return true;
  }

  bool RelayLacks(const std::vector<NegId>& ids) override {
    lacking_.insert(lacking_.end(), ids.begin(), ids.end());
    return true;
  }

  Status Fetched(std::vector<Bytes> batch) override {
    std::vector<ByteView> views(batch.begin(), batch.end());
    WAYPOST_ASSIGN_OR_RETURN(const RelayStore::BatchResult result,
                             store_.PutBatch(views, clock_.Now(), team_));
    stored_ += result.accepted;
    return Status::Ok();
  }

  Status FetchDone() override { return Status::Ok(); }

  uint64_t stored() const { return stored_; }  // new here, fetched from the peer
  uint64_t sent() const { return sent_; }      // new there, uploaded to the peer

 private:
  RelayStore& store_;
  const Clock& clock_;
  RelayStore::Team team_;
  Bytes roster_;
  std::vector<Bytes> steps_;
  std::deque<NegId> lacking_;
  uint64_t stored_ = 0;
  uint64_t sent_ = 0;
};

}  // namespace

// One peering session: the party and the client that drives it, as one
// Connection for net/ to pump.
class RelayPeering::Session final : public Connection {
 public:
  Session(RelayService& service, const RelayAddress& peer, Random& random, const Clock& clock,
          RelayStore::Team team, Bytes roster, std::vector<Bytes> steps)
      : party_(service.store(), clock, team, std::move(roster), std::move(steps)),
        client_(peer.public_key, party_, random, kClientDeadlineMs, &service.identity()) {}

  Status OnStart(int64_t now_ms) override { return client_.OnStart(now_ms); }
  Status OnReceive(ByteView bytes, int64_t now_ms) override {
    return client_.OnReceive(bytes, now_ms);
  }
  Bytes TakeOutgoing() override { return client_.TakeOutgoing(); }
  bool IsDone() const override { return client_.IsDone(); }
  std::optional<int64_t> Deadline() const override { return client_.Deadline(); }
  Status OnTimeout(int64_t now_ms) override { return client_.OnTimeout(now_ms); }
  void OnClosed(const Status& why) override { client_.OnClosed(why); }

  const StoreParty& party() const { return party_; }

 private:
  StoreParty party_;
  SyncClient client_;
};

RelayPeering::RelayPeering(RelayService& service, std::vector<RelayAddress> peers, Options options,
                           Log log)
    : service_(service), options_(options), log_(std::move(log)) {
  for (RelayAddress& address : peers) {
    Peer peer;
    peer.label = FormatHostPort(address.host, address.port);
    peer.address = std::move(address);
    peer.retry_ms = options_.first_retry_ms;
    peers_.push_back(std::move(peer));
  }
}

int64_t RelayPeering::NextStart(const Peer& peer) const {
  int64_t next = peer.due_ms;
  if (service_.store().stored_count() != peer.known_stored ||
      service_.teams().changes() != peer.known_rosters) {
    next = std::min(next, peer.started_ms + options_.settle_ms);
  }
  return next;
}

std::optional<int64_t> RelayPeering::Tick(int64_t now_ms, std::vector<Dial>& dials) {
  std::optional<int64_t> wake;
  for (Peer& peer : peers_) {
    if (peer.busy != nullptr) continue;
    if (NextStart(peer) <= now_ms) {
      // A relay serving teams carries one team per session, in turn; the
      // peer serves those it shares and refuses the rest (§11.5).
      const std::vector<team::TeamId> teams = service_.teams().Served();
      RelayStore::Team team;
      Bytes roster;
      std::vector<Bytes> steps;
      if (!teams.empty()) {
        team = teams[peer.team_turn % teams.size()];
        roster = service_.teams().Find(*team)->bytes();
        // Unreadable steps cost only a peer that missed a change of
        // coordinators, which then refuses the roster: never the session.
        Result<std::vector<Bytes>> kept = service_.teams().StepsAbove(*team, 0);
        if (kept.ok()) steps = std::move(*kept);
      }
      auto session =
          std::make_unique<Session>(service_, peer.address, service_.random(), service_.clock(),
                                    team, std::move(roster), std::move(steps));
      peer.busy = session.get();
      peer.started_ms = now_ms;
      if (teams.empty() || peer.team_turn % teams.size() == 0) {
        peer.known_stored = service_.store().stored_count();
        peer.known_rosters = service_.teams().changes();
      }
      dials.push_back(Dial{peer.address.host, peer.address.port, std::move(session)});
      continue;
    }
    const int64_t next = NextStart(peer);
    wake = wake ? std::min(*wake, next) : next;
  }
  return wake;
}

void RelayPeering::Finished(Connection& conn, const Status& why, int64_t now_ms) {
  auto it = std::find_if(peers_.begin(), peers_.end(),
                         [&conn](const Peer& p) { return p.busy == &conn; });
  if (it == peers_.end()) return;
  Peer& peer = *it;
  const auto& session = static_cast<const Session&>(conn);
  peer.busy = nullptr;
  // What this session stored is not news for this peer, which sent it.
  peer.known_stored += session.party().stored();
  const bool moved = session.party().stored() > 0 || session.party().sent() > 0;
  const size_t teams = service_.teams().size();
  // A team the peer does not serve is refused (Refused): the next team's
  // turn comes at once either way.
  if (teams > 1 && (why.ok() || why.code() == Status::Code::kRefused) &&
      ++peer.team_turn % teams != 0) {
    peer.due_ms = now_ms;
    if (why.ok()) ++peer.completed;
    if (!log_ || !moved) return;
  } else if (why.ok()) {
    ++peer.completed;
    peer.due_ms = now_ms + options_.interval_ms;
    peer.retry_ms = options_.first_retry_ms;
  } else {
    peer.due_ms = now_ms + peer.retry_ms;
    peer.retry_ms = std::min(peer.retry_ms * 2, options_.interval_ms);
  }
  if (!log_ || (why.ok() && !moved)) return;
  std::string line = "waypost: peer " + peer.label + ": fetched " +
                     std::to_string(session.party().stored()) + ", sent " +
                     std::to_string(session.party().sent());
  if (!why.ok()) line += "; failed: " + why.ToString() + " (will retry)";
  log_(line);
}

std::vector<uint64_t> RelayPeering::completed() const {
  std::vector<uint64_t> counts;
  for (const Peer& peer : peers_) counts.push_back(peer.completed);
  return counts;
}

}  // namespace waypost::sync
