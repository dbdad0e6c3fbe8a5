#include "core/node/sync_news.h"

#include <algorithm>

namespace waypost::node {

Result<NewsWatch> NewsWatch::Start(Node& node) {
  NewsWatch watch;
  // Before the deadlines are looked at: an overdue alert that looking
  // raises now is news of this sync.
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<AlertInfo> alerts,
                           node.Alerts(/*open_only=*/true, /*look=*/false));
  for (const AlertInfo& a : alerts) watch.alerts_.insert(a.id);
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<Node::ExpectedBy> expected, node.Expectations());
  for (const Node::ExpectedBy& e : expected) {
    watch.schedules_[e.coordinator] = e.schedule ? e.schedule->version : 0;
  }
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<Node::CodebookView> books, node.Codebooks());
  for (const Node::CodebookView& b : books) watch.codebooks_[b.owner] = b.version;
  WAYPOST_ASSIGN_OR_RETURN(watch.messages_, node.MarkMessages());
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<ContactInfo> contacts, node.Contacts());
  for (const ContactInfo& c : contacts) watch.contacts_[c.fingerprint] = c.state;
  return watch;
}

Result<SyncNews> NewsWatch::Collect(Node& node, UnixTime now) const {
  SyncNews news;
  news.leader = node.self().role == Role::kCoordinator;
  WAYPOST_RETURN_IF_ERROR(node.CheckDeadlines());
  WAYPOST_ASSIGN_OR_RETURN(std::vector<AlertInfo> alerts, node.Alerts(/*open_only=*/true));
  for (AlertInfo& a : alerts) {
    if (alerts_.count(a.id) == 0) news.alerts.push_back(std::move(a));
  }
  std::stable_sort(
      news.alerts.begin(), news.alerts.end(),
      [](const AlertInfo& a, const AlertInfo& b) { return Urgency(a.kind) < Urgency(b.kind); });
  // What the sync added, and the outgoing messages it moved: read from a
  // mark, so the cost follows the change and not the history.
  WAYPOST_ASSIGN_OR_RETURN(std::vector<MessageInfo> added, node.MessagesAddedSince(messages_));
  for (MessageInfo& m : added) {
    if (m.direction == Direction::kIn) news.received.push_back(std::move(m));
  }
  WAYPOST_ASSIGN_OR_RETURN(std::vector<MessageInfo> moved, node.MessagesMovedSince(messages_));
  for (MessageInfo& m : moved) {
    if (m.state == MessageState::kConfirmed) {
      news.confirmed.push_back(std::move(m));
    } else if (m.state == MessageState::kDelivered) {
      news.delivered.push_back(std::move(m));
    }
  }
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<Node::ExpectedBy> expected, node.Expectations());
  for (const Node::ExpectedBy& e : expected) {
    const auto before = schedules_.find(e.coordinator);
    const int64_t version = e.schedule ? e.schedule->version : 0;
    if (version != 0 && (before == schedules_.end() || before->second != version)) {
      news.new_schedules.push_back(e.coordinator);
    }
  }
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<Node::CodebookView> books, node.Codebooks());
  for (const Node::CodebookView& b : books) {
    const auto before = codebooks_.find(b.owner);
    // A helper's first codebook is the default one, until its coordinator's.
    if (before == codebooks_.end() || before->second == b.version) continue;
    if (node.self().role == Role::kCoordinator && b.owner == node.self().name) {
      news.team_codebook = true;
    } else {
      news.new_codebooks.push_back(b.owner);
    }
  }
  WAYPOST_ASSIGN_OR_RETURN(std::vector<ContactInfo> contacts, node.Contacts());
  for (ContactInfo& c : contacts) {
    const auto before = contacts_.find(c.fingerprint);
    const bool was_active = before != contacts_.end() && before->second == ContactState::kActive;
    if (c.state == ContactState::kActive && !was_active && !c.introduced_by.empty()) {
      news.introduced.push_back(c);
    } else if (c.state == ContactState::kActive && !was_active) {
      news.joined.push_back(c);
    } else if (c.state == ContactState::kRevoked && before != contacts_.end() &&
               before->second != ContactState::kRevoked) {
      news.revoked.push_back(c);
    } else if (c.state == ContactState::kPending && c.role == Role::kCoordinator && news.leader &&
               before == contacts_.end()) {
      news.awaiting_approval.push_back(c);
    } else if (c.SignUpFailed(now)) {
      news.failed_signups.push_back(c);
    }
  }
  return news;
}

}  // namespace waypost::node
