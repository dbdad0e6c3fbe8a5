// Raw TCP clients of a relay, for the tests that attack it: one connection
// that sends what it is told (RawClient), and a flood of connections that
// never say a word (IdleFlood).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <deque>
#include <string>
#include <thread>
#include <vector>

namespace waypost::testing {

// A raw TCP connection to 127.0.0.1:port; closes on destruction.
class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(uint16_t(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RawClient() { Close(); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  // Sends what it can without blocking; false once the peer is gone.
  bool Send(const std::string& bytes, bool block = false) {
    size_t off = 0;
    while (off < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off,
                               MSG_NOSIGNAL | (block ? 0 : MSG_DONTWAIT));
      if (n > 0) {
        off += size_t(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return true;  // the relay is not reading; fine
      } else {
        return false;
      }
    }
    return true;
  }
  // True once the relay closed or reset the connection (what it sent before
  // is read and dropped).
  bool ClosedByPeer() {
    if (fd_ < 0) return true;
    char buffer[1024];
    while (true) {
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n > 0) continue;
      if (n < 0 && errno == EINTR) continue;
      return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
    }
  }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// Lets this process hold `fds` descriptors, as far as its hard limit allows.
inline void RaiseOpenFileLimit(rlim_t fds) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= fds) return;
  limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? fds : std::min(fds, limit.rlim_max);
  setrlimit(RLIMIT_NOFILE, &limit);
}

// A thread that holds `count` connections open to 127.0.0.1:port without
// ever sending a byte, as a cheap attacker would: whenever the relay closes
// one, it opens another, and every `churn` it also opens a fresh one and
// drops its own oldest, so new connections keep arriving all along. It
// opens at most `burst` connections every 5 ms (10,000 a second at the
// default), so the test measures the relay, not which side wins a race.
class IdleFlood {
 public:
  IdleFlood(int port, size_t count, std::chrono::milliseconds churn = std::chrono::milliseconds(20),
            size_t burst = 50)
      : port_(port), count_(count), churn_(churn), burst_(burst) {
    RaiseOpenFileLimit(count + 256);
    thread_ = std::thread([this] { Run(); });
  }
  ~IdleFlood() { Stop(); }
  IdleFlood(const IdleFlood&) = delete;
  IdleFlood& operator=(const IdleFlood&) = delete;

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    for (int fd : open_) ::close(fd);
    open_.clear();
  }
  // Connections open right now, opened in all, and closed by the relay.
  size_t open() const { return open_now_; }
  size_t opened() const { return opened_; }
  size_t closed_by_relay() const { return closed_by_relay_; }
  // True once `count` connections were open at the same time.
  bool filled() const { return filled_; }

 private:
  int Connect() const {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(uint16_t(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd);
      return -1;
    }
    return fd;
  }

  void Run() {
    auto next_churn = std::chrono::steady_clock::now() + churn_;
    while (!stop_) {
      // Drop what the relay closed.
      std::vector<pollfd> polls;
      for (int fd : open_) polls.push_back({fd, POLLIN | POLLRDHUP, 0});
      if (!polls.empty()) ::poll(polls.data(), polls.size(), 0);
      std::deque<int> still;
      for (const pollfd& p : polls) {
        if (p.revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR)) {
          ::close(p.fd);
          ++closed_by_relay_;
        } else {
          still.push_back(p.fd);
        }
      }
      open_ = std::move(still);
      if (std::chrono::steady_clock::now() >= next_churn && !open_.empty()) {
        ::close(open_.front());  // ours: the fresh one below replaces it
        open_.pop_front();
        next_churn += churn_;
      }
      for (size_t n = 0; n < burst_ && open_.size() < count_ && !stop_; ++n) {
        const int fd = Connect();
        if (fd < 0) break;
        open_.push_back(fd);
        ++opened_;
      }
      open_now_ = open_.size();
      if (open_.size() >= count_) filled_ = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  const int port_;
  const size_t count_;
  const std::chrono::milliseconds churn_;
  const size_t burst_;
  std::deque<int> open_;  // the thread's own; read by Stop() after joining
  std::atomic<size_t> open_now_{0}, opened_{0}, closed_by_relay_{0};
  std::atomic<bool> filled_{false}, stop_{false};
  std::thread thread_;
};

}  // namespace waypost::testing
