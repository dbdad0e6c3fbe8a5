// Duress end to end (docs/storage.md §3, SECURITY.md "Coercion"): real
// SQLCipher homes, envelopes passed by hand, fake clocks. A helper sets a
// duress passphrase; a captor opens the decoy with it; the coordinator sees
// the flag; the helper's device stays flagged until the coordinator's Ack
// reaches the main store.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/envelope/envelope.h"
#include "core/envelope/format.h"
#include "core/envelope/keys.h"
#include "core/node/node.h"
#include "core/store/home.h"
#include "proto/waypost.pb.h"
#include "tests/kit/peers.h"
#include "tests/kit/status.h"

namespace waypost::node {
namespace {

using namespace peers;  // NOLINT: the fixture language
using ::testing::AssertionFailure;
using ::testing::AssertionResult;
using ::testing::AssertionSuccess;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAreArray;

inline constexpr const char* kRelay2 =
    "wpr1:cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd@relay2.example:7000";

Secret Duress() { return Secret::FromString("blue umbrella"); }
Secret Duress2() { return Secret::FromString("red umbrella"); }
Secret Third() { return Secret::FromString("green kettle"); }
Secret Fourth() { return Secret::FromString("yellow kettle"); }
Secret NewMain() { return Secret::FromString("battery staple"); }

// Closes whatever `p` has open and opens its home with `pass`, as a new
// process would. Opening the decoy marks it used.
AssertionResult OpenAs(Peer& p, const Secret& pass) {
  const Status opened = p.OpenWith(pass);
  if (!opened.ok()) return AssertionFailure() << opened.ToString();
  return AssertionSuccess();
}

// "decoy" or "main" for the store an open Node holds, by the decoy's own
// record (SECURITY.md: `mode = decoy` in its meta table).
std::string Kind(Peer& p) {
  store::Database db = p.Raw();
  auto st = db.Prepare("SELECT value FROM meta WHERE key = 'mode'");
  EXPECT_OK(st);
  if (!st.ok()) return "?";
  auto row = st->Step();
  return row.ok() && *row && st->ColumnText(0) == "decoy" ? "decoy" : "main";
}

// Opens `p`'s home with `pass` and says which store opened ("main",
// "decoy"), or the error text. Leaves the store open on success.
std::string Which(Peer& p, const Secret& pass) {
  const Status opened = p.OpenWith(pass);
  if (!opened.ok()) return "error: " + opened.ToString();
  return Kind(p);
}

Status::Code OpenCode(Peer& p, const Secret& pass) { return p.OpenWith(pass).code(); }

// A relay that keeps everything: each peer takes what its tags ask for, with
// Node::IngestAll as `waypost sync` does (which also refreshes the decoy).
struct Relay {
  std::vector<Bytes> pool;
  std::vector<Bytes> Take(Peer& from) {
    std::vector<Bytes> sent = Upload(from);
    pool.insert(pool.end(), sent.begin(), sent.end());
    return sent;
  }
  IngestCounts Give(Peer& to) { return to->IngestAll(Fetch(to, pool)); }
};

std::optional<MessageInfo> FindMessage(Peer& p, const std::string& id) {
  for (const MessageInfo& m : InboxOf(p)) {
    if (m.id == id) return m;
  }
  return std::nullopt;
}

// Whether the coordinator received message `id` with the duress flag.
AssertionResult ArrivedFlagged(Peer& coord, const std::string& id) {
  auto m = FindMessage(coord, id);
  if (!m) return AssertionFailure() << "message " << id << " not at the coordinator";
  if (m->direction != Direction::kIn) return AssertionFailure() << "message " << id << " is not incoming";
  if (!m->duress) return AssertionFailure() << "message " << id << " arrived unflagged";
  return AssertionSuccess() << "message " << id << " arrived flagged";
}

// The helper checks in with every coordinator; the coordinator takes it in.
// Returns the message id (one coordinator).
std::string CheckInVia(Peer& helper, Peer& coord, Relay& relay, const std::string& code,
                       const std::string& note = "") {
  auto ids = helper->CheckIn(code, note, "");
  EXPECT_OK(ids);
  if (!ids.ok() || ids->empty()) return "";
  relay.Take(helper);
  EXPECT_GE(relay.Give(coord).accepted, 1u);
  return ids->front();
}

// The plaintext body of an envelope `sender` sealed to `coord`, opened with
// the coordinator's stored chain key, changing nothing in either store.
std::optional<pb::Body> PeekBody(Peer& coord, const std::string& sender_name,
                                 ByteView sender_public, const Bytes& env) {
  const Chain chain = ChainOf(coord, sender_name);
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

int64_t Count(Peer& p, const std::string& table) {
  return CountOf(p, "SELECT count(*) FROM " + table);
}

std::vector<Bytes> HaveOf(Peer& p) {
  auto plan = p->PlanSync();
  EXPECT_OK(plan);
  return plan.ok() ? plan->have : std::vector<Bytes>{};
}

// The path of the decoy database: the file the main passphrase does not open.
std::string DecoyPath(const std::string& home) {
  std::string main_path;
  {
    auto opened = store::OpenStore(home, Passphrase());
    EXPECT_OK(opened);
    if (!opened.ok()) return "";
    auto path = store::DatabasePathForKey(home, opened->key);
    EXPECT_OK(path);
    if (!path.ok()) return "";
    main_path = *path;
  }
  for (int i = 0; i < 2; ++i) {
    if (store::DatabasePath(home, i) != main_path) return store::DatabasePath(home, i);
  }
  return "";
}

// Enrolled with the coordinator, and a duress passphrase set from the main
// store.
class NodeDuressTest : public NodeTest {
 protected:
  void SetUp() override {
    Enroll(coord_, alice_);
    Status set = alice_->SetDuressPassphrase(Passphrase(), Duress());
    ASSERT_OK(set);
  }
};

// ------------------------------------------------------------------ sizes

pb::Body CheckInBody(const std::string& code, const std::string& note, int64_t sent_at) {
  pb::Body body;
  body.mutable_checkin()->set_code(code);
  body.mutable_checkin()->set_note(note);
  body.set_sent_at(sent_at);
  return body;
}

// proto/waypost.proto: flags is `optional fixed32`, so it is encoded even
// when zero and always takes 5 bytes.
TEST(NodeDuressBodyTest, FlagsAreAlwaysEncodedSoFlaggedBodiesAreNoLonger) {
  std::vector<pb::Body> bodies;
  for (size_t n : {0, 1, 20, 127, 128, 1000}) {
    bodies.push_back(CheckInBody("crossed", std::string(n, 'x'), 1'800'000'000));
  }
  pb::Body text;
  text.mutable_text()->set_text("all fine");
  text.set_sent_at(1'800'000'000);
  bodies.push_back(text);
  pb::Body receipt;
  receipt.mutable_receipt()->set_of(std::string(16, 'r'));
  receipt.mutable_receipt()->set_kind(pb::Receipt::CONFIRMED);
  receipt.set_sent_at(1'800'000'000);
  bodies.push_back(receipt);
  pb::Body ack;
  ack.mutable_ack()->set_kind(pb::Ack::DURESS);
  ack.set_sent_at(1'800'000'000);
  bodies.push_back(ack);

  for (const pb::Body& base : bodies) {
    pb::Body none = base, plain = base, flagged = base, all_bits = base;
    plain.set_flags(0);
    flagged.set_flags(kFlagDuress);
    all_bits.set_flags(0xffffffffu);
    EXPECT_TRUE(plain.has_flags());
    EXPECT_EQ(plain.ByteSizeLong(), flagged.ByteSizeLong());
    EXPECT_EQ(plain.ByteSizeLong(), all_bits.ByteSizeLong());
    EXPECT_EQ(plain.SerializeAsString().size(), flagged.SerializeAsString().size());
    EXPECT_EQ(plain.ByteSizeLong(), none.ByteSizeLong() + 5);  // tag + fixed32

    // A zero flags field survives a round trip as present.
    pb::Body parsed;
    ASSERT_TRUE(parsed.ParseFromString(plain.SerializeAsString()));
    EXPECT_TRUE(parsed.has_flags());
    EXPECT_EQ(parsed.flags(), 0u);
  }
}

// The same check-in from the main store, from the decoy and from the main
// store in the duress state: envelopes of exactly the same size, also at a
// bucket boundary, and bodies of the same size with the field always there.
TEST_F(NodeDuressTest, DuressCheckInIsExactlyAsLongAsANormalOne) {
  // The longest note whose unflagged body still fits the smallest bucket.
  size_t edge = 0;
  for (size_t n = 0; n < 200; ++n) {
    pb::Body body = CheckInBody("crossed", std::string(n, 'x'), clock_.Now());
    body.set_flags(0);
    if (envelope::BucketFor(body.ByteSizeLong()) != envelope::kBucketSizes[0]) break;
    edge = n;
  }
  ASSERT_GT(edge, 0u);
  const std::vector<std::string> notes = {"", "at the border", std::string(edge, 'x'),
                                          std::string(edge + 1, 'x'), std::string(300, 'y')};

  struct Sent {
    std::vector<size_t> envelope_sizes;
    std::vector<size_t> body_sizes;
    std::vector<std::optional<uint32_t>> flags;
  };
  auto send_all = [&]() {
    Sent sent;
    for (const std::string& note : notes) {
      EXPECT_TRUE(alice_->CheckIn("crossed", note, "base").ok());
      std::vector<Bytes> envs = Upload(alice_);
      EXPECT_EQ(envs.size(), 1u);
      if (envs.size() != 1) continue;
      sent.envelope_sizes.push_back(envs[0].size());
      auto body = PeekBody(coord_, "alice", alice_->self().public_key.view(), envs[0]);
      EXPECT_TRUE(body.has_value());
      if (!body) continue;
      sent.body_sizes.push_back(body->ByteSizeLong());
      sent.flags.push_back(body->has_flags() ? std::optional<uint32_t>(body->flags())
                                             : std::nullopt);
    }
    return sent;
  };

  const Sent normal = send_all();
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  ASSERT_EQ(Kind(alice_), "decoy");
  const Sent decoy = send_all();
  ASSERT_TRUE(OpenAs(alice_, Passphrase()));
  ASSERT_EQ(Kind(alice_), "main");
  const Sent duress_state = send_all();

  ASSERT_EQ(normal.envelope_sizes.size(), notes.size());
  EXPECT_EQ(normal.envelope_sizes, decoy.envelope_sizes);
  EXPECT_EQ(normal.envelope_sizes, duress_state.envelope_sizes);
  EXPECT_EQ(normal.envelope_sizes[2], envelope::kBucketSizes[0]);
  EXPECT_EQ(normal.envelope_sizes[3], envelope::kBucketSizes[1]);
  EXPECT_EQ(normal.body_sizes, decoy.body_sizes);
  EXPECT_EQ(normal.body_sizes, duress_state.body_sizes);
  for (size_t i = 0; i < notes.size(); ++i) {
    EXPECT_EQ(normal.flags.at(i), std::optional<uint32_t>(0)) << i;
    EXPECT_EQ(decoy.flags.at(i), std::optional<uint32_t>(kFlagDuress)) << i;
    EXPECT_EQ(duress_state.flags.at(i), std::optional<uint32_t>(kFlagDuress)) << i;
  }
}

// --------------------------------------------------------- the coordinator

TEST_F(NodeDuressTest, CoordinatorSeesTheFlagAndOneOpenAlert) {
  Peer bob{"bob", Role::kHelper, clock_, 3};
  Enroll(coord_, bob);
  Relay relay;
  const std::string bob_id = CheckInVia(bob, coord_, relay, "ok");
  ASSERT_FALSE(bob_id.empty());

  ASSERT_TRUE(OpenAs(alice_, Duress()));
  clock_.Advance(60);
  auto ids = alice_->CheckIn("crossed", "all fine", "");
  ASSERT_OK(ids);
  ASSERT_EQ(ids->size(), 1u);
  const UnixTime sent_at = clock_.Now();
  clock_.Advance(60);
  const UnixTime arrived = clock_.Now();
  relay.Take(alice_);
  EXPECT_EQ(relay.Give(coord_).accepted, 1u);

  auto m = FindMessage(coord_, ids->front());
  ASSERT_TRUE(m.has_value());
  EXPECT_TRUE(m->duress);
  EXPECT_EQ(m->peer, "alice");
  EXPECT_EQ(m->kind, MessageKind::kCheckIn);
  EXPECT_EQ(m->code, "crossed");
  EXPECT_EQ(m->text, "all fine");
  EXPECT_FALSE(FindMessage(coord_, bob_id)->duress);
  // The decoy's own list says nothing about flags.
  for (const MessageInfo& mine : InboxOf(alice_)) EXPECT_FALSE(mine.duress);

  auto alerts = coord_->Alerts(true);
  ASSERT_OK(alerts);
  ASSERT_EQ(alerts->size(), 1u);
  const AlertInfo alert = alerts->front();
  EXPECT_EQ(alert.kind, AlertKind::kDuress);
  EXPECT_EQ(alert.peer, "alice");
  EXPECT_EQ(alert.fingerprint, alice_->self().fingerprint);
  EXPECT_EQ(alert.raised_at, arrived);
  EXPECT_FALSE(alert.acked_at.has_value());
  EXPECT_EQ(alert.note, "");
  EXPECT_EQ(coord_->Alerts(false)->size(), 1u);

  auto board = coord_->Board();
  ASSERT_OK(board);
  ASSERT_EQ(board->size(), 2u);
  const BoardEntry& a = (*board)[0];
  const BoardEntry& b = (*board)[1];
  EXPECT_EQ(a.name, "alice");
  EXPECT_EQ(a.fingerprint, alice_->self().fingerprint);
  EXPECT_EQ(a.state, BoardState::kDuress);
  EXPECT_EQ(a.alert, std::optional<int64_t>(alert.id));
  EXPECT_EQ(a.last_code, "crossed");
  EXPECT_EQ(a.last_sent_at, std::optional<UnixTime>(sent_at));
  EXPECT_EQ(a.last_received_at, std::optional<UnixTime>(arrived));
  EXPECT_EQ(b.name, "bob");
  EXPECT_EQ(b.state, BoardState::kOk);
  EXPECT_FALSE(b.alert.has_value());

  // More flagged traffic from the same device: flagged, no second alert.
  clock_.Advance(60);
  auto text = alice_->SendText("base", "really, all fine");
  ASSERT_OK(text);
  const std::string second = CheckInVia(alice_, coord_, relay, "crossed", "again");
  EXPECT_TRUE(ArrivedFlagged(coord_, *text));
  EXPECT_TRUE(ArrivedFlagged(coord_, second));
  alerts = coord_->Alerts(true);
  ASSERT_OK(alerts);
  ASSERT_EQ(alerts->size(), 1u);
  EXPECT_EQ(alerts->front().id, alert.id);
  EXPECT_EQ(alerts->front().raised_at, arrived);
  EXPECT_EQ(coord_->Alerts(false)->size(), 1u);
  EXPECT_EQ(coord_->Board()->at(0).alert, std::optional<int64_t>(alert.id));
}

// ------------------------------------------------------------- the decoy

TEST_F(NodeDuressTest, DecoyShowsOnlyWhatACaptorMaySee) {
  Peer hq{"hq", Role::kCoordinator, clock_, 3};
  Peer bob{"bob", Role::kHelper, clock_, 4};
  ASSERT_TRUE(hq->AddRelay(kRelay2).ok());
  Enroll(hq, alice_);  // a second coordinator, with a second relay
  // A helper alice invited herself: a contact that is not a coordinator.
  auto code = alice_->CreateInvite("", 3600);
  ASSERT_OK(code);
  ASSERT_TRUE(bob->Join(*code).ok());
  EXPECT_EQ(Sync(bob, alice_).accepted, 1);
  EXPECT_EQ(Sync(alice_, bob).accepted, 1);
  ASSERT_TRUE(alice_->CreateInvite("carol", 3600).ok());  // still open

  // History both ways.
  Relay relay;
  ASSERT_TRUE(alice_->CheckIn("crossed", "secret route", "").ok());
  relay.Take(alice_);
  EXPECT_EQ(relay.Give(coord_).accepted, 1u);
  EXPECT_EQ(relay.Give(hq).accepted, 1u);
  clock_.Advance(600);
  ASSERT_TRUE(coord_->SendText("alice", "stay at the safe house").ok());
  relay.Take(coord_);
  relay.Take(hq);
  EXPECT_EQ(relay.Give(alice_).accepted, 3u);  // a text and two receipts
  ASSERT_TRUE(alice_->SendText("bob", "meet at noon").ok());
  relay.Take(alice_);
  EXPECT_GE(relay.Give(bob).accepted, 1u);
  ASSERT_TRUE(alice_->SetRetention(7 * kDay).ok());
  ASSERT_TRUE(alice_->SetDeliveryWindow(10).ok());

  const SelfInfo self = alice_->self();
  const std::vector<ContactInfo> contacts = ContactsOf(alice_);
  ASSERT_EQ(contacts.size(), 3u);
  const std::vector<std::string> relays = alice_->Relays().value();
  EXPECT_EQ(relays.size(), 2u);
  const NodeSettings settings = alice_->settings();
  const std::vector<Bytes> have = HaveOf(alice_);
  EXPECT_FALSE(have.empty());
  EXPECT_GE(InboxOf(alice_).size(), 4u);
  EXPECT_EQ(Count(alice_, "invites"), 1);

  ASSERT_TRUE(OpenAs(alice_, Duress()));
  ASSERT_EQ(Kind(alice_), "decoy");
  EXPECT_EQ(alice_->self().name, self.name);
  EXPECT_EQ(alice_->self().fingerprint, self.fingerprint);
  EXPECT_EQ(alice_->self().role, self.role);
  EXPECT_EQ(alice_->self().public_key, self.public_key);

  std::vector<ContactInfo> coordinators;
  for (const ContactInfo& c : contacts) {
    if (c.role == Role::kCoordinator) coordinators.push_back(c);
  }
  ASSERT_EQ(coordinators.size(), 2u);
  const std::vector<ContactInfo> seen = ContactsOf(alice_);
  ASSERT_EQ(seen.size(), 2u);
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].name, coordinators[i].name);
    EXPECT_EQ(seen[i].fingerprint, coordinators[i].fingerprint);
    EXPECT_EQ(seen[i].role, Role::kCoordinator);
    EXPECT_EQ(seen[i].state, coordinators[i].state);
    EXPECT_EQ(seen[i].last_seen, coordinators[i].last_seen) << seen[i].name;
  }
  EXPECT_TRUE(InboxOf(alice_).empty());
  EXPECT_EQ(alice_->Relays().value(), relays);
  EXPECT_EQ(alice_->settings().retention_seconds, settings.retention_seconds);
  EXPECT_EQ(alice_->settings().delivery_window_epochs, settings.delivery_window_epochs);
  EXPECT_THAT(HaveOf(alice_), UnorderedElementsAreArray(have));
  EXPECT_EQ(Count(alice_, "messages"), 0);
  EXPECT_EQ(Count(alice_, "invites"), 0);
  EXPECT_EQ(Count(alice_, "outbox"), 0);
  EXPECT_EQ(Count(alice_, "alerts"), 0);
  EXPECT_EQ(alice_->SendText("bob", "hello?").status().code(), Status::Code::kNotFound);
  // It still works like a store: a check-in goes to both coordinators.
  auto ids = alice_->CheckIn("crossed", "", "");
  ASSERT_OK(ids);
  EXPECT_EQ(ids->size(), 2u);
}

TEST_F(NodeDuressTest, DecoyCannotReadOldTrafficButReadsRepliesToItsOwn) {
  Relay relay;
  // Before the captor: a text the main store took in ...
  ASSERT_TRUE(coord_->SendText("alice", "read before").ok());
  const std::vector<Bytes> read_before = relay.Take(coord_);
  ASSERT_EQ(read_before.size(), 1u);
  EXPECT_EQ(relay.Give(alice_).accepted, 1u);
  // ... a check-in, whose receipt and a later text stay on the relay.
  const std::string old_id = CheckInVia(alice_, coord_, relay, "crossed", "before");
  ASSERT_TRUE(coord_->SendText("alice", "never fetched").ok());
  const std::vector<Bytes> held = relay.Take(coord_);
  ASSERT_EQ(held.size(), 2u);  // the receipt and the text

  clock_.Advance(3600);
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  ASSERT_EQ(Kind(alice_), "decoy");
  // The relay would hand all of them over: they carry today's tag.
  EXPECT_EQ(Fetch(alice_, relay.pool).size(), read_before.size() + held.size());
  for (const Bytes& env : read_before) {
    auto r = alice_->Ingest(env);
    ASSERT_OK(r);
    EXPECT_EQ(*r, IngestOutcome::kDuplicate);
  }
  for (const Bytes& env : held) {
    auto r = alice_->Ingest(env);
    ASSERT_OK(r);
    EXPECT_EQ(*r, IngestOutcome::kNotOurs);  // sealed under a chain key the decoy lacks
  }
  IngestCounts counts = relay.Give(alice_);
  EXPECT_EQ(counts.accepted, 0u);
  EXPECT_EQ(counts.rejected, 0u);
  EXPECT_TRUE(InboxOf(alice_).empty());

  // The decoy's own check-in: delivered, then confirmed.
  auto ids = alice_->CheckIn("crossed", "decoy", "");
  ASSERT_OK(ids);
  ASSERT_EQ(ids->size(), 1u);
  const std::string id = ids->front();
  relay.Take(alice_);
  EXPECT_EQ(relay.Give(coord_).accepted, 1u);
  EXPECT_TRUE(ArrivedFlagged(coord_, id));
  relay.Take(coord_);
  EXPECT_EQ(relay.Give(alice_).accepted, 1u);
  ASSERT_TRUE(FindMessage(alice_, id).has_value());
  EXPECT_EQ(FindMessage(alice_, id)->state, MessageState::kDelivered);
  ASSERT_TRUE(coord_->Confirm(id).ok());
  relay.Take(coord_);
  EXPECT_EQ(relay.Give(alice_).accepted, 1u);
  EXPECT_EQ(FindMessage(alice_, id)->state, MessageState::kConfirmed);
  // And a text the coordinator sends now.
  ASSERT_TRUE(coord_->SendText("alice", "where are you?").ok());
  relay.Take(coord_);
  EXPECT_EQ(relay.Give(alice_).accepted, 1u);
  std::vector<std::string> texts;
  for (const MessageInfo& m : InboxOf(alice_)) texts.push_back(std::string(NameOf(m.direction)) + ":" + m.text);
  EXPECT_THAT(texts, ElementsAre("out:decoy", "in:where are you?"));

  // The main store still reads what the decoy could not.
  ASSERT_TRUE(OpenAs(alice_, Passphrase()));
  EXPECT_EQ(FindMessage(alice_, old_id)->state, MessageState::kRelayed);
  IngestCounts main_counts = relay.Give(alice_);
  EXPECT_EQ(main_counts.rejected, 0u);
  EXPECT_EQ(FindMessage(alice_, old_id)->state, MessageState::kDelivered);
  bool never_fetched = false;
  for (const MessageInfo& m : InboxOf(alice_)) never_fetched |= m.text == "never fetched";
  EXPECT_TRUE(never_fetched);
}

// ------------------------------------------------------ the duress state

TEST_F(NodeDuressTest, DuressStateIsStickyUntilTheCoordinatorsAckReachesTheMainStore) {
  // bob joined alice's invite: alice is his coordinator, he is not hers.
  Peer bob{"bob", Role::kHelper, clock_, 3};
  auto code = alice_->CreateInvite("", 3600);
  ASSERT_OK(code);
  ASSERT_TRUE(bob->Join(*code).ok());
  EXPECT_EQ(Sync(bob, alice_).accepted, 1);
  EXPECT_EQ(Sync(alice_, bob).accepted, 1);

  Relay relay;
  const std::string before = CheckInVia(alice_, coord_, relay, "ok");
  ASSERT_FALSE(before.empty());
  EXPECT_FALSE(FindMessage(coord_, before)->duress);

  // The captor checks in from the decoy and syncs.
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  const std::string captor = CheckInVia(alice_, coord_, relay, "crossed", "captor");
  EXPECT_TRUE(ArrivedFlagged(coord_, captor));
  relay.Take(coord_);
  EXPECT_GE(relay.Give(alice_).accepted, 1u);  // the receipt

  // Every normal unlock from then on flags what it sends.
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(3600);
    ASSERT_TRUE(OpenAs(alice_, Passphrase()));
    ASSERT_EQ(Kind(alice_), "main");
    const std::string id = CheckInVia(alice_, coord_, relay, "ok", "open " + std::to_string(i));
    EXPECT_TRUE(ArrivedFlagged(coord_, id)) << "open " << i;
  }
  auto text = alice_->SendText("base", "fine, really");
  ASSERT_OK(text);
  relay.Take(alice_);
  relay.Give(coord_);
  EXPECT_TRUE(ArrivedFlagged(coord_, *text));
  EXPECT_EQ(coord_->Alerts(true)->size(), 1u);

  // An Ack from a contact that is not alice's coordinator changes nothing.
  ASSERT_TRUE(alice_->SendText("bob", "are you there?").ok());
  relay.Take(alice_);
  EXPECT_EQ(relay.Give(bob).accepted, 1u);
  auto bob_alerts = bob->Alerts(true);
  ASSERT_OK(bob_alerts);
  ASSERT_EQ(bob_alerts->size(), 1u);  // bob saw the flag, too
  auto bob_ack = bob->Ack("alice", "");
  ASSERT_OK(bob_ack);
  const std::vector<Bytes> from_bob = relay.Take(bob);
  ASSERT_EQ(from_bob.size(), 2u);  // the receipt for the text, and the Ack
  EXPECT_EQ(alice_->IngestAll(from_bob).accepted, 2u);
  const std::string after_bob = CheckInVia(alice_, coord_, relay, "ok", "after bob's ack");
  EXPECT_TRUE(ArrivedFlagged(coord_, after_bob));
  ASSERT_TRUE(OpenAs(alice_, Passphrase()));
  const std::string after_bob2 = CheckInVia(alice_, coord_, relay, "ok", "reopened");
  EXPECT_TRUE(ArrivedFlagged(coord_, after_bob2));

  // The coordinator acks. Everything else it had queued goes first.
  relay.Take(coord_);
  relay.Give(alice_);
  auto acked = coord_->Ack("alice", "called her sister");
  ASSERT_OK(acked);
  ASSERT_EQ(acked->size(), 1u);
  const std::vector<Bytes> ack = Upload(coord_);
  ASSERT_EQ(ack.size(), 1u);

  // The decoy takes the Ack in and shows nothing.
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  const std::vector<MessageInfo> decoy_inbox = InboxOf(alice_);
  const std::vector<ContactInfo> decoy_contacts = ContactsOf(alice_);
  IngestCounts in_decoy = alice_->IngestAll(ack);
  EXPECT_EQ(in_decoy.rejected, 0u);
  EXPECT_EQ(in_decoy.accepted, 1u);  // sealed under the decoy's epoch
  const std::vector<MessageInfo> decoy_after = InboxOf(alice_);
  ASSERT_EQ(decoy_after.size(), decoy_inbox.size());
  for (size_t i = 0; i < decoy_after.size(); ++i) {
    EXPECT_EQ(decoy_after[i].id, decoy_inbox[i].id);
    EXPECT_EQ(decoy_after[i].state, decoy_inbox[i].state);
  }
  EXPECT_EQ(ContactsOf(alice_).size(), decoy_contacts.size());
  EXPECT_TRUE(alice_->Alerts(false)->empty());
  const std::string from_decoy = CheckInVia(alice_, coord_, relay, "crossed", "decoy after ack");
  EXPECT_TRUE(ArrivedFlagged(coord_, from_decoy));
  // The next main open still flags: the decoy's copy of the Ack counts for nothing.
  ASSERT_TRUE(OpenAs(alice_, Passphrase()));
  const std::string still = CheckInVia(alice_, coord_, relay, "ok", "still flagged");
  EXPECT_TRUE(ArrivedFlagged(coord_, still));

  // Only the main store taking the Ack in ends the state, for good.
  IngestCounts in_main = alice_->IngestAll(ack);
  EXPECT_EQ(in_main.accepted, 1u);
  const std::string clear = CheckInVia(alice_, coord_, relay, "ok", "safe");
  auto m = FindMessage(coord_, clear);
  ASSERT_TRUE(m.has_value());
  EXPECT_FALSE(m->duress);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(OpenAs(alice_, Passphrase()));
    const std::string later = CheckInVia(alice_, coord_, relay, "ok", "later");
    ASSERT_TRUE(FindMessage(coord_, later).has_value());
    EXPECT_FALSE(FindMessage(coord_, later)->duress) << i;
  }
}

// --------------------------------------------------------------- passphrases

TEST_F(NodeDuressTest, DecoyCanAddItsOwnDuressPassphrase) {
  ASSERT_TRUE(alice_->CheckIn("crossed", "history", "").ok());
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  Status set = alice_->SetDuressPassphrase(Duress(), Third());
  ASSERT_OK(set);
  EXPECT_EQ(Which(alice_, Third()), "decoy");
  EXPECT_EQ(Which(alice_, Duress()), "decoy");
  EXPECT_EQ(Which(alice_, Passphrase()), "main");
  EXPECT_EQ(InboxOf(alice_).size(), 1u);
  // The main store refreshes the decoy as before; all three still work.
  ASSERT_TRUE(alice_->AddRelay(kRelay2).ok());
  EXPECT_EQ(Which(alice_, Third()), "decoy");
  EXPECT_THAT(alice_->Relays().value(), ElementsAre(kRelay, kRelay2));
  EXPECT_EQ(Which(alice_, Duress()), "decoy");
  EXPECT_EQ(Which(alice_, Passphrase()), "main");

  // Again from the decoy: the main and the first duress passphrase survive.
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  set = alice_->SetDuressPassphrase(Duress(), Fourth());
  ASSERT_OK(set);
  EXPECT_EQ(Which(alice_, Fourth()), "decoy");
  EXPECT_EQ(Which(alice_, Duress()), "decoy");
  EXPECT_EQ(Which(alice_, Passphrase()), "main");
}

// The captor opens with the passphrase the decoy itself added, and runs
// `duress set` once more: it must work as anywhere else (SECURITY.md: "all
// work as usual"), without touching the main or the first duress slot.
TEST_F(NodeDuressTest, DecoyOpenedWithItsOwnAddedPassphraseCanSetAnother) {
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  ASSERT_TRUE(alice_->SetDuressPassphrase(Duress(), Third()).ok());
  ASSERT_EQ(Which(alice_, Third()), "decoy");
  Status set = alice_->SetDuressPassphrase(Third(), Fourth());
  EXPECT_OK(set);
  EXPECT_EQ(Which(alice_, Passphrase()), "main");
  EXPECT_EQ(Which(alice_, Duress()), "decoy");
  EXPECT_EQ(Which(alice_, Third()), "decoy");  // the captor's earlier one keeps working
  if (set.ok()) {
    EXPECT_EQ(Which(alice_, Fourth()), "decoy");
  }
}

TEST_F(NodeDuressTest, MainStoreReplacesItsDuressPassphrase) {
  ASSERT_EQ(Which(alice_, Duress()), "decoy");
  ASSERT_TRUE(OpenAs(alice_, Passphrase()));
  Status set = alice_->SetDuressPassphrase(Passphrase(), Duress2());
  ASSERT_OK(set);
  EXPECT_EQ(OpenCode(alice_, Duress()), Status::Code::kWrongPassphrase);
  EXPECT_EQ(Which(alice_, Duress2()), "decoy");
  EXPECT_EQ(Which(alice_, Passphrase()), "main");
  // And once more: still one duress passphrase.
  set = alice_->SetDuressPassphrase(Passphrase(), Duress());
  ASSERT_OK(set);
  EXPECT_EQ(OpenCode(alice_, Duress2()), Status::Code::kWrongPassphrase);
  EXPECT_EQ(Which(alice_, Duress()), "decoy");
  EXPECT_EQ(Which(alice_, Passphrase()), "main");
}

TEST_F(NodeDuressTest, RefusesADuressPassphraseThatAlreadyOpensASlot) {
  auto code_of = [](const Status& s) { return s.code(); };
  // From the main store.
  EXPECT_EQ(code_of(alice_->SetDuressPassphrase(Passphrase(), Passphrase())),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(code_of(alice_->SetDuressPassphrase(Passphrase(), Duress())),
            Status::Code::kInvalidArgument);
  // From the decoy.
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  EXPECT_EQ(code_of(alice_->SetDuressPassphrase(Duress(), Duress())),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(code_of(alice_->SetDuressPassphrase(Duress(), Passphrase())),
            Status::Code::kInvalidArgument);
  ASSERT_TRUE(alice_->SetDuressPassphrase(Duress(), Third()).ok());
  EXPECT_EQ(code_of(alice_->SetDuressPassphrase(Duress(), Third())),
            Status::Code::kInvalidArgument);
  // The decoy's extra passphrase opens a slot too.
  ASSERT_TRUE(OpenAs(alice_, Passphrase()));
  EXPECT_EQ(code_of(alice_->SetDuressPassphrase(Passphrase(), Third())),
            Status::Code::kInvalidArgument);
  // Nothing was changed by the refusals.
  EXPECT_EQ(Which(alice_, Passphrase()), "main");
  EXPECT_EQ(Which(alice_, Duress()), "decoy");
  EXPECT_EQ(Which(alice_, Third()), "decoy");
}

TEST_F(NodeDuressTest, RotatingTheMainKeyKeepsTheDuressPassphrase) {
  ASSERT_TRUE(alice_->CheckIn("crossed", "history", "").ok());
  alice_.node.reset();
  Status changed =
      Node::ChangePassphrase(alice_.home, Passphrase(), NewMain(), true, clock_, alice_.random);
  ASSERT_OK(changed);
  EXPECT_EQ(OpenCode(alice_, Passphrase()), Status::Code::kWrongPassphrase);
  EXPECT_EQ(Which(alice_, NewMain()), "main");
  EXPECT_EQ(InboxOf(alice_).size(), 1u);
  ASSERT_TRUE(alice_->AddRelay(kRelay2).ok());
  EXPECT_EQ(Which(alice_, Duress()), "decoy");
  EXPECT_TRUE(InboxOf(alice_).empty());
  // The main store still holds the decoy's key: its changes reach the decoy.
  EXPECT_THAT(alice_->Relays().value(), ElementsAre(kRelay, kRelay2));
  EXPECT_EQ(Which(alice_, NewMain()), "main");
  // A plain change (no rotation) from the main store too.
  alice_.node.reset();
  changed =
      Node::ChangePassphrase(alice_.home, NewMain(), Passphrase(), false, clock_, alice_.random);
  ASSERT_OK(changed);
  EXPECT_EQ(Which(alice_, Passphrase()), "main");
  EXPECT_EQ(Which(alice_, Duress()), "decoy");
}

TEST_F(NodeDuressTest, RotatingFromTheDecoyOnlyRewrapsAndKeepsTheMainPassphrase) {
  ASSERT_TRUE(alice_->CheckIn("crossed", "history", "").ok());
  alice_.node.reset();
  Status changed =
      Node::ChangePassphrase(alice_.home, Duress(), Duress2(), true, clock_, alice_.random);
  ASSERT_OK(changed);
  EXPECT_EQ(OpenCode(alice_, Duress()), Status::Code::kWrongPassphrase);
  EXPECT_EQ(Which(alice_, Duress2()), "decoy");
  EXPECT_EQ(Which(alice_, Passphrase()), "main");
  EXPECT_EQ(InboxOf(alice_).size(), 1u);
  // The main store can still open and rewrite the decoy.
  ASSERT_TRUE(alice_->AddRelay(kRelay2).ok());
  EXPECT_EQ(Which(alice_, Duress2()), "decoy");
  EXPECT_THAT(alice_->Relays().value(), ElementsAre(kRelay, kRelay2));
  // The main store can still replace the duress passphrase.
  ASSERT_TRUE(OpenAs(alice_, Passphrase()));
  ASSERT_TRUE(alice_->SetDuressPassphrase(Passphrase(), Duress()).ok());
  EXPECT_EQ(OpenCode(alice_, Duress2()), Status::Code::kWrongPassphrase);
  EXPECT_EQ(Which(alice_, Duress()), "decoy");
  EXPECT_EQ(Which(alice_, Passphrase()), "main");
}

// ------------------------------------------------------- a tampered decoy

enum class Tamper { kDelete, kReplace };

class NodeDuressTamperTest : public NodeDuressTest, public ::testing::WithParamInterface<Tamper> {};

TEST_P(NodeDuressTamperTest, NextMainOpenEntersDuressAndRecreatesTheDecoy) {
  Relay relay;
  const std::string before = CheckInVia(alice_, coord_, relay, "ok", "before");
  ASSERT_FALSE(before.empty());
  EXPECT_FALSE(FindMessage(coord_, before)->duress);

  const SelfInfo self = alice_->self();
  alice_.node.reset();
  const std::string path = DecoyPath(alice_.home);
  ASSERT_FALSE(path.empty());
  const Bytes original = waypost::testing::ReadAll(path);
  ASSERT_FALSE(original.empty());
  if (GetParam() == Tamper::kDelete) {
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
      std::filesystem::remove(path + suffix);
    }
  } else {
    Bytes junk(original.size());
    SeededRandom(77).Fill(junk);
    waypost::testing::WriteAll(path, junk);
  }

  ASSERT_TRUE(OpenAs(alice_, Passphrase()));
  ASSERT_EQ(Kind(alice_), "main");
  EXPECT_EQ(InboxOf(alice_).size(), 1u);
  const std::string after = CheckInVia(alice_, coord_, relay, "ok", "after");
  EXPECT_TRUE(ArrivedFlagged(coord_, after));
  EXPECT_EQ(coord_->Alerts(true)->size(), 1u);

  // A decoy is there again, under the same duress passphrase.
  EXPECT_TRUE(std::filesystem::exists(path));
  ASSERT_EQ(Which(alice_, Duress()), "decoy");
  EXPECT_EQ(alice_->self().fingerprint, self.fingerprint);
  EXPECT_EQ(alice_->self().name, self.name);
  EXPECT_EQ(alice_->self().role, self.role);
  EXPECT_THAT(ContactsOf(alice_), ElementsAre(::testing::Field(&ContactInfo::name, "base")));
  EXPECT_TRUE(InboxOf(alice_).empty());
  EXPECT_THAT(alice_->Relays().value(), ElementsAre(kRelay));
  // The state is sticky as after any duress use.
  ASSERT_TRUE(OpenAs(alice_, Passphrase()));
  const std::string later = CheckInVia(alice_, coord_, relay, "ok", "later");
  EXPECT_TRUE(ArrivedFlagged(coord_, later));
}

INSTANTIATE_TEST_SUITE_P(DeletedOrReplaced, NodeDuressTamperTest,
                         ::testing::Values(Tamper::kDelete, Tamper::kReplace),
                         [](const ::testing::TestParamInfo<Tamper>& info) {
                           return info.param == Tamper::kDelete ? std::string("Deleted")
                                                                : std::string("Replaced");
                         });

// ----------------------------------------------------------------- acks

TEST_F(NodeDuressTest, AckByNameAcksThatContactsAlertsAndAckByIdOne) {
  Peer bob{"bob", Role::kHelper, clock_, 3};
  Enroll(coord_, bob);
  ASSERT_TRUE(bob->SetDuressPassphrase(Passphrase(), Duress()).ok());
  Relay relay;
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  ASSERT_TRUE(OpenAs(bob, Duress()));
  const std::string a1 = CheckInVia(alice_, coord_, relay, "crossed");
  const std::string b1 = CheckInVia(bob, coord_, relay, "crossed");
  EXPECT_TRUE(ArrivedFlagged(coord_, a1));
  EXPECT_TRUE(ArrivedFlagged(coord_, b1));
  auto open = coord_->Alerts(true);
  ASSERT_OK(open);
  ASSERT_EQ(open->size(), 2u);
  int64_t alice_alert = 0, bob_alert = 0;
  for (const AlertInfo& a : *open) (a.peer == "alice" ? alice_alert : bob_alert) = a.id;
  ASSERT_NE(alice_alert, 0);
  ASSERT_NE(bob_alert, 0);

  // Refusals change nothing.
  EXPECT_EQ(coord_->Ack("9999", "").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(coord_->Ack("nobody", "").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(coord_->Ack("alice", std::string(1025, 'n')).status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(coord_->Alerts(true)->size(), 2u);

  clock_.Advance(120);
  const UnixTime when = clock_.Now();
  auto acked = coord_->Ack("alice", "phoned her sister");
  ASSERT_OK(acked);
  ASSERT_EQ(acked->size(), 1u);
  EXPECT_EQ(acked->front().id, alice_alert);
  EXPECT_EQ(acked->front().peer, "alice");
  EXPECT_EQ(acked->front().acked_at, std::optional<UnixTime>(when));
  EXPECT_EQ(acked->front().note, "phoned her sister");
  open = coord_->Alerts(true);
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ(open->front().id, bob_alert);
  auto all = coord_->Alerts(false);
  ASSERT_EQ(all->size(), 2u);
  for (const AlertInfo& a : *all) {
    if (a.id == alice_alert) {
      EXPECT_EQ(a.acked_at, std::optional<UnixTime>(when));
      EXPECT_EQ(a.note, "phoned her sister");
    } else {
      EXPECT_FALSE(a.acked_at.has_value());
    }
  }
  auto board = coord_->Board();
  ASSERT_EQ(board->size(), 2u);
  EXPECT_EQ(board->at(0).state, BoardState::kOk);
  EXPECT_FALSE(board->at(0).alert.has_value());
  EXPECT_EQ(board->at(1).state, BoardState::kDuress);
  EXPECT_EQ(board->at(1).alert, std::optional<int64_t>(bob_alert));

  // Exactly one Ack went out, to alice.
  const std::vector<Bytes> out = Upload(coord_);
  EXPECT_EQ(Fetch(bob, out).size(), 1u);     // bob's receipt only
  EXPECT_EQ(Fetch(alice_, out).size(), 2u);  // alice's receipt and the Ack

  // Acked alerts cannot be acked again; an unknown id is NotFound.
  EXPECT_EQ(coord_->Ack("alice", "").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(coord_->Ack(std::to_string(alice_alert), "").status().code(), Status::Code::kNotFound);
  auto by_id = coord_->Ack(std::to_string(bob_alert), "");
  ASSERT_OK(by_id);
  ASSERT_EQ(by_id->size(), 1u);
  EXPECT_EQ(by_id->front().peer, "bob");
  EXPECT_TRUE(coord_->Alerts(true)->empty());

  // A flag after the Ack opens a new alert.
  const std::string a2 = CheckInVia(alice_, coord_, relay, "crossed", "again");
  EXPECT_TRUE(ArrivedFlagged(coord_, a2));
  open = coord_->Alerts(true);
  ASSERT_EQ(open->size(), 1u);
  EXPECT_NE(open->front().id, alice_alert);
  EXPECT_EQ(open->front().peer, "alice");
  EXPECT_EQ(coord_->Board()->at(0).alert, std::optional<int64_t>(open->front().id));
}

// ------------------------------------------- the decoy behaves like a store

// What the decoy copied from the main store must behave as the main store's
// own rows do: adding a relay it already lists changes nothing.
TEST_F(NodeDuressTest, DecoyRelaysBehaveLikeTheMainStores) {
  ASSERT_TRUE(alice_->AddRelay(kRelay).ok());
  EXPECT_THAT(alice_->Relays().value(), ElementsAre(kRelay));
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  EXPECT_THAT(alice_->Relays().value(), ElementsAre(kRelay));
  ASSERT_TRUE(alice_->AddRelay(kRelay).ok());
  EXPECT_THAT(alice_->Relays().value(), ElementsAre(kRelay));
  ASSERT_TRUE(alice_->AddRelay(kRelay2).ok());
  EXPECT_THAT(alice_->Relays().value(), ElementsAre(kRelay, kRelay2));
}

// The content ids the decoy inherited expire as the main store's do, so the
// decoy's syncs do not keep offering ids the main store has long forgotten.
TEST_F(NodeDuressTest, DecoySeenIdsExpireLikeTheMainStores) {
  Relay relay;
  ASSERT_TRUE(coord_->SendText("alice", "hello").ok());
  relay.Take(coord_);
  EXPECT_EQ(relay.Give(alice_).accepted, 1u);
  const std::vector<Bytes> have = HaveOf(alice_);
  ASSERT_GE(have.size(), 2u);                 // the welcome and the text
  ASSERT_TRUE(OpenAs(alice_, Passphrase()));  // the decoy has the ids too
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  EXPECT_THAT(HaveOf(alice_), UnorderedElementsAreArray(have));

  clock_.Advance(envelope::kDeliveryWindowEpochs * kDay + 3600);
  ASSERT_TRUE(OpenAs(alice_, Passphrase()));
  EXPECT_TRUE(HaveOf(alice_).empty());
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  EXPECT_TRUE(HaveOf(alice_).empty());
}

// Settings the decoy changes itself hold in the decoy (until the main store
// next rewrites it), as they would in any store.
TEST_F(NodeDuressTest, DecoySettingsBehaveLikeTheMainStores) {
  ASSERT_TRUE(alice_->SetRetention(7 * kDay).ok());
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  EXPECT_EQ(alice_->settings().retention_seconds, std::optional<int64_t>(7 * kDay));
  ASSERT_TRUE(alice_->SetRetention(std::nullopt).ok());
  ASSERT_TRUE(alice_->SetDeliveryWindow(3).ok());
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  EXPECT_FALSE(alice_->settings().retention_seconds.has_value());
  EXPECT_EQ(alice_->settings().delivery_window_epochs, 3);
  ASSERT_TRUE(alice_->SetRetention(2 * kDay).ok());
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  EXPECT_EQ(alice_->settings().retention_seconds, std::optional<int64_t>(2 * kDay));
}

}  // namespace
}  // namespace waypost::node
