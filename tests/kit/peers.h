// Test peers: nodes in temporary homes, with fake clocks so that expiry,
// epochs and ratcheting can be driven. They pass envelopes by hand
// (PlanSync().upload from one, Ingest on another, filtered by tag as a relay
// would), or through a real sync round with a relay in memory
// (memory_relay.h, SyncVia).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/envelope/envelope.h"
#include "core/envelope/format.h"
#include "core/envelope/keys.h"
#include "core/node/node.h"
#include "core/node/sync_round.h"
#include "core/store/home.h"
#include "tests/kit/memory_relay.h"
#include "tests/kit/status.h"
#include "tests/kit/temp_dir.h"
#include "tests/kit/vocabulary_print.h"

namespace waypost::node::peers {

using waypost::testing::TempDir;

inline constexpr int64_t kDay = envelope::kEpochSeconds;
inline constexpr const char* kRelay =
    "wpr1:abababababababababababababababababababababababababababababababab@relay.example:7000";

inline Secret Passphrase() { return Secret::FromString("correct horse"); }

// One participant: its own home, randomness and (possibly shared) clock.
struct Peer {
  Peer(std::string name, Role role, FakeClock& clock, uint64_t seed) : clock(&clock), random(seed) {
    home = dir.File("home");
    auto created = Node::Create(home, Passphrase(), store::KdfProfile::kInteractive, name, role,
                                clock, random);
    EXPECT_OK(created);
    if (created.ok()) node = std::move(created).value();
  }

  // Closes whatever is open and opens the home with `pass`, as a new process
  // would (an open runs the ratchet; opening the decoy marks it used).
  Status OpenWith(const Secret& pass) {
    node.reset();
    auto opened = Node::Open(home, pass, *clock, random);
    if (!opened.ok()) return opened.status();
    node = std::move(opened).value();
    if (!ConstantTimeEqual(pass.view(), passphrase.view()) || pass.size() != passphrase.size()) {
      passphrase = pass.Clone();
      raw_key.reset();
    }
    return Status::Ok();
  }
  void Reopen() { ASSERT_OK(OpenWith(passphrase.Clone())); }

  // The database the current passphrase opens, on a connection of its own,
  // as an examiner holding the passphrase would read it.
  store::Database Raw() {
    if (!raw_key) {
      auto opened = store::OpenStore(home, passphrase);
      if (!opened.ok()) throw std::runtime_error(opened.status().message());
      raw_key.emplace(std::move(opened->key));
    }
    auto db = store::OpenDatabaseWithKey(home, *raw_key);
    if (!db.ok()) throw std::runtime_error(db.status().message());
    return std::move(db).value();
  }

  Node* operator->() { return node.get(); }

  TempDir dir;
  std::string home;
  FakeClock* clock;
  SeededRandom random;
  std::unique_ptr<Node> node;
  Secret passphrase = Passphrase();
  std::optional<Secret> raw_key;
};

// One `SELECT count(*)` (or any one-integer query) on `p`'s database.
inline int64_t CountOf(Peer& p, const std::string& sql) {
  store::Database db = p.Raw();
  auto st = db.Prepare(sql);
  EXPECT_OK(st);
  if (!st.ok()) return -1;
  auto row = st->Step();
  EXPECT_TRUE(row.ok() && *row);
  return row.ok() && *row ? st->ColumnInt64(0) : -1;
}

// A real sync round (core/node/sync_round.h) between `p` and `relay`.
inline SyncReport SyncVia(waypost::testing::MemoryRelay& relay, Peer& p) {
  waypost::testing::MemoryDialer dialer;
  dialer.Add(relay);
  auto address = sync::ParseRelayAddress(relay.address());
  EXPECT_OK(address);
  auto report = SyncWithRelays(*p.node, {*address}, dialer, p.random);
  EXPECT_OK(report);
  return report.ok() ? *report : SyncReport{};
}

// Everything `from` would upload now; the relay is told it took them all.
inline std::vector<Bytes> Upload(Peer& from) {
  auto plan = from->PlanSync();
  EXPECT_OK(plan);
  if (!plan.ok()) return {};
  EXPECT_OK(from->MarkRelayed(plan->upload));
  return plan->upload;
}

// What a relay would hand `to`: the envelopes whose tag it asks for.
inline std::vector<Bytes> Fetch(Peer& to, const std::vector<Bytes>& pool) {
  auto plan = to->PlanSync();
  EXPECT_OK(plan);
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
  EXPECT_OK(inbox);
  return inbox.ok() ? *inbox : std::vector<MessageInfo>{};
}

// The incoming messages from the contact named `name` at `p`, in inbox order.
inline std::vector<MessageInfo> InboxFrom(Peer& p, const std::string& name) {
  std::vector<MessageInfo> out;
  for (const MessageInfo& m : InboxOf(p)) {
    if (m.direction == Direction::kIn && m.peer == name) out.push_back(m);
  }
  return out;
}

// `p`'s board line for the helper named `name`, if it has one.
inline std::optional<BoardEntry> BoardLineOf(Peer& p, const std::string& name) {
  auto board = p->Board();
  EXPECT_OK(board);
  if (!board.ok()) return std::nullopt;
  for (const BoardEntry& e : *board) {
    if (e.name == name) return e;
  }
  return std::nullopt;
}

inline std::vector<ContactInfo> ContactsOf(Peer& p) {
  auto contacts = p->Contacts();
  EXPECT_OK(contacts);
  return contacts.ok() ? *contacts : std::vector<ContactInfo>{};
}

// Everything observable in a node's store, as text, for before/after checks.
inline std::string Snapshot(Peer& p) {
  std::ostringstream out;
  for (const ContactInfo& c : ContactsOf(p)) {
    out << "contact " << c.name << '|' << c.fingerprint << '|' << NameOf(c.role) << '|'
        << NameOf(c.state) << '|' << c.last_seen.value_or(-1) << '\n';
  }
  for (const MessageInfo& m : InboxOf(p)) {
    out << "message " << m.id << '|' << NameOf(m.direction) << '|' << NameOf(m.kind) << '|'
        << m.peer << '|' << m.code << '|' << m.text << '|' << m.sent_at << '|'
        << m.received_at.value_or(-1) << '|' << NameOf(m.state) << '\n';
  }
  for (const char* sql : {"SELECT count(*) FROM seen", "SELECT count(*) FROM outbox",
                          "SELECT count(*) FROM invites"}) {
    out << sql << " = " << CountOf(p, sql) << '\n';
  }
  return out.str();
}

struct Chain {
  envelope::Epoch epoch = 0;
  Bytes key;
};

// One of the stored chains of `p`'s contact named `name`: `epoch_column`
// and `key_column` name it. Empty if there is none.
inline Chain StoredChain(Peer& p, const std::string& name, const char* epoch_column,
                         const char* key_column) {
  store::Database db = p.Raw();
  auto st = db.Prepare(std::string("SELECT ") + epoch_column + ", " + key_column +
                       " FROM contacts WHERE name = ? AND " + key_column + " IS NOT NULL");
  EXPECT_OK(st);
  Chain c;
  if (!st.ok()) return c;
  EXPECT_OK(st->BindText(1, name));
  if (st->Step().value()) c = {st->ColumnInt64(0), st->ColumnBlob(1)};
  return c;
}

// The stored pairwise chain of `p`'s contact named `name`.
inline Chain ChainOf(Peer& p, const std::string& name) {
  return StoredChain(p, name, "chain_epoch", "chain_key");
}

// The stored duress chain of `p`'s contact named `name` (docs/protocol.md
// §4.3); empty in a decoy, whose chain_key is that chain.
inline Chain DuressChainOf(Peer& p, const std::string& name) {
  return StoredChain(p, name, "duress_epoch", "duress_key");
}

inline std::string InviteFrom(Peer& coordinator, int64_t ttl = 3600) {
  EXPECT_OK(coordinator->AddRelay(kRelay));
  auto code = coordinator->CreateInvite("", ttl);
  EXPECT_OK(code);
  return code.ok() ? *code : std::string();
}

// The whole enrollment: invite, join, join request in, welcome back. A
// helper that already has a coordinator joins with the flag that takes.
inline void Enroll(Peer& coordinator, Peer& helper, int64_t ttl = 3600) {
  const std::string code = InviteFrom(coordinator, ttl);
  auto contacts = helper->Contacts();
  ASSERT_OK(contacts);
  bool has_coordinator = false;
  for (const ContactInfo& c : *contacts) has_coordinator |= c.role == Role::kCoordinator;
  auto joined = helper->Join(code, has_coordinator);
  ASSERT_OK(joined);
  EXPECT_EQ(joined->inviter, coordinator->self().name);
  EXPECT_EQ(Sync(helper, coordinator).accepted, 1);
  EXPECT_EQ(Sync(coordinator, helper).accepted, 1);
}

class NodeTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  Peer coord_{"base", Role::kCoordinator, clock_, 1};
  Peer alice_{"alice", Role::kHelper, clock_, 2};
};

}  // namespace waypost::node::peers
