#include "core/node/sync_round.h"

#include <utility>

#include "core/sync/sync_client.h"

namespace waypost::node {
namespace {

std::string HostPort(const sync::RelayAddress& relay) {
  return sync::FormatHostPort(relay.host, relay.port);
}

// Steps 1-4 once: upload the outbox, fetch what carries our tags, take it in.
Status ExchangeOnce(Node& node, const SyncPlan& plan, const sync::RelayAddress& relay,
                    Dialer& dialer, Random& random, const SyncRoundOptions& options,
                    SyncReport& report) {
  sync::SyncClient client(relay.public_key, plan.upload, plan.tags, plan.have, random,
                          options.deadline_ms);
  WAYPOST_RETURN_IF_ERROR(dialer.Run(relay.host, relay.port, client));
  if (!client.succeeded()) return client.status();
  WAYPOST_RETURN_IF_ERROR(node.MarkRelayed(plan.upload));
  report.uploaded += plan.upload.size();
  report.bytes_sent += client.bytes_sent();
  report.bytes_received += client.bytes_received();
  report.round_trips += client.round_trips();
  WAYPOST_ASSIGN_OR_RETURN(const IngestCounts counts, node.IngestAll(client.TakeEnvelopes()));
  report.downloaded += counts.accepted;
  report.rejected += counts.rejected;
  return Status::Ok();
}

// Step 5: what arrived may have queued replies; send them in the same sync.
Status SyncWithRelay(Node& node, const sync::RelayAddress& relay, Dialer& dialer, Random& random,
                     const SyncRoundOptions& options, SyncReport& report) {
  WAYPOST_ASSIGN_OR_RETURN(SyncPlan plan, node.PlanSync());
  WAYPOST_RETURN_IF_ERROR(ExchangeOnce(node, plan, relay, dialer, random, options, report));
  WAYPOST_ASSIGN_OR_RETURN(SyncPlan rest, node.PlanSync());
  if (rest.upload.empty()) return Status::Ok();
  return ExchangeOnce(node, rest, relay, dialer, random, options, report);
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
    return Status::Unavailable(message);
  }
  return report;
}

}  // namespace waypost::node
