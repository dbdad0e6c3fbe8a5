// Deadlines: `expect` and `watch` on a coordinator's node, `status` on a
// helper's (docs/protocol.md §4.8).
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <string>

#include "cli/board_view.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "cli/network.h"
#include "core/node/sync_round.h"
#include "core/sync/relay_address.h"

namespace waypost::cli {
namespace {

// "every 6h (grace 15m)", "by 2027-01-15T18:00:00Z (grace 15m)".
std::string Describe(const node::Schedule& s) {
  auto span = [](int64_t seconds) {
    if (seconds % 86400 == 0) return std::to_string(seconds / 86400) + "d";
    if (seconds % 3600 == 0) return std::to_string(seconds / 3600) + "h";
    if (seconds % 60 == 0) return std::to_string(seconds / 60) + "m";
    return std::to_string(seconds) + "s";
  };
  std::string out = s.every ? "every " + span(*s.every) : "by " + Rfc3339(*s.due_by);
  return out + " (grace " + span(s.grace) + ")";
}

struct ExpectOptions {
  std::string name;
  std::string every;
  std::string by;
  std::string grace = "15m";
  bool off = false;
};

Status RunExpect(Context& ctx, const ExpectOptions& o) {
  std::optional<int64_t> every;
  std::optional<UnixTime> by;
  if (!o.every.empty()) {
    WAYPOST_ASSIGN_OR_RETURN(every, ParseDuration(o.every));
  }
  if (!o.by.empty()) {
    WAYPOST_ASSIGN_OR_RETURN(by, ParseTime(o.by, ctx.clock().Now()));
  }
  WAYPOST_ASSIGN_OR_RETURN(int64_t grace, ParseDuration(o.grace));
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  WAYPOST_ASSIGN_OR_RETURN(node::Schedule set, node->Expect(o.name, every, by, grace));
  if (!set.active()) {
    ctx.Note("No deadline for " + Printable(o.name) +
             " any more; they learn it on their next sync.");
    return Status::Ok();
  }
  const node::Deadline next = node::EvaluateDeadline(set, std::nullopt, ctx.clock().Now());
  ctx.Note(Printable(o.name) + " must check in " + Describe(set) + "; first due " +
           Rfc3339(*next.due_at) +
           ". The alarm runs on this node's clock; they learn the schedule on their next sync.");
  return Status::Ok();
}

Status RunStatus(Context& ctx) {
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  WAYPOST_ASSIGN_OR_RETURN(std::vector<node::Node::ExpectedBy> expected, node->Expectations());
  WAYPOST_ASSIGN_OR_RETURN(std::vector<node::MessageInfo> messages, node->Inbox());
  std::vector<node::MessageInfo> sent;
  for (const node::MessageInfo& m : messages) {
    if (m.direction == node::Direction::kOut && m.kind == node::MessageKind::kCheckIn) {
      sent.push_back(m);
    }
  }
  if (ctx.globals().json) {
    nlohmann::json deadlines = nlohmann::json::array();
    for (const node::Node::ExpectedBy& e : expected) {
      const bool active = e.schedule && e.schedule->active();
      deadlines.push_back(
          {{"coordinator", e.coordinator},
           {"every", active && e.schedule->every ? nlohmann::json(*e.schedule->every) : nullptr},
           {"by", active ? JsonTime(e.schedule->due_by) : nullptr},
           {"grace", active ? nlohmann::json(e.schedule->grace) : nullptr},
           {"next_due_at", JsonTime(e.next.due_at)},
           {"state", active ? nlohmann::json(node::NameOf(e.next.state)) : nullptr}});
    }
    nlohmann::json checkins = nlohmann::json::array();
    for (const node::MessageInfo& m : sent) {
      checkins.push_back({{"id", m.id},
                          {"to", m.peer},
                          {"code", m.code},
                          {"sent_at", Rfc3339(m.sent_at)},
                          {"state", node::NameOf(m.state)},
                          {"state_at", JsonTime(m.state_at)},
                          {"confirm_note", m.state_note.empty() ? nlohmann::json(nullptr)
                                                                : nlohmann::json(m.state_note)},
                          {"test", m.test}});
    }
    ctx.Json({{"deadlines", deadlines}, {"checkins", checkins}});
    return Status::Ok();
  }
  if (expected.empty()) ctx.Note("No coordinator yet; join an invite first.");
  for (const node::Node::ExpectedBy& e : expected) {
    const bool active = e.schedule && e.schedule->active();
    std::string line =
        Printable(e.coordinator) + (active ? " expects a check-in " + Describe(*e.schedule)
                                           : std::string(" expects no check-ins on a schedule"));
    if (active && e.next.due_at) {
      line += "; next due " + Rfc3339(*e.next.due_at) + " by your clock";
      if (e.next.state != node::BoardState::kOk)
        line += " (" + std::string(node::NameOf(e.next.state)) + ")";
    } else if (active) {
      line += "; met";
    }
    ctx.Out(line + "\n");
  }
  if (sent.empty()) return Status::Ok();
  std::vector<std::vector<std::string>> rows;
  for (const node::MessageInfo& m : sent) {
    std::string state(node::NameOf(m.state));
    if (m.state == node::MessageState::kConfirmed && m.state_at) {
      state += " by " + m.peer + " (" + Rfc3339(*m.state_at) + ")";
      if (!m.state_note.empty()) state += ": " + Printable(m.state_note);
    } else if (m.state_at) {
      state += " (" + Rfc3339(*m.state_at) + ")";
    }
    rows.push_back({m.id, m.peer, m.code + (m.test ? " [TEST]" : ""), Rfc3339(m.sent_at), state});
  }
  ctx.Out(Table({"ID", "TO", "CODE", "SENT", "STATE"}, rows));
  return Status::Ok();
}

struct AlertsOptions {
  bool open = false;
};

// `alerts`: every alert, newest first, with how it was resolved: when it
// was acknowledged and the note `ack --note` gave (README, "alerts").
Status RunAlerts(Context& ctx, const AlertsOptions& o) {
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  WAYPOST_ASSIGN_OR_RETURN(std::vector<node::AlertInfo> alerts, node->Alerts(o.open));
  if (ctx.globals().json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const node::AlertInfo& a : alerts) {
      arr.push_back(
          {{"id", a.id},
           {"kind", node::NameOf(a.kind)},
           {"name", a.peer},
           {"fingerprint", a.fingerprint},
           {"raised_at", Rfc3339(a.raised_at)},
           {"due_at", JsonTime(a.due_at)},
           {"detail", a.detail},
           {"open", !a.acked_at},
           {"acked_at", JsonTime(a.acked_at)},
           {"ack_note",
            a.acked_at && !a.note.empty() ? nlohmann::json(a.note) : nlohmann::json(nullptr)},
           {"acked_by", a.acked_by.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.acked_by)},
           {"notified_at", JsonTime(a.notified_at)}});
    }
    ctx.Json(arr);
    return Status::Ok();
  }
  if (alerts.empty()) {
    ctx.Note(o.open ? "No open alerts." : "No alerts yet.");
    return Status::Ok();
  }
  const UnixTime now = ctx.clock().Now();
  std::vector<std::vector<std::string>> rows;
  for (const node::AlertInfo& a : alerts) {
    rows.push_back(
        {std::to_string(a.id), a.acked_at ? "acked" : "OPEN", std::string(node::NameOf(a.kind)),
         a.peer, BriefTime(a.raised_at, now),
         a.acked_at ? BriefTime(*a.acked_at, now) + (a.acked_by.empty() ? "" : " by " + a.acked_by)
                    : std::string("-"),
         a.note});
  }
  ctx.Out(Table({"ID", "STATE", "KIND", "NAME", "RAISED", "ACKED", "NOTE"}, rows));
  // What each open one asks, as `board` says it.
  return PrintOpenAlerts(ctx, *node);
}

struct WatchOptions {
  std::string interval = "5m";
  std::string on_alert;
  std::string timeout = "30s";
  int rounds = 0;  // 0: until SIGINT or SIGTERM
};

// One alert as `--on-alert` gets it on stdin: one compact JSON line.
std::string AlertLine(const node::AlertInfo& a, const std::vector<node::BoardEntry>& board) {
  std::optional<UnixTime> last_received;
  for (const node::BoardEntry& e : board) {
    if (e.fingerprint == a.fingerprint) last_received = e.last_received_at;
  }
  const nlohmann::json j = {{"id", a.id},
                            {"kind", node::NameOf(a.kind)},
                            {"name", a.peer},
                            {"fingerprint", a.fingerprint},
                            {"raised_at", Rfc3339(a.raised_at)},
                            {"due_at", JsonTime(a.due_at)},
                            {"last_received_at", JsonTime(last_received)},
                            {"detail", a.detail}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

// `watch`: sync every --interval (sooner after a failure, backing off), and
// at least every minute look at the deadlines on this node's clock; pass
// every new alert to --on-alert, once; on a terminal, redraw the board.
Status RunWatch(Context& ctx, const WatchOptions& o) {
  WAYPOST_ASSIGN_OR_RETURN(int64_t interval, ParseDuration(o.interval));
  WAYPOST_ASSIGN_OR_RETURN(int64_t timeout, ParseDuration(o.timeout));
  if (interval < 10 || interval > 86400) {
    return Status::InvalidArgument("--interval must be from 10s to 1d");
  }
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  if (node->self().role != node::Role::kCoordinator) {
    return Status::InvalidArgument(
        "watch is for a coordinator's node; a helper runs `waypost sync`");
  }
  // From here on (not at the passphrase prompt, which Ctrl-C still ends)
  // SIGINT and SIGTERM end the loop between rounds.
  if (!ctx.network().Pause(0)) return Status::Ok();
  constexpr int64_t kLookEvery = 60;  // an overdue alarm is at most this late
  constexpr int64_t kFirstRetry = 15;
  DialOptions dial;
  dial.timeout_ms = timeout * 1000;
  // Through the saved proxy, if any: a round that cannot reach it fails
  // like one whose relays are down, and never goes direct.
  WAYPOST_ASSIGN_OR_RETURN(dial.socks5, ChooseProxy("", node->settings().proxy));
  std::unique_ptr<Dialer> dialer = ctx.network().NewDialer(dial);
  UnixTime next_sync = ctx.clock().Now();
  int64_t retry = kFirstRetry;
  ctx.Note("Watching; SIGINT or SIGTERM stops it.");
  for (int round = 0; o.rounds == 0 || round < o.rounds; ++round) {
    UnixTime now = ctx.clock().Now();
    if (now >= next_sync) {
      WAYPOST_ASSIGN_OR_RETURN(std::vector<std::string> saved, node->Relays());
      std::vector<sync::RelayAddress> relays;
      for (const std::string& a : saved) {
        WAYPOST_ASSIGN_OR_RETURN(sync::RelayAddress r, sync::ParseRelayAddress(a));
        relays.push_back(r);
      }
      Result<node::SyncReport> report =
          node::SyncWithRelays(*node, std::move(relays), *dialer, ctx.random(),
                               {.deadline_ms = timeout * 1000, .progress = nullptr});
      const bool failed =
          !report.ok() || (!report->failures.empty() && report->failures.size() == saved.size());
      if (failed) {
        ctx.Note(
            "waypost: warning: " +
            (report.ok() ? report->failures.front().status.message() : report.status().message()) +
            "; trying again in " + std::to_string(retry) + "s");
        next_sync = ctx.clock().Now() + retry;
        retry = std::min(retry * 2, interval);
      } else {
        next_sync = ctx.clock().Now() + interval;
        retry = kFirstRetry;
      }
    }
    // Reading the board raises overdue alerts (Node::CheckDeadlines).
    WAYPOST_ASSIGN_OR_RETURN(std::vector<node::BoardEntry> board, node->Board());
    WAYPOST_ASSIGN_OR_RETURN(std::vector<node::AlertInfo> open, node->Alerts(true));
    std::reverse(open.begin(), open.end());  // oldest first
    for (const node::AlertInfo& a : open) {
      if (a.notified_at) continue;
      const std::string line = AlertLine(a, board);
      if (!o.on_alert.empty()) {
        const Status ran = ctx.network().RunHook(o.on_alert, line);
        if (!ran.ok()) {
          ctx.Note("waypost: warning: " + ran.message() + " for alert " + std::to_string(a.id) +
                   "; trying again next round");
          continue;
        }
      } else {
        ctx.Out(line);
      }
      WAYPOST_RETURN_IF_ERROR(node->MarkAlertNotified(a.id));
    }
    if (ctx.StderrIsTerminal()) {
      ctx.Note("\033[H\033[2J" + Rfc3339(ctx.clock().Now()) + "\n" +
               BoardTable(board, ctx.clock().Now(), ctx.Colour(/*to_stderr=*/true),
                          TableWidth(std::nullopt, TerminalWidth(STDERR_FILENO))));
    }
    // Wake for the next sync, the next deadline plus grace, or a minute.
    now = ctx.clock().Now();
    UnixTime wake = std::min(next_sync, now + kLookEvery);
    for (const node::BoardEntry& e : board) {
      if (e.due_at && e.grace && *e.due_at + *e.grace > now) {
        wake = std::min(wake, *e.due_at + *e.grace);
      }
    }
    if (o.rounds != 0 && round + 1 >= o.rounds) break;
    if (!ctx.network().Pause(std::max<int64_t>(1, wake - now) * 1000)) break;
  }
  ctx.Note("Stopped watching.");
  return Status::Ok();
}

}  // namespace

void AddDeskCommands(CLI::App& app, Action& chosen) {
  auto expect = std::make_shared<ExpectOptions>();
  CLI::App* e = app.add_subcommand(
      "expect", "Set when a helper must check in; the alarm runs on this node's clock");
  e->add_option("NAME", expect->name, "The helper")->required();
  auto* every =
      e->add_option("--every", expect->every, "A check-in at least this often (5m to 60d)")
          ->type_name("DUR");
  auto* by =
      e->add_option("--by", expect->by, "One check-in by this time (2027-01-15T18:00Z, or 6h)")
          ->type_name("TIME");
  auto* off = e->add_flag("--off", expect->off, "No deadline any more");
  e->add_option("--grace", expect->grace, "Time after the deadline before the alarm (default 15m)")
      ->type_name("DUR");
  every->excludes(by)->excludes(off);
  by->excludes(off);
  e->callback([&chosen, expect, e] {
    if (e->count("--every") + e->count("--by") + e->count("--off") == 0) {
      throw CLI::RequiredError("one of --every, --by or --off");
    }
    chosen = [expect](Context& ctx) { return RunExpect(ctx, *expect); };
  });

  auto watch = std::make_shared<WatchOptions>();
  CLI::App* w = app.add_subcommand(
      "watch", "Keep syncing and watching deadlines; pass every alert to a command");
  w->add_option("--interval", watch->interval, "How often to sync (default 5m)")->type_name("DUR");
  w->add_option("--on-alert", watch->on_alert,
                "Run this with /bin/sh -c once per alert, the alert as JSON on stdin");
  w->add_option("--timeout", watch->timeout, "Give up on a relay after this long (default 30s)")
      ->type_name("DUR");
  w->add_option("--rounds", watch->rounds, "Stop after this many rounds (for scripts)");
  w->callback(
      [&chosen, watch] { chosen = [watch](Context& ctx) { return RunWatch(ctx, *watch); }; });

  auto alerts = std::make_shared<AlertsOptions>();
  CLI::App* al = app.add_subcommand(
      "alerts", "Every alert, newest first: open ones, and acknowledged ones with their note");
  al->add_flag("--open", alerts->open, "Only the open ones");
  al->callback(
      [&chosen, alerts] { chosen = [alerts](Context& ctx) { return RunAlerts(ctx, *alerts); }; });

  app.add_subcommand("status", "When your next check-in is due, and what became of those sent")
      ->callback([&chosen] { chosen = RunStatus; });
}

}  // namespace waypost::cli
