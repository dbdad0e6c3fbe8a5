// passwd (change the passphrase, or rotate the database key) and the
// passphrase suggestion shared with init.
#include <memory>

#include "cli/commands.h"
#include "cli/diceware.h"
#include "core/store/home.h"
#include "core/store/key_file.h"
#include "core/store/passwd.h"

namespace waypost::cli {
namespace {

struct PasswdOptions {
  bool rotate = false;
  bool suggest = false;
};

}  // namespace

// The suggestion alone on stdout, so it can be piped; the rest on stderr.
Status RunSuggestPassphrase(Context& ctx) {
  ctx.Out(SuggestPassphrase(ctx.random()) + "\n");
  ctx.Note("A random passphrase: " + std::to_string(kSuggestedWords) +
           " words from the EFF list of " + std::to_string(kDicewareWords) + ", " +
           SuggestionBits() +
           " bits. Nothing was created. Learn it or keep it somewhere safe: a lost passphrase "
           "cannot be recovered.");
  return Status::Ok();
}

namespace {

Status RunPasswd(Context& ctx, const PasswdOptions& o) {
  if (o.suggest) return RunSuggestPassphrase(ctx);
  const std::string& home = ctx.globals().home;
  WAYPOST_RETURN_IF_ERROR(ctx.RequireStore());
  // On a terminal, say "wrong passphrase" (and ask again, as every command
  // does) before asking for a new one twice.
  Secret current;
  if (ctx.HasNewPassphraseInEnvironment()) {
    WAYPOST_ASSIGN_OR_RETURN(current, ctx.ReadPassphrase());
  } else {
    WAYPOST_RETURN_IF_ERROR(ctx.CheckPassphrase([&](const Secret& passphrase) -> Status {
      WAYPOST_RETURN_IF_ERROR(
          store::KeyFile::Unlock(store::KeyFilePath(home), passphrase).status());
      current = passphrase.Clone();
      return Status::Ok();
    }));
  }
  WAYPOST_ASSIGN_OR_RETURN(Secret next, ctx.ReadNewPassphrase(false));
  WAYPOST_RETURN_IF_ERROR(
      node::Node::ChangePassphrase(home, current, next, o.rotate, ctx.clock(), ctx.random()));
  if (!o.rotate) {
    ctx.Note("Passphrase changed.");
    return Status::Ok();
  }
  // The same words from a decoy, which re-wraps only (SECURITY.md, "Duress").
  ctx.Note(
      "Passphrase changed and the database re-encrypted under a new key: an old copy of "
      "the key file no longer opens it. Other passphrases of this store are unchanged.");
  return Status::Ok();
}

}  // namespace

void AddKeyCommands(CLI::App& app, Action& chosen) {
  auto passwd = std::make_shared<PasswdOptions>();
  CLI::App* c = app.add_subcommand("passwd", "Change the passphrase; --rotate also re-keys");
  c->add_flag("--rotate", passwd->rotate,
              "Also re-encrypt the database under a new key (if an old passphrase leaked)");
  c->add_flag("--suggest-passphrase", passwd->suggest,
              "Print a random passphrase and exit, changing nothing");
  c->callback(
      [&chosen, passwd] { chosen = [passwd](Context& ctx) { return RunPasswd(ctx, *passwd); }; });
}

}  // namespace waypost::cli
