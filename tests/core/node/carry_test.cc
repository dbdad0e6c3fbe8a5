// The paths without a relay (docs/protocol.md §7–§9): Node::TakeIn,
// ExportEnvelopes and EnvelopeFor. A mule carries what it cannot open and
// learns nothing from it; whatever the path, a check-in counts once; a
// coded check-in with a short note, and its receipts, fit one SMS.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/envelope/armor.h"
#include "core/envelope/keys.h"
#include "core/sync/constants.h"
#include "tests/kit/fake_envelope.h"
#include "tests/kit/peers.h"
#include "tests/kit/status.h"

namespace waypost::node {
namespace {

using namespace peers;  // NOLINT: the fixture language

class CarryTest : public NodeTest {
 protected:
  void SetUp() override { Enroll(coord_, alice_); }

  // What `from` would put in a bundle now.
  std::vector<Bytes> Export(Peer& from, std::string_view for_name = "",
                            std::optional<UnixTime> since = std::nullopt) {
    auto out = from->ExportEnvelopes(for_name, since);
    EXPECT_OK(out);
    return out.ok() ? *out : std::vector<Bytes>{};
  }
  Node::TakeInReport Take(Peer& to, const std::vector<Bytes>& envs, bool carry = true) {
    auto r = to->TakeIn(envs, carry);
    EXPECT_OK(r);
    return r.ok() ? *r : Node::TakeInReport{};
  }
  // The one check-in alice sends, as its envelope.
  Bytes CheckIn(std::string_view code = "crossed", std::string_view note = "") {
    auto ids = alice_->CheckIn(code, note, "");
    EXPECT_OK(ids);
    if (!ids.ok() || ids->size() != 1) return {};
    auto env = alice_->EnvelopeFor(ids->front());
    EXPECT_OK(env);
    return env.ok() ? *env : Bytes{};
  }
  size_t CountIn(Peer& p, MessageKind kind) {
    const std::vector<MessageInfo> inbox = InboxOf(p);
    return size_t(std::count_if(inbox.begin(), inbox.end(), [&](const MessageInfo& m) {
      return m.direction == Direction::kIn && m.kind == kind;
    }));
  }

  Peer mule_{"mo", Role::kHelper, clock_, 3};
};

TEST_F(CarryTest, AMuleCarriesWhatItCannotOpenAndPassesItOn) {
  const Bytes checkin = CheckIn();
  const Node::TakeInReport at_mule = Take(mule_, Export(alice_));
  EXPECT_EQ(at_mule.counts.not_ours, 1u);
  EXPECT_EQ(at_mule.carried, 1u);
  EXPECT_TRUE(InboxOf(mule_).empty());  // never in the mule's inbox
  // It goes on by sync and by bundle alike.
  auto plan = mule_->PlanSync();
  ASSERT_OK(plan);
  EXPECT_NE(std::find(plan->upload.begin(), plan->upload.end(), checkin), plan->upload.end());
  const std::vector<Bytes> onward = Export(mule_);
  ASSERT_EQ(onward.size(), 1u);
  EXPECT_EQ(onward[0], checkin);

  const Node::TakeInReport at_coord = Take(coord_, onward);
  EXPECT_EQ(at_coord.counts.accepted, 1u);
  EXPECT_EQ(CountIn(coord_, MessageKind::kCheckIn), 1u);
  // A second import of the same bundle changes nothing.
  const std::string before = Snapshot(coord_);
  const Node::TakeInReport again = Take(coord_, onward);
  EXPECT_EQ(again.counts.duplicate, 1u);
  EXPECT_EQ(Snapshot(coord_), before);
  // And at the mule, the same import twice carries it once.
  EXPECT_EQ(Take(mule_, Export(alice_)).already_carried, 1u);
  EXPECT_EQ(Export(mule_).size(), 1u);
}

// Relay, bundle and text all bring the same bytes: one check-in shows, and
// its confirmation goes back by whichever path comes next.
TEST_F(CarryTest, OneCheckInWhateverThePathAndItsConfirmationByText) {
  const Bytes checkin = CheckIn("arrived");
  EXPECT_EQ(Sync(alice_, coord_).accepted, 1);              // by relay
  EXPECT_EQ(Take(coord_, {checkin}).counts.duplicate, 1u);  // by bundle
  const envelope::Dearmored text = envelope::Dearmor(envelope::Armor(checkin));
  ASSERT_EQ(text.pieces.size(), 1u);
  EXPECT_EQ(Take(coord_, {text.pieces[0].envelope}, false).counts.duplicate, 1u);  // by SMS
  EXPECT_EQ(CountIn(coord_, MessageKind::kCheckIn), 1u);

  const MessageInfo in = InboxOf(coord_).back();
  ASSERT_OK(coord_->Confirm(in.id));
  auto reply = coord_->EnvelopeFor(in.id);  // the newest reply: the confirmation
  ASSERT_OK(reply);
  const std::string armored = envelope::Armor(*reply);
  EXPECT_LE(armored.size(), 160u);
  EXPECT_EQ(Take(alice_, {envelope::Dearmor(armored).pieces.at(0).envelope}, false).counts.accepted,
            1u);
  const std::vector<MessageInfo> sent = InboxOf(alice_);
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent.back().state, MessageState::kConfirmed);
  // The same confirmation later by relay: nothing new. (The delivery
  // receipt queued before it is news of no kind: confirmed stays.)
  Sync(coord_, alice_);
  EXPECT_EQ(InboxOf(alice_).back().state, MessageState::kConfirmed);
}

// docs/protocol.md §7: a coded check-in fits one SMS. Every code of the default
// codebook, with notes of 0, 10 and 20 bytes, and both kinds of receipt.
TEST_F(CarryTest, EveryDefaultCodeWithAShortNoteArmorsToOneSms) {
  auto books = alice_->Codebooks();
  ASSERT_OK(books);
  ASSERT_FALSE(books->empty());
  ASSERT_FALSE(books->front().codes.empty());
  for (const CodeEntry& code : books->front().codes) {
    for (const size_t note_bytes : {0u, 10u, 20u}) {
      const std::string note(note_bytes, 'n');
      const Bytes env = CheckIn(code.code, note);
      EXPECT_LE(envelope::Armor(env).size(), 160u) << code.code << " + " << note_bytes;
    }
  }
  // And the longest note that still fits, in bytes (README, "By SMS").
  EXPECT_EQ(envelope::Armor(CheckIn("crossed", std::string(29, 'n'))).size(), 160u);
  EXPECT_GT(envelope::Armor(CheckIn("crossed", std::string(30, 'n'))).size(), 160u);

  Sync(alice_, coord_);  // delivery receipts are queued
  const MessageInfo in = InboxOf(coord_).back();
  auto delivered = coord_->EnvelopeFor(in.id);
  ASSERT_OK(delivered);
  EXPECT_LE(envelope::Armor(*delivered).size(), 160u);
  ASSERT_OK(coord_->Confirm(in.id));
  auto confirmed = coord_->EnvelopeFor(in.id);
  ASSERT_OK(confirmed);
  EXPECT_LE(envelope::Armor(*confirmed).size(), 160u);
}

TEST_F(CarryTest, ExportForOneContactAndSinceLeavesTheRestOut) {
  const Bytes first = CheckIn();
  clock_.Advance(3600);
  const Bytes second = CheckIn();
  Take(alice_, {testing::FakeEnvelope({}, uint32_t(clock_.Now() + kDay), 7)});  // carried
  EXPECT_EQ(Export(alice_).size(), 3u);
  EXPECT_EQ(Export(alice_, "base").size(), 2u);  // only our own to base
  const std::vector<Bytes> recent = Export(alice_, "base", clock_.Now() - 60);
  ASSERT_EQ(recent.size(), 1u);
  EXPECT_EQ(recent[0], second);
  EXPECT_EQ(alice_->ExportEnvelopes("nobody", std::nullopt).status().code(),
            Status::Code::kNotFound);
}

TEST_F(CarryTest, NothingExpiredOrLivingTooLongIsCarried) {
  const UnixTime now = clock_.Now();
  const Node::TakeInReport r =
      Take(mule_,
           {testing::FakeEnvelope({}, uint32_t(now - 1), 1),
            testing::FakeEnvelope({}, uint32_t(now + sync::kMaxEnvelopeLifetimeSeconds + kDay), 2),
            testing::FakeEnvelope({}, uint32_t(now + kDay), 3)});
  EXPECT_EQ(r.carried, 1u);
  EXPECT_EQ(r.counts.rejected, 1u);  // expired: dropped on sight, as from a relay
  EXPECT_EQ(r.not_carried, 1u);      // a relay would refuse it too
  // Carried envelopes go at their expiry.
  clock_.Advance(2 * kDay);
  ASSERT_OK(mule_->PlanSync());
  EXPECT_TRUE(Export(mule_).empty());
}

TEST_F(CarryTest, ACarriedEnvelopeLeavesOnceARelayTookIt) {
  Take(mule_, {testing::FakeEnvelope({}, uint32_t(clock_.Now() + kDay), 5)});
  EXPECT_EQ(Upload(mule_).size(), 1u);  // the relay took it
  EXPECT_TRUE(Export(mule_).empty());
}

TEST_F(CarryTest, TheQuotaBoundsWhatAMuleKeeps) {
  std::vector<Bytes> flood;
  const uint32_t expiry = uint32_t(clock_.Now() + kDay);
  for (uint32_t i = 0; i < Outbox::kCarryMaxEnvelopes + 5; ++i) {
    flood.push_back(testing::FakeEnvelope({}, expiry, 100 + i));
  }
  const Node::TakeInReport r = Take(mule_, flood);
  EXPECT_EQ(r.carried, Outbox::kCarryMaxEnvelopes);
  EXPECT_EQ(r.not_carried, 5u);
  EXPECT_EQ(CountOf(mule_, "SELECT count(*) FROM outbox WHERE carried = 1"),
            int64_t(Outbox::kCarryMaxEnvelopes));
}

// A node's own envelope that comes back (its own bundle, its own text) is
// neither carried nor news.
TEST_F(CarryTest, OurOwnEnvelopeComingBackIsNotCarried) {
  const Bytes checkin = CheckIn();
  const Node::TakeInReport r = Take(alice_, {checkin});
  EXPECT_EQ(r.own, 1u);
  EXPECT_EQ(r.carried, 0u);
  EXPECT_EQ(Take(alice_, {checkin}, false).own, 1u);
  EXPECT_EQ(CountOf(alice_, "SELECT count(*) FROM outbox WHERE carried = 1"), 0);
}

// A bundle from someone outside the team: a stranger's check-ins to its own
// coordinator open for no one here. They are carried, never taken in.
TEST_F(CarryTest, ABundleFromAStrangerIsCarriedNotTakenIn) {
  Peer other_coord{"elsewhere", Role::kCoordinator, clock_, 4};
  Peer stranger{"stranger", Role::kHelper, clock_, 5};
  Enroll(other_coord, stranger);
  ASSERT_OK(stranger->CheckIn("crossed", "", ""));
  const Node::TakeInReport r = Take(coord_, Export(stranger));
  EXPECT_EQ(r.counts.accepted, 0u);
  EXPECT_EQ(r.carried, 1u);
  EXPECT_EQ(CountIn(coord_, MessageKind::kCheckIn), 0u);
  EXPECT_EQ(ContactsOf(coord_).size(), 1u);
  // And it reaches its coordinator through us.
  EXPECT_EQ(Take(other_coord, Export(coord_)).counts.accepted, 1u);
}

// Text is for one person: what does not open is refused, never carried.
TEST_F(CarryTest, WithoutCarryingWhatIsNotOursIsLeftOut) {
  const Node::TakeInReport r =
      Take(coord_, {testing::FakeEnvelope({}, uint32_t(clock_.Now() + kDay), 9)}, false);
  EXPECT_EQ(r.counts.not_ours, 1u);
  EXPECT_EQ(r.carried, 0u);
  EXPECT_EQ(CountOf(coord_, "SELECT count(*) FROM outbox WHERE carried = 1"), 0);
}

// An altered copy of a check-in to us opens for no one: rejected, and the
// store is as it was.
TEST_F(CarryTest, AnAlteredEnvelopeIsRejectedAndChangesNothing) {
  Bytes checkin = CheckIn();
  checkin[60] ^= 0x01;
  const std::string before = Snapshot(coord_);
  const Node::TakeInReport r = Take(coord_, {checkin});
  EXPECT_EQ(r.counts.rejected, 1u);
  EXPECT_EQ(r.carried, 0u);
  EXPECT_EQ(Snapshot(coord_), before);
}

// What the main store carries is nowhere in the decoy: a captor who opens
// it with the duress passphrase finds no carried envelope to hand over.
TEST_F(CarryTest, TheDecoyHoldsNothingCarried) {
  const Secret duress = Secret::FromString("blue umbrella");
  ASSERT_OK(mule_->SetDuressPassphrase(Passphrase(), duress));
  EXPECT_EQ(Take(mule_, Export(alice_)).carried, 0u);  // alice queued nothing yet
  CheckIn();
  EXPECT_EQ(Take(mule_, Export(alice_)).carried, 1u);
  ASSERT_OK(mule_.OpenWith(duress));
  EXPECT_TRUE(Export(mule_).empty());
  EXPECT_TRUE(InboxOf(mule_).empty());
  EXPECT_EQ(CountOf(mule_, "SELECT count(*) FROM outbox"), 0);
}

TEST_F(CarryTest, ArmorOfAMessageThatLeftTheOutboxSaysWhy) {
  CheckIn();
  Sync(alice_, coord_);
  Sync(coord_, alice_);  // delivered: gone from alice's outbox
  const MessageInfo sent = InboxOf(alice_).back();
  EXPECT_EQ(alice_->EnvelopeFor(sent.id).status().code(), Status::Code::kNotFound);
  // The coordinator's delivery receipt went to the relay and left too.
  EXPECT_EQ(coord_->EnvelopeFor(InboxOf(coord_).back().id).status().code(),
            Status::Code::kNotFound);
  EXPECT_EQ(alice_->EnvelopeFor("zz").status().code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace waypost::node
