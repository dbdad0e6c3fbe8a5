// The codebook: `codes list` on any node, `codes add` and `codes remove` on
// a coordinator's (docs/protocol.md §4.7).
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/format.h"

namespace waypost::cli {
namespace {

Status RunCodesList(Context& ctx) {
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  WAYPOST_ASSIGN_OR_RETURN(std::vector<node::Node::CodebookView> books, node->Codebooks());
  if (ctx.globals().json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const node::Node::CodebookView& b : books) {
      nlohmann::json codes = nlohmann::json::array();
      for (const node::CodeEntry& e : b.codes) {
        codes.push_back({{"number", e.number},
                         {"code", e.code},
                         {"meaning", e.meaning},
                         {"distress", e.distress}});
      }
      arr.push_back({{"owner", b.owner}, {"version", b.version}, {"codes", codes}});
    }
    ctx.Json(arr);
    return Status::Ok();
  }
  if (books.empty()) {
    ctx.Note("No codebook yet: a helper gets its coordinator's when it joins.");
    return Status::Ok();
  }
  for (const node::Node::CodebookView& b : books) {
    std::vector<std::vector<std::string>> rows;
    for (const node::CodeEntry& e : b.codes) {
      rows.push_back({e.code, e.meaning, e.distress ? "DISTRESS" : ""});
    }
    const bool own = b.owner == node->self().name;
    ctx.Out(Printable((own ? std::string("Your codebook") : "The codebook of " + b.owner) +
                      ", version " + std::to_string(b.version) + ":") +
            "\n");
    ctx.Out(Table({"CODE", "MEANING", "ALERT"}, rows));
  }
  return Status::Ok();
}

struct AddOptions {
  std::string code;
  bool distress = false;
};

Status RunCodesAdd(Context& ctx, const AddOptions& o) {
  WAYPOST_RETURN_IF_ERROR(ctx.RequireStore());
  WAYPOST_ASSIGN_OR_RETURN(Secret meaning, ctx.ReadText("meaning", "Meaning of " + o.code + ": ",
                                                        node::Codebook::kMaxMeaningSize));
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  WAYPOST_RETURN_IF_ERROR(node->AddCode(o.code, Context::View(meaning), o.distress));
  ctx.Note(std::string(o.distress ? "Distress code added" : "Code added") +
           "; every helper gets the new codebook on its next sync after yours.");
  return Status::Ok();
}

Status RunCodesRemove(Context& ctx, const std::string& code) {
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  WAYPOST_RETURN_IF_ERROR(node->RemoveCode(code));
  ctx.Note(
      "Code removed; check-ins already sent with it still read as it meant. Every helper gets "
      "the new codebook on its next sync after yours.");
  return Status::Ok();
}

}  // namespace

void AddCodeCommands(CLI::App& app, Action& chosen) {
  CLI::App* codes = app.add_subcommand("codes", "The check-in codebook: list, add, remove");
  codes->require_subcommand(1);
  codes->add_subcommand("list", "The codes and what each means")->callback([&chosen] {
    chosen = RunCodesList;
  });

  auto add = std::make_shared<AddOptions>();
  CLI::App* a = codes->add_subcommand(
      "add", "Add a code (coordinator); its meaning is typed at the prompt or piped on stdin");
  a->add_option("CODE", add->code, "Letters, digits and '-', e.g. at-camp")->required();
  a->add_flag("--distress", add->distress, "A check-in with it raises a distress alert");
  RefuseTextArgument(a, "MEANING", "meaning", "type it at the prompt or pipe it on stdin");
  a->callback([&chosen, add] { chosen = [add](Context& ctx) { return RunCodesAdd(ctx, *add); }; });

  auto code = std::make_shared<std::string>();
  codes->add_subcommand("remove", "Remove a code from the codebook (coordinator)")
      ->callback(
          [&chosen, code] { chosen = [code](Context& ctx) { return RunCodesRemove(ctx, *code); }; })
      ->add_option("CODE", *code, "The code")
      ->required();
}

}  // namespace waypost::cli
