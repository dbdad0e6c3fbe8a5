// A captor who holds the duress passphrase and the source code (SECURITY.md,
// "Coercion"; docs/protocol.md §4.3). The forger below is given every
// secret in the decoy store, every 32-byte value in every table of it, the
// helper's static private key included, and tries to:
//   1. seal a coordinator's Ack that the helper's main store accepts, which
//      would end its duress state (key-compromise impersonation: with the
//      helper's private key, DH(helper, coordinator) is computable, so only
//      the PSK stands in the way);
//   2. seal a check-in that the coordinator shows unflagged.
// Both must fail, for every candidate key, ratcheted to every epoch the
// receiver accepts. A control runs the same forger with the pair's chain
// key, which only the main store holds: there both succeed, so the forger
// is sound and what stops it is the key it lacks.
// And the duress chain exists from the join request on, so a duress
// passphrase set right after joining works with no sync in between.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/envelope/envelope.h"
#include "core/envelope/format.h"
#include "core/envelope/keys.h"
#include "core/node/identity.h"
#include "core/node/node.h"
#include "core/noise/crypto_primitives.h"
#include "core/noise/key_pair.h"
#include "core/noise/symmetric_state.h"
#include "proto/waypost.pb.h"
#include "tests/core/node/duress_fixture.h"
#include "tests/kit/peers.h"
#include "tests/kit/status.h"

namespace waypost::node {
namespace {

using namespace peers;           // NOLINT: the fixture language
using namespace duress_fixture;  // NOLINT: the fixture language

constexpr envelope::Epoch kTries = envelope::kDeliveryWindowEpochs + envelope::kFutureSkewEpochs;

// Every distinct 32-byte value stored anywhere in `db`: the forger's pool of
// candidate keys.
std::vector<Secret> Every32ByteValue(store::Database& db) {
  std::vector<Secret> out;
  std::vector<std::string> tables;
  {
    auto st = db.Query("SELECT name FROM sqlite_master WHERE type = 'table'");
    EXPECT_OK(st);
    EXPECT_OK(st->ForEach([&](const store::Statement& row) {
      tables.push_back(row.ColumnText(0));
      return Status::Ok();
    }));
  }
  for (const std::string& table : tables) {
    auto st = db.Query("SELECT * FROM " + table);
    EXPECT_OK(st);
    EXPECT_OK(st->ForEach([&](const store::Statement& row) {
      for (int i = 0; i < row.ColumnCount(); ++i) {
        const Secret v = row.ColumnSecret(i);
        if (v.size() != envelope::kKeySize) continue;
        bool known = false;
        for (const Secret& s : out) known |= ConstantTimeEqual(s.view(), v.view());
        if (!known) out.push_back(v.Clone());
      }
      return Status::Ok();
    }));
  }
  return out;
}

// The cleartext header (docs/protocol.md §3.1).
Bytes Header(const envelope::RecipientTag& tag, ByteView hint, uint32_t expires_at) {
  Bytes h{envelope::kVersion};
  h.insert(h.end(), tag.begin(), tag.end());
  h.insert(h.end(), hint.begin(), hint.end());
  for (int shift = 24; shift >= 0; shift -= 8) h.push_back(uint8_t(expires_at >> shift));
  return h;
}

// A Kpsk0 envelope that claims to come from `claimed_sender` (a public key),
// built, as a captor would, with the RECIPIENT's private key: the static-
// static DH is the same from either side. `chain` is the forger's guess at
// the chain key of `epoch`.
Bytes ForgeTo(const noise::KeyPair& recipient, ByteView recipient_tag_key_bytes,
              ByteView claimed_sender, const Secret& chain, envelope::Epoch epoch,
              const std::string& body, Random& random) {
  const noise::KeyPair e = noise::KeyPair::Generate(random);
  const Secret tag_key = Secret::From(recipient_tag_key_bytes);
  const auto hint = envelope::HintFor(chain, e.public_key);
  const uint32_t expiry = uint32_t((epoch + 10) * envelope::kEpochSeconds);
  Bytes out = Header(envelope::TagFor(tag_key, epoch), hint, expiry);

  noise::SymmetricState ss("Noise_Kpsk0_25519_ChaChaPoly_BLAKE2b");
  ss.MixHash(out);             // the prologue
  ss.MixHash(claimed_sender);  // pre-message: the initiator's s
  ss.MixHash(recipient.public_key);
  const Secret psk = envelope::PskFrom(chain);
  EXPECT_OK(ss.MixKeyAndHash(psk.view()));  // psk
  ss.MixHash(e.public_key);                 // e, and with a psk also MixKey
  EXPECT_OK(ss.MixKey(e.public_key));
  auto es = noise::Dh(e.private_key.view(), recipient.public_key);
  EXPECT_OK(es);
  EXPECT_OK(ss.MixKey(es->view()));
  auto kci = noise::Dh(recipient.private_key.view(), claimed_sender);  // ss, from the other side
  EXPECT_OK(kci);
  EXPECT_OK(ss.MixKey(kci->view()));

  const size_t bucket = *envelope::BucketFor(body.size());
  Bytes padded(AsBytes(body).begin(), AsBytes(body).end());
  padded.push_back(0x80);
  padded.resize(bucket - envelope::kHeaderSize - envelope::kNoiseOverhead, 0);
  auto ct = ss.EncryptAndHash(padded);
  EXPECT_OK(ct);
  out.insert(out.end(), e.public_key.begin(), e.public_key.end());
  out.insert(out.end(), ct->begin(), ct->end());
  EXPECT_EQ(out.size(), bucket);
  return out;
}

std::string AckBody(UnixTime now) {
  pb::Body body;
  body.mutable_ack()->set_kind(pb::Ack::DURESS);
  body.set_sent_at(now);
  body.set_flags(0);
  return body.SerializeAsString();
}

std::string UnflaggedCheckIn(UnixTime now) {
  pb::Body body;
  body.mutable_checkin()->set_code("ok");
  body.mutable_checkin()->set_note("all well");
  body.set_sent_at(now);
  body.set_flags(0);
  return body.SerializeAsString();
}

class DuressForgeryTest : public NodeDuressTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(NodeDuressTest::SetUp());
    coord_key_ =
        Bytes(coord_->self().public_key.view().begin(), coord_->self().public_key.view().end());
    pair_chain_ = ChainOf(alice_, "base");
    ASSERT_FALSE(pair_chain_.key.empty());
    // The captor unlocks with the duress passphrase and takes everything.
    ASSERT_TRUE(OpenAs(alice_, Duress()));
    ASSERT_EQ(Kind(alice_), "decoy");
    {
      store::Database decoy = alice_.Raw();
      candidates_ = Every32ByteValue(decoy);
      auto identity = Identity::Load(decoy);
      ASSERT_OK(identity);
      helper_ = identity->key_pair().Clone();
      helper_tag_key_ = Bytes(identity->tag_key().view().begin(), identity->tag_key().view().end());
      auto st = decoy.Query("SELECT tag_key FROM contacts WHERE name = 'base'");
      ASSERT_OK(st);
      ASSERT_TRUE(st->Step().value());
      coord_tag_key_ = st->ColumnSecret(0);
    }
    ASSERT_GE(candidates_.size(), 3u);  // at least the private key, the tag key, a chain
    // The helper is safe again and opens the main store: the duress state.
    ASSERT_TRUE(OpenAs(alice_, Passphrase()));
    ASSERT_EQ(Kind(alice_), "main");
    ASSERT_TRUE(InDuress());
  }

  bool InDuress() {
    return CountOf(alice_, "SELECT count(*) FROM meta WHERE key = 'duress_since'");
  }

  // Calls `forge(chain, e)` for every candidate key, ratcheted 0..kTries
  // steps, as the chain of every epoch e the receiver accepts; counts the
  // calls that return true.
  template <typename Forge>
  int ForEachGuess(const std::vector<Secret>& keys, Forge forge) {
    const envelope::Epoch today = envelope::EpochOf(clock_.Now());
    int hits = 0;
    for (const Secret& key : keys) {
      for (envelope::Epoch steps = 0; steps <= kTries; ++steps) {
        const Secret chain = envelope::ChainAt(key, 0, steps);
        for (envelope::Epoch e = today - 1; e <= today + 1; ++e) hits += forge(chain, e) ? 1 : 0;
      }
    }
    return hits;
  }

  // Acks "from the coordinator"; returns how many the main store accepted.
  int ForgeAcks(const std::vector<Secret>& keys) {
    return ForEachGuess(keys, [&](const Secret& chain, envelope::Epoch e) {
      const Bytes env =
          ForgeTo(helper_, helper_tag_key_, coord_key_, chain, e, AckBody(clock_.Now()), rng_);
      auto r = alice_->Ingest(env);
      return r.ok() && *r == IngestOutcome::kAccepted;
    });
  }

  // Unflagged check-ins sealed as the helper; returns how many the
  // coordinator took in without a duress mark.
  int ForgeUnflaggedCheckIns(const std::vector<Secret>& keys) {
    return ForEachGuess(keys, [&](const Secret& chain, envelope::Epoch e) {
      const Secret psk = envelope::PskFrom(chain);
      const std::string body = UnflaggedCheckIn(clock_.Now());
      envelope::SealRequest req;
      req.pattern = envelope::Pattern::kContact;
      req.sender = &helper_;
      req.recipient_public = coord_key_;
      req.psk = &psk;
      req.tag = envelope::TagFor(coord_tag_key_, e);
      req.hint_chain = &chain;
      req.expires_at = uint32_t((e + 10) * envelope::kEpochSeconds);
      req.body = AsBytes(body);
      auto env = envelope::Seal(req, rng_);
      EXPECT_OK(env);
      if (!env.ok()) return false;
      auto r = coord_->Ingest(*env);
      if (!r.ok() || *r != IngestOutcome::kAccepted) return false;
      auto m = FindMessage(coord_, DisplayId(envelope::ComputeContentId(*env)));
      return m.has_value() && !m->duress;
    });
  }

  std::vector<Secret> candidates_;
  noise::KeyPair helper_;
  Bytes helper_tag_key_;
  Bytes coord_key_;
  Secret coord_tag_key_;
  Chain pair_chain_;
  SeededRandom rng_{99};
};

TEST_F(DuressForgeryTest, NothingInTheDecoySealsAnAckTheMainStoreAccepts) {
  EXPECT_EQ(ForgeAcks(candidates_), 0);
  EXPECT_TRUE(InDuress()) << "a forged Ack ended the duress state";
}

TEST_F(DuressForgeryTest, NothingInTheDecoySealsACheckInTheCoordinatorShowsUnflagged) {
  EXPECT_EQ(ForgeUnflaggedCheckIns(candidates_), 0);
}

// The controls: the same forger, given the pair's chain key, which only the
// main store holds, succeeds at both. So the forger is sound, and before the
// decoy held the duress chain instead of this key, it would have succeeded.
TEST_F(DuressForgeryTest, ControlWithThePairsChainTheForgerSucceeds) {
  ASSERT_EQ(pair_chain_.epoch, envelope::EpochOf(clock_.Now()));
  std::vector<Secret> pair;
  pair.push_back(Secret::From(pair_chain_.key));
  EXPECT_GT(ForgeUnflaggedCheckIns(pair), 0);
  EXPECT_GT(ForgeAcks(pair), 0);
  EXPECT_FALSE(InDuress()) << "the control Ack should have ended the duress state";
}

}  // namespace
}  // namespace waypost::node

namespace waypost::node {
namespace {

using namespace peers;           // NOLINT: the fixture language
using namespace duress_fixture;  // NOLINT: the fixture language

// Both chains exist from the join request on: a duress passphrase set right
// after joining, before any sync, already works, and the coordinator marks
// the decoy's check-in as duress once it has taken the join request in.
TEST_F(NodeTest, ADuressPassphraseSetRightAfterJoiningWorksWithNoSyncInBetween) {
  const std::string code = InviteFrom(coord_);
  ASSERT_OK(alice_->Join(code));
  ASSERT_OK(alice_->SetDuressPassphrase(Passphrase(), Duress()));
  const std::vector<Bytes> join = Upload(alice_);
  ASSERT_EQ(join.size(), 1u);

  ASSERT_TRUE(OpenAs(alice_, Duress()));
  ASSERT_EQ(Kind(alice_), "decoy");
  auto ids = alice_->CheckIn("crossed", "all well", "");
  ASSERT_OK(ids);
  ASSERT_EQ(ids->size(), 1u);
  const std::vector<Bytes> from_decoy = Upload(alice_);
  ASSERT_EQ(from_decoy.size(), 1u);

  EXPECT_EQ(IngestAll(coord_, join).accepted, 1);
  EXPECT_EQ(IngestAll(coord_, from_decoy).accepted, 1);
  EXPECT_TRUE(ArrivedFlagged(coord_, ids->front()));
}

}  // namespace
}  // namespace waypost::node
