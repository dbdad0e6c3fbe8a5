// Tiny line protocols and a threaded server harness for the net/ tests.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/connection.h"
#include "net/server.h"

namespace waypost::testing {

// What the server side saw, shared across the server thread and the test.
struct ServerLog {
  std::atomic<int> started{0};
  std::atomic<int> flushed{0};  // OnFlushed calls
  std::mutex mu;
  std::vector<Status> closed;
  std::vector<std::string> lines;  // from ServerOptions.log

  void Closed(const Status& s) {
    std::lock_guard lock(mu);
    closed.push_back(s);
  }
  int CountClosed(Status::Code code) {
    std::lock_guard lock(mu);
    int n = 0;
    for (const Status& s : closed) n += s.code() == code;
    return n;
  }
  size_t ClosedTotal() {
    std::lock_guard lock(mu);
    return closed.size();
  }
};

// Server side: echoes each text line; "bye" ends cleanly; "bulk N" answers
// N bytes of 'x'; a line holding a control byte is a protocol error; more
// than 4 KiB without a newline too. Provisional() until the first line, as
// a relay connection is until its handshake ends.
class EchoServerConnection final : public Connection {
 public:
  explicit EchoServerConnection(ServerLog& log) : log_(log) {}
  Status OnStart(int64_t) override {
    ++log_.started;
    return Status::Ok();
  }
  Status OnReceive(ByteView bytes, int64_t) override {
    pending_.append(bytes.begin(), bytes.end());
    for (size_t nl; (nl = pending_.find('\n')) != std::string::npos;) {
      std::string line = pending_.substr(0, nl);
      pending_.erase(0, nl + 1);
      for (unsigned char c : line) {
        if (c < 0x20 || c >= 0x7f) return Status::Protocol("line is not text");
      }
      greeted_ = true;
      if (line == "bye") {
        done_ = true;
        return Status::Ok();
      }
      if (line.rfind("bulk ", 0) == 0) {
        out_ += std::string(std::stoul(line.substr(5)), 'x');
        continue;
      }
      out_ += line + "\n";
    }
    if (pending_.size() > 4096) return Status::LimitExceeded("line too long");
    return Status::Ok();
  }
  Bytes TakeOutgoing() override {
    Bytes b(out_.begin(), out_.end());
    out_.clear();
    return b;
  }
  bool IsDone() const override { return done_; }
  std::optional<int64_t> Deadline() const override { return std::nullopt; }
  Status OnTimeout(int64_t) override { return Status::Ok(); }
  void OnClosed(const Status& why) override { log_.Closed(why); }
  void OnFlushed(int64_t) override { ++log_.flushed; }
  bool Provisional() const override { return !greeted_; }

 private:
  ServerLog& log_;
  std::string pending_;
  std::string out_;
  bool greeted_ = false;
  bool done_ = false;
};

// Client side: sends `send` at start, is done once `expect` bytes arrived
// (never, if expect is empty). Remembers everything it got.
class ScriptClient final : public Connection {
 public:
  ScriptClient(std::string send, std::string expect)
      : send_(std::move(send)), expect_(std::move(expect)) {}
  Status OnStart(int64_t) override {
    started_ = true;
    out_ = send_;
    return Status::Ok();
  }
  Status OnReceive(ByteView bytes, int64_t) override {
    received_.append(bytes.begin(), bytes.end());
    return Status::Ok();
  }
  Bytes TakeOutgoing() override {
    Bytes b(out_.begin(), out_.end());
    out_.clear();
    return b;
  }
  bool IsDone() const override { return !expect_.empty() && received_.size() >= expect_.size(); }
  std::optional<int64_t> Deadline() const override { return std::nullopt; }
  Status OnTimeout(int64_t) override { return Status::Ok(); }
  void OnClosed(const Status& why) override {
    ++closed_count_;
    closed_ = why;
  }

  const std::string& received() const { return received_; }
  bool started() const { return started_; }
  int closed_count() const { return closed_count_; }
  const Status& closed() const { return closed_; }

 private:
  std::string send_;
  std::string expect_;
  std::string out_;
  std::string received_;
  bool started_ = false;
  int closed_count_ = 0;
  Status closed_;
};

// A Server running on its own thread; stopped and joined on destruction.
class ServerThread {
 public:
  ServerThread(ServerLog& log, ServerOptions opts, const Clock& clock) {
    opts.handle_signals = false;
    opts.log = [&log](const std::string& line) {
      std::lock_guard lock(log.mu);
      log.lines.push_back(line);
    };
    auto server = Server::Listen(
        "127.0.0.1", 0, [&log] { return std::make_unique<EchoServerConnection>(log); }, clock,
        std::move(opts));
    if (!server.ok()) throw std::runtime_error(server.status().message());
    server_ = std::move(server).value();
    thread_ = std::thread([this] { run_status_ = server_->Run(); });
  }
  ~ServerThread() { StopAndJoin(); }
  void StopAndJoin() {
    if (!thread_.joinable()) return;
    server_->Stop();
    thread_.join();
  }
  uint16_t port() const { return server_->port(); }
  const Status& run_status() const { return run_status_; }

 private:
  std::unique_ptr<Server> server_;
  std::thread thread_;
  Status run_status_;
};

// Polls `pred` for up to 10 s.
template <typename Pred>
bool WaitFor(Pred pred) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace waypost::testing
