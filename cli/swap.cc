#include "cli/swap.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "core/bytes.h"
#include "core/env.h"

namespace waypost::cli {
namespace {

// /proc/swaps writes a space in a name as \040 (and a tab, a newline and a
// backslash likewise, as three octal digits).
std::string DecodeOctalEscapes(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && s.size() - i > 3) {
      const std::string_view digits = s.substr(i + 1, 3);
      bool octal = true;
      for (char c : digits) octal = octal && c >= '0' && c <= '7';
      if (octal) {
        out +=
            static_cast<char>((digits[0] - '0') * 64 + (digits[1] - '0') * 8 + (digits[2] - '0'));
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

// The text of a small /proc or /sys file, or "" if it cannot be read.
std::string ReadWhole(const std::string& path) {
  constexpr size_t kMax = 64 * 1024;
  Result<Bytes> text = Env::Default().ReadSmallFile(path, kMax);
  return text.ok() ? AsString(*text) : std::string();
}

// The /sys/class/block entry of a block device, e.g. "dm-0", "sda2".
bool IsCryptBlock(const std::filesystem::path& sys_block, int depth) {
  if (depth > 8) return false;  // a loop in /sys would be a kernel bug
  std::error_code ec;
  if (ReadWhole((sys_block / "dm" / "uuid").string()).rfind("CRYPT-", 0) == 0) return true;
  for (const auto& below : std::filesystem::directory_iterator(sys_block / "slaves", ec)) {
    if (IsCryptBlock(std::filesystem::canonical(below.path(), ec), depth + 1)) return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> UnencryptedSwap(std::string_view proc_swaps,
                                         const std::function<bool(const std::string&)>& encrypted) {
  std::vector<std::string> found;
  std::istringstream lines{std::string(proc_swaps)};
  std::string line;
  bool header = true;
  while (std::getline(lines, line)) {
    if (header) {  // "Filename Type Size Used Priority"
      header = false;
      continue;
    }
    std::istringstream fields(line);
    std::string raw;
    if (!(fields >> raw)) continue;
    const std::string name = DecodeOctalEscapes(raw);
    if (name.rfind("/dev/zram", 0) == 0) continue;
    if (!encrypted(name)) found.push_back(name);
  }
  return found;
}

bool IsOnDmCrypt(const std::string& name) {
  struct stat st {};
  if (::stat(name.c_str(), &st) != 0) return false;
  const dev_t dev = S_ISBLK(st.st_mode) ? st.st_rdev : st.st_dev;
  std::error_code ec;
  const std::filesystem::path sys = std::filesystem::canonical(
      "/sys/dev/block/" + std::to_string(major(dev)) + ":" + std::to_string(minor(dev)), ec);
  if (ec) return false;
  return IsCryptBlock(sys, 0);
}

void WarnOnceIfUnencryptedSwap() {
  static bool warned = false;
  if (warned) return;
  const std::vector<std::string> plain = UnencryptedSwap(ReadWhole("/proc/swaps"), IsOnDmCrypt);
  if (plain.empty()) return;
  warned = true;
  std::string names;
  for (const std::string& n : plain) names += (names.empty() ? "" : ", ") + n;
  std::cerr << "waypost: warning: swap is active and not encrypted (" << names
            << "), and this system would not let the passphrase's key derivation lock its "
               "memory: use encrypted swap or none (see SECURITY.md)\n";
}

}  // namespace waypost::cli
