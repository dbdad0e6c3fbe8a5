// The team a coordinator leads: team export (docs/protocol.md §11).
#include <memory>
#include <string>

#include "cli/commands.h"
#include "core/team/team_state.h"

namespace waypost::cli {
namespace {

// What a relay operator needs to serve this team (`relay --team FILE`):
// the newest roster, as one line on stdout. It holds no secret; it shows
// the team's size and its coordinators' signing keys, so it goes to the
// operator by a way the team trusts.
Status RunTeamExport(Context& ctx) {
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  WAYPOST_ASSIGN_OR_RETURN(const Bytes roster, node->ExportTeam());
  WAYPOST_ASSIGN_OR_RETURN(const team::SignedTeamState parsed,
                           team::SignedTeamState::Parse(roster));
  ctx.Out(team::RosterToText(roster) + "\n");
  ctx.Note("Team roster version " + std::to_string(parsed.roster().version) + ", " +
           std::to_string(parsed.roster().ring.size()) +
           " member(s). Give it to the relay operator: `waypost relay --team FILE`. Later "
           "changes reach the relay by your syncs.");
  return Status::Ok();
}

}  // namespace

void AddTeamCommands(CLI::App& app, Action& chosen) {
  CLI::App* t = app.add_subcommand("team", "The team this coordinator leads");
  t->require_subcommand(1);
  CLI::App* e = t->add_subcommand("export", "Print what a relay needs to serve this team");
  e->callback([&chosen] { chosen = [](Context& ctx) { return RunTeamExport(ctx); }; });
}

}  // namespace waypost::cli
