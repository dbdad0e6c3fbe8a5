// Is swap that could hold the KDF's memory encrypted? (SECURITY.md, "The
// process".) Argon2id's working memory is locked where the limits allow
// (core/store/kdf.h); where they do not, it may be paged out, and a swap
// device that is not encrypted would keep it on disk. This finds such a
// device so that the user can be warned, once per run.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace waypost::cli {

// The names in `proc_swaps` (the text of /proc/swaps) of the swap areas that
// `encrypted` says are not encrypted. zram devices live in memory and never
// count. Octal escapes in names (\040 for a space) are decoded.
std::vector<std::string> UnencryptedSwap(std::string_view proc_swaps,
                                         const std::function<bool(const std::string&)>& encrypted);

// True if the swap area `name` (a block device or a file) sits on dm-crypt:
// its block device, or one below it (LVM on LUKS), is a device-mapper
// device whose uuid starts with "CRYPT-". Reads /sys; false if unsure.
bool IsOnDmCrypt(const std::string& name);

// Installed as core/store's hook for derivations whose memory could not be
// locked: reads /proc/swaps and, the first time in this process that it
// finds unencrypted swap, prints one warning line to stderr.
void WarnOnceIfUnencryptedSwap();

}  // namespace waypost::cli
