#include "core/sync/frame.h"

#include "core/sync/constants.h"

namespace waypost::sync {

Status AppendFrame(Bytes& out, ByteView message) {
  if (message.empty()) return Status::InvalidArgument("a frame cannot be empty");
  if (message.size() > kNoiseMaxMessage) {
    return Status::InvalidArgument("a frame holds at most 65535 bytes");
  }
  PutU16(out, static_cast<uint16_t>(message.size()));
  Append(out, message);
  return Status::Ok();
}

void FrameReader::Append(ByteView bytes) {
  if (failed_) return;
  // Drop consumed bytes once they dominate, so a long stream stays O(n).
  if (pos_ > 0 && pos_ >= buffer_.size() / 2) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(pos_));
    pos_ = 0;
  }
  waypost::Append(buffer_, bytes);
}

Result<std::optional<Bytes>> FrameReader::Next() {
  if (failed_) return Status::Protocol("transport framing is broken");
  if (buffered() < kFrameHeaderSize) return std::optional<Bytes>();
  const size_t length = GetU16(buffer_.data() + pos_);
  if (length == 0) {
    failed_ = true;
    buffer_.clear();
    pos_ = 0;
    return Status::Protocol("transport framing is broken");
  }
  if (buffered() < kFrameHeaderSize + length) return std::optional<Bytes>();
  const auto begin = buffer_.begin() + static_cast<std::ptrdiff_t>(pos_ + kFrameHeaderSize);
  Bytes frame(begin, begin + static_cast<std::ptrdiff_t>(length));
  pos_ += kFrameHeaderSize + length;
  if (pos_ == buffer_.size()) {
    buffer_.clear();
    pos_ = 0;
  }
  return std::optional<Bytes>(std::move(frame));
}

}  // namespace waypost::sync
