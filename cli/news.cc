#include "cli/news.h"

#include <string_view>

#include "cli/format.h"

namespace waypost::cli {
namespace {

std::string Upper(std::string_view word) {
  std::string out(word);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = char(c - 'a' + 'A');
    if (c == '-') c = ' ';
  }
  return out;
}

// "crossed (crossed as planned, all well), sent 13:53": a message as the
// person who sent or got it knows it; a text's words stay in the inbox.
std::string Describe(const node::MessageInfo& m, UnixTime now) {
  std::string what = m.kind == node::MessageKind::kCheckIn
                         ? m.code + (m.meaning.empty() ? "" : " (" + m.meaning + ")")
                         : std::string("a message");
  if (m.test) what += " [TEST]";
  return what + ", sent " + BriefTime(m.sent_at, now);
}

}  // namespace

// What the sync brought, alarms first, then who joined, what arrived, what
// was confirmed or delivered, and what coordinators changed (README, "sync").
std::vector<std::string> NewsLines(const node::SyncNews& news, UnixTime now) {
  std::vector<std::string> lines;
  for (const node::AlertInfo& a : news.alerts) {
    std::string line = Upper(node::NameOf(a.kind)) + ": " + a.peer;
    if (a.kind != node::AlertKind::kDuress && !a.detail.empty()) line += " – " + a.detail;
    // An approval's detail says what to run.
    lines.push_back(a.kind == node::AlertKind::kApproval ? line : line + " – run `waypost board`");
  }
  for (const node::ContactInfo& c : news.joined) {
    // The coordinator this node signed up with (its invite's expiry is
    // kept), or a member who joined this coordinator's team.
    const bool answered =
        c.role == node::Role::kCoordinator && (!news.leader || c.invite_expires_at.has_value());
    lines.push_back(answered ? c.name + " answered your sign-up: you are enrolled."
                             : c.name + " joined the team as a " +
                                   std::string(node::NameOf(c.role)) + ".");
  }
  for (const node::ContactInfo& c : news.introduced) {
    lines.push_back(c.name + " (" + c.fingerprint + ") was introduced by " + c.introduced_by +
                    ": a " + std::string(node::NameOf(c.role)) + " of the team." +
                    (c.role != node::Role::kCoordinator ? ""
                     : news.leader
                         ? " It receives the helpers' check-ins too; `waypost contacts verify " +
                               c.name + "` compares keys in person."
                         : " Your check-ins go to it too; `waypost contacts verify " + c.name +
                               "` compares keys in person."));
  }
  for (const node::ContactInfo& c : news.revoked) {
    lines.push_back(c.name + " is revoked: " +
                    (c.role == node::Role::kCoordinator
                         ? "it left the team's roster, and nothing is sent to it any more."
                         : "another coordinator revoked it; nothing is sent to it any more, and "
                           "whatever comes from it counts for nothing."));
  }
  for (const node::ContactInfo& c : news.awaiting_approval) {
    lines.push_back(c.name + " (" + c.fingerprint +
                    ") asked to join as a coordinator. The team has two coordinators or more, "
                    "so another must approve it (`waypost approve " +
                    c.name + "` on theirs); it is welcomed once the approval reaches you.");
  }
  for (const node::MessageInfo& m : news.received) {
    const bool checkin = m.kind == node::MessageKind::kCheckIn;
    // From a revoked contact: shown, but it says nothing about its safety
    // (docs/protocol.md §11.6).
    const std::string from =
        m.peer +
        (m.state == node::MessageState::kRevoked ? " (REVOKED: it counts for nothing)" : "");
    lines.push_back((checkin ? "Check-in from " : "Message from ") + from + ": " +
                    Describe(m, now) + (checkin ? "" : " – run `waypost inbox` to read it"));
  }
  for (const node::MessageInfo& m : news.confirmed) {
    lines.push_back("Confirmed by " + m.peer + ": " + Describe(m, now) +
                    (m.state_note.empty() ? "" : " – \"" + m.state_note + "\""));
  }
  for (const node::MessageInfo& m : news.delivered) {
    lines.push_back("Delivered to " + m.peer + ": " + Describe(m, now));
  }
  for (const std::string& name : news.new_schedules) {
    lines.push_back(name + " set when you check in – run `waypost status`");
  }
  for (const std::string& name : news.new_codebooks) {
    lines.push_back(name + " sent a new codebook – run `waypost codes list`");
  }
  if (news.team_codebook) {
    lines.push_back(
        "Another coordinator changed the team's codebook; yours is now the same, and your "
        "helpers get it on their next sync – run `waypost codes list`");
  }
  return lines;
}

nlohmann::json NewsJson(const node::SyncNews& news) {
  nlohmann::json events = nlohmann::json::array();
  for (const node::AlertInfo& a : news.alerts) {
    events.push_back({{"event", "alert"},
                      {"kind", node::NameOf(a.kind)},
                      {"peer", a.peer},
                      {"fingerprint", a.fingerprint},
                      {"detail", a.detail},
                      {"alert_id", a.id}});
  }
  auto contact = [](const char* event, const node::ContactInfo& c) {
    return nlohmann::json{{"event", event},
                          {"peer", c.name},
                          {"fingerprint", c.fingerprint},
                          {"role", node::NameOf(c.role)}};
  };
  for (const node::ContactInfo& c : news.joined) events.push_back(contact("joined", c));
  for (const node::ContactInfo& c : news.introduced) events.push_back(contact("introduced", c));
  for (const node::ContactInfo& c : news.revoked) events.push_back(contact("revoked", c));
  for (const node::ContactInfo& c : news.awaiting_approval) {
    events.push_back(contact("awaiting_approval", c));
  }
  auto message = [](const char* event, const node::MessageInfo& m) {
    return nlohmann::json{{"event", event},
                          {"id", m.id},
                          {"kind", node::NameOf(m.kind)},
                          {"peer", m.peer},
                          {"code", m.code},
                          {"meaning", m.meaning},
                          {"sent_at", Rfc3339(m.sent_at)},
                          {"duress", m.duress},
                          {"test", m.test},
                          {"revoked", m.state == node::MessageState::kRevoked}};
  };
  for (const node::MessageInfo& m : news.received) events.push_back(message("received", m));
  for (const node::MessageInfo& m : news.confirmed) events.push_back(message("confirmed", m));
  for (const node::MessageInfo& m : news.delivered) events.push_back(message("delivered", m));
  for (const std::string& name : news.new_schedules) {
    events.push_back({{"event", "schedule"}, {"peer", name}});
  }
  for (const std::string& name : news.new_codebooks) {
    events.push_back({{"event", "codebook"}, {"peer", name}});
  }
  if (news.team_codebook) events.push_back({{"event", "team_codebook"}});
  for (const node::ContactInfo& c : news.failed_signups) {
    events.push_back(
        {{"event", "signup_failed"}, {"peer", c.name}, {"fingerprint", c.fingerprint}});
  }
  return events;
}

}  // namespace waypost::cli
