// Identity and enrollment: init, whoami, relays, invite, join, contacts.
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/qr.h"
#include "core/node/invite.h"
#include "core/store/kdf.h"
#include "core/sync/relay_address.h"
#include "core/text.h"

namespace waypost::cli {
namespace {

using node::NameOf;

struct InitOptions {
  std::string name;
  std::string kdf = "moderate";
  bool suggest = false;
};

Status RunInit(Context& ctx, const InitOptions& o) {
  const std::optional<store::KdfProfile> profile = store::ParseKdfProfile(o.kdf);
  if (!profile) return Status::InvalidArgument("--kdf is interactive, moderate or sensitive");
  WAYPOST_ASSIGN_OR_RETURN(Secret passphrase, ctx.ReadNewPassphrase(true));
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node,
                           node::Node::Create(ctx.globals().home, passphrase, *profile, o.name,
                                              node::Role::kCoordinator, ctx.clock(), ctx.random()));
  ctx.Note("Created " + node->self().name + " in " + ctx.globals().home);
  ctx.Note("Fingerprint: " + node->self().fingerprint);
  if (*profile == store::KdfProfile::kInteractive) {
    ctx.Note("Warning: --kdf interactive is weaker; it is meant for tests and scripts.");
  }
  return Status::Ok();
}

Status RunWhoami(Context& ctx) {
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  const node::SelfInfo& self = node->self();
  if (ctx.globals().json) {
    ctx.Json({{"name", self.name}, {"fingerprint", self.fingerprint}, {"role", NameOf(self.role)}});
  } else {
    ctx.Out(self.name + " (" + std::string(NameOf(self.role)) + ")\n" + self.fingerprint + "\n");
  }
  return Status::Ok();
}

Status RunRelaysAdd(Context& ctx, std::string_view typed) {
  const std::string_view address = TrimSpace(typed);
  WAYPOST_RETURN_IF_ERROR(sync::ParseRelayAddress(address).status());
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  WAYPOST_ASSIGN_OR_RETURN(const bool added, node->AddRelay(address));
  ctx.Note(added ? "Relay added." : "That relay is already saved; nothing changed.");
  return Status::Ok();
}

Status RunRelaysRemove(Context& ctx, std::string_view typed) {
  const std::string_view address = TrimSpace(typed);
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  WAYPOST_ASSIGN_OR_RETURN(const bool removed, node->RemoveRelay(address));
  if (!removed) {
    return Status::NotFound("no saved relay is " + std::string(address) +
                            " (`waypost relays list` shows them)");
  }
  WAYPOST_ASSIGN_OR_RETURN(std::vector<std::string> left, node->Relays());
  ctx.Note(left.empty() ? "Relay removed. No relay is left: `waypost sync` needs one "
                          "(`waypost relays add ADDRESS`)."
                        : "Relay removed.");
  return Status::Ok();
}

Status RunRelaysList(Context& ctx) {
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  WAYPOST_ASSIGN_OR_RETURN(std::vector<std::string> relays, node->Relays());
  if (ctx.globals().json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const std::string& r : relays) arr.push_back({{"address", r}});
    ctx.Json(arr);
    return Status::Ok();
  }
  if (relays.empty()) ctx.Note("No relays yet: `waypost relays add ADDRESS`.");
  for (const std::string& r : relays) ctx.Out(r + "\n");
  return Status::Ok();
}

struct InviteOptions {
  std::string for_name;
  std::string expires = "3d";
  bool qr = false;
  bool coordinator = false;
};

Status RunInvite(Context& ctx, const InviteOptions& o) {
  WAYPOST_ASSIGN_OR_RETURN(int64_t ttl, ParseDuration(o.expires));
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  WAYPOST_ASSIGN_OR_RETURN(std::string code, node->CreateInvite(o.for_name, ttl, o.coordinator));
  ctx.Out(code + "\n");
  if (o.qr) {
    // The code alone stays on stdout for scripts; the picture is for eyes.
    WAYPOST_ASSIGN_OR_RETURN(std::string picture, RenderQr(code));
    ctx.Note(picture);
  }
  ctx.Note(std::string(o.coordinator ? "One-time coordinator invite" : "One-time invite") +
           ", valid until " + Rfc3339(ctx.clock().Now() + ttl) +
           ". Pass it only over a channel you trust." +
           (o.coordinator ? " Whoever joins with it becomes a coordinator of your team and "
                            "receives every helper's check-ins. Once your team has two "
                            "coordinators, another must approve the joiner (`waypost approve`) "
                            "before it is welcomed."
                          : ""));
  return Status::Ok();
}

Status RunJoin(Context& ctx, bool another_coordinator) {
  WAYPOST_ASSIGN_OR_RETURN(Secret code,
                           ctx.ReadText("invite code", "Invite code: ", node::kMaxInviteInput,
                                        /*secret=*/true, node::InviteCodeMayContinue));
  // A mistyped code is reported before anyone is asked for a passphrase.
  WAYPOST_RETURN_IF_ERROR(node::CheckInviteCode(Context::View(code)));
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  WAYPOST_ASSIGN_OR_RETURN(node::Joined joined,
                           node->Join(Context::View(code), another_coordinator));
  const std::string& inviter = joined.inviter;
  if (joined.replaced) {
    ctx.Note("This replaces your earlier sign-up with " + inviter +
             ", which had not been answered.");
    if (joined.failed > 0) {
      ctx.Note(std::to_string(joined.failed) + " message(s) sent under it can never be read " +
               "(marked failed); send again what still matters once " + inviter + " answers.");
    }
  }
  if (joined.coordinator) {
    ctx.Note(Printable("Joined " + inviter + "'s team as a coordinator. Run `waypost sync`; " +
                       "once " + inviter + "'s welcome arrives, " + inviter +
                       "'s helpers are introduced to you and their check-ins reach you too. "
                       "A team that has two coordinators already welcomes you only once "
                       "another coordinator approves you: give them your fingerprint "
                       "(`waypost whoami`)."));
  } else {
    ctx.Note("Joined " + inviter + ". Run `waypost sync`; enrollment completes when " + inviter +
             "'s reply arrives.");
  }
  // The coordinator must take the join request in before the invite
  // expires, and coordinators sync rarely (docs/protocol.md §5.3).
  const int64_t left = joined.invite_expires_at - ctx.clock().Now();
  if (left < 86400) {
    ctx.Note("Warning: this invite expires in " + FormatAge(left) + " (" +
             Rfc3339(joined.invite_expires_at) + "). " + inviter +
             " must sync before then, or the sign-up fails and you need a new invite; "
             "run `waypost sync` now.");
  }
  if (another_coordinator) {
    WAYPOST_ASSIGN_OR_RETURN(std::vector<node::ContactInfo> contacts, node->Contacts());
    std::string names;
    for (const node::ContactInfo& c : contacts) {
      if (c.role == node::Role::kCoordinator) names += (names.empty() ? "" : ", ") + c.name;
    }
    ctx.Note(Printable("Your check-ins now go to every coordinator: " + names + "."));
  }
  return Status::Ok();
}

// A pending enrollment in plain words: how long it has waited, and until
// when it can still complete (docs/protocol.md §5.3).
std::string ContactState(const node::ContactInfo& c, UnixTime now) {
  if (c.state != node::ContactState::kPending) {
    return std::string(NameOf(c.state)) + (c.verified_at ? ", verified" : "");
  }
  if (c.SignUpFailed(now))
    return "sign-up failed: invite expired " + FormatAge(now - *c.invite_expires_at) + " ago";
  std::string state = "pending for " + FormatAge(now - c.since);
  if (c.invite_expires_at) state += ", invite expires in " + FormatAge(*c.invite_expires_at - now);
  return state;
}

Status RunContacts(Context& ctx) {
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  WAYPOST_ASSIGN_OR_RETURN(std::vector<node::ContactInfo> contacts, node->Contacts());
  if (ctx.globals().json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const node::ContactInfo& c : contacts) {
      arr.push_back({{"name", c.name},
                     {"fingerprint", c.fingerprint},
                     {"role", NameOf(c.role)},
                     {"state", NameOf(c.state)},
                     {"last_seen", JsonTime(c.last_seen)},
                     {"since", Rfc3339(c.since)},
                     {"invite_expires_at", c.state == node::ContactState::kPending
                                               ? JsonTime(c.invite_expires_at)
                                               : nlohmann::json()},
                     {"signup_failed", c.SignUpFailed(ctx.clock().Now())},
                     {"verified", c.verified_at.has_value()},
                     {"verified_at", JsonTime(c.verified_at)},
                     {"introduced_by", c.introduced_by.empty() ? nlohmann::json()
                                                               : nlohmann::json(c.introduced_by)}});
    }
    ctx.Json(arr);
    return Status::Ok();
  }
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> failed;
  const UnixTime now = ctx.clock().Now();
  for (const node::ContactInfo& c : contacts) {
    rows.push_back({c.name, std::string(NameOf(c.role)), ContactState(c, now),
                    c.last_seen ? Rfc3339(*c.last_seen) : "never", c.fingerprint});
    if (c.SignUpFailed(now)) failed.push_back(c.name);
  }
  ctx.Out(Table({"NAME", "ROLE", "STATE", "LAST SEEN", "FINGERPRINT"}, rows));
  for (const std::string& name : failed) ctx.Note(SignUpFailedAdvice(name));
  return Status::Ok();
}

struct VerifyOptions {
  std::string name;
  bool qr = false;
  bool matches = false;
};

// `contacts verify` (docs/protocol.md §10): the number on stdout, for two
// people to read out to each other; marking it verified needs a yes at the
// terminal, or --matches from a script.
Status RunVerify(Context& ctx, const VerifyOptions& o) {
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  WAYPOST_ASSIGN_OR_RETURN(const node::Node::Verification v, node->SafetyNumberWith(o.name));
  const std::string& name = v.contact.name;
  if (ctx.globals().json && !o.matches) {
    ctx.Json({{"name", name},
              {"fingerprint", v.contact.fingerprint},
              {"safety_number", v.safety_number},
              {"verified", v.contact.verified_at.has_value()},
              {"verified_at", JsonTime(v.contact.verified_at)}});
    return Status::Ok();
  }
  if (!ctx.globals().json) {
    ctx.Out(v.safety_number.substr(0, 35) + "\n" + v.safety_number.substr(36) + "\n");
  }
  if (o.qr) {
    WAYPOST_ASSIGN_OR_RETURN(std::string picture, RenderQr(v.safety_number));
    ctx.Note(picture);
  }
  ctx.Note(Printable("Your safety number with " + name + ". Meet " + name +
                     " and compare it with the one " + name +
                     "'s `waypost contacts verify` shows: every digit must match."));
  if (v.contact.verified_at && !o.matches) {
    ctx.Note(Printable(name + " is verified (" + Rfc3339(*v.contact.verified_at) + ")."));
    return Status::Ok();
  }
  bool yes = o.matches;
  if (!yes && ctx.StdinIsTerminal()) {
    WAYPOST_ASSIGN_OR_RETURN(yes, ctx.AskYes("Do all the digits match?"));
    if (!yes) {
      ctx.Note(
          Printable("Not marked verified. If the numbers differ, someone may stand between "
                    "you and " +
                    name + ": send nothing sensitive until you have met."));
      return Status::Ok();
    }
  }
  if (!yes) {
    ctx.Note("Once the numbers match, run it again at a terminal, or with --matches.");
    return Status::Ok();
  }
  WAYPOST_ASSIGN_OR_RETURN(const node::ContactInfo marked, node->MarkVerified(o.name));
  if (ctx.globals().json) {
    ctx.Json({{"name", marked.name},
              {"fingerprint", marked.fingerprint},
              {"safety_number", v.safety_number},
              {"verified", true},
              {"verified_at", JsonTime(marked.verified_at)}});
  }
  ctx.Note(Printable(marked.name + " is now verified." +
                     (marked.role == node::Role::kCoordinator
                          ? " An invite that claims to be from " + marked.name +
                                " but carries another key will be refused."
                          : " A join request in " + marked.name +
                                "'s name from another key will enroll nobody and raise an "
                                "alert.")));
  return Status::Ok();
}

Status RunRename(Context& ctx, const std::string& name, const std::string& to) {
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  WAYPOST_ASSIGN_OR_RETURN(const std::string old, node->RenameContact(name, to));
  ctx.Note(
      Printable("Renamed " + old + " to " + std::string(TrimSpace(to)) + ", on this device only."));
  return Status::Ok();
}

}  // namespace

std::string SignUpFailedAdvice(const std::string& coordinator) {
  return Printable("Your sign-up with " + coordinator + " failed: the invite expired before " +
                   coordinator + " took it in, so " + coordinator +
                   " cannot read what you send. Ask " + coordinator +
                   " for a new invite and run `waypost join` with it (if " + coordinator +
                   "'s answer is still on its way, `waypost sync` brings it).");
}

void AddContactCommands(CLI::App& app, Action& chosen) {
  auto init = std::make_shared<InitOptions>();
  CLI::App* c = app.add_subcommand("init", "Create an identity and an encrypted store");
  c->add_option("--name", init->name, "Your name, as your contacts will see it (required)");
  c->add_option("--kdf", init->kdf, "Passphrase hardening: interactive, moderate, sensitive")
      ->capture_default_str();
  c->add_flag("--suggest-passphrase", init->suggest,
              "Print a random passphrase and exit, creating nothing");
  c->callback([&chosen, init] {
    if (init->suggest) {
      chosen = RunSuggestPassphrase;
      return;
    }
    // Thrown inside parse(), so it is a usage error (exit 2) like any other.
    if (init->name.empty()) throw CLI::RequiredError("--name");
    chosen = [init](Context& ctx) { return RunInit(ctx, *init); };
  });

  app.add_subcommand("whoami", "Show your name and fingerprint")->callback([&chosen] {
    chosen = RunWhoami;
  });

  CLI::App* relays = app.add_subcommand("relays", "The relays this node syncs with");
  relays->require_subcommand(1);
  auto address = std::make_shared<std::string>();
  relays->add_subcommand("add", "Add a relay address")
      ->callback([&chosen, address] {
        chosen = [address](Context& ctx) { return RunRelaysAdd(ctx, *address); };
      })
      ->add_option("ADDRESS", *address, "wpr1:KEY@HOST:PORT, as the relay printed it")
      ->required();
  auto removed = std::make_shared<std::string>();
  relays->add_subcommand("remove", "Forget a relay address")
      ->callback([&chosen, removed] {
        chosen = [removed](Context& ctx) { return RunRelaysRemove(ctx, *removed); };
      })
      ->add_option("ADDRESS", *removed, "The address as `waypost relays list` prints it")
      ->required();
  relays->add_subcommand("list", "List relays")->callback([&chosen] { chosen = RunRelaysList; });

  auto invite = std::make_shared<InviteOptions>();
  CLI::App* i = app.add_subcommand("invite", "Print a one-time, expiring invite code");
  i->add_option("--for", invite->for_name, "The name to file the new member under");
  i->add_option("--expires", invite->expires, "How long the invite stays valid")
      ->type_name("DUR")
      ->capture_default_str();
  i->add_flag("--qr", invite->qr, "Also draw the code as a QR code (on stderr)");
  i->add_flag("--coordinator", invite->coordinator,
              "Invite another coordinator of your team, who receives every helper's check-ins");
  i->callback(
      [&chosen, invite] { chosen = [invite](Context& ctx) { return RunInvite(ctx, *invite); }; });

  CLI::App* j = app.add_subcommand("join", "Accept an invite code, pasted at the prompt or piped");
  RefuseTextArgument(j, "CODE", "an invite code",
                     "run `waypost join` and paste it at the prompt, or pipe it on stdin");
  auto another = std::make_shared<bool>(false);
  j->add_flag("--another-coordinator", *another,
              "Also send check-ins to this coordinator, beside the ones you have");
  j->callback(
      [&chosen, another] { chosen = [another](Context& ctx) { return RunJoin(ctx, *another); }; });

  CLI::App* contacts =
      app.add_subcommand("contacts", "List contacts, rename one, or verify one in person");
  contacts->callback([&chosen, contacts] {
    if (contacts->get_subcommands().empty()) chosen = RunContacts;
  });
  auto rename = std::make_shared<std::pair<std::string, std::string>>();
  CLI::App* r = contacts->add_subcommand(
      "rename", "Give a contact another name on this device (nobody else sees it)");
  r->add_option("NAME", rename->first, "The contact's name now")->required();
  r->add_option("NEW", rename->second, "The name to show from now on")->required();
  r->callback([&chosen, rename] {
    chosen = [rename](Context& ctx) { return RunRename(ctx, rename->first, rename->second); };
  });

  auto verify = std::make_shared<VerifyOptions>();
  CLI::App* v = contacts->add_subcommand(
      "verify", "Show the safety number to compare with a contact in person; mark it verified");
  v->add_option("NAME", verify->name, "The contact")->required();
  v->add_flag("--qr", verify->qr, "Also draw the number as a QR code (on stderr)");
  v->add_flag("--matches", verify->matches,
              "The numbers were compared and match: mark the contact verified");
  v->callback(
      [&chosen, verify] { chosen = [verify](Context& ctx) { return RunVerify(ctx, *verify); }; });
}

}  // namespace waypost::cli
