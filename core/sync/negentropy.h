// Negentropy V1 range-based set reconciliation, sans-IO.
//
// Two peers each hold a set of (timestamp, 32-byte id) records. The client
// sends Initiate(), the server answers each message with Reconcile(), and the
// client feeds each answer to its own Reconcile() until that returns nullopt.
// By then the client has learned which ids only it holds ("have") and which
// only the server holds ("need"). Moving the records is the caller's job.
//
// The wire format and the splitting rules are in docs/reconciliation.md.
// Messages are byte-identical to the reference implementations', which the
// shared vectors check. Nothing here does I/O, keeps time or spawns threads.
//
// Every incoming message is untrusted: a malformed one gives Protocol, and
// never reads outside the message.
#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"
#include "core/sync/negentropy_storage.h"
#include "core/sync/negentropy_wire.h"

namespace waypost::sync {

// The answering side. Keeps no state between messages, so one server may
// answer any number of clients in any order. Reconcile() is const and safe to
// call from several threads at once.
class NegentropyServer {
 public:
  // `frame_size_limit` is 0 (unlimited) or at least kNegMinFrameSizeLimit
  // bytes; every reply then stays within it. InvalidArgument otherwise.
  static Result<NegentropyServer> Create(NegStorage storage, size_t frame_size_limit = 0);

  // The reply to one client message. A message announcing another
  // Negentropy version gets just our version byte; a byte outside
  // 0x60..0x6f, or any malformed range, gives Protocol.
  Result<Bytes> Reconcile(ByteView query) const;

  // Changes the limit for later replies; same rule as Create.
  Status SetFrameSizeLimit(size_t frame_size_limit);

  const NegStorage& storage() const { return storage_; }

 private:
  NegentropyServer(NegStorage storage, size_t frame_size_limit)
      : storage_(std::move(storage)), frame_size_limit_(frame_size_limit) {}

  NegStorage storage_;
  size_t frame_size_limit_;
};

// The initiating side of one session. Not thread-safe.
class NegentropyClient {
 public:
  // Same frame-size rule as NegentropyServer::Create.
  static Result<NegentropyClient> Create(NegStorage storage, size_t frame_size_limit = 0);

  // The first message. InvalidArgument if called twice.
  Result<Bytes> Initiate();

  // Takes the server's reply. Appends to `have` the ids only we hold and to
  // `need` the ids only the server holds; across a session each id is
  // reported once, even when frame limits make a range come back. Returns
  // the next message for the server, or nullopt when reconciliation is done.
  //
  // Protocol on a malformed reply or another protocol version; `have` and
  // `need` are then unchanged and the caller should abandon the session.
  // InvalidArgument before Initiate() or after the session is done.
  Result<std::optional<Bytes>> Reconcile(ByteView reply, std::vector<NegId>* have,
                                         std::vector<NegId>* need);

  // Changes the limit for later messages; same rule as Create. A client that
  // raises it as rounds succeed starts small on a link that may drop.
  Status SetFrameSizeLimit(size_t frame_size_limit);

  bool done() const { return state_ == State::kDone; }
  const NegStorage& storage() const { return storage_; }

 private:
  enum class State { kNew, kWaiting, kDone };

  NegentropyClient(NegStorage storage, size_t frame_size_limit)
      : storage_(std::move(storage)), frame_size_limit_(frame_size_limit) {}

  NegStorage storage_;
  size_t frame_size_limit_;
  State state_ = State::kNew;
  std::set<NegId> reported_;  // every id already handed out as have or need
};

}  // namespace waypost::sync
