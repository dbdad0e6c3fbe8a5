// Messages: checkin, send, inbox, confirm; the codebook: codes.
#include <algorithm>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/format.h"

namespace waypost::cli {
namespace {

struct CheckInOptions {
  std::string code;  // empty: choose from a menu
  std::string note;
  std::string to;
  bool test = false;
  bool armor = false;
};

// `checkin` with no code, at a terminal: the codebook as a numbered menu,
// then an optional note. Nothing meaningful is typed, and nothing lands in
// the shell's history.
Result<std::string> ChooseCode(Context& ctx, node::Node& node, const std::string& to,
                               Secret& note) {
  WAYPOST_ASSIGN_OR_RETURN(std::vector<node::Node::CodebookView> books, node.Codebooks());
  const node::Node::CodebookView* book = nullptr;
  for (const node::Node::CodebookView& b : books) {
    if (b.owner != node.self().name && (to.empty() || b.owner == to)) {
      book = &b;
      break;
    }
  }
  if (book == nullptr)
    return Status::NotFound("no coordinator to check in with; join an invite first");
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < book->codes.size(); ++i) {
    const node::CodeEntry& e = book->codes[i];
    rows.push_back({std::to_string(i + 1), e.code, e.meaning, e.distress ? "distress" : ""});
  }
  std::string menu = Table({"#", "CODE", "MEANING", ""}, rows);
  if (!menu.empty() && menu.back() == '\n') menu.pop_back();
  ctx.Note(menu);
  WAYPOST_ASSIGN_OR_RETURN(
      Secret choice,
      ctx.ReadText("choice", "Check-in number (1-" + std::to_string(rows.size()) + "): ", 16));
  std::string_view text = Context::View(choice);
  size_t n = 0;
  for (char c : text) n = (c >= '0' && c <= '9' && n < 1000) ? n * 10 + size_t(c - '0') : 1000;
  if (text.empty() || n < 1 || n > rows.size()) {
    return Status::InvalidArgument("choose a number from 1 to " + std::to_string(rows.size()) +
                                   "; nothing was queued");
  }
  WAYPOST_ASSIGN_OR_RETURN(note,
                           ctx.ReadText("note", "Note (optional; Enter for none): ", kMaxNoteSize));
  return book->codes[n - 1].code;
}

// A message to a coordinator whose sign-up is not answered can be read only
// once that sign-up reaches them, and never if its invite expired first
// (docs/protocol.md §5.3): say so rather than let it sit as "relayed".
Status WarnIfUnanswered(Context& ctx, node::Node& node, const std::vector<std::string>& ids) {
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<node::ContactInfo> contacts, node.Contacts());
  const bool any_pending = std::any_of(contacts.begin(), contacts.end(), [](const auto& c) {
    return c.state == node::ContactState::kPending;
  });
  if (!any_pending) return Status::Ok();  // the usual case: no need to read the inbox
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<node::MessageInfo> inbox, node.Inbox());
  const UnixTime now = ctx.clock().Now();
  for (const node::ContactInfo& c : contacts) {
    if (c.state != node::ContactState::kPending) continue;
    const bool sent_to = std::any_of(inbox.begin(), inbox.end(), [&](const node::MessageInfo& m) {
      return m.peer == c.name && std::find(ids.begin(), ids.end(), m.id) != ids.end();
    });
    if (!sent_to) continue;
    if (c.SignUpFailed(now)) {
      ctx.Note(SignUpFailedAdvice(c.name));
    } else {
      ctx.Note(Printable("Warning: " + c.name + " has not answered your sign-up yet; " + c.name +
                         " can read this only once it takes your sign-up in" +
                         (c.invite_expires_at ? ", which it must do before the invite expires at " +
                                                    Rfc3339(*c.invite_expires_at)
                                              : std::string()) +
                         "."));
    }
  }
  return Status::Ok();
}

// `checkin --armor` prints one envelope: it needs one recipient.
Status CheckOneCoordinator(node::Node& node) {
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<node::ContactInfo> contacts, node.Contacts());
  std::string names;
  size_t count = 0;
  for (const node::ContactInfo& c : contacts) {
    if (c.role != node::Role::kCoordinator) continue;
    names += (count++ == 0 ? "" : ", ") + c.name;
  }
  if (count <= 1) return Status::Ok();
  return Status::InvalidArgument("--armor prints the check-in for one coordinator; you have " +
                                 std::to_string(count) + " (" + names +
                                 "): add --to NAME; nothing was queued");
}

Status RunCheckIn(Context& ctx, const CheckInOptions& o) {
  if (o.code.empty() && !ctx.StdinIsTerminal()) {
    return Status::InvalidArgument(
        "give a code (`waypost codes list` shows them), or run `waypost checkin` at a "
        "terminal to choose one");
  }
  WAYPOST_ASSIGN_OR_RETURN(Secret note, ReadNoteIfAsked(ctx, o.note));
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  if (o.armor && o.to.empty()) WAYPOST_RETURN_IF_ERROR(CheckOneCoordinator(*node));
  std::string code = o.code;
  if (code.empty()) {
    WAYPOST_ASSIGN_OR_RETURN(code, ChooseCode(ctx, *node, o.to, note));
  }
  WAYPOST_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                           node->CheckIn(code, Context::View(note), o.to, o.test));
  if (o.armor) {
    // The text alone on stdout; the id is in `waypost inbox`.
    WAYPOST_ASSIGN_OR_RETURN(const Bytes envelope, node->EnvelopeFor(ids.front()));
    WAYPOST_RETURN_IF_ERROR(PrintArmored(ctx, envelope));
    ctx.Note(
        "Send it by SMS or chat. It also leaves on the next `waypost sync`; whichever path "
        "arrives first counts, and only once.");
    return WarnIfUnanswered(ctx, *node, ids);
  }
  for (const std::string& id : ids) ctx.Out(id + "\n");
  ctx.Note(o.test ? "TEST check-in queued (a drill: it meets no deadline); it leaves on the next "
                    "`waypost sync`."
                  : "Check-in queued; it leaves on the next `waypost sync`.");
  return WarnIfUnanswered(ctx, *node, ids);
}

struct SendOptions {
  std::string to;
};

Status RunSend(Context& ctx, const SendOptions& o) {
  WAYPOST_ASSIGN_OR_RETURN(Secret text, ctx.ReadText("message", "Message: ", kMaxNoteSize));
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  WAYPOST_ASSIGN_OR_RETURN(std::string id, node->SendText(o.to, Context::View(text)));
  ctx.Out(id + "\n");
  ctx.Note("Message queued; it leaves on the next `waypost sync`.");
  return WarnIfUnanswered(ctx, *node, {id});
}

// "checkin crossed [TEST]", "text [DURESS]": what a message is, as the
// inbox shows it.
std::string What(const node::MessageInfo& m) {
  std::string what(node::NameOf(m.kind));
  if (m.kind == node::MessageKind::kCheckIn) what += " " + m.code;
  if (m.test) what += " [TEST]";
  if (m.duress) what += " [DURESS]";
  return what;
}

nlohmann::json MessageJson(const node::MessageInfo& m) {
  return {
      {"id", m.id},
      {"direction", node::NameOf(m.direction)},
      {"kind", node::NameOf(m.kind)},
      {"peer", m.peer},
      {"code", m.code},
      {"meaning", m.kind == node::MessageKind::kCheckIn && !m.meaning.empty()
                      ? nlohmann::json(m.meaning)
                      : nlohmann::json(nullptr)},
      {"text", m.text},
      {"sent_at", Rfc3339(m.sent_at)},
      {"received_at", JsonTime(m.received_at)},
      {"state", node::NameOf(m.state)},
      {"duress", m.duress},
      {"advice", m.duress ? nlohmann::json(node::kDuressAdvice) : nlohmann::json(nullptr)},
      {"test", m.test},
      {"confirm_note", m.state == node::MessageState::kConfirmed && !m.state_note.empty()
                           ? nlohmann::json(m.state_note)
                           : nlohmann::json(nullptr)},
      // Another coordinator of the team confirmed it (docs/protocol.md
      // §12.4); null when this node did, or nobody yet.
      {"confirmed_by", m.state_by.empty() ? nlohmann::json(nullptr) : nlohmann::json(m.state_by)}};
}

Status RunInbox(Context& ctx) {
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  WAYPOST_ASSIGN_OR_RETURN(std::vector<node::MessageInfo> messages, node->Inbox());
  if (ctx.globals().json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const node::MessageInfo& m : messages) arr.push_back(MessageJson(m));
    ctx.Json(arr);
    return Status::Ok();
  }
  if (messages.empty()) {
    ctx.Note("Nothing yet.");
    return Status::Ok();
  }
  // Sent by the sender's clock, received by ours; an outgoing message has
  // only the one. The order is MessageLog::List's (README, "inbox").
  const UnixTime now = ctx.clock().Now();
  std::vector<std::vector<std::string>> rows;
  for (const node::MessageInfo& m : messages) {
    const bool in = m.direction == node::Direction::kIn;
    rows.push_back(
        {m.id, in ? "from " + m.peer : "to " + m.peer, What(m), BriefTime(m.sent_at, now),
         in && m.received_at ? BriefTime(*m.received_at, now) : std::string("-"),
         std::string(node::NameOf(m.state)) + (m.state_by.empty() ? "" : " by " + m.state_by),
         m.text});
  }
  ctx.Out(Table({"ID", "PEER", "WHAT", "SENT", "RECEIVED", "STATE", "TEXT"}, rows));
  return PrintOpenAlerts(ctx, *node);
}

struct ConfirmOptions {
  std::string id;
  std::string note;
  bool armor = false;
};

Status RunConfirm(Context& ctx, const ConfirmOptions& o) {
  WAYPOST_ASSIGN_OR_RETURN(Secret note, ReadNoteIfAsked(ctx, o.note));
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  WAYPOST_ASSIGN_OR_RETURN(node::MessageInfo m, node->Confirm(o.id, Context::View(note)));
  // Whom and what, so that a mistyped id is noticed at once: "Confirmed
  // Amira: crossed, sent 13:53." (the date too when not today, by this
  // node's clock). The note stays in the inbox, off a screen anyone sees.
  const std::string what = m.code + (m.test ? " [TEST]" : "") + (m.duress ? " [DURESS]" : "");
  ctx.Note(Printable("Confirmed " + m.peer + ": " + what + ", sent " +
                     BriefTime(m.sent_at, ctx.clock().Now()) + "."));
  if (o.armor) {
    WAYPOST_ASSIGN_OR_RETURN(const Bytes envelope, node->EnvelopeFor(m.id));
    WAYPOST_RETURN_IF_ERROR(PrintArmored(ctx, envelope));
    ctx.Note(Printable("Send it to " + m.peer +
                       " by SMS or chat. It also leaves on the next `waypost sync`."));
    return Status::Ok();
  }
  ctx.Note(Printable(m.peer + " sees it after the next sync on both sides."));
  return Status::Ok();
}

}  // namespace

void AddMessageCommands(CLI::App& app, Action& chosen) {
  auto checkin = std::make_shared<CheckInOptions>();
  CLI::App* c = app.add_subcommand("checkin", "Send a coded check-in (to your coordinators)");
  c->add_option("CODE", checkin->code,
                "A code from the codebook (`waypost codes list`); without one, at a terminal, "
                "choose from a menu");
  AddNoteOption(c, checkin->note);
  c->add_option("--to", checkin->to, "One contact instead of every coordinator");
  c->add_flag("--test", checkin->test, "A drill: marked TEST at every step, meets no deadline");
  c->add_flag("--armor", checkin->armor,
              "Print it as one line of text to send by SMS or chat (one coordinator)");
  c->callback([&chosen, checkin] {
    chosen = [checkin](Context& ctx) { return RunCheckIn(ctx, *checkin); };
  });

  auto send = std::make_shared<SendOptions>();
  CLI::App* s =
      app.add_subcommand("send", "Send a free-text message, typed at the prompt or piped on stdin");
  s->add_option("--to", send->to, "The contact")->required();
  RefuseTextArgument(s, "TEXT", "message text", "type it at the prompt or pipe it on stdin");
  s->callback([&chosen, send] { chosen = [send](Context& ctx) { return RunSend(ctx, *send); }; });

  app.add_subcommand("inbox", "Messages and check-ins, and the state of sent ones")
      ->callback([&chosen] { chosen = RunInbox; });

  auto confirm = std::make_shared<ConfirmOptions>();
  CLI::App* f = app.add_subcommand("confirm", "Confirm a helper's check-in or safe arrival");
  f->add_option("ID", confirm->id, "The check-in's id, as `waypost inbox` shows it")->required();
  AddNoteOption(f, confirm->note);
  f->add_flag("--armor", confirm->armor, "Print the confirmation as text to send by SMS or chat");
  f->callback([&chosen, confirm] {
    chosen = [confirm](Context& ctx) { return RunConfirm(ctx, *confirm); };
  });
}

}  // namespace waypost::cli
