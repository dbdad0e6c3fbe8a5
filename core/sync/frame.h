// Transport framing: how Noise messages sit on a byte stream.
//
//   frame := length (u16 big-endian, 1..65535) || one Noise message
//
// TCP and SOCKS5 deliver bytes in any chunking; FrameReader turns them back
// into whole frames. It holds at most one partial frame plus whatever whole
// frames the caller has not yet taken.
#pragma once

#include <cstddef>
#include <optional>

#include "core/bytes.h"
#include "core/status.h"

namespace waypost::sync {

// Appends `message` as one frame to `out`. InvalidArgument when the message is
// empty or longer than 65535 bytes; `out` is then unchanged.
Status AppendFrame(Bytes& out, ByteView message);

// Incremental frame parser. Not thread-safe.
//
// After Next() has returned an error the reader stays failed: every later
// call returns the same error, since the stream can no longer be trusted.
class FrameReader {
 public:
  // Takes bytes exactly as read from the stream.
  void Append(ByteView bytes);
  // The next whole frame's payload, nullopt when more bytes are needed, or
  // Protocol when the stream announces a zero-length frame.
  Result<std::optional<Bytes>> Next();
  // Bytes received but not yet returned as frames.
  size_t buffered() const { return buffer_.size() - pos_; }

 private:
  Bytes buffer_;
  size_t pos_ = 0;  // start of the unconsumed bytes in buffer_
  bool failed_ = false;
};

}  // namespace waypost::sync
