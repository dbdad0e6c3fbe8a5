// Wiping protobuf messages that held secrets or plaintext: invites (their
// secret and tag key), join requests (tag key, chain seed), and bodies (notes
// and messages). Protobuf keeps its strings in ordinary memory, so each
// parsed or filled message is wiped as soon as it is no longer needed.
#pragma once

#include <google/protobuf/message.h>

namespace waypost::node::internal {

// Overwrites with zeros every string and bytes field of `message`, in nested
// messages and repeated fields too, and the unknown fields a parse kept.
void WipeMessage(google::protobuf::Message& message);

// A message that is wiped when it goes out of scope.
template <typename M>
class Scrubbed {
 public:
  Scrubbed() = default;
  explicit Scrubbed(M message) : message_(std::move(message)) {}
  Scrubbed(const Scrubbed&) = delete;
  Scrubbed& operator=(const Scrubbed&) = delete;
  ~Scrubbed() { WipeMessage(message_); }

  M& operator*() { return message_; }
  const M& operator*() const { return message_; }
  M* operator->() { return &message_; }
  const M* operator->() const { return &message_; }

 private:
  M message_;
};

}  // namespace waypost::node::internal
