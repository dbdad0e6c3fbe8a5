// Sequencer: per-pair sequence numbers (docs/protocol.md §4.6), so that a
// relay that drops an envelope cannot do so unseen.
//
// Every body a node seals to a contact carries the next number of that
// pair's chain: one count for the pair's chain, one for its duress chain
// (a decoy, whose only chain is the duress chain, counts it as its first).
// A receiver keeps, per contact and chain, the highest number seen and the
// numbers below it not yet seen (`seq_holes`). A hole that stays open for
// the delivery window, the time an envelope lives, will never fill: the
// coordinator's tool raises a `gap` alert naming the sender and the missing
// numbers.
//
// Tables (docs/storage.md §5): contacts.send_seq, contacts.send_seq_duress,
// contacts.recv_seq, contacts.recv_seq_duress, seq_holes. Lifetime: borrows
// the Database. Not thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "core/clock.h"
#include "core/node/records.h"
#include "core/status.h"
#include "core/store/database.h"

namespace waypost::node {

class Sequencer {
 public:
  // Numbers a receiver tracks past the highest it has seen, at most: a
  // contact that jumps further is believed for the jump, and the holes
  // listed are the last kMaxHoles below it.
  static constexpr uint32_t kMaxHoles = 256;

  explicit Sequencer(store::Database& db) : db_(&db) {}

  // The number for the next body to `contact` under the pair's chain, or
  // its duress chain: 1, 2, 3, ...
  Result<uint32_t> Next(ContactId contact, bool duress_chain);

  // A body from `contact` arrived carrying `seq` (0: an older sender that
  // numbers nothing; ignored).
  Status Received(ContactId contact, bool via_duress, uint32_t seq, UnixTime now);

  struct Gap {
    ContactId contact;
    bool via_duress = false;
    std::vector<uint32_t> missing;  // ascending
  };
  // The holes noticed at or before `cutoff`, by contact and chain; they are
  // forgotten, so each is reported once.
  Result<std::vector<Gap>> TakeGapsNoticedBy(UnixTime cutoff);

 private:
  store::Database* db_;
};

}  // namespace waypost::node
