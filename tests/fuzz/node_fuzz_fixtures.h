// The nodes that fuzz_body.cc and fuzz_enrollment.cc feed, built alike by
// them and by the seed-corpus generator (make_corpus.cc), which seals some
// seeds with their keys: real Nodes in a scratch directory, made and
// enrolled through the real protocol at a fixed time from fixed seeds
// (node_fuzz_util.h). Each holds its nodes as Snapshot() left them.
//
// No gtest here: the targets build with clang and libFuzzer as well as with
// g++ and tests/fuzz/replay_main.cc.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/clock.h"
#include "core/envelope/envelope.h"
#include "core/node/invite.h"
#include "core/noise/key_pair.h"
#include "core/random.h"
#include "core/secret.h"
#include "proto/waypost.pb.h"
#include "tests/fuzz/node_fuzz_util.h"
#include "tests/fuzz/scratch_dir.h"

namespace waypost::fuzz {

// ---------------------------------------------------------------- fuzz_body's pair

// fuzz_body's pair: a coordinator "Coord" and a helper "Ana", enrolled; Ana
// has a check-in out to Coord and Coord a text out to Ana, neither yet
// delivered (so that receipts have something to name); Ana set a duress
// passphrase, opened the decoy once and then her main store again, so her
// store is in the duress state that a coordinator's ack ends.
class BodyPair {
 public:
  explicit BodyPair(const Clock& clock)
      : coord_(dir_, "Coord", node::Role::kCoordinator, clock, 11),
        ana_(dir_, "Ana", node::Role::kHelper, clock, 12) {
    if (!coord_->AddRelay(kNodeRelay).ok()) Die("AddRelay");
    auto invite = coord_->CreateInvite("", 3 * kDay);
    if (!invite.ok() || !ana_->Join(*invite).ok()) Die("cannot join");
    Deliver(ana_, coord_);  // the join request
    Deliver(coord_, ana_);  // the welcome
    if (!ana_->CheckIn("ok", "on the road", "").ok()) Die("CheckIn");
    checkin_ = ReceiptIdOf(Drain(ana_));
    if (!coord_->SendText("Ana", "stay on the ridge").ok()) Die("SendText");
    text_ = ReceiptIdOf(Drain(coord_));
    if (!ana_->SetDuressPassphrase(Secret::FromString(kNodePassphrase),
                                   Secret::FromString(kNodeDuressPassphrase))
             .ok()) {
      Die("SetDuressPassphrase");
    }
    ana_.OpenWith(kNodeDuressPassphrase);
    ana_.OpenWith(kNodePassphrase);
    to_coord_ = KeysBetween(ana_, coord_, "Ana");
    to_ana_ = KeysBetween(coord_, ana_, "Coord");
    coord_.Snapshot();
    ana_.Snapshot();
  }

  FuzzNode& coord() { return coord_; }
  FuzzNode& ana() { return ana_; }
  const PairKeys& to_coord() const { return to_coord_; }
  const PairKeys& to_ana() const { return to_ana_; }
  // The first 16 bytes of the content ids (a receipt's `of`) of Ana's
  // check-in to Coord and of Coord's text to Ana.
  const Bytes& checkin_receipt_id() const { return checkin_; }
  const Bytes& text_receipt_id() const { return text_; }

 private:
  static Bytes ReceiptIdOf(const std::vector<Bytes>& envelopes) {
    if (envelopes.size() != 1) Die("expected one envelope");
    const envelope::ContentId id = envelope::ComputeContentId(envelopes[0]);
    return Bytes(id.begin(), id.begin() + 16);
  }

  ScratchDir dir_;
  FuzzNode coord_;
  FuzzNode ana_;
  PairKeys to_coord_;
  PairKeys to_ana_;
  Bytes checkin_;
  Bytes text_;
};

// ---------------------------------------------------------------- fuzz_enrollment's nodes

// The secret an invite code carries.
inline Secret InviteSecret(std::string_view code) {
  auto invite = node::DecodeInvite(code);
  if (!invite.ok()) Die("cannot decode an invite");
  return Secret::FromString(invite->secret());
}

inline noise::KeyPair FixedKeyPair(uint64_t seed) {
  SeededRandom random(seed);
  return noise::KeyPair::Generate(random);
}

// fuzz_enrollment's nodes: a coordinator "Coord" with a live invite that
// nobody used (for_name empty: the joiner names itself) and one that the
// joiner "Bo" already used; and a helper "Ana" who joined another of
// Coord's invites and waits for its welcome (Coord never saw her join
// request). The joiner that fuzz_enrollment seals as, the one that used
// the second invite, and a stranger are fixed key pairs, never nodes.
class EnrollmentNodes {
 public:
  explicit EnrollmentNodes(const Clock& clock)
      : coord_(dir_, "Coord", node::Role::kCoordinator, clock, 21),
        ana_(dir_, "Ana", node::Role::kHelper, clock, 22),
        joiner_(FixedKeyPair(23)),
        first_joiner_(FixedKeyPair(24)),
        stranger_(FixedKeyPair(25)) {
    if (!coord_->AddRelay(kNodeRelay).ok()) Die("AddRelay");
    auto open = coord_->CreateInvite("", 3 * kDay);
    auto used = coord_->CreateInvite("Bo", 3 * kDay);
    auto anas = coord_->CreateInvite("", 3 * kDay);
    if (!open.ok() || !used.ok() || !anas.ok()) Die("CreateInvite");
    open_secret_ = InviteSecret(*open);
    used_secret_ = InviteSecret(*used);

    // Bo uses the second invite.
    SeededRandom random(26);
    const std::string join = WellFormedJoin("Bo");
    auto sealed = SealAsJoiner(first_joiner_, coord_->identity().public_key, used_secret_,
                               used_secret_, AsBytes(join), kNow, random);
    if (!sealed.ok()) Die("cannot seal a join request");
    auto outcome = coord_->Ingest(*sealed);
    if (!outcome.ok() || *outcome != node::IngestOutcome::kAccepted) Die("Bo was not enrolled");
    (void)Drain(coord_);  // Bo's welcome

    if (!ana_->Join(*anas).ok()) Die("cannot join");
    (void)Drain(ana_);  // her join request, never delivered
    to_ana_ = KeysBetween(coord_, ana_, "Coord");
    coord_.Snapshot();
    ana_.Snapshot();
  }

  // The body of a well-formed join request naming `name` (fixed keys).
  static std::string WellFormedJoin(const std::string& name) {
    pb::Body body;
    body.mutable_join()->set_name(name);
    body.mutable_join()->set_tag_key(std::string(32, '\x42'));
    body.mutable_join()->set_chain_seed(std::string(32, '\x43'));
    body.set_sent_at(kNow - 60);
    body.set_flags(0);
    return body.SerializeAsString();
  }

  FuzzNode& coord() { return coord_; }
  FuzzNode& ana() { return ana_; }
  const Secret& open_secret() const { return open_secret_; }
  const Secret& used_secret() const { return used_secret_; }
  const noise::KeyPair& joiner() const { return joiner_; }
  const noise::KeyPair& stranger() const { return stranger_; }
  // Coord to Ana: the pair's keys as Ana's store holds them.
  const PairKeys& to_ana() const { return to_ana_; }

 private:
  ScratchDir dir_;
  FuzzNode coord_;
  FuzzNode ana_;
  noise::KeyPair joiner_;
  noise::KeyPair first_joiner_;
  noise::KeyPair stranger_;
  Secret open_secret_;
  Secret used_secret_;
  PairKeys to_ana_;
};

}  // namespace waypost::fuzz
