// NegStorage: one side's records for Negentropy, sorted once and then read.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/sync/negentropy_wire.h"

namespace waypost::sync {

// An immutable, sorted set of records. Cheap to move; safe to read from
// several threads at once since nothing mutates it after Create().
class NegStorage {
 public:
  // Sorts `items`. InvalidArgument when two records are equal or one uses
  // the reserved infinity timestamp.
  static Result<NegStorage> Create(std::vector<NegItem> items);

  size_t size() const { return items_.size(); }
  const NegItem& operator[](size_t index) const { return items_[index]; }
  const std::vector<NegItem>& items() const { return items_; }

  // The first index in [begin, size()) whose record is not below `bound`,
  // or size(). Requires begin <= size().
  size_t LowerBound(size_t begin, const NegBound& bound) const;
  // The fingerprint of records [begin, end). Requires begin <= end <= size().
  NegFingerprint Fingerprint(size_t begin, size_t end) const;

 private:
  explicit NegStorage(std::vector<NegItem> items) : items_(std::move(items)) {}

  std::vector<NegItem> items_;
};

}  // namespace waypost::sync
