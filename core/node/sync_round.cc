#include "core/node/sync_round.h"

#include <iterator>
#include <set>
#include <utility>

#include "core/sync/sync_client.h"

namespace waypost::node {
namespace {

std::string HostPort(const sync::RelayAddress& relay) {
  return sync::FormatHostPort(relay.host, relay.port);
}

// The node as one sync session sees it (core/sync/sync_client.h): what is
// waiting for this relay, where acknowledgements and fetched batches go.
// Every batch is committed before the session moves on.
class RelayParty final : public sync::SyncParty {
 public:
  // `progress` is told after every batch the party committed.
  RelayParty(Node& node, ByteView relay_key, SyncReport& report, std::function<void()> progress)
      : node_(node),
        relay_key_(relay_key.begin(), relay_key.end()),
        report_(report),
        progress_(std::move(progress)) {}

  Result<std::vector<Bytes>> NextUploads(size_t max_count, size_t max_bytes) override {
    WAYPOST_ASSIGN_OR_RETURN(std::vector<Bytes> batch,
                             node_.PendingFor(relay_key_, handed_out_, max_count, max_bytes));
    for (const Bytes& e : batch) {
      const envelope::ContentId id = envelope::ComputeContentId(e);
      handed_out_.emplace(id.begin(), id.end());
    }
    return batch;
  }

  Status Uploaded(const std::vector<Bytes>& batch,
                  const std::vector<sync::UploadVerdict>& verdicts) override {
    std::vector<Bytes> taken;
    for (size_t i = 0; i < batch.size(); ++i) {
      if (verdicts[i] == sync::UploadVerdict::kRefused) {
        ++report_.refused;
      } else if (verdicts[i] == sync::UploadVerdict::kFull) {
        ++report_.full;
      } else {
        taken.push_back(batch[i]);
      }
    }
    WAYPOST_RETURN_IF_ERROR(node_.MarkRelayed(taken, relay_key_));
    report_.uploaded += taken.size();
    Tell();
    return Status::Ok();
  }

  Result<Scope> FetchScope() override { return node_.SyncScope(); }

  // The node's team, proved with its admission key (or, while joining, its
  // invite's ticket); the material stays here for the session.
  Result<std::optional<Admission>> AdmissionFor() override {
    WAYPOST_ASSIGN_OR_RETURN(material_, node_.TeamMaterial());
    if (!material_) return std::optional<Admission>();
    Admission admission;
    admission.team = material_->team;
    admission.roster = material_->roster;
    admission.key = material_->key ? &*material_->key : nullptr;
    admission.ticket = material_->ticket;
    admission.ticket_key = material_->ticket_key ? &*material_->ticket_key : nullptr;
    return std::optional<Admission>(std::move(admission));
  }

  Status NewerRoster(ByteView roster, const std::vector<ByteView>& steps) override {
    return node_.TakeNewerRoster(roster, steps);
  }
  Result<std::vector<Bytes>> RosterSteps(const team::TeamId& team, uint64_t version) override {
    return node_.RosterSteps(team, version);
  }
  Result<Bytes> NewestRoster(const team::TeamId& team) override {
    return node_.RosterToPublish(team);
  }

  // Envelopes that failed are tried again with every later batch of the
  // session, so a check-in fetched before the join request that makes its
  // sender a contact still gets in. They are remembered as rejected at once,
  // so a link that drops does not fetch the same junk again; a new contact
  // makes them be looked at again (ReplayCache::ForgetRejected), and each is
  // counted once, the first time it is rejected.
  Status Fetched(std::vector<Bytes> batch) override {
    batch.insert(batch.end(), std::make_move_iterator(retry_.begin()),
                 std::make_move_iterator(retry_.end()));
    retry_.clear();
    std::vector<Bytes> left, not_ours;
    WAYPOST_ASSIGN_OR_RETURN(const IngestCounts counts, node_.IngestAll(batch, &left, &not_ours));
    report_.downloaded += counts.accepted;
    // What a decoy cannot open is quietly someone else's (docs/protocol.md
    // §3.4): remembered like a rejection, never counted as one.
    WAYPOST_RETURN_IF_ERROR(node_.RecordRejected(not_ours).status());
    WAYPOST_ASSIGN_OR_RETURN(const std::set<Bytes> fresh, node_.RecordRejected(left));
    for (const Bytes& e : left) {
      const envelope::ContentId id = envelope::ComputeContentId(e);
      Bytes key(id.begin(), id.end());
      if (fresh.count(key) > 0 && counted_.insert(std::move(key)).second) ++report_.rejected;
    }
    retry_ = std::move(left);
    Tell();
    return Status::Ok();
  }

  Status FetchDone() override {
    retry_.clear();
    return Status::Ok();
  }

 private:
  void Tell() {
    if (progress_) progress_();
  }

  Node& node_;
  Bytes relay_key_;
  SyncReport& report_;
  std::function<void()> progress_;
  std::set<Bytes> handed_out_;
  std::vector<Bytes> retry_;
  std::optional<TeamBook::Material> material_;
  std::set<Bytes> counted_;  // content ids already counted as rejected
};

// One session with one relay: upload, reconcile, fetch, upload the replies.
// Whatever was answered before a failure stays committed.
Status SyncWithRelay(Node& node, const sync::RelayAddress& relay, Dialer& dialer, Random& random,
                     const SyncRoundOptions& options, SyncReport& report) {
  // This session's counts: what the report gained since it began.
  const size_t uploaded_before = report.uploaded, downloaded_before = report.downloaded;
  sync::SyncClient* running = nullptr;
  RelayParty party(node, relay.public_key, report, [&] {
    if (!options.progress || running == nullptr) return;
    options.progress({HostPort(relay), report.uploaded - uploaded_before,
                      report.downloaded - downloaded_before, running->bytes_sent(),
                      running->bytes_received(), /*connecting=*/false});
  });
  if (options.progress) options.progress({HostPort(relay), 0, 0, 0, 0, /*connecting=*/true});
  sync::SyncClient client(relay.public_key, party, random, options.deadline_ms);
  running = &client;
  const Status ran = dialer.Run(relay.host, relay.port, client);
  report.bytes_sent += client.bytes_sent();
  report.bytes_received += client.bytes_received();
  report.round_trips += client.round_trips();
  WAYPOST_RETURN_IF_ERROR(ran);
  return client.status();
}

// What the user reads about one relay that failed.
Status Explain(const sync::RelayAddress& relay, const Status& status) {
  if (status.code() != Status::Code::kAuthFailed) return status;
  return Status::Error(Status::Code::kAuthFailed,
                       "relay " + HostPort(relay) +
                           " failed to prove it holds the key in its address "
                           "(a wrong address, or someone standing in for it)");
}

}  // namespace

Result<SyncReport> SyncWithRelays(Node& node, std::vector<sync::RelayAddress> relays,
                                  Dialer& dialer, Random& random, const SyncRoundOptions& options) {
  if (relays.empty()) {
    WAYPOST_ASSIGN_OR_RETURN(std::vector<std::string> saved, node.Relays());
    for (const std::string& address : saved) {
      WAYPOST_ASSIGN_OR_RETURN(sync::RelayAddress relay, sync::ParseRelayAddress(address));
      relays.push_back(std::move(relay));
    }
  }
  if (relays.empty()) {
    return Status::InvalidArgument("no relays: `waypost relays add ADDRESS` first");
  }
  SyncReport report;
  for (const sync::RelayAddress& relay : relays) {
    const Status status = SyncWithRelay(node, relay, dialer, random, options, report);
    if (!status.ok()) report.failures.push_back({HostPort(relay), Explain(relay, status)});
  }
  // All failed: one error. Some failed: the report lists them.
  if (report.failures.size() == relays.size()) {
    std::string message = report.failures.front().status.message();
    if (relays.size() > 1) message = "no relay could be reached (" + message + ", ...)";
    // Every answered batch was committed: say so, so nobody redoes work.
    if (report.uploaded + report.downloaded > 0) {
      message += "; kept what moved before that: " + std::to_string(report.uploaded) +
                 " uploaded, " + std::to_string(report.downloaded) + " downloaded";
    }
    return Status::Unavailable(message);
  }
  return report;
}

}  // namespace waypost::node
