// Where passphrases come from (DESIGN §4.4), in this order:
//   --passphrase-file FILE, then $WAYPOST_PASSPHRASE, then a no-echo prompt
//   on the terminal. A new passphrase comes from $WAYPOST_NEW_PASSPHRASE
//   (init falls back to the sources above) or is asked for twice.
// Passphrases go straight into guarded memory and are never printed.
#pragma once

#include <optional>
#include <string>

#include "core/secret.h"
#include "core/status.h"

namespace waypost::cli {

inline constexpr size_t kMinPassphraseChars = 12;

Result<Secret> ReadPassphrase(const std::optional<std::string>& file);
// `fallback_to_current`: init may use the current-passphrase sources.
Result<Secret> ReadNewPassphrase(const std::optional<std::string>& file, bool fallback_to_current);

}  // namespace waypost::cli
