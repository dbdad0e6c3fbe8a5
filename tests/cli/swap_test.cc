#include "cli/swap.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace waypost::cli {
namespace {

using Names = std::vector<std::string>;

constexpr char kSwaps[] =
    "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
    "/dev/sda3                               partition\t8388604\t\t0\t\t-2\n"
    "/dev/dm-1                               partition\t2097148\t\t0\t\t-3\n"
    "/swap\\040file                           file\t\t1048572\t\t0\t\t-4\n"
    "/dev/zram0                              partition\t4194300\t\t0\t\t100\n";

TEST(SwapTest, ListsEveryAreaThatIsNotEncryptedButNeverZram) {
  const std::set<std::string> encrypted = {"/dev/dm-1"};
  std::vector<std::string> asked;
  auto is_encrypted = [&](const std::string& name) {
    asked.push_back(name);
    return encrypted.count(name) > 0;
  };
  EXPECT_EQ(UnencryptedSwap(kSwaps, is_encrypted), (Names{"/dev/sda3", "/swap file"}));
  // zram lives in memory: it is not even asked about.
  EXPECT_EQ(asked, (Names{"/dev/sda3", "/dev/dm-1", "/swap file"}));
}

TEST(SwapTest, NoSwapOrOnlyEncryptedSwapGivesNothing) {
  auto never = [](const std::string&) { return false; };
  auto always = [](const std::string&) { return true; };
  EXPECT_TRUE(UnencryptedSwap("Filename\tType\tSize\tUsed\tPriority\n", never).empty());
  EXPECT_TRUE(UnencryptedSwap("", never).empty());
  EXPECT_TRUE(UnencryptedSwap(kSwaps, always).empty());
}

// A name that does not exist is not known to be encrypted.
TEST(SwapTest, AnUnknownDeviceIsNotTakenForEncrypted) {
  EXPECT_FALSE(IsOnDmCrypt("/dev/no-such-device-here"));
  EXPECT_FALSE(IsOnDmCrypt("/proc/self/status"));  // not on a block device
}

}  // namespace
}  // namespace waypost::cli
