#include "tests/kit/fault_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace waypost::testing {

struct FaultProxy::Pair {
  int client = -1;
  int target = -1;
  Plan plan;
  uint64_t total = 0;  // forwarded, both directions
  uint64_t up = 0;
  uint64_t down = 0;
  bool stalled = false;
};

namespace {

bool WriteAll(int fd, const uint8_t* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= size_t(n);
  }
  return true;
}

int ConnectLoopback(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void CloseFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

FaultProxy::Planner FaultProxy::CutBetween(uint64_t low, uint64_t high, uint64_t seed) {
  return [low, high, seed](uint64_t n) {
    std::mt19937_64 random(seed * 1'000'003 + n);  // each connection its own
    Plan plan;
    plan.cut_after = std::uniform_int_distribution<uint64_t>(low, high)(random);
    return plan;
  };
}

FaultProxy::Planner FaultProxy::Clean() {
  return [](uint64_t) { return Plan{}; };
}

FaultProxy::FaultProxy(uint16_t target_port, Planner planner)
    : target_port_(target_port), planner_(std::move(planner)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::listen(listen_fd_, 64) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
      ::pipe2(wake_, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "the fault proxy cannot listen: " << strerror(errno);
    return;
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Run(); });
}

FaultProxy::~FaultProxy() {
  Stop();
  CloseFd(listen_fd_);
  CloseFd(wake_[0]);
  CloseFd(wake_[1]);
}

void FaultProxy::Stop() {
  if (!thread_.joinable()) return;
  stop_ = true;
  const uint8_t byte = 0;
  (void)::write(wake_[1], &byte, 1);
  thread_.join();
  for (Pair* p : pairs_) {
    CloseFd(p->client);
    CloseFd(p->target);
    delete p;
  }
  pairs_.clear();
}

FaultProxy::Stats FaultProxy::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void FaultProxy::Accept() {
  const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (client < 0) return;
  const int target = ConnectLoopback(target_port_);
  if (target < 0) {
    ::close(client);
    return;
  }
  auto* pair = new Pair;
  pair->client = client;
  pair->target = target;
  {
    std::lock_guard<std::mutex> lock(mu_);
    pair->plan = planner_(stats_.connections);
    ++stats_.connections;
  }
  pairs_.push_back(pair);
}

bool FaultProxy::Pump(Pair& pair, bool up) {
  uint8_t buf[4096];
  const int from = up ? pair.client : pair.target;
  const int to = up ? pair.target : pair.client;
  const ssize_t got = ::recv(from, buf, sizeof buf, 0);
  if (got < 0 && errno == EINTR) return true;
  if (got <= 0) return false;  // one side closed: so does the other
  uint64_t n = uint64_t(got);
  // The first limit in the stream wins: cut or stall exactly at its byte.
  std::optional<uint64_t> limit;
  if (pair.plan.cut_after) limit = *pair.plan.cut_after;
  if (pair.plan.stall_after) limit = std::min(limit.value_or(UINT64_MAX), *pair.plan.stall_after);
  if (limit) n = std::min(n, *limit > pair.total ? *limit - pair.total : 0);

  uint64_t& offset = up ? pair.up : pair.down;
  const std::optional<uint64_t>& flip = up ? pair.plan.flip_up : pair.plan.flip_down;
  bool flipped = false;
  if (flip && *flip >= offset && *flip < offset + n) {
    buf[*flip - offset] ^= 0x5a;
    flipped = true;
  }
  if (n > 0 && !WriteAll(to, buf, size_t(n))) return false;
  offset += n;
  pair.total += n;
  {
    std::lock_guard<std::mutex> lock(mu_);
    (up ? stats_.bytes_up : stats_.bytes_down) += n;
    stats_.flips += flipped ? 1 : 0;
  }
  if (pair.plan.cut_after && pair.total >= *pair.plan.cut_after &&
      (!pair.plan.stall_after || *pair.plan.cut_after <= *pair.plan.stall_after)) {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.cuts;
    return false;
  }
  if (pair.plan.stall_after && pair.total >= *pair.plan.stall_after) {
    pair.stalled = true;
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.stalls;
  }
  return true;
}

void FaultProxy::Run() {
  while (!stop_) {
    std::vector<pollfd> fds = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    std::vector<std::pair<Pair*, bool>> who;  // (pair, up) for fds[2...]
    for (Pair* p : pairs_) {
      if (p->stalled || p->client < 0) continue;
      fds.push_back({p->client, POLLIN, 0});
      who.emplace_back(p, true);
      fds.push_back({p->target, POLLIN, 0});
      who.emplace_back(p, false);
    }
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;  // Stop()
    if (fds[0].revents & POLLIN) Accept();
    for (size_t i = 2; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      Pair* p = who[i - 2].first;
      if (p->client < 0 || p->stalled) continue;  // ended earlier in this round
      if (!Pump(*p, who[i - 2].second)) {
        CloseFd(p->client);
        CloseFd(p->target);
      }
    }
    // Ended pairs go; stalled ones stay, holding their sockets open.
    pairs_.erase(std::remove_if(pairs_.begin(), pairs_.end(),
                                [](Pair* p) {
                                  if (p->client >= 0) return false;
                                  delete p;
                                  return true;
                                }),
                 pairs_.end());
  }
}

}  // namespace waypost::testing
