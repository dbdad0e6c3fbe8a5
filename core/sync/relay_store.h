// RelayStore: what a relay keeps (docs/storage.md, "Relay").
//
//   envelopes(id         BLOB PRIMARY KEY  -- content id, BLAKE2b-256 of data
//             tag        BLOB              -- the 8-byte recipient tag
//             expires_at INTEGER           -- from the envelope header
//             arrived_at INTEGER           -- relay clock at first receipt
//             data       BLOB)             -- the exact envelope bytes
//   index envelopes_by_tag(tag, expires_at)
//
// A relay stores ciphertext and only what the header already shows: tag,
// size (implied by data), expiry and arrival. No names, no keys, no
// plaintext, no client addresses.
//
// Lifetime: borrows the Database, which must outlive it. Not thread-safe.
// Every method leaves the table unchanged when it fails.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/bytes.h"
#include "core/clock.h"
#include "core/envelope/format.h"
#include "core/status.h"
#include "core/store/database.h"

namespace waypost::sync {

class RelayStore {
 public:
  explicit RelayStore(store::Database& db) : db_(&db) {}

  // Creates the table and index if missing. Call once after opening.
  Status EnsureSchema();

  // Stores one envelope. true: newly stored; false: already held (dedup by
  // content id). Errors that reject only this envelope: Corrupt (not a valid
  // envelope), Expired (expires_at <= now), InvalidArgument (expiry more than
  // 60 days after now). IoError when the database fails.
  Result<bool> Put(ByteView envelope, UnixTime now);

  // Put() for many envelopes in one transaction (one disk sync, not one per
  // envelope). Envelopes that Put() would reject are counted, not fatal; a
  // database failure rolls the whole batch back and is returned.
  struct BatchResult {
    uint32_t accepted = 0;   // newly stored
    uint32_t duplicate = 0;  // already held
    uint32_t rejected = 0;   // malformed, expired or expiring too far ahead
  };
  Result<BatchResult> PutBatch(const std::vector<ByteView>& envelopes, UnixTime now);

  // Unexpired envelopes whose tag is in `tags` and whose content id starts
  // with none of `have_prefixes` (each 1..32 bytes), oldest arrival first,
  // stopping before the total would pass `max_bytes`. Duplicate tags count once.
  Result<std::vector<Bytes>> Fetch(const std::vector<envelope::RecipientTag>& tags,
                                   const std::vector<Bytes>& have_prefixes, UnixTime now,
                                   size_t max_bytes);

  // Deletes every envelope with expires_at <= now.
  Status PurgeExpired(UnixTime now);

  // How many envelopes are held, expired or not (for status and tests).
  Result<int64_t> Count();

 private:
  store::Database* db_;
};

}  // namespace waypost::sync
