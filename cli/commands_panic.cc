// panic: crypto-shred the store (core/store/panic.h).
//
// It asks for no passphrase and no confirmation on the terminal: a helper at
// a checkpoint may have seconds. `--yes` is the confirmation, so that a
// mistyped command line never destroys anything.
#include <memory>

#include "cli/commands.h"
#include "core/store/panic.h"

namespace waypost::cli {
namespace {

Status RunPanic(Context& ctx) {
  WAYPOST_RETURN_IF_ERROR(store::Panic(ctx.globals().home, ctx.random()));
  ctx.Note("Store destroyed.");
  return Status::Ok();
}

}  // namespace

void AddPanicCommand(CLI::App& app, Action& chosen) {
  auto yes = std::make_shared<bool>(false);
  CLI::App* p =
      app.add_subcommand("panic", "Destroy the store for good, without a passphrase (needs --yes)");
  p->add_flag("--yes", *yes, "Really destroy the key file and the database");
  p->callback([&chosen, yes] {
    // A ParseError: main() reports it and exits 2 (usage), before anything runs.
    if (!*yes) {
      throw CLI::ValidationError(
          "--yes is required: `waypost panic --yes` destroys the store and cannot be undone");
    }
    chosen = RunPanic;
  });
}

}  // namespace waypost::cli
