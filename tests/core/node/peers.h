// Test peers for Node tests: nodes in temporary homes that pass envelopes
// by hand (PlanSync().upload from one, Ingest on another), with fake clocks
// so expiry, epochs and ratcheting can be driven.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/envelope/envelope.h"
#include "core/envelope/format.h"
#include "core/envelope/keys.h"
#include "core/node/node.h"
#include "tests/kit/temp_dir.h"

namespace waypost::node::peers {

using waypost::testing::TempDir;

inline constexpr int64_t kDay = envelope::kEpochSeconds;
inline constexpr const char* kRelay =
    "wpr1:abababababababababababababababababababababababababababababababab@relay.example:7000";

inline Secret Passphrase() { return Secret::FromString("correct horse"); }

// One participant: its own home, randomness and (possibly shared) clock.
struct Peer {
  Peer(std::string name, std::string role, FakeClock& clock, uint64_t seed)
      : clock(&clock), random(seed) {
    home = dir.File("home");
    auto created = Node::Create(home, Passphrase(), store::KdfProfile::kInteractive, name, role,
                                clock, random);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    if (created.ok()) node = std::move(created).value();
  }

  // Closes and reopens the store, as a new process would (runs the ratchet).
  void Reopen() {
    node.reset();
    auto opened = Node::Open(home, Passphrase(), *clock, random);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    node = std::move(opened).value();
  }

  Node* operator->() { return node.get(); }

  TempDir dir;
  std::string home;
  FakeClock* clock;
  SeededRandom random;
  std::unique_ptr<Node> node;
};

// Everything `from` would upload now; the relay is told it took them all.
inline std::vector<Bytes> Upload(Peer& from) {
  auto plan = from->PlanSync();
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  if (!plan.ok()) return {};
  EXPECT_TRUE(from->MarkRelayed(plan->upload).ok());
  return plan->upload;
}

// What a relay would hand `to`: the envelopes whose tag it asks for.
inline std::vector<Bytes> Fetch(Peer& to, const std::vector<Bytes>& pool) {
  auto plan = to->PlanSync();
  EXPECT_TRUE(plan.ok());
  std::vector<Bytes> out;
  for (const Bytes& env : pool) {
    auto header = envelope::ParseHeader(env);
    if (!header.ok()) continue;
    if (std::find(plan->tags.begin(), plan->tags.end(), header->tag) != plan->tags.end()) {
      out.push_back(env);
    }
  }
  return out;
}

struct Tally {
  int accepted = 0, duplicate = 0, not_ours = 0, failed = 0;
};

inline Tally IngestAll(Peer& to, const std::vector<Bytes>& envs) {
  Tally t;
  for (const Bytes& env : envs) {
    auto r = to->Ingest(env);
    if (!r.ok()) {
      ++t.failed;
    } else if (*r == IngestOutcome::kAccepted) {
      ++t.accepted;
    } else if (*r == IngestOutcome::kDuplicate) {
      ++t.duplicate;
    } else {
      ++t.not_ours;
    }
  }
  return t;
}

// One sync round from -> relay -> to, filtered by tag as a relay would.
inline Tally Sync(Peer& from, Peer& to) { return IngestAll(to, Fetch(to, Upload(from))); }

inline std::vector<MessageInfo> InboxOf(Peer& p) {
  auto inbox = p->Inbox();
  EXPECT_TRUE(inbox.ok()) << inbox.status().ToString();
  return inbox.ok() ? *inbox : std::vector<MessageInfo>{};
}

inline std::vector<ContactInfo> ContactsOf(Peer& p) {
  auto contacts = p->Contacts();
  EXPECT_TRUE(contacts.ok()) << contacts.status().ToString();
  return contacts.ok() ? *contacts : std::vector<ContactInfo>{};
}

// Everything observable in a node's store, as text, for before/after checks.
inline std::string Snapshot(Peer& p) {
  std::ostringstream out;
  for (const ContactInfo& c : ContactsOf(p)) {
    out << "contact " << c.name << '|' << c.fingerprint << '|' << c.role << '|' << c.state << '|'
        << c.last_seen.value_or(-1) << '\n';
  }
  for (const MessageInfo& m : InboxOf(p)) {
    out << "message " << m.id << '|' << m.direction << '|' << m.kind << '|' << m.peer << '|'
        << m.code << '|' << m.text << '|' << m.sent_at << '|' << m.received_at.value_or(-1) << '|'
        << m.state << '\n';
  }
  for (const char* sql : {"SELECT count(*) FROM seen", "SELECT count(*) FROM outbox",
                          "SELECT count(*) FROM invites"}) {
    auto st = p->database().Prepare(sql);
    EXPECT_TRUE(st.ok());
    if (st.ok() && st->Step().value()) out << sql << " = " << st->ColumnInt64(0) << '\n';
  }
  return out.str();
}

struct Chain {
  envelope::Epoch epoch = 0;
  Bytes key;
};

// The stored pairwise chain of `p`'s contact named `name`.
inline Chain ChainOf(Peer& p, const std::string& name) {
  auto st = p->database().Prepare("SELECT chain_epoch, chain_key FROM contacts WHERE name = ?");
  EXPECT_TRUE(st.ok());
  Chain c;
  if (!st.ok()) return c;
  EXPECT_TRUE(st->BindText(1, name).ok());
  if (st->Step().value()) c = {st->ColumnInt64(0), st->ColumnBlob(1)};
  return c;
}

inline std::string InviteFrom(Peer& coordinator, int64_t ttl = 3600) {
  EXPECT_TRUE(coordinator->AddRelay(kRelay).ok());
  auto code = coordinator->CreateInvite("", ttl);
  EXPECT_TRUE(code.ok()) << code.status().ToString();
  return code.ok() ? *code : std::string();
}

// The whole enrollment: invite, join, join request in, welcome back.
inline void Enroll(Peer& coordinator, Peer& helper, int64_t ttl = 3600) {
  const std::string code = InviteFrom(coordinator, ttl);
  auto joined = helper->Join(code);
  ASSERT_TRUE(joined.ok()) << joined.status().ToString();
  EXPECT_EQ(*joined, coordinator->self().name);
  EXPECT_EQ(Sync(helper, coordinator).accepted, 1);
  EXPECT_EQ(Sync(coordinator, helper).accepted, 1);
}

class NodeTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  Peer coord_{"base", "coordinator", clock_, 1};
  Peer alice_{"alice", "helper", clock_, 2};
};

}  // namespace waypost::node::peers
