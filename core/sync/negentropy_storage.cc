#include "core/sync/negentropy_storage.h"

#include <algorithm>
#include <span>
#include <utility>

namespace waypost::sync {

Result<NegStorage> NegStorage::Create(std::vector<NegItem> items) {
  std::sort(items.begin(), items.end());
  if (std::adjacent_find(items.begin(), items.end()) != items.end()) {
    return Status::InvalidArgument("negentropy storage holds the same record twice");
  }
  if (!items.empty() && items.back().timestamp == kNegInfinity) {
    return Status::InvalidArgument("negentropy record uses the reserved timestamp 2^64-1");
  }
  return NegStorage(std::move(items));
}

size_t NegStorage::LowerBound(size_t begin, const NegBound& bound) const {
  const auto it =
      std::partition_point(items_.begin() + static_cast<std::ptrdiff_t>(begin), items_.end(),
                           [&](const NegItem& item) { return IsBelow(item, bound); });
  return static_cast<size_t>(it - items_.begin());
}

NegFingerprint NegStorage::Fingerprint(size_t begin, size_t end) const {
  return ComputeFingerprint(std::span<const NegItem>(items_).subspan(begin, end - begin));
}

}  // namespace waypost::sync
