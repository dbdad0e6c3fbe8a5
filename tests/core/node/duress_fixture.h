// The language of the duress tests (docs/storage.md §3, SECURITY.md
// "Coercion"): a helper enrolled with the coordinator and a duress passphrase
// set, opens as a new process would, a relay that keeps everything, and the
// coordinator's view of what arrived flagged. Built on tests/kit/peers.h.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "core/envelope/envelope.h"
#include "core/envelope/keys.h"
#include "core/node/node.h"
#include "proto/waypost.pb.h"
#include "tests/kit/peers.h"
#include "tests/kit/status.h"

namespace waypost::node::duress_fixture {

// The plaintext body of an envelope `sender` sealed to `coord`, opened with
// the coordinator's stored chain key, changing nothing in either store.
// Either of the pair's chains may have sealed it: the decoy's check-ins go
// under the duress chain.
inline std::optional<pb::Body> PeekBodyUnder(peers::Peer& coord, const peers::Chain& chain,
                                             ByteView sender_public, const Bytes& env) {
  if (chain.key.empty()) return std::nullopt;
  for (envelope::Epoch e = chain.epoch; e <= chain.epoch + 30; ++e) {
    Secret psk = envelope::PskFrom(envelope::ChainAt(Secret::From(chain.key), chain.epoch, e));
    envelope::OpenRequest req;
    req.recipient = &coord->identity();
    req.sender_public = sender_public;
    req.psk = &psk;
    auto opened = envelope::Open(req, env);
    if (!opened.ok()) continue;
    pb::Body body;
    if (!body.ParseFromArray(opened->body.data(), int(opened->body.size()))) return std::nullopt;
    return body;
  }
  return std::nullopt;
}

inline std::optional<pb::Body> PeekBody(peers::Peer& coord, const std::string& sender_name,
                                        ByteView sender_public, const Bytes& env) {
  auto body = PeekBodyUnder(coord, peers::ChainOf(coord, sender_name), sender_public, env);
  if (body) return body;
  return PeekBodyUnder(coord, peers::DuressChainOf(coord, sender_name), sender_public, env);
}

inline constexpr const char* kRelay2 =
    "wpr1:cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd@relay2.example:7000";

inline Secret Duress() { return Secret::FromString("blue umbrella"); }

// Closes whatever `p` has open and opens its home with `pass`, as a new
// process would. Opening the decoy marks it used.
inline ::testing::AssertionResult OpenAs(peers::Peer& p, const Secret& pass) {
  const Status opened = p.OpenWith(pass);
  if (!opened.ok()) return ::testing::AssertionFailure() << opened.ToString();
  return ::testing::AssertionSuccess();
}

// "decoy" or "main" for the store an open Node holds, by the decoy's own
// record (SECURITY.md: `mode = decoy` in its meta table).
inline std::string Kind(peers::Peer& p) {
  store::Database db = p.Raw();
  auto st = db.Prepare("SELECT value FROM meta WHERE key = 'mode'");
  EXPECT_OK(st);
  if (!st.ok()) return "?";
  auto row = st->Step();
  return row.ok() && *row && st->ColumnText(0) == "decoy" ? "decoy" : "main";
}

// Opens `p`'s home with `pass` and says which store opened ("main",
// "decoy"), or the error text. Leaves the store open on success.
inline std::string Which(peers::Peer& p, const Secret& pass) {
  const Status opened = p.OpenWith(pass);
  if (!opened.ok()) return "error: " + opened.ToString();
  return Kind(p);
}

// A relay that keeps everything: each peer takes what its tags ask for, with
// Node::IngestAll as `waypost sync` does (which also refreshes the decoy).
struct Relay {
  std::vector<Bytes> pool;
  std::vector<Bytes> Take(peers::Peer& from) {
    std::vector<Bytes> sent = peers::Upload(from);
    pool.insert(pool.end(), sent.begin(), sent.end());
    return sent;
  }
  IngestCounts Give(peers::Peer& to) {
    auto counts = to->IngestAll(peers::Fetch(to, pool));
    EXPECT_OK(counts);
    return counts.ok() ? *counts : IngestCounts{};
  }
};

inline std::optional<MessageInfo> FindMessage(peers::Peer& p, const std::string& id) {
  for (const MessageInfo& m : peers::InboxOf(p)) {
    if (m.id == id) return m;
  }
  return std::nullopt;
}

// Whether the coordinator received message `id` with the duress flag.
inline ::testing::AssertionResult ArrivedFlagged(peers::Peer& coord, const std::string& id) {
  auto m = FindMessage(coord, id);
  if (!m) return ::testing::AssertionFailure() << "message " << id << " not at the coordinator";
  if (m->direction != Direction::kIn) {
    return ::testing::AssertionFailure() << "message " << id << " is not incoming";
  }
  if (!m->duress) return ::testing::AssertionFailure() << "message " << id << " arrived unflagged";
  return ::testing::AssertionSuccess() << "message " << id << " arrived flagged";
}

// The helper checks in with every coordinator; the coordinator takes it in.
// Returns the message id (one coordinator).
inline std::string CheckInVia(peers::Peer& helper, peers::Peer& coord, Relay& relay,
                              const std::string& code, const std::string& note = "") {
  auto ids = helper->CheckIn(code, note, "");
  EXPECT_OK(ids);
  if (!ids.ok() || ids->empty()) return "";
  relay.Take(helper);
  EXPECT_GE(relay.Give(coord).accepted, 1u);
  return ids->front();
}

// Enrolled with the coordinator, and a duress passphrase set from the main
// store.
class NodeDuressTest : public peers::NodeTest {
 protected:
  void SetUp() override {
    peers::Enroll(coord_, alice_);
    Status set = alice_->SetDuressPassphrase(peers::Passphrase(), Duress());
    ASSERT_OK(set);
  }
};

}  // namespace waypost::node::duress_fixture
