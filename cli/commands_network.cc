// The network commands: sync (a client of relays) and relay (a server). The
// sync round itself is core/node/sync_round.h; this parses and prints.
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/news.h"
#include "core/env.h"
#include "core/node/sync_news.h"
#include "core/node/sync_round.h"
#include "core/store/database.h"
#include "core/store/home.h"
#include "core/sync/relay_address.h"
#include "core/sync/relay_peering.h"
#include "core/sync/relay_service.h"
#include "core/team/roster_chain.h"
#include "core/team/team_state.h"

namespace waypost::cli {
namespace {

struct SyncOptions {
  std::vector<std::string> addresses;
  std::string socks5;
  std::string timeout = "30s";
};

std::string KiB(uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f KiB", double(bytes) / 1024);
  return text;
}

void PrintReport(Context& ctx, const node::SyncReport& report, const node::SyncNews& news) {
  for (const node::RelayFailure& f : report.failures) {
    ctx.Note("waypost: warning: " + f.status.message());
  }
  if (report.full > 0) {
    ctx.Note("waypost: warning: a relay is full and turned away " + std::to_string(report.full) +
             " envelope(s); they stay queued for the next sync and the other relays");
  }
  if (report.refused > 0) {
    ctx.Note("waypost: warning: a relay refused " + std::to_string(report.refused) +
             " envelope(s); they stay queued for the other relays");
  }
  if (report.rejected > 0) {
    ctx.Note("waypost: warning: set aside " + std::to_string(report.rejected) +
             " envelope(s) that could not be opened: damaged, forged, or from someone whose "
             "sign-up never reached this device; you will not be told of them again");
  }
  for (const node::ContactInfo& c : news.failed_signups) ctx.Note(SignUpFailedAdvice(c.name));
  if (ctx.globals().json) {
    ctx.Json({{"uploaded", report.uploaded},
              {"downloaded", report.downloaded},
              {"bytes_sent", report.bytes_sent},
              {"bytes_received", report.bytes_received},
              {"round_trips", report.round_trips},
              {"rejected", report.rejected},
              {"refused", report.refused},
              {"full", report.full},
              {"events", NewsJson(news)}});
    return;
  }
  std::string out;
  for (const std::string& line : NewsLines(news, ctx.clock().Now())) out += Printable(line) + "\n";
  if (out.empty()) out = "Nothing new.\n";
  ctx.Out(out);
  ctx.Note("Sent " + std::to_string(report.uploaded) + ", received " +
           std::to_string(report.downloaded) + " envelope(s).");
}

// A sync that failed on the way loses nothing: say so, and how much waits
// to go out. (A sync refused before it began needs no such comfort.)
Status WithOutboxCount(node::Node& node, const Status& failed) {
  if (failed.code() == Status::Code::kInvalidArgument) return failed;
  const Result<size_t> waiting = node.OutboxSize();
  if (!waiting.ok()) return failed;
  return Status::Error(failed.code(),
                       failed.message() + ". Nothing was lost" +
                           (*waiting == 0 ? std::string("; nothing is waiting to go out")
                                          : ": " + std::to_string(*waiting) +
                                                " envelope(s) wait in the outbox for the next "
                                                "sync"));
}

Status RunSync(Context& ctx, const SyncOptions& o) {
  WAYPOST_ASSIGN_OR_RETURN(int64_t timeout, ParseDuration(o.timeout));
  // One budget for connecting, for silence, and for the whole exchange: a
  // stalled or vanished relay costs at most this long.
  DialOptions dial;
  dial.timeout_ms = timeout * 1000;
  if (!o.socks5.empty()) {  // a bad form is said before the passphrase is asked for
    WAYPOST_RETURN_IF_ERROR(ParseHostPort(o.socks5).status());
  }
  std::vector<sync::RelayAddress> relays;
  for (const std::string& a : o.addresses) {
    WAYPOST_ASSIGN_OR_RETURN(sync::RelayAddress r, sync::ParseRelayAddress(a));
    relays.push_back(r);
  }
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  WAYPOST_ASSIGN_OR_RETURN(dial.socks5, ChooseProxy(o.socks5, node->settings().proxy));
  std::unique_ptr<Dialer> dialer = ctx.network().NewDialer(dial);
  // On a terminal, a live line per relay: what it waits for, then
  // envelopes and bytes each way.
  auto progress = [&ctx](const node::SyncProgress& p) {
    if (p.connecting) {
      ctx.Progress("connecting to " + p.relay + "…");
      return;
    }
    ctx.Progress(p.relay + ": up " + std::to_string(p.uploaded) + " (" + KiB(p.bytes_sent) +
                 "), down " + std::to_string(p.downloaded) + " (" + KiB(p.bytes_received) + ")");
  };
  WAYPOST_ASSIGN_OR_RETURN(const node::NewsWatch watch, node::NewsWatch::Start(*node));
  Result<node::SyncReport> report =
      node::SyncWithRelays(*node, std::move(relays), *dialer, ctx.random(),
                           {.deadline_ms = dial.timeout_ms, .progress = progress});
  ctx.EndProgress();
  if (!report.ok()) return WithOutboxCount(*node, report.status());
  WAYPOST_ASSIGN_OR_RETURN(const node::SyncNews news, watch.Collect(*node, ctx.clock().Now()));
  PrintReport(ctx, *report, news);
  return Status::Ok();
}

struct RelayOptions {
  std::string listen = "127.0.0.1:7447";
  std::string kdf = "moderate";
  std::vector<std::string> peers;
  std::vector<std::string> teams;
  std::string socks5;
  size_t max_connections = 4096;
};

// Each --team FILE: a coordinator's `team export`. A relay serving no team
// serves nobody (docs/protocol.md §11.5).
Status ServeTeams(Context& ctx, sync::RelayService& service,
                  const std::vector<std::string>& files) {
  if (files.empty()) {
    // Still worth starting: its address is what a coordinator needs before
    // it can make invites and export its team.
    ctx.Note(
        "waypost: warning: serving no team, so every client is refused; restart with --team "
        "FILE, a coordinator's `waypost team export`");
    return Status::Ok();
  }
  for (const std::string& file : files) {
    Result<Bytes> text =
        Env::Default().ReadSmallFile(file, 3 * (team::kMaxSteps + 1) * team::kMaxTeamStateBytes);
    if (!text.ok())
      return Status::InvalidArgument("--team " + file + ": " + text.status().message());
    Result<std::vector<Bytes>> rosters = team::RostersFromText(AsString(*text));
    if (!rosters.ok())
      return Status::InvalidArgument("--team " + file + ": " + rosters.status().message());
    // The newest roster last, the steps of its chain before it (§11.7).
    const std::vector<ByteView> steps(rosters->begin(), rosters->end() - 1);
    Status served = service.ServeTeam(rosters->back(), steps);
    if (served.code() == Status::Code::kProtocol || served.code() == Status::Code::kAuthFailed) {
      return Status::InvalidArgument(
          "--team " + file + ": not a team roster a coordinator signed (" + served.message() + ")");
    }
    WAYPOST_RETURN_IF_ERROR(served);
  }
  ctx.Note("Serving " + std::to_string(service.teams().size()) + " team(s).");
  return Status::Ok();
}

// A relay's first start creates its store: its static key must persist,
// since clients pin it.
Result<std::unique_ptr<node::Node>> OpenOrCreateRelay(Context& ctx, const RelayOptions& o) {
  if (store::StoreExists(ctx.globals().home)) return ctx.OpenNode();
  const std::optional<store::KdfProfile> profile = store::ParseKdfProfile(o.kdf);
  if (!profile) return Status::InvalidArgument("--kdf is interactive, moderate or sensitive");
  WAYPOST_ASSIGN_OR_RETURN(Secret passphrase, ctx.ReadNewPassphrase(true));
  return node::Node::Create(ctx.globals().home, passphrase, *profile, "relay", node::Role::kRelay,
                            ctx.clock(), ctx.random());
}

Status RunRelay(Context& ctx, const RelayOptions& o) {
  // Before anything is opened: a relay's store holds ciphertext, and SQLCipher's
  // memory security would cost it half its throughput (store::Database).
  store::Database::SetMemorySecurity(false);
  WAYPOST_ASSIGN_OR_RETURN(HostPort listen, ParseHostPort(o.listen));
  std::vector<sync::RelayAddress> peers;
  std::set<Bytes> peer_keys;
  for (const std::string& text : o.peers) {
    WAYPOST_ASSIGN_OR_RETURN(sync::RelayAddress peer, sync::ParseRelayAddress(text));
    peer_keys.insert(peer.public_key);
    peers.push_back(std::move(peer));
  }
  if (!o.socks5.empty()) WAYPOST_RETURN_IF_ERROR(ParseHostPort(o.socks5).status());
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, OpenOrCreateRelay(ctx, o));
  // Peers are dialled through --socks5, else the relay's saved proxy.
  ServeOptions extra;
  extra.max_connections = o.max_connections;
  WAYPOST_ASSIGN_OR_RETURN(extra.dial.socks5, ChooseProxy(o.socks5, node->settings().proxy));
  WAYPOST_ASSIGN_OR_RETURN(
      std::unique_ptr<sync::RelayService> service, node->ServeRelay([&ctx](const Status& purge) {
        ctx.Note("waypost: warning: purging expired envelopes: " + purge.message());
      }));
  if (peer_keys.count(service->identity().public_key) > 0) {
    return Status::InvalidArgument("--peer names this relay itself");
  }
  WAYPOST_RETURN_IF_ERROR(ServeTeams(ctx, *service, o.teams));
  service->SetPeerKeys(std::move(peer_keys));
  auto log = [&ctx](const std::string& line) { ctx.Note(line); };
  sync::RelayPeering peering(*service, std::move(peers), {}, log);
  if (!o.peers.empty()) extra.outbound = &peering;
  const sync::RelayService& relay = *service;
  return ctx.network().Serve(
      listen.host, listen.port, [&] { return service->NewSession(); },
      [&](uint16_t port) {
        const sync::RelayAddress address{relay.identity().public_key, listen.host, port};
        ctx.Out(sync::FormatRelayAddress(address) + "\n");
        ctx.Note("Relay listening; stop with Ctrl-C.");
      },
      log, extra);
}

}  // namespace

void AddNetworkCommands(CLI::App& app, Action& chosen) {
  auto sync = std::make_shared<SyncOptions>();
  CLI::App* s = app.add_subcommand("sync", "Exchange envelopes with relays (default: saved ones)");
  s->add_option("ADDRESS", sync->addresses, "Relay addresses to use instead of the saved ones");
  s->add_option("--socks5", sync->socks5, "Reach relays through a SOCKS5 proxy (e.g. Tor)");
  s->add_option("--timeout", sync->timeout, "Give up on a relay that takes longer than this")
      ->type_name("DUR")
      ->capture_default_str();
  s->callback([&chosen, sync] { chosen = [sync](Context& ctx) { return RunSync(ctx, *sync); }; });

  auto relay = std::make_shared<RelayOptions>();
  CLI::App* r = app.add_subcommand("relay", "Serve as a relay until SIGINT or SIGTERM");
  r->add_option("--listen", relay->listen, "HOST:PORT to listen on")->capture_default_str();
  r->add_option("--peer", relay->peers,
                "A relay to keep in step with (repeatable); it must list this one too");
  r->add_option("--team", relay->teams,
                "A team to serve (repeatable): a file holding a coordinator's `team export`")
      ->type_name("FILE");
  r->add_option("--socks5", relay->socks5, "Reach peers through a SOCKS5 proxy (e.g. Tor)");
  r->add_option("--kdf", relay->kdf, "Passphrase hardening when the relay store is created")
      ->capture_default_str();
  r->add_option("--max-connections", relay->max_connections,
                "Connections served at once; a full relay drops its oldest unfinished handshake")
      ->check(WithinRange(1, 1 << 20))
      ->capture_default_str();
  r->callback(
      [&chosen, relay] { chosen = [relay](Context& ctx) { return RunRelay(ctx, *relay); }; });
}

}  // namespace waypost::cli
