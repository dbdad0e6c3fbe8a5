// The `meta` table: one row per key, a blob per value (docs/storage.md §5).
// Identity (identity.h) and the duress state (duress_state.h) keep their rows
// here; these are the only functions that touch the table.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/secret.h"
#include "core/status.h"
#include "core/store/database.h"

namespace waypost::node::internal {

Status PutMeta(store::Database& db, std::string_view key, ByteView value);
Status PutMetaInt(store::Database& db, std::string_view key, int64_t value);
// Writes only if the stored value differs, so an unchanged row costs no
// write (the decoy is refreshed this way, docs/storage.md §3).
Status PutMetaIfChanged(store::Database& db, std::string_view key, ByteView value);
Status DeleteMeta(store::Database& db, std::string_view key);
// Corrupt naming the key if it is missing: for rows every store must have.
Result<Bytes> GetMeta(store::Database& db, std::string_view key);
// GetMeta() for key material: read straight into guarded memory.
Result<Secret> GetMetaSecret(store::Database& db, std::string_view key);
Result<std::optional<Bytes>> FindMeta(store::Database& db, std::string_view key);
// nullopt if missing; Corrupt if not a decimal integer.
Result<std::optional<int64_t>> FindMetaInt(store::Database& db, std::string_view key);

}  // namespace waypost::node::internal
