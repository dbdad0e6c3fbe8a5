// Test parties for whole sync sessions in memory: TestParty, a node's side
// kept in memory (it checks the client keeps the SyncParty contract);
// RawClient, which sends whatever ClientMessage a test wants over a real
// SecureChannel; and TestTeam, a team's rosters as its coordinator signs
// them.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/noise/key_pair.h"
#include "core/sync/relay_session.h"
#include "core/sync/secure_channel.h"
#include "core/sync/sync_client.h"
#include "core/team/team_state.h"
#include "proto/waypost.pb.h"
#include "tests/core/sync/sync_test_util.h"

namespace waypost::sync::test_util {

using RecipientTag = envelope::RecipientTag;

// The node's side as the client sees it, kept in memory: an outbox of
// envelopes to upload, the recipient tags and held records of its scope,
// and what it took in. It checks that the client keeps the SyncParty
// contract (one batch in flight, verdicts for exactly that batch).
class TestParty final : public SyncParty {
 public:
  explicit TestParty(std::vector<Bytes> uploads = {}, std::vector<RecipientTag> scope_tags = {},
                     const std::vector<Bytes>& held_envelopes = {})
      : tags(std::move(scope_tags)) {
    for (Bytes& e : uploads) Queue(std::move(e));
    for (const Bytes& e : held_envelopes) Hold(e);
  }

  void Queue(Bytes envelope_bytes) { outbox_.push_back(Item{std::move(envelope_bytes)}); }
  void Hold(ByteView envelope_bytes) { held.push_back(ItemOf(envelope_bytes)); }

  // A new connection: what was handed out but never answered waits again.
  void NewSession() {
    for (Item& item : outbox_) item.handed = false;
    in_flight_.clear();
    fetch_done = false;
  }

  // Envelopes queued and not yet answered (FULL ones stay queued).
  size_t waiting() const {
    return static_cast<size_t>(std::count_if(outbox_.begin(), outbox_.end(),
                                             [](const Item& item) { return !item.answered; }));
  }

  // Every verdict `envelope_bytes` received, over all sessions.
  std::vector<UploadVerdict> VerdictsFor(const Bytes& envelope_bytes) const {
    std::vector<UploadVerdict> out;
    for (const auto& [e, v] : verdicts) {
      if (e == envelope_bytes) out.push_back(v);
    }
    return out;
  }

  Result<std::vector<Bytes>> NextUploads(size_t max_count, size_t max_bytes) override {
    asked_max_bytes.push_back(max_bytes);
    if (!in_flight_.empty()) return Status::Internal("NextUploads with a batch unanswered");
    std::vector<Bytes> batch;
    size_t bytes = 0;
    for (size_t i = 0; i < outbox_.size() && batch.size() < max_count; ++i) {
      Item& item = outbox_[i];
      if (item.handed || item.answered) continue;
      if (!batch.empty() && bytes + item.bytes.size() > max_bytes) break;
      item.handed = true;
      bytes += item.bytes.size();
      batch.push_back(item.bytes);
      in_flight_.push_back(i);
    }
    if (!batch.empty()) batches.push_back(batch);
    return batch;
  }

  Status Uploaded(const std::vector<Bytes>& batch,
                  const std::vector<UploadVerdict>& batch_verdicts) override {
    if (batch.size() != in_flight_.size() || batch_verdicts.size() != batch.size()) {
      return Status::Internal("verdicts for a batch that was not handed out");
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      Item& item = outbox_[in_flight_[i]];
      if (batch[i] != item.bytes) return Status::Internal("verdicts out of order");
      verdicts.emplace_back(batch[i], batch_verdicts[i]);
      // FULL: not taken, so it waits for another session (or relay).
      item.answered = batch_verdicts[i] != UploadVerdict::kFull;
    }
    in_flight_.clear();
    return Status::Ok();
  }

  Result<Scope> FetchScope() override {
    ++scope_calls;
    return Scope{tags, held, false};
  }

  Status Fetched(std::vector<Bytes> batch) override {
    fetch_batches.push_back(batch.size());
    for (Bytes& e : batch) {
      Hold(e);
      // Taking an envelope in queues an answer to it (a receipt).
      if (receipts) Queue(ReceiptFor(e));
      fetched.push_back(std::move(e));
    }
    return Status::Ok();
  }

  Status FetchDone() override {
    fetch_done = true;
    ++fetch_done_calls;
    return Status::Ok();
  }

  // The receipt a party with `receipts` set uploads for a fetched envelope.
  static Bytes ReceiptFor(ByteView fetched_envelope) {
    return MakeEnvelope(Tag(0xEE), kNow + 24 * 3600, GetU32(IdOf(fetched_envelope).data()));
  }

  std::vector<RecipientTag> tags;
  std::vector<NegItem> held;
  bool receipts = false;

  std::vector<std::vector<Bytes>> batches;  // every upload batch handed out
  std::vector<size_t> asked_max_bytes;      // max_bytes of each NextUploads
  std::vector<std::pair<Bytes, UploadVerdict>> verdicts;
  std::vector<Bytes> fetched;
  std::vector<size_t> fetch_batches;  // size of each Fetched batch
  int scope_calls = 0;
  int fetch_done_calls = 0;
  bool fetch_done = false;

 private:
  struct Item {
    Bytes bytes;
    bool handed = false;    // in this session
    bool answered = false;  // a verdict other than FULL came
  };
  std::vector<Item> outbox_;
  std::vector<size_t> in_flight_;
};

// Plays a client over a real SecureChannel, sending whatever ClientMessage a
// test wants and reading the relay's answers, one at a time.
class RawClient {
 public:
  RawClient(RelaySession& relay, ByteView relay_public_key, Random& random)
      : relay_(&relay), channel_(SecureChannel::Initiator(relay_public_key, random)) {}

  // Starts the relay and runs the handshake, all at `now_ms`.
  Status Connect(int64_t now_ms) {
    WAYPOST_RETURN_IF_ERROR(relay_->OnStart(now_ms));
    WAYPOST_RETURN_IF_ERROR(channel_.Start());
    WAYPOST_RETURN_IF_ERROR(relay_->OnReceive(channel_.TakeOutput(), now_ms));
    WAYPOST_RETURN_IF_ERROR(channel_.Feed(relay_->TakeOutgoing()));
    if (!channel_.established()) return Status::Internal("handshake did not finish");
    return relay_->OnReceive(channel_.TakeOutput(), now_ms);
  }

  // Sends one message at `now_ms`. The relay's Status, and on success its one
  // answer in `answer`.
  Status Send(const pb::ClientMessage& message, int64_t now_ms,
              pb::RelayMessage* answer = nullptr) {
    const std::string encoded = message.SerializeAsString();
    return SendBytes(AsBytes(encoded), now_ms, answer);
  }

  Status SendBytes(ByteView plaintext, int64_t now_ms, pb::RelayMessage* answer = nullptr) {
    WAYPOST_RETURN_IF_ERROR(channel_.Send(plaintext));
    WAYPOST_RETURN_IF_ERROR(relay_->OnReceive(channel_.TakeOutput(), now_ms));
    WAYPOST_RETURN_IF_ERROR(channel_.Feed(relay_->TakeOutgoing()));
    std::optional<Bytes> reply = channel_.NextMessage();
    if (!reply) return Status::Internal("the relay did not answer");
    if (channel_.NextMessage()) return Status::Internal("the relay answered twice");
    pb::RelayMessage parsed;
    if (!parsed.ParseFromArray(reply->data(), static_cast<int>(reply->size()))) {
      return Status::Internal("the relay's answer does not parse");
    }
    if (answer) *answer = std::move(parsed);
    return Status::Ok();
  }

  SecureChannel& channel() { return channel_; }

 private:
  RelaySession* relay_;
  SecureChannel channel_;
};

// A team as its coordinator keeps it: a signing key, members' admission
// keys, and the rosters it signed, version by version.
class TestTeam {
 public:
  TestTeam(uint64_t seed, size_t members) : random_(seed) {
    coordinators_.push_back(Sign());
    random_.Fill(id_);
    for (size_t i = 0; i < members; ++i) keys_.push_back(team::RingKeyPair::Generate(random_));
    team::TeamRoster roster;
    roster.team_id = id_;
    roster.version = 1;
    roster.issued_at = kNow;
    roster.coordinators = {coordinators_[0].public_key};
    for (const team::RingKeyPair& k : keys_) roster.ring.push_back(k.public_key);
    rosters_.push_back(Signed(roster));
  }

  // A new version whose ring is the current one's, minus member `drop`
  // (if any) plus `add` fresh members.
  const Bytes& Change(std::optional<size_t> drop, size_t add = 0) {
    team::TeamRoster roster = current().roster();
    roster.version += 1;
    if (drop) {
      std::erase(roster.ring, keys_[*drop].public_key);
    }
    for (size_t i = 0; i < add; ++i) {
      keys_.push_back(team::RingKeyPair::Generate(random_));
      roster.ring.push_back(keys_.back().public_key);
    }
    rosters_.push_back(Signed(roster));
    return rosters_.back();
  }

  // A new version that adds a second coordinator (a step of the roster
  // chain, docs/protocol.md §11.7), signed by the first; the new one signs
  // every Change from then on. For a team of one coordinator.
  const Bytes& AddCoordinator() {
    team::TeamRoster roster = current().roster();
    roster.version += 1;
    coordinators_.push_back(Sign());
    roster.coordinators.push_back(coordinators_.back().public_key);
    roster.approvals = 2;
    rosters_.push_back(Signed(roster));
    signer_ = coordinators_.size() - 1;
    return rosters_.back();
  }

  team::SignedTeamState current() const {
    return team::SignedTeamState::Parse(rosters_.back()).value();
  }
  const Bytes& genesis() const { return rosters_.front(); }
  const Bytes& roster(size_t version) const { return rosters_[version - 1]; }
  const team::TeamId& id() const { return id_; }
  const team::RingKeyPair& key(size_t i) const { return keys_[i]; }
  const team::SigningKeyPair& coordinator() const { return coordinators_[0]; }
  Random& random() { return random_; }

 private:
  team::SigningKeyPair Sign() { return team::SigningKeyPair::Generate(random_); }
  Bytes Signed(const team::TeamRoster& roster) {
    return team::SignTeamState(roster, {{uint8_t(signer_), &coordinators_[signer_]}}).value();
  }

  SeededRandom random_;
  std::vector<team::SigningKeyPair> coordinators_;
  size_t signer_ = 0;  // index of the coordinator who signs Change
  team::TeamId id_{};
  std::vector<team::RingKeyPair> keys_;
  std::vector<Bytes> rosters_;
};

// What a relay-side fixture holds: a fake clock, seeded randomness, the
// relay's key, and its store over a fresh SQLCipher file (schema made in
// SetUp).
class RelayFixture : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK(store_.EnsureSchema()); }
  int64_t Count() { return store_.Count().value(); }

  FakeClock clock_{kNow};
  SeededRandom random_{42};
  std::mt19937 rng_{7};
  noise::KeyPair relay_key_ = noise::KeyPair::Generate(random_);
  TempDatabase temp_;
  RelayStore store_{temp_.db()};
};

}  // namespace waypost::sync::test_util
