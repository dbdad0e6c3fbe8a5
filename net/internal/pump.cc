#include "net/internal/pump.h"

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/error.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <array>
#include <optional>
#include <span>

namespace waypost::net_internal {
namespace {

// After IsDone() we half-close and read until the peer closes too, so that
// unread bytes in our receive queue do not turn close() into a reset that
// could destroy our last bytes in flight. This bounds that wait.
constexpr int64_t kLingerMs = 1000;
// Writes go out in slices so the idle timer sees progress on a slow peer.
constexpr size_t kWriteSliceBytes = 64 * 1024;

constexpr auto kAwait = asio::use_awaitable;

// One read buffer per thread, shared by every pump on it. A pump waits
// until its socket is readable, then reads and hands the bytes to its
// Connection before it suspends again, so an idle connection holds no
// buffer of its own (docs/protocol.md §2.6: what a connection costs).
std::span<uint8_t> ReadBuffer() {
  thread_local std::array<uint8_t, 16 * 1024> buffer;
  return buffer;
}

// What is readable now, without blocking; 0 and no error if nothing is.
size_t ReadNow(asio::ip::tcp::socket& socket, asio::error_code& ec) {
  const size_t n = socket.read_some(asio::buffer(ReadBuffer().data(), ReadBuffer().size()), ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) {
    ec = {};
    return 0;
  }
  return n;
}

}  // namespace

// ---- Watchdog ----

struct Watchdog::State {
  explicit State(const asio::any_io_executor& ex) : timer(ex) {}
  asio::steady_timer timer;
  uint64_t generation = 0;
  bool fired = false;
};

Watchdog::Watchdog(const asio::any_io_executor& executor)
    : state_(std::make_shared<State>(executor)) {}

Watchdog::~Watchdog() { Disarm(); }

void Watchdog::Arm(int64_t ms, std::function<void()> on_fire) {
  uint64_t generation = ++state_->generation;
  state_->fired = false;
  state_->timer.expires_after(std::chrono::milliseconds(std::max<int64_t>(ms, 0)));
  // The handler keeps the state alive; the generation makes a late expiry of
  // an earlier Arm() harmless.
  state_->timer.async_wait(
      [state = state_, generation, on_fire = std::move(on_fire)](const asio::error_code& ec) {
        if (ec || generation != state->generation) return;
        state->fired = true;
        on_fire();
      });
}

void Watchdog::Disarm() {
  ++state_->generation;
  state_->timer.cancel();
}

bool Watchdog::fired() const { return state_->fired; }

// ---- Pump ----

Status SocketError(const std::string& peer_label, const asio::error_code& ec) {
  if (ec == asio::error::eof) return Status::Unavailable(peer_label + " closed the connection");
  if (ec == asio::error::connection_reset)
    return Status::Unavailable(peer_label + " reset the connection");
  return Status::Unavailable("connection to " + peer_label + " failed: " + ec.message());
}

Pump::Pump(asio::ip::tcp::socket socket, Connection& conn, const Clock& clock, PumpOptions opts)
    : socket_(std::move(socket)),
      conn_(conn),
      clock_(clock),
      opts_(std::move(opts)),
      watchdog_(socket_.get_executor()),
      reader_signal_(socket_.get_executor()),
      writer_signal_(socket_.get_executor()) {
  asio::error_code ignored;
  socket_.non_blocking(true, ignored);  // ReadNow() never waits
}

void Pump::Abort(Status why) {
  if (aborted_) return;
  abort_reason_ = std::move(why);
  aborted_ = true;
  broken_ = true;
  asio::error_code ignored;
  socket_.close(ignored);  // pending operations complete with operation_aborted
  reader_signal_.cancel();
  writer_signal_.cancel();
}

Status Pump::Broken(Status why) {
  broken_ = true;
  return why;
}

Status Pump::ShuttingDown() const {
  if (!abort_reason_.ok()) return abort_reason_;
  return Status::Unavailable(opts_.peer_label + " closed: shutting down");
}

bool Pump::ReadsTooSlowly(int64_t now) const {
  return queued_bytes_ > 0 && write_deadline_ms_ && now >= *write_deadline_ms_;
}

Status Pump::TooSlow() const {
  return Status::Timeout(opts_.peer_label + " reads too slowly (under " +
                         std::to_string(opts_.min_write_rate) + " bytes/s)");
}

void Pump::CancelSocket() {
  asio::error_code ignored;
  socket_.cancel(ignored);
}

asio::awaitable<void> Pump::Wait(asio::steady_timer& signal) {
  signal.expires_at(asio::steady_timer::time_point::max());
  asio::error_code ignored;
  co_await signal.async_wait(asio::redirect_error(kAwait, ignored));
}

asio::awaitable<Status> Pump::Run() {
  last_activity_ms_ = Now();
  if (aborted_) co_return ShuttingDown();
  writer_running_ = true;
  asio::co_spawn(socket_.get_executor(), Writer(), [](std::exception_ptr) {});

  Status status = conn_.OnStart(Now());
  Queue();  // on error too: what is already queued goes out first
  while (status.ok() && !conn_.IsDone()) {
    status = co_await Step();
    Queue();
  }
  if (!broken_) {
    Status drained = co_await Drain();
    if (status.ok()) status = drained;  // the first error is the one that matters
  }
  if (broken_) CancelSocket();  // abandons a write stuck on a dead peer
  closing_ = true;
  writer_signal_.cancel();
  while (writer_running_) co_await Wait(reader_signal_);
  if (!broken_) co_await Linger();
  asio::error_code ignored;
  // A broken connection is reset rather than closed: whatever the kernel
  // still holds for a peer that stopped reading is dropped at once.
  if (broken_ && !aborted_) socket_.set_option(asio::socket_base::linger(true, 0), ignored);
  socket_.close(ignored);
  co_return aborted_ ? ShuttingDown() : status;
}

void Pump::Queue() {
  Bytes out = conn_.TakeOutgoing();
  if (out.empty() || broken_) return;
  if (opts_.min_write_rate > 0 && opts_.idle_timeout_ms > 0) {
    const int64_t allowance = static_cast<int64_t>(out.size()) * 1000 / opts_.min_write_rate;
    write_deadline_ms_ = (queued_bytes_ > 0 && write_deadline_ms_)
                             ? *write_deadline_ms_ + allowance
                             : Now() + opts_.idle_timeout_ms + allowance;
  }
  queued_bytes_ += out.size();
  queue_.push_back(std::move(out));
  writer_signal_.cancel();
}

int64_t Pump::WaitMs(int64_t now) const {
  std::optional<int64_t> limit = conn_.Deadline();
  if (opts_.idle_timeout_ms > 0) {
    int64_t idle_at = last_activity_ms_ + opts_.idle_timeout_ms;
    limit = limit ? std::min(*limit, idle_at) : idle_at;
  }
  if (write_deadline_ms_)
    limit = limit ? std::min(*limit, *write_deadline_ms_) : *write_deadline_ms_;
  if (!limit) return -1;  // nothing to wait for but bytes
  return std::max<int64_t>(*limit - now, 0);
}

asio::awaitable<Status> Pump::Step() {
  // Even a deadline already past goes through the timer, so every step
  // suspends and one busy Connection cannot starve the others.
  int64_t wait = WaitMs(Now());
  if (wait >= 0) {
    watchdog_.Arm(wait, [this] {
      CancelSocket();
      reader_signal_.cancel();
    });
  }
  asio::error_code ec;
  size_t received = 0;
  if (queued_bytes_ >= kMaxQueuedBytes) {
    co_await Wait(reader_signal_);  // until the writer makes room or a timer fires
  } else {
    co_await socket_.async_wait(asio::ip::tcp::socket::wait_read,
                                asio::redirect_error(kAwait, ec));
    if (!ec && !aborted_) received = ReadNow(socket_, ec);
  }
  watchdog_.Disarm();
  if (aborted_) co_return ShuttingDown();
  if (!write_error_.ok()) co_return write_error_;
  int64_t now = Now();
  if (received > 0 && !ec) {
    last_activity_ms_ = now;
    Status status = conn_.OnReceive(ByteView(ReadBuffer().data(), received), now);
    if (!status.ok()) co_return status;
  } else if (ec && ec != asio::error::operation_aborted) {
    co_return Broken(SocketError(opts_.peer_label, ec));
  }
  if (auto deadline = conn_.Deadline(); deadline && now >= *deadline) {
    Status status = conn_.OnTimeout(now);
    if (!status.ok()) co_return status;
  }
  if (opts_.idle_timeout_ms > 0 && now - last_activity_ms_ >= opts_.idle_timeout_ms) {
    co_return Broken(Status::Timeout(opts_.peer_label + " stalled"));
  }
  if (ReadsTooSlowly(now)) co_return Broken(TooSlow());
  co_return Status::Ok();
}

asio::awaitable<void> Pump::Writer() {
  while (!broken_) {
    if (queue_.empty()) {
      if (closing_) break;
      co_await Wait(writer_signal_);
      continue;
    }
    const Bytes& front = queue_.front();
    size_t slice = std::min(front.size() - front_offset_, kWriteSliceBytes);
    asio::error_code ec;
    size_t n = co_await socket_.async_write_some(asio::buffer(front.data() + front_offset_, slice),
                                                 asio::redirect_error(kAwait, ec));
    if (broken_) break;
    // The reader's timer cancels every operation on the socket, ours too;
    // nothing was written, so try again.
    if (ec == asio::error::operation_aborted) continue;
    if (ec) {
      write_error_ = Broken(SocketError(opts_.peer_label, ec));
      CancelSocket();  // wakes the reader
      break;
    }
    last_activity_ms_ = Now();
    front_offset_ += n;
    queued_bytes_ -= n;
    if (front_offset_ == front.size()) {
      queue_.pop_front();
      front_offset_ = 0;
    }
    if (queued_bytes_ == 0) {
      write_deadline_ms_.reset();
      conn_.OnFlushed(Now());
    }
    reader_signal_.cancel();  // progress: the reader may resume or finish draining
  }
  writer_running_ = false;
  reader_signal_.cancel();
}

asio::awaitable<Status> Pump::Drain() {
  while (queued_bytes_ > 0 && !broken_) {
    if (opts_.idle_timeout_ms > 0) {
      int64_t limit = last_activity_ms_ + opts_.idle_timeout_ms;
      if (write_deadline_ms_) limit = std::min(limit, *write_deadline_ms_);
      watchdog_.Arm(limit - Now(), [this] {
        broken_ = true;
        CancelSocket();
        reader_signal_.cancel();
      });
    }
    co_await Wait(reader_signal_);
    watchdog_.Disarm();
    if (aborted_) co_return ShuttingDown();
    if (!write_error_.ok()) co_return write_error_;
    if (watchdog_.fired()) {
      co_return Broken(ReadsTooSlowly(Now()) ? TooSlow()
                                             : Status::Timeout(opts_.peer_label + " stalled"));
    }
  }
  co_return write_error_;
}

asio::awaitable<void> Pump::Linger() {
  asio::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  if (ec) co_return;
  watchdog_.Arm(kLingerMs, [this] { CancelSocket(); });
  while (!ec && !aborted_) {
    co_await socket_.async_wait(asio::ip::tcp::socket::wait_read,
                                asio::redirect_error(kAwait, ec));
    if (!ec && !aborted_) (void)ReadNow(socket_, ec);
  }
  watchdog_.Disarm();
}

}  // namespace waypost::net_internal
