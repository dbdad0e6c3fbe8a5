// Messages: checkin, send, inbox, confirm.
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/format.h"

namespace waypost::cli {
namespace {

struct CheckInOptions {
  std::string code;
  std::string note;
  std::string to;
};

Status RunCheckIn(Context& ctx, const CheckInOptions& o) {
  Secret note;
  if (!o.note.empty()) {
    WAYPOST_ASSIGN_OR_RETURN(note, ctx.ReadText("note", "Note: ", kMaxNoteSize));
  }
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  WAYPOST_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                           node->CheckIn(o.code, Context::View(note), o.to));
  for (const std::string& id : ids) ctx.Out(id + "\n");
  ctx.Note("Check-in queued; it leaves on the next `waypost sync`.");
  return Status::Ok();
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
  return Status::Ok();
}

nlohmann::json MessageJson(const node::MessageInfo& m) {
  return {{"id", m.id},
          {"direction", node::NameOf(m.direction)},
          {"kind", node::NameOf(m.kind)},
          {"peer", m.peer},
          {"code", m.code},
          {"meaning", nullptr},
          {"text", m.text},
          {"sent_at", Rfc3339(m.sent_at)},
          {"received_at", m.received_at ? nlohmann::json(Rfc3339(*m.received_at)) : nullptr},
          {"state", node::NameOf(m.state)},
          {"duress", m.duress},
          {"advice", m.duress ? nlohmann::json(node::kDuressAdvice) : nlohmann::json(nullptr)},
          {"test", m.test}};
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
  std::vector<std::vector<std::string>> rows;
  for (const node::MessageInfo& m : messages) {
    const bool in = m.direction == node::Direction::kIn;
    std::string what(node::NameOf(m.kind));
    if (m.kind == node::MessageKind::kCheckIn) what += " " + m.code;
    if (m.duress) what += " [DURESS]";
    rows.push_back({m.id, in ? "from " + m.peer : "to " + m.peer, what,
                    Rfc3339(in && m.received_at ? *m.received_at : m.sent_at),
                    std::string(node::NameOf(m.state)), m.text});
  }
  ctx.Out(Table({"ID", "PEER", "WHAT", "TIME", "STATE", "TEXT"}, rows));
  return PrintOpenAlerts(ctx, *node);
}

Status RunConfirm(Context& ctx, const std::string& id) {
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  WAYPOST_RETURN_IF_ERROR(node->Confirm(id));
  ctx.Note("Confirmed; the helper sees it after the next sync on both sides.");
  return Status::Ok();
}

}  // namespace

void AddMessageCommands(CLI::App& app, Action& chosen) {
  auto checkin = std::make_shared<CheckInOptions>();
  CLI::App* c = app.add_subcommand("checkin", "Send a coded check-in (to your coordinators)");
  c->add_option("CODE", checkin->code, "The check-in code")->required();
  AddNoteOption(c, checkin->note);
  c->add_option("--to", checkin->to, "One contact instead of every coordinator");
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

  auto id = std::make_shared<std::string>();
  app.add_subcommand("confirm", "Confirm a helper's safe arrival")
      ->callback([&chosen, id] { chosen = [id](Context& ctx) { return RunConfirm(ctx, *id); }; })
      ->add_option("ID", *id, "The check-in's id, as `waypost inbox` shows it")
      ->required();
}

}  // namespace waypost::cli
