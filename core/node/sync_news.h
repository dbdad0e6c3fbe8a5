// SyncNews: what one sync changed, for the person who ran it (README,
// "sync"): new alerts first, then what arrived, what was confirmed or
// delivered, who joined, new schedules and codebooks, and sign-ups that
// failed. It compares what the node shows before and after, so every path
// that takes envelopes in is reported alike, and nothing is told twice: an
// alert or a message is news once, on the sync that brought it. Messages
// are compared from a mark (Node::MarkMessages), so the cost follows what
// changed, not the length of the history.
//
// Lifetime: holds copies only; each call takes the Node it reads.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/node/node.h"
#include "core/node/records.h"
#include "core/status.h"

namespace waypost::node {

struct SyncNews {
  // This node is a coordinator: a contact in `joined` joined its team,
  // unless it is the coordinator whose invite this node joined.
  bool leader = false;
  std::vector<AlertInfo> alerts;       // newly raised, strongest first
  std::vector<MessageInfo> received;   // new incoming messages, in inbox order
  std::vector<MessageInfo> confirmed;  // outgoing ones that became confirmed
  std::vector<MessageInfo> delivered;  // outgoing ones that became delivered
  std::vector<ContactInfo> joined;     // contacts whose enrollment completed
  // Contacts another coordinator introduced (docs/protocol.md §12.2).
  std::vector<ContactInfo> introduced;
  // Contacts revoked by what arrived: another coordinator's note, or a
  // roster without a coordinator (§12.4, §12.5).
  std::vector<ContactInfo> revoked;
  // Coordinators who joined by this coordinator's invite and wait for
  // another coordinator's approval (§12.6).
  std::vector<ContactInfo> awaiting_approval;
  std::vector<std::string> new_schedules;  // coordinators who set when we check in
  std::vector<std::string> new_codebooks;  // coordinators who sent a new codebook
  // A coordinator's own codebook changed: another coordinator of the team
  // sent a newer one (docs/protocol.md §12.2).
  bool team_codebook = false;
  // Our sign-ups that can no longer complete: told on every sync until a
  // new invite replaces them, since the helper must act.
  std::vector<ContactInfo> failed_signups;

  bool empty() const {
    return alerts.empty() && received.empty() && confirmed.empty() && delivered.empty() &&
           !team_codebook && joined.empty() && introduced.empty() && revoked.empty() &&
           awaiting_approval.empty() && new_schedules.empty() && new_codebooks.empty() &&
           failed_signups.empty();
  }
};

class NewsWatch {
 public:
  // What `node` shows now: the baseline.
  static Result<NewsWatch> Start(Node& node);
  // What changed since Start(), `now` by this node's clock. A coordinator's
  // deadlines are looked at first (Node::CheckDeadlines), so an overdue
  // helper is news at once.
  Result<SyncNews> Collect(Node& node, UnixTime now) const;

 private:
  std::set<int64_t> alerts_;  // open alert ids
  Node::MessageMark messages_;
  std::map<std::string, ContactState> contacts_;  // fingerprint to state
  std::map<std::string, int64_t> schedules_;      // coordinator to schedule version
  std::map<std::string, int64_t> codebooks_;      // owner to codebook version
};

}  // namespace waypost::node
