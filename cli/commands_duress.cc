// Duress: `duress set` on any device; `board` and `ack` on a coordinator's.
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/format.h"

namespace waypost::cli {
namespace {

Status RunDuressSet(Context& ctx) {
  WAYPOST_RETURN_IF_ERROR(ctx.RequireStore());
  WAYPOST_ASSIGN_OR_RETURN(Secret current, ctx.ReadPassphrase());
  // Opening first says "wrong passphrase" before asking for a new one twice.
  WAYPOST_ASSIGN_OR_RETURN(
      std::unique_ptr<node::Node> node,
      node::Node::Open(ctx.globals().home, current, ctx.clock(), ctx.random()));
  WAYPOST_ASSIGN_OR_RETURN(Secret next, ctx.ReadNewPassphrase(false));
  WAYPOST_RETURN_IF_ERROR(node->SetDuressPassphrase(current, next));
  // The same words from any store (SECURITY.md, "Duress").
  ctx.Note("Duress passphrase set.");
  return Status::Ok();
}

// "<name> is under duress since <time> (alert N): do not contact ...".
std::string DuressLine(const std::string& name, int64_t alert, UnixTime since) {
  return "DURESS: " + name + " since " + Rfc3339(since) + " (alert " + std::to_string(alert) +
         "): " + node::kDuressAdvice + ". When it is resolved: waypost ack " +
         std::to_string(alert);
}

}  // namespace

// Shared with inbox: one line per open duress alert, after the table.
Status PrintOpenAlerts(Context& ctx, node::Node& node) {
  WAYPOST_ASSIGN_OR_RETURN(std::vector<node::AlertInfo> open, node.Alerts(true));
  for (const node::AlertInfo& a : open) {
    if (a.kind == node::AlertKind::kDuress) {
      ctx.Out(Printable(DuressLine(a.peer, a.id, a.raised_at)) + "\n");
    } else if (a.kind == node::AlertKind::kInviteReused) {
      ctx.Out(Printable("INVITE: " + a.detail + " (alert " + std::to_string(a.id) +
                        "). When it is resolved: waypost ack " + std::to_string(a.id)) +
              "\n");
    } else if (a.kind == node::AlertKind::kGap) {
      ctx.Out(Printable("MISSING: " + a.detail + " (alert " + std::to_string(a.id) +
                        "). When it is resolved: waypost ack " + std::to_string(a.id)) +
              "\n");
    } else if (a.kind == node::AlertKind::kOverdue) {
      ctx.Out(Printable("OVERDUE: " + a.peer + " was due by " +
                        (a.due_at ? Rfc3339(*a.due_at) : std::string("?")) +
                        " and no check-in arrived in the grace time (alert " +
                        std::to_string(a.id) + "). When it is resolved: waypost ack " +
                        std::to_string(a.id)) +
              "\n");
    } else if (a.kind == node::AlertKind::kDistress) {
      ctx.Out(Printable("DISTRESS: " + a.peer + " checked in " + a.detail + " at " +
                        Rfc3339(a.raised_at) + " (alert " + std::to_string(a.id) +
                        "). When it is resolved: waypost ack " + std::to_string(a.id)) +
              "\n");
    }
  }
  return Status::Ok();
}

namespace {

// States that need action stand out: DURESS, DISTRESS.
std::string Upper(std::string_view word) {
  std::string out(word);
  for (char& c : out) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return out;
}

Status RunBoard(Context& ctx) {
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  WAYPOST_ASSIGN_OR_RETURN(std::vector<node::BoardEntry> board, node->Board());
  if (ctx.globals().json) {
    // An open invite-reuse alert rides on the entry of whoever used the
    // invite first: scripts see it as the table's reader does.
    WAYPOST_ASSIGN_OR_RETURN(std::vector<node::AlertInfo> open, node->Alerts(true));
    auto invite_alert = [&open](const node::BoardEntry& e) {
      for (const node::AlertInfo& a : open) {
        if (a.kind == node::AlertKind::kInviteReused && a.fingerprint == e.fingerprint)
          return nlohmann::json{{"alert", a.id}, {"detail", a.detail}};
      }
      return nlohmann::json(nullptr);
    };
    nlohmann::json arr = nlohmann::json::array();
    for (const node::BoardEntry& e : board) {
      arr.push_back(
          {{"name", e.name},
           {"fingerprint", e.fingerprint},
           {"last_code",
            e.last_code.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.last_code)},
           {"last_meaning",
            e.last_code.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.last_meaning)},
           {"last_sent_at", JsonTime(e.last_sent_at)},
           {"last_received_at", JsonTime(e.last_received_at)},
           {"due_at", JsonTime(e.due_at)},
           {"state", node::NameOf(e.state)},
           {"alert", e.alert ? nlohmann::json(*e.alert) : nlohmann::json(nullptr)},
           {"advice", e.state == node::BoardState::kDuress ? nlohmann::json(node::kDuressAdvice)
                                                           : nlohmann::json(nullptr)},
           {"invite_reused", invite_alert(e)}});
    }
    ctx.Json(arr);
    return Status::Ok();
  }
  if (board.empty()) {
    ctx.Note("No helpers yet; enroll one with `waypost invite`.");
    return Status::Ok();
  }
  auto time_or_dash = [](const std::optional<UnixTime>& t) {
    return t ? Rfc3339(*t) : std::string("-");
  };
  std::vector<std::vector<std::string>> rows;
  for (const node::BoardEntry& e : board) {
    rows.push_back({e.name, e.fingerprint, e.last_code.empty() ? "-" : e.last_code,
                    time_or_dash(e.last_received_at), time_or_dash(e.due_at),
                    // Alarms stand out; ok and due (within the grace) do not.
                    e.state <= node::BoardState::kDue ? std::string(node::NameOf(e.state))
                                                      : Upper(node::NameOf(e.state))});
  }
  ctx.Out(Table({"NAME", "FINGERPRINT", "LAST CODE", "RECEIVED", "DUE", "STATE"}, rows));
  return PrintOpenAlerts(ctx, *node);
}

struct AckOptions {
  std::string alert;
  std::string note;
};

Status RunAck(Context& ctx, const AckOptions& o) {
  WAYPOST_ASSIGN_OR_RETURN(Secret note, ReadNoteIfAsked(ctx, o.note));
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  WAYPOST_ASSIGN_OR_RETURN(std::vector<node::AlertInfo> acked,
                           node->Ack(o.alert, Context::View(note)));
  for (const node::AlertInfo& a : acked) {
    ctx.Note(Printable("Acknowledged alert " + std::to_string(a.id) + " (" +
                       std::string(node::NameOf(a.kind)) + ", " + a.peer + ")."));
    if (a.kind == node::AlertKind::kDuress) {
      ctx.Note(Printable("An acknowledgement is queued for " + a.peer +
                         "; it ends the duress state on their device once they sync with "
                         "their normal passphrase. Until then their messages stay flagged."));
    }
  }
  return Status::Ok();
}

}  // namespace

void AddDuressCommands(CLI::App& app, Action& chosen) {
  CLI::App* duress = app.add_subcommand("duress", "Duress passphrase");
  duress->require_subcommand(1);
  duress->add_subcommand("set", "Set a passphrase that opens a decoy and flags every message")
      ->callback([&chosen] { chosen = RunDuressSet; });

  app.add_subcommand("board", "Per helper: last check-in, next due time and state")
      ->callback([&chosen] { chosen = RunBoard; });

  auto ack = std::make_shared<AckOptions>();
  CLI::App* a = app.add_subcommand("ack", "Acknowledge an alert (ends a helper's duress state)");
  a->add_option("ALERT", ack->alert, "The alert's number, or the helper's name")->required();
  AddNoteOption(a, ack->note);
  a->callback([&chosen, ack] { chosen = [ack](Context& ctx) { return RunAck(ctx, *ack); }; });
}

}  // namespace waypost::cli
