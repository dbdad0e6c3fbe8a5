// The team a coordinator leads: team export, revoke (docs/protocol.md
// §11) and approve (§12.6).
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/format.h"
#include "core/team/team_state.h"

namespace waypost::cli {
namespace {

// What a relay operator needs to serve this team (`relay --team FILE`):
// the steps of its roster chain this node keeps (docs/protocol.md §11.7),
// oldest first, then the newest roster, one line each on stdout. It holds
// no secret; it shows the team's size and its coordinators' signing keys,
// so it goes to the operator by a way the team trusts.
Status RunTeamExport(Context& ctx) {
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  WAYPOST_ASSIGN_OR_RETURN(const Bytes roster, node->ExportTeam());
  WAYPOST_ASSIGN_OR_RETURN(const team::SignedTeamState parsed,
                           team::SignedTeamState::Parse(roster));
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<Bytes> steps,
                           node->RosterSteps(parsed.roster().team_id, 0));
  std::string out;
  for (const Bytes& step : steps) {
    Result<team::SignedTeamState> below = team::SignedTeamState::Parse(step);
    if (below.ok() && below->roster().version < parsed.roster().version) {
      out += team::RosterToText(step) + "\n";
    }
  }
  ctx.Out(out + team::RosterToText(roster) + "\n");
  ctx.Note("Team roster version " + std::to_string(parsed.roster().version) + ", " +
           std::to_string(parsed.roster().ring.size()) +
           " member(s). Give it to the relay operator: `waypost relay --team FILE`. Later "
           "changes reach the relay by your syncs.");
  return Status::Ok();
}

// `name` as a shell needs it typed: quoted when it holds a space.
std::string Quoted(const std::string& name) {
  return name.find(' ') == std::string::npos ? name : "\"" + name + "\"";
}

struct RevokeOptions {
  std::string name;
  bool yes = false;
  bool quiet = false;
};

// `revoke` cannot be undone, so it is confirmed: at a terminal by a yes,
// otherwise by --yes (docs/protocol.md §11.6).
Status RunRevoke(Context& ctx, const RevokeOptions& o) {
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  WAYPOST_ASSIGN_OR_RETURN(const node::ContactInfo who, node->ContactNamed(o.name));
  const std::string& name = who.name;
  if (!o.yes) {
    if (!ctx.StdinIsTerminal()) {
      return Status::InvalidArgument(
          "revoking cannot be undone: confirm with --yes (`waypost "
          "revoke NAME --yes`)");
    }
    ctx.Note(
        Printable("Revoking " + name + " (" + who.fingerprint + ") cannot be undone. " +
                  (o.quiet ? "Relays go on serving " + name +
                                 "'s device; you send it nothing more, and "
                                 "whatever comes from it shows as revoked."
                           : "Relays refuse " + name +
                                 "'s device from your next sync; you send it "
                                 "nothing more, and whatever comes from it shows as revoked.")));
    WAYPOST_ASSIGN_OR_RETURN(const bool yes, ctx.AskYes("Revoke " + Printable(name) + "?"));
    if (!yes) {
      ctx.Note("Nothing changed.");
      return Status::Ok();
    }
  }
  WAYPOST_ASSIGN_OR_RETURN(const node::Node::Revocation r, node->Revoke(o.name, o.quiet));
  std::string said = r.already ? name + " was already revoked." : "Revoked " + name + ".";
  if (r.withdrawn > 0) {
    said += " " + std::to_string(r.withdrawn) + " message(s) not yet sent to " + name +
            " will never be (marked failed).";
  }
  if (r.cut_off && who.role == node::Role::kCoordinator) {
    said +=
        " It leaves the team's roster: relays refuse it, and each helper stops sending to "
        "it once the new roster reaches it. Run `waypost sync` now.";
  } else if (r.cut_off) {
    said += " Relays refuse " + name +
            "'s device once they have the new roster: run "
            "`waypost sync` now.";
  } else if (o.quiet) {
    said += " Quiet: relays still serve " + name +
            "'s device, so whoever holds it sees no "
            "change. `waypost revoke " +
            Quoted(name) + " --yes` cuts it off at the relays later.";
  }
  ctx.Note(Printable(said));
  return Status::Ok();
}

struct ApproveOptions {
  std::string name;
  bool yes = false;
};

// `approve`: with no NAME, the candidates other coordinators proposed;
// with one, this coordinator's signature on the roster that adds it
// (docs/protocol.md §12.6). Approving makes someone a coordinator, who
// receives every helper's check-ins: confirmed like `revoke`.
Status RunApprove(Context& ctx, const ApproveOptions& o) {
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<node::PendingApproval> pending,
                           node->PendingApprovals());
  if (o.name.empty()) {
    if (ctx.globals().json) {
      nlohmann::json arr = nlohmann::json::array();
      for (const node::PendingApproval& p : pending) {
        arr.push_back({{"name", p.name},
                       {"fingerprint", p.fingerprint},
                       {"proposed_by", p.proposer},
                       {"received_at", Rfc3339(p.received_at)},
                       {"approved", p.approved}});
      }
      ctx.Json(arr);
      return Status::Ok();
    }
    for (const node::PendingApproval& p : pending) {
      ctx.Out(Printable(p.name + "  " + p.fingerprint + "  proposed by " + p.proposer + ", " +
                        Rfc3339(p.received_at) + (p.approved ? "  (approved)" : "")) +
              "\n");
    }
    if (pending.empty()) ctx.Note("No coordinator waits for your approval.");
    return Status::Ok();
  }
  // A name nobody proposed goes straight to Approve, which says why.
  const bool waiting =
      std::any_of(pending.begin(), pending.end(),
                  [&](const node::PendingApproval& p) { return p.name == o.name; });
  if (!o.yes && waiting) {
    if (!ctx.StdinIsTerminal()) {
      return Status::InvalidArgument(
          "approving makes someone a coordinator of your team: compare its fingerprint, "
          "then confirm with --yes (`waypost approve NAME --yes`)");
    }
    for (const node::PendingApproval& p : pending) {
      if (p.name != o.name) continue;
      ctx.Note(Printable(p.proposer + " invited " + p.name + " (" + p.fingerprint +
                         ") as a coordinator. A coordinator receives every helper's "
                         "check-ins. Approve only if that fingerprint is the one " +
                         p.name +
                         " shows you (`waypost whoami`), compared in person or by a channel "
                         "you trust."));
    }
    WAYPOST_ASSIGN_OR_RETURN(const bool yes, ctx.AskYes("Approve " + Printable(o.name) + "?"));
    if (!yes) {
      ctx.Note("Nothing changed.");
      return Status::Ok();
    }
  }
  WAYPOST_ASSIGN_OR_RETURN(const node::PendingApproval a, node->Approve(o.name));
  ctx.Note(Printable("Approved " + a.name + " (" + a.fingerprint + "). Your signature goes to " +
                     a.proposer + " with your next sync; once " + a.proposer + " has it, " +
                     a.name + " is welcomed and introduced to the team. Run `waypost sync` now."));
  return Status::Ok();
}

}  // namespace

void AddTeamCommands(CLI::App& app, Action& chosen) {
  CLI::App* t = app.add_subcommand("team", "The team this coordinator leads");
  t->require_subcommand(1);
  CLI::App* e = t->add_subcommand("export", "Print what a relay needs to serve this team");
  e->callback([&chosen] { chosen = [](Context& ctx) { return RunTeamExport(ctx); }; });

  auto revoke = std::make_shared<RevokeOptions>();
  CLI::App* r = app.add_subcommand(
      "revoke", "Cut off a member whose device is lost, seized or turned (cannot be undone)");
  r->add_option("NAME", revoke->name, "The member, as `waypost contacts` lists them")->required();
  r->add_flag("--yes", revoke->yes, "Do not ask for confirmation (needed without a terminal)");
  r->add_flag("--quiet", revoke->quiet,
              "Leave relays serving the device, so a captor holding it sees no change");
  r->callback(
      [&chosen, revoke] { chosen = [revoke](Context& ctx) { return RunRevoke(ctx, *revoke); }; });

  auto approve = std::make_shared<ApproveOptions>();
  CLI::App* a = app.add_subcommand(
      "approve", "Approve a coordinator another coordinator invited (no NAME: list them)");
  a->add_option("NAME", approve->name, "The candidate, as the approval alert names it");
  a->add_flag("--yes", approve->yes, "Do not ask for confirmation (needed without a terminal)");
  a->callback([&chosen, approve] {
    chosen = [approve](Context& ctx) { return RunApprove(ctx, *approve); };
  });
}

}  // namespace waypost::cli
