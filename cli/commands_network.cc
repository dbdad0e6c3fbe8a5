// The network commands: sync (a client of relays) and relay (a server).
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/passphrase.h"
#include "core/store/home.h"
#include "core/sync/relay_address.h"
#include "core/sync/relay_session.h"
#include "core/sync/relay_store.h"
#include "core/sync/sync_client.h"
#include "net/address.h"
#include "net/client.h"
#include "net/server.h"

namespace waypost::cli {
namespace {

struct SyncOptions {
  std::vector<std::string> addresses;
  std::string socks5;
  std::string timeout = "30s";
};

struct SyncTotals {
  size_t uploaded = 0;
  size_t downloaded = 0;
  uint64_t bytes_sent = 0;
  uint64_t bytes_received = 0;
  int round_trips = 0;
  size_t rejected = 0;
};

// One exchange: upload the outbox, fetch what carries our tags, take it in.
Status ExchangeOnce(Context& ctx, node::Node& node, const node::SyncPlan& plan,
                    const sync::RelayAddress& relay, const ClientOptions& options,
                    SyncTotals& totals) {
  sync::SyncClient client(relay.public_key, plan.upload, plan.tags, plan.have, ctx.random(),
                          options.idle_timeout_ms);
  WAYPOST_RETURN_IF_ERROR(RunClient(relay.host, relay.port, client, ctx.clock(), options));
  if (!client.succeeded()) return client.status();
  WAYPOST_RETURN_IF_ERROR(node.MarkRelayed(plan.upload));
  totals.uploaded += plan.upload.size();
  totals.bytes_sent += client.bytes_sent();
  totals.bytes_received += client.bytes_received();
  totals.round_trips += client.round_trips();
  const node::Node::IngestCounts counts = node.IngestAll(client.TakeEnvelopes());
  totals.downloaded += counts.accepted;
  totals.rejected += counts.rejected;  // forged, damaged or expired: dropped
  return Status::Ok();
}

// What arrived may have queued replies (receipts, a welcome): send those in
// the same sync rather than waiting for the next one.
Status SyncWithRelay(Context& ctx, node::Node& node, const sync::RelayAddress& relay,
                     const ClientOptions& options, SyncTotals& totals) {
  WAYPOST_ASSIGN_OR_RETURN(node::SyncPlan plan, node.PlanSync());
  WAYPOST_RETURN_IF_ERROR(ExchangeOnce(ctx, node, plan, relay, options, totals));
  WAYPOST_ASSIGN_OR_RETURN(node::SyncPlan rest, node.PlanSync());
  if (rest.upload.empty()) return Status::Ok();
  return ExchangeOnce(ctx, node, rest, relay, options, totals);
}

Status RunSync(Context& ctx, const SyncOptions& o) {
  WAYPOST_ASSIGN_OR_RETURN(int64_t timeout, ParseDuration(o.timeout));
  // One budget for connecting, for silence, and for the whole exchange: a
  // stalled or vanished relay costs at most this long.
  ClientOptions options;
  options.connect_timeout_ms = options.idle_timeout_ms = timeout * 1000;
  if (!o.socks5.empty()) {
    WAYPOST_ASSIGN_OR_RETURN(HostPort proxy, ParseHostPort(o.socks5));
    options.socks5 = std::make_pair(proxy.host, proxy.port);
  }
  std::vector<sync::RelayAddress> relays;
  for (const std::string& a : o.addresses) {
    WAYPOST_ASSIGN_OR_RETURN(sync::RelayAddress r, sync::ParseRelayAddress(a));
    relays.push_back(r);
  }
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  if (relays.empty()) {
    WAYPOST_ASSIGN_OR_RETURN(std::vector<std::string> saved, node->Relays());
    for (const std::string& a : saved) {
      WAYPOST_ASSIGN_OR_RETURN(sync::RelayAddress r, sync::ParseRelayAddress(a));
      relays.push_back(r);
    }
  }
  if (relays.empty()) return Status::InvalidArgument("no relays: `waypost relays add ADDRESS` first");

  SyncTotals totals;
  std::vector<std::string> failures;
  for (const sync::RelayAddress& relay : relays) {
    Status s = SyncWithRelay(ctx, *node, relay, options, totals);
    if (s.code() == Status::Code::kAuthFailed) {
      s = Status::AuthFailed();
      failures.push_back("relay " + FormatHostPort(relay.host, relay.port) +
                         " failed to prove it holds the key in its address "
                         "(a wrong address, or someone standing in for it)");
    } else if (!s.ok()) {
      failures.push_back(s.message());
    }
  }
  // All failed: one error line. Some failed: a warning for each.
  if (failures.size() == relays.size()) {
    std::string message = failures.front();
    if (failures.size() > 1) message = "no relay could be reached (" + message + ", ...)";
    return Status::Unavailable(message);
  }
  for (const std::string& f : failures) ctx.Note("waypost: warning: " + f);
  if (totals.rejected > 0) {
    ctx.Note("waypost: warning: dropped " + std::to_string(totals.rejected) +
             " envelope(s) that failed to authenticate");
  }
  if (ctx.globals().json) {
    ctx.Json({{"uploaded", totals.uploaded},
              {"downloaded", totals.downloaded},
              {"bytes_sent", totals.bytes_sent},
              {"bytes_received", totals.bytes_received},
              {"round_trips", totals.round_trips},
              {"rejected", totals.rejected}});
  } else {
    ctx.Out("uploaded " + std::to_string(totals.uploaded) + ", downloaded " +
            std::to_string(totals.downloaded) + "\n");
  }
  return Status::Ok();
}

constexpr int64_t kRelayPurgeSeconds = 600;

struct RelayOptions {
  std::string listen = "127.0.0.1:7447";
  std::string kdf = "moderate";
};

Status RunRelay(Context& ctx, const RelayOptions& o) {
  WAYPOST_ASSIGN_OR_RETURN(HostPort listen, ParseHostPort(o.listen));
  std::unique_ptr<node::Node> node;
  if (store::StoreExists(ctx.globals().home)) {
    WAYPOST_ASSIGN_OR_RETURN(node, ctx.OpenNode());
  } else {
    // A relay's first start creates its store: its static key must persist,
    // since clients pin it.
    const std::optional<store::KdfProfile> profile = store::ParseKdfProfile(o.kdf);
    if (!profile) return Status::InvalidArgument("--kdf is interactive, moderate or sensitive");
    WAYPOST_ASSIGN_OR_RETURN(Secret passphrase,
                             ReadNewPassphrase(ctx.globals().passphrase_file, true));
    WAYPOST_ASSIGN_OR_RETURN(node, node::Node::Create(ctx.globals().home, passphrase, *profile,
                                                      "relay", "relay", ctx.clock(), ctx.random()));
  }
  sync::RelayStore relay_store(node->database());
  WAYPOST_RETURN_IF_ERROR(relay_store.EnsureSchema());
  WAYPOST_RETURN_IF_ERROR(relay_store.PurgeExpired(ctx.clock().Now()));

  const noise::KeyPair& identity = node->identity();
  UnixTime last_purge = ctx.clock().Now();
  ConnectionFactory factory = [&]() -> std::unique_ptr<Connection> {
    // Expired envelopes are never served; drop them now and then.
    if (ctx.clock().Now() - last_purge >= kRelayPurgeSeconds) {
      last_purge = ctx.clock().Now();
      Status purged = relay_store.PurgeExpired(last_purge);
      if (!purged.ok()) ctx.Note("waypost: warning: purging expired envelopes: " + purged.message());
    }
    return std::make_unique<sync::RelaySession>(relay_store, identity, ctx.clock(), ctx.random());
  };
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<Server> server,
                           Server::Listen(listen.host, listen.port, factory, ctx.clock()));
  sync::RelayAddress address{identity.public_key, listen.host, server->port()};
  ctx.Out(sync::FormatRelayAddress(address) + "\n");
  ctx.Note("Relay listening; stop with Ctrl-C.");
  return server->Run();
}

}  // namespace

void AddNetworkCommands(CLI::App& app, Action& chosen) {
  auto sync = std::make_shared<SyncOptions>();
  CLI::App* s = app.add_subcommand("sync", "Exchange envelopes with relays (default: saved ones)");
  s->add_option("ADDRESS", sync->addresses, "Relay addresses to use instead of the saved ones");
  s->add_option("--socks5", sync->socks5, "Reach relays through a SOCKS5 proxy (e.g. Tor)");
  s->add_option("--timeout", sync->timeout, "Give up on a relay that takes longer than this")
      ->capture_default_str();
  s->callback([&chosen, sync] { chosen = [sync](Context& ctx) { return RunSync(ctx, *sync); }; });

  auto relay = std::make_shared<RelayOptions>();
  CLI::App* r = app.add_subcommand("relay", "Serve as a relay until SIGINT or SIGTERM");
  r->add_option("--listen", relay->listen, "HOST:PORT to listen on")->capture_default_str();
  r->add_option("--kdf", relay->kdf, "Passphrase hardening when the relay store is created")
      ->capture_default_str();
  r->callback([&chosen, relay] { chosen = [relay](Context& ctx) { return RunRelay(ctx, *relay); }; });
}

}  // namespace waypost::cli
