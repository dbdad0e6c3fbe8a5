// Duress: `duress set` on any device; `board` and `ack` on a coordinator's.
#include <memory>
#include <string>

#include "cli/board_view.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "core/text.h"

namespace waypost::cli {
namespace {

// Said before the new passphrase is asked for, in the same words from the
// main store and from the decoy: a captor who runs `duress set` in the
// decoy must learn nothing, so neither the warning nor the question may
// depend on whether a duress passphrase exists (SECURITY.md, "Duress").
constexpr char kDuressWarning[] =
    "A duress passphrase opens a store that looks like this one, and every check-in sent "
    "from it tells your coordinators, and only them, that you are under duress. Opening it "
    "even once, to try it, raises a real alarm that stays until a coordinator acknowledges "
    "it: tell your coordinator before you test it. If a duress passphrase was set before, "
    "the new one replaces it.";

Status RunDuressSet(Context& ctx) {
  WAYPOST_RETURN_IF_ERROR(ctx.RequireStore());
  // Opening first says "wrong passphrase" before asking for a new one twice.
  Secret current;
  std::unique_ptr<node::Node> node;
  WAYPOST_RETURN_IF_ERROR(ctx.CheckPassphrase([&](const Secret& passphrase) -> Status {
    WAYPOST_ASSIGN_OR_RETURN(
        node, node::Node::Open(ctx.globals().home, passphrase, ctx.clock(), ctx.random()));
    current = passphrase.Clone();
    return Status::Ok();
  }));
  ctx.Note(kDuressWarning);
  if (ctx.StdinIsTerminal()) {
    WAYPOST_ASSIGN_OR_RETURN(const bool yes, ctx.AskYes("Set a duress passphrase now?"));
    if (!yes) {
      ctx.Note("Nothing changed.");
      return Status::Ok();
    }
  }
  WAYPOST_ASSIGN_OR_RETURN(Secret next, ctx.ReadNewPassphrase(false));
  WAYPOST_RETURN_IF_ERROR(node->SetDuressPassphrase(current, next));
  // The same words from any store (SECURITY.md, "Duress").
  ctx.Note("Duress passphrase set.");
  return Status::Ok();
}

}  // namespace

// Shared with inbox: one line per open alert, after the table.
Status PrintOpenAlerts(Context& ctx, node::Node& node) {
  WAYPOST_ASSIGN_OR_RETURN(std::vector<node::AlertInfo> open, node.Alerts(true));
  // On a terminal, in red, as the board's alarm states are.
  const bool colour = ctx.Colour();
  for (const node::AlertInfo& a : open) {
    const std::string line = Printable(AlertSentence(a));
    ctx.Out(colour ? "\033[1;31m" + line + "\033[0m\n" : line + "\n");
  }
  return Status::Ok();
}

namespace {

struct BoardOptions {
  bool html = false;
  int days = 7;
};

// `board --html`: the page on stdout, and nothing written anywhere else.
Status PrintBoardPage(Context& ctx, node::Node& node, const BoardOptions& o,
                      std::vector<node::BoardEntry> board) {
  BoardPage page;
  page.now = ctx.clock().Now();
  page.days = o.days;
  page.board = std::move(board);
  WAYPOST_ASSIGN_OR_RETURN(page.alerts, node.Alerts(false));
  WAYPOST_ASSIGN_OR_RETURN(page.messages, node.Inbox());
  WAYPOST_ASSIGN_OR_RETURN(std::vector<node::Node::CodebookView> books, node.Codebooks());
  const std::string self = node.self().name;
  for (const node::Node::CodebookView& book : books) {
    if (book.owner != self) continue;
    for (const node::CodeEntry& c : book.codes) {
      if (c.distress) page.distress_codes.push_back(c.code);
    }
  }
  ctx.Out(BoardHtml(page));
  return Status::Ok();
}

Status RunBoard(Context& ctx, const BoardOptions& o) {
  if (o.html && ctx.globals().json) {
    return Status::InvalidArgument("--html and --json are two different pages; choose one");
  }
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  WAYPOST_ASSIGN_OR_RETURN(std::vector<node::BoardEntry> board, node->Board());
  if (o.html) return PrintBoardPage(ctx, *node, o, std::move(board));
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
           {"last_test", e.last_test},
           {"due_at", JsonTime(e.due_at)},
           {"state", node::NameOf(e.state)},
           {"alert", e.alert ? nlohmann::json(*e.alert) : nlohmann::json(nullptr)},
           {"advice", e.state == node::BoardState::kDuress ? nlohmann::json(node::kDuressAdvice)
                                                           : nlohmann::json(nullptr)},
           {"invite_reused", invite_alert(e)},
           // The newest acknowledged alert about this helper, and the note
           // `ack --note` gave (README, "ack").
           {"acked_alert",
            e.acked_alert ? nlohmann::json(*e.acked_alert) : nlohmann::json(nullptr)},
           {"acked_at", JsonTime(e.acked_at)},
           {"ack_note",
            e.ack_note.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.ack_note)}});
    }
    ctx.Json(arr);
    return Status::Ok();
  }
  if (board.empty()) {
    ctx.Note("No helpers yet; enroll one with `waypost invite`.");
    return Status::Ok();
  }
  ctx.Out(BoardTable(board, ctx.clock().Now(), ctx.Colour(), ctx.Columns()));
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

  auto board = std::make_shared<BoardOptions>();
  CLI::App* b = app.add_subcommand("board", "Per helper: last check-in, next due time and state");
  b->add_flag("--html", board->html,
              "Print one self-contained HTML page with a timeline per helper (plaintext: view it "
              "from /dev/shm and delete it)");
  b->add_option("--days", board->days, "How many days the page's timelines cover")
      ->check(WithinRange(1, 60))
      ->default_val(7);
  b->callback(
      [&chosen, board] { chosen = [board](Context& ctx) { return RunBoard(ctx, *board); }; });

  auto ack = std::make_shared<AckOptions>();
  CLI::App* a = app.add_subcommand("ack", "Acknowledge an alert (ends a helper's duress state)");
  a->add_option("ALERT", ack->alert, "The alert's number, or the helper's name")->required();
  AddNoteOption(a, ack->note);
  a->callback([&chosen, ack] { chosen = [ack](Context& ctx) { return RunAck(ctx, *ack); }; });
}

}  // namespace waypost::cli
