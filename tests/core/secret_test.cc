// Secret (core/secret.h): guarded, locked memory, wiped when released. Small
// secrets come from shared guarded regions (secret.cc); these tests check
// that a released slot is wiped before anyone gets it again, and that slots
// never overlap.
#include "core/secret.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

namespace waypost {
namespace {

bool AllZero(const Secret& s) {
  return std::all_of(s.view().begin(), s.view().end(), [](uint8_t b) { return b == 0; });
}

TEST(SecretTest, ANewSecretIsZeroAndHoldsWhatIsCopiedIn) {
  const Secret zero(32);
  EXPECT_EQ(zero.size(), 32u);
  EXPECT_TRUE(AllZero(zero));
  const Secret copy = Secret::FromString("a key of some kind");
  EXPECT_EQ(std::string(copy.view().begin(), copy.view().end()), "a key of some kind");
  EXPECT_TRUE(Secret().empty());
  EXPECT_TRUE(Secret(0).empty());
}

// The slot a released small secret held is handed out again, and must hold
// nothing of it: the pool does not zero on the way out, only on release.
TEST(SecretTest, AReleasedSlotIsWipedBeforeItIsReused) {
  std::set<const uint8_t*> seen;
  for (int round = 0; round < 50; ++round) {
    const uint8_t* where = nullptr;
    {
      Secret s(64);
      std::fill(s.span().begin(), s.span().end(), uint8_t{0xA5});
      where = s.data();
    }
    seen.insert(where);
    Secret next(64);
    EXPECT_TRUE(AllZero(next)) << "round " << round;
  }
  EXPECT_LT(seen.size(), 50u) << "slots are reused, so the test above means something";
}

TEST(SecretTest, ManySmallSecretsNeverOverlap) {
  std::vector<Secret> live;
  for (int i = 0; i < 3000; ++i) {  // more than one region
    live.emplace_back(size_t(1 + i % 64));
    std::fill(live.back().span().begin(), live.back().span().end(), uint8_t(i));
  }
  for (int i = 0; i < 3000; ++i) {
    for (uint8_t b : live[i].view()) ASSERT_EQ(b, uint8_t(i)) << i;
  }
}

TEST(SecretTest, LargeSecretsAndMovesWork) {
  Secret big(4096);
  std::fill(big.span().begin(), big.span().end(), uint8_t{7});
  Secret moved = std::move(big);
  EXPECT_TRUE(big.empty());  // NOLINT: checking the moved-from state
  EXPECT_EQ(moved.size(), 4096u);
  EXPECT_EQ(moved.data()[4095], 7);
  Secret small = Secret::FromString("short");
  small = std::move(moved);  // the small one's slot is released here
  EXPECT_EQ(small.size(), 4096u);
  const Secret clone = small.Clone();
  EXPECT_EQ(clone.view()[100], 7);
}

}  // namespace
}  // namespace waypost
