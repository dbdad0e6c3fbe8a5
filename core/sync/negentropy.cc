#include "core/sync/negentropy.h"

#include <algorithm>
#include <iterator>
#include <string>
#include <utility>

namespace waypost::sync {
namespace {

enum class Role { kClient, kServer };

// Ids one client message revealed, before they are handed to the caller.
struct IdReport {
  std::vector<NegId> have;
  std::vector<NegId> need;
};

Status CheckFrameSizeLimit(size_t limit) {
  if (limit != 0 && limit < kNegMinFrameSizeLimit) {
    return Status::InvalidArgument("negentropy frame size limit must be 0 or at least 2048");
  }
  return Status::Ok();
}

std::string HexByte(uint8_t b) {
  const uint8_t bytes[] = {b};
  return "0x" + ToHex(bytes);
}

// Builds the reply to one incoming message; docs/reconciliation.md,
// "Answering a message", describes each step.
class Reconciler {
 public:
  Reconciler(const NegStorage& storage, size_t frame_size_limit, Role role)
      : storage_(storage), limit_(frame_size_limit), role_(role) {}

  // Appends the ranges covering records [lo, hi) up to `upper` to `out`.
  void SplitRange(Bytes& out, size_t lo, size_t hi, const NegBound& upper);
  Result<Bytes> Answer(ByteView message, IdReport* report);

 private:
  bool OverBudget(size_t size) const { return limit_ != 0 && size > limit_ - kNegFrameSlack; }
  void FlushSkip(Bytes& out);
  Status HandleFingerprint(NegReader& in, Bytes& out, size_t lower, size_t upper);
  Status HandleIdList(NegReader& in, Bytes& out, size_t lower, size_t& upper, IdReport* report);
  void ServerIdList(Bytes& out, size_t lower, size_t& upper);
  void Compare(ByteView theirs, size_t lower, size_t upper, IdReport* report) const;

  const NegStorage& storage_;
  const size_t limit_;
  const Role role_;
  NegBoundWriter bounds_out_;
  Bytes committed_;  // the reply so far, without the range being handled
  NegBound current_bound_;
  NegBound prev_bound_;
  bool pending_skip_ = false;
};

void Reconciler::SplitRange(Bytes& out, size_t lo, size_t hi, const NegBound& upper) {
  const size_t n = hi - lo;
  if (n < 2 * kNegBuckets) {
    bounds_out_.Append(out, upper);
    AppendVarint(out, kNegModeIdList);
    AppendVarint(out, n);
    for (size_t i = lo; i < hi; ++i) Append(out, storage_[i].id);
    return;
  }
  const size_t per_bucket = n / kNegBuckets;
  const size_t extra = n % kNegBuckets;
  size_t begin = lo;
  for (size_t bucket = 0; bucket < kNegBuckets; ++bucket) {
    const size_t end = begin + per_bucket + (bucket < extra ? 1 : 0);
    const NegBound bound =
        bucket + 1 == kNegBuckets ? upper : NegBound::Between(storage_[end - 1], storage_[end]);
    bounds_out_.Append(out, bound);
    AppendVarint(out, kNegModeFingerprint);
    Append(out, storage_.Fingerprint(begin, end));
    begin = end;
  }
}

void Reconciler::FlushSkip(Bytes& out) {
  if (!pending_skip_) return;
  pending_skip_ = false;
  bounds_out_.Append(out, prev_bound_);
  AppendVarint(out, kNegModeSkip);
}

Status Reconciler::HandleFingerprint(NegReader& in, Bytes& out, size_t lower, size_t upper) {
  WAYPOST_ASSIGN_OR_RETURN(const ByteView theirs, in.Take(kNegFingerprintSize));
  const NegFingerprint ours = storage_.Fingerprint(lower, upper);
  if (std::equal(theirs.begin(), theirs.end(), ours.begin())) {
    pending_skip_ = true;
  } else {
    FlushSkip(out);
    SplitRange(out, lower, upper, current_bound_);
  }
  return Status::Ok();
}

Status Reconciler::HandleIdList(NegReader& in, Bytes& out, size_t lower, size_t& upper,
                                IdReport* report) {
  WAYPOST_ASSIGN_OR_RETURN(const uint64_t count, in.Varint());
  if (count > in.remaining() / kNegIdSize) {
    return Status::Protocol("negentropy id list is longer than the message");
  }
  WAYPOST_ASSIGN_OR_RETURN(const ByteView ids, in.Take(count * kNegIdSize));
  if (role_ == Role::kClient) {
    pending_skip_ = true;
    Compare(ids, lower, upper, report);
  } else {
    ServerIdList(out, lower, upper);
  }
  return Status::Ok();
}

// The server answers with all of its ids in the range, unless the frame
// budget runs out first: then the list ends at the first id left out, whose
// full (timestamp, id) becomes the range's bound, and `upper` moves to it.
void Reconciler::ServerIdList(Bytes& out, size_t lower, size_t& upper) {
  FlushSkip(out);
  NegBound bound = current_bound_;
  Bytes ids;
  size_t index = lower;
  for (; index < upper; ++index) {
    if (OverBudget(committed_.size() + ids.size())) {
      bound = NegBound::At(storage_[index]);
      upper = index;
      break;
    }
    Append(ids, storage_[index].id);
  }
  bounds_out_.Append(out, bound);
  AppendVarint(out, kNegModeIdList);
  AppendVarint(out, index - lower);
  Append(out, ids);
  // Unlike other ranges, a server's id list is committed even when it goes
  // over budget: it has already been cut to fit, and the budget test that
  // follows closes the message after it.
  Append(committed_, out);
  out.clear();
}

void Reconciler::Compare(ByteView theirs, size_t lower, size_t upper, IdReport* report) const {
  std::vector<NegId> their_ids(theirs.size() / kNegIdSize);
  for (size_t i = 0; i < their_ids.size(); ++i) {
    std::copy_n(theirs.begin() + static_cast<std::ptrdiff_t>(i * kNegIdSize), kNegIdSize,
                their_ids[i].begin());
  }
  std::sort(their_ids.begin(), their_ids.end());
  their_ids.erase(std::unique(their_ids.begin(), their_ids.end()), their_ids.end());
  std::vector<NegId> our_ids;
  for (size_t i = lower; i < upper; ++i) our_ids.push_back(storage_[i].id);
  std::sort(our_ids.begin(), our_ids.end());
  std::set_difference(our_ids.begin(), our_ids.end(), their_ids.begin(), their_ids.end(),
                      std::back_inserter(report->have));
  std::set_difference(their_ids.begin(), their_ids.end(), our_ids.begin(), our_ids.end(),
                      std::back_inserter(report->need));
}

Result<Bytes> Reconciler::Answer(ByteView message, IdReport* report) {
  NegReader in(message);
  committed_ = Bytes{kNegProtocolV1};
  WAYPOST_ASSIGN_OR_RETURN(const uint8_t version, in.Byte());
  if (version < kNegVersionFirst || version > kNegVersionLast) {
    return Status::Protocol("not a negentropy message (version byte " + HexByte(version) + ")");
  }
  if (version != kNegProtocolV1) {
    if (role_ == Role::kServer) return committed_;  // tells the client what we speak
    return Status::Protocol("server speaks unsupported negentropy version " + HexByte(version));
  }
  NegBoundReader bounds_in;
  size_t prev_index = 0;
  while (!in.empty()) {
    Bytes range;
    WAYPOST_ASSIGN_OR_RETURN(current_bound_, bounds_in.Read(in));
    WAYPOST_ASSIGN_OR_RETURN(const uint64_t mode, in.Varint());
    const size_t lower = prev_index;
    size_t upper = storage_.LowerBound(prev_index, current_bound_);
    if (mode == kNegModeSkip) {
      pending_skip_ = true;
    } else if (mode == kNegModeFingerprint) {
      WAYPOST_RETURN_IF_ERROR(HandleFingerprint(in, range, lower, upper));
    } else if (mode == kNegModeIdList) {
      WAYPOST_RETURN_IF_ERROR(HandleIdList(in, range, lower, upper, report));
    } else {
      return Status::Protocol("negentropy range has unknown mode " + std::to_string(mode));
    }
    if (OverBudget(committed_.size() + range.size())) {
      // Drop this range's answer and hand everything from `upper` on back as
      // one fingerprint; the peer will split it again in a later round.
      bounds_out_.Append(committed_, NegBound::Infinity());
      AppendVarint(committed_, kNegModeFingerprint);
      Append(committed_, storage_.Fingerprint(upper, storage_.size()));
      break;
    }
    Append(committed_, range);
    prev_index = upper;
    prev_bound_ = current_bound_;
  }
  return std::move(committed_);
}

}  // namespace

Result<NegentropyServer> NegentropyServer::Create(NegStorage storage, size_t frame_size_limit) {
  WAYPOST_RETURN_IF_ERROR(CheckFrameSizeLimit(frame_size_limit));
  return NegentropyServer(std::move(storage), frame_size_limit);
}

Result<Bytes> NegentropyServer::Reconcile(ByteView query) const {
  return Reconciler(storage_, frame_size_limit_, Role::kServer).Answer(query, nullptr);
}

Status NegentropyServer::SetFrameSizeLimit(size_t frame_size_limit) {
  WAYPOST_RETURN_IF_ERROR(CheckFrameSizeLimit(frame_size_limit));
  frame_size_limit_ = frame_size_limit;
  return Status::Ok();
}

Result<NegentropyClient> NegentropyClient::Create(NegStorage storage, size_t frame_size_limit) {
  WAYPOST_RETURN_IF_ERROR(CheckFrameSizeLimit(frame_size_limit));
  return NegentropyClient(std::move(storage), frame_size_limit);
}

Status NegentropyClient::SetFrameSizeLimit(size_t frame_size_limit) {
  WAYPOST_RETURN_IF_ERROR(CheckFrameSizeLimit(frame_size_limit));
  frame_size_limit_ = frame_size_limit;
  return Status::Ok();
}

Result<Bytes> NegentropyClient::Initiate() {
  if (state_ != State::kNew) return Status::InvalidArgument("negentropy session already started");
  Bytes out{kNegProtocolV1};
  Reconciler(storage_, frame_size_limit_, Role::kClient)
      .SplitRange(out, 0, storage_.size(), NegBound::Infinity());
  state_ = State::kWaiting;
  return out;
}

Result<std::optional<Bytes>> NegentropyClient::Reconcile(ByteView reply, std::vector<NegId>* have,
                                                         std::vector<NegId>* need) {
  if (state_ != State::kWaiting) {
    return Status::InvalidArgument("negentropy client is not waiting for a reply");
  }
  IdReport report;
  WAYPOST_ASSIGN_OR_RETURN(
      Bytes next, Reconciler(storage_, frame_size_limit_, Role::kClient).Answer(reply, &report));
  for (const NegId& id : report.have) {
    if (reported_.insert(id).second) have->push_back(id);
  }
  for (const NegId& id : report.need) {
    if (reported_.insert(id).second) need->push_back(id);
  }
  if (next.size() == 1) {
    state_ = State::kDone;
    return std::optional<Bytes>();
  }
  return std::optional<Bytes>(std::move(next));
}

}  // namespace waypost::sync
