#include "net/server.h"

#include <sys/resource.h>

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <csignal>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "net/address.h"
#include "net/internal/dial.h"
#include "net/internal/pump.h"

namespace waypost {

using asio::ip::tcp;
using net_internal::Pump;
using net_internal::PumpOptions;

namespace {

// After accept() fails for a reason other than shutdown (usually EMFILE),
// wait this long before trying again rather than spinning.
constexpr int64_t kAcceptRetryMs = 100;

// Keep this many file descriptors beyond the connections: the store, the
// log, a relay's own dials.
constexpr size_t kSpareFiles = 64;
// Provisional connections that end badly are counted and reported together,
// at most this often.
constexpr int64_t kSummaryMs = 10'000;

// One accepted socket and the Connection it feeds. The Connection is
// declared first so it outlives the Pump that refers to it.
struct Session {
  Session(uint64_t id, std::string source, std::unique_ptr<Connection> c, tcp::socket socket,
          const Clock& clock, PumpOptions opts)
      : id(id),
        source(std::move(source)),
        conn(std::move(c)),
        pump(std::move(socket), *conn, clock, std::move(opts)) {}
  uint64_t id;
  std::string source;     // SourceKey(); empty: counts against no address limit
  bool released = false;  // no longer counted: dropped, or closed
  bool dropped = false;   // dropped for a newer connection
  std::unique_ptr<Connection> conn;
  Pump pump;
};

// What a connection's source address counts against: the address, or for
// IPv6 its /64 (one subscriber's whole network). Empty, so no limit, for
// loopback (Tor, local proxies) or when there is no limit.
std::string SourceKey(const tcp::socket& socket, const ServerOptions& opts) {
  if (opts.max_per_address == 0) return {};
  asio::error_code ec;
  const tcp::endpoint remote = socket.remote_endpoint(ec);
  if (ec) return {};
  asio::ip::address address = remote.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  if (address.is_loopback() && opts.exempt_loopback) return {};
  if (address.is_v4()) {
    const auto bytes = address.to_v4().to_bytes();
    return std::string(bytes.begin(), bytes.end());
  }
  const auto bytes = address.to_v6().to_bytes();
  return std::string(bytes.begin(), bytes.begin() + 8);
}

// Raises the soft open-file limit to fit `wanted` descriptors, as far as the
// hard limit allows; returns how many fit.
size_t FitOpenFiles(size_t wanted) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return wanted;
  if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= wanted) return wanted;
  rlimit raised = limit;
  raised.rlim_cur =
      limit.rlim_max == RLIM_INFINITY ? wanted : std::min<rlim_t>(limit.rlim_max, wanted);
  if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  return static_cast<size_t>(limit.rlim_cur);
}

// One connection the Outbound asked for. The Connection lives here, not in
// the coroutine, so Shutdown() can reach `control` while it runs.
struct OutboundDial {
  explicit OutboundDial(Outbound::Dial d) : dial(std::move(d)) {}
  Outbound::Dial dial;
  net_internal::DialControl control;
};

}  // namespace

void LogToStderr(const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); }

struct Server::Impl {
  Impl(ConnectionFactory f, const Clock& c, ServerOptions o)
      : factory(std::move(f)), clock(c), opts(std::move(o)), acceptor(io), tick_timer(io) {}

  asio::awaitable<void> AcceptLoop();
  // Makes room for a connection from `source`, dropping the oldest
  // provisional one if need be; false if there is none to drop.
  bool MakeRoom(const std::string& source, uint64_t id);
  // Stops counting `session` against the limits (idempotent).
  void Release(Session& session);
  // Logs and clears the counts, if any, and keeps summarizing while there are.
  void LogSummary();
  void ArmSummary();
  // Logs `line` if it is the first flood event of a summary period (and
  // opens one); false if a summary is open, and the caller counts it there.
  bool LogFirstOfPeriod(const std::string& line);
  asio::awaitable<void> Serve(std::shared_ptr<Session> session);
  asio::awaitable<void> DialOne(std::shared_ptr<OutboundDial> dial);
  // Asks the Outbound what to dial now, and arms the timer for its next call.
  void Tick();
  void StartSession(tcp::socket socket);
  void Shutdown();
  void Log(const std::string& line) const {
    if (opts.log) opts.log(line);
  }

  // io is declared first so it is destroyed last: pending handlers (and the
  // coroutine frames they own) go before the objects they point into.
  asio::io_context io;
  ConnectionFactory factory;
  const Clock& clock;
  ServerOptions opts;
  tcp::acceptor acceptor;
  std::optional<asio::signal_set> signals;
  asio::steady_timer tick_timer;
  std::map<uint64_t, std::shared_ptr<Session>> sessions;  // by id: oldest first
  size_t live = 0;                                        // sessions not yet released
  std::unordered_map<std::string, size_t> per_address;    // live sessions by SourceKey
  asio::steady_timer summary_timer{io};
  bool summary_armed = false;
  // Since the last summary, after the first event of the period (said at once):
  size_t quiet_closed = 0;   // provisional connections closed badly
  size_t quiet_dropped = 0;  // ... of them, dropped for newer connections
  size_t refused = 0;        // connections refused with every slot past its handshake
  std::unordered_map<OutboundDial*, std::shared_ptr<OutboundDial>> dials;
  uint64_t next_id = 1;
  uint16_t port = 0;
  bool stopping = false;
  bool ran = false;
};

asio::awaitable<void> Server::Impl::AcceptLoop() {
  for (;;) {
    tcp::socket socket(io);
    asio::error_code ec;
    co_await acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
    if (stopping || !acceptor.is_open()) co_return;
    if (ec) {
      Log("waypost: accept failed: " + ec.message());
      asio::steady_timer pause(io, std::chrono::milliseconds(kAcceptRetryMs));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    StartSession(std::move(socket));
  }
}

void Server::Impl::StartSession(tcp::socket socket) {
  uint64_t id = next_id++;
  asio::error_code ignored;
  std::string source = SourceKey(socket, opts);
  if (!MakeRoom(source, id)) {
    socket.close(ignored);
    if (!LogFirstOfPeriod("waypost: connection #" + std::to_string(id) +
                          " refused: every connection slot holds a client past its handshake")) {
      ++refused;
    }
    return;
  }
  std::unique_ptr<Connection> conn = factory();
  if (!conn) {
    socket.close(ignored);
    return;
  }
  socket.set_option(tcp::no_delay(true), ignored);
  auto session =
      std::make_shared<Session>(id, std::move(source), std::move(conn), std::move(socket), clock,
                                PumpOptions{opts.idle_timeout_ms, "peer", opts.min_write_rate});
  ++live;
  if (!session->source.empty()) ++per_address[session->source];
  sessions.emplace(id, session);
  asio::co_spawn(io, Serve(std::move(session)), [](std::exception_ptr) {});
}

bool Server::Impl::MakeRoom(const std::string& source, uint64_t id) {
  auto oldest_provisional = [this](const std::string* from) -> Session* {
    for (auto& [key, session] : sessions) {
      if (session->released || !session->conn->Provisional()) continue;
      if (from == nullptr || session->source == *from) return session.get();
    }
    return nullptr;
  };
  auto drop = [this, id](Session& victim, const std::string& why) {
    Release(victim);
    victim.dropped = true;
    victim.pump.Abort(
        Status::Unavailable("dropped for connection #" + std::to_string(id) + ": " + why));
  };
  if (!source.empty()) {
    auto at = per_address.find(source);
    if (at != per_address.end() && at->second >= opts.max_per_address) {
      Session* victim = oldest_provisional(&source);
      if (victim == nullptr) return false;
      drop(*victim, "too many connections from one address");
    }
  }
  if (live >= opts.max_connections) {
    Session* victim = oldest_provisional(nullptr);
    if (victim == nullptr) return false;
    drop(*victim, "the server is full");
  }
  return true;
}

void Server::Impl::Release(Session& session) {
  if (session.released) return;
  session.released = true;
  --live;
  if (session.source.empty()) return;
  auto at = per_address.find(session.source);
  if (at != per_address.end() && --at->second == 0) per_address.erase(at);
}

void Server::Impl::LogSummary() {
  const bool anything = quiet_closed > 0 || refused > 0;
  if (anything) {
    std::string line = "waypost: in the last 10 s: ";
    if (quiet_closed > 0) {
      line += std::to_string(quiet_closed) +
              " connection(s) closed before finishing a handshake (" +
              std::to_string(quiet_dropped) + " dropped for newer ones)";
    }
    if (refused > 0) {
      if (quiet_closed > 0) line += "; ";
      line += std::to_string(refused) + " refused with every slot in use";
    }
    Log(line);
  }
  quiet_closed = quiet_dropped = refused = 0;
  summary_armed = false;
  // A quiet period ends the summaries until the next event opens one.
  if (anything) ArmSummary();
}

bool Server::Impl::LogFirstOfPeriod(const std::string& line) {
  if (summary_armed) return false;
  Log(line);
  ArmSummary();
  return true;
}

void Server::Impl::ArmSummary() {
  if (stopping) return;
  summary_armed = true;
  summary_timer.expires_after(std::chrono::milliseconds(kSummaryMs));
  summary_timer.async_wait([this](const asio::error_code& ec) {
    if (!ec) LogSummary();
  });
}

asio::awaitable<void> Server::Impl::Serve(std::shared_ptr<Session> session) {
  Status why;
  try {
    why = co_await session->pump.Run();
  } catch (...) {
    why = Status::Internal("unexpected exception while serving");
  }
  const bool provisional = session->dropped || session->conn->Provisional();
  try {
    session->conn->OnClosed(why);
    why = session->conn->Outcome(why);
  } catch (...) {
    why = Status::Internal("unexpected exception in OnClosed");
  }
  if (!why.ok() && !stopping) {
    const std::string line =
        "waypost: connection #" + std::to_string(session->id) + " closed: " + why.ToString();
    if (!provisional) {
      Log(line);
    } else if (!LogFirstOfPeriod(line)) {
      ++quiet_closed;
      if (session->dropped) ++quiet_dropped;
    }
  }
  Release(*session);
  sessions.erase(session->id);
  Tick();  // what it stored may be news for the peers
}

void Server::Impl::Tick() {
  if (stopping || opts.outbound == nullptr) return;
  std::vector<Outbound::Dial> wanted;
  const int64_t now = clock.MonotonicMs();
  const std::optional<int64_t> next = opts.outbound->Tick(now, wanted);
  for (Outbound::Dial& d : wanted) {
    auto dial = std::make_shared<OutboundDial>(std::move(d));
    dials.emplace(dial.get(), dial);
    asio::co_spawn(io, DialOne(std::move(dial)), [](std::exception_ptr) {});
  }
  tick_timer.cancel();
  if (!next) return;
  tick_timer.expires_after(std::chrono::milliseconds(std::max<int64_t>(*next - now, 0)));
  tick_timer.async_wait([this](const asio::error_code& ec) {
    if (!ec) Tick();
  });
}

asio::awaitable<void> Server::Impl::DialOne(std::shared_ptr<OutboundDial> dial) {
  Connection& conn = *dial->dial.conn;
  Status why;
  try {
    why = co_await net_internal::DialAndPump(dial->dial.host, dial->dial.port, conn, clock,
                                             opts.dial, &dial->control);
  } catch (...) {
    why = Status::Internal("unexpected exception while dialing");
  }
  dial->control = {};  // it pointed into the finished dial
  conn.OnClosed(why);
  opts.outbound->Finished(conn, why, clock.MonotonicMs());
  dials.erase(dial.get());
  Tick();
}

void Server::Impl::Shutdown() {
  if (stopping) return;
  stopping = true;
  asio::error_code ignored;
  acceptor.close(ignored);
  if (signals) signals->cancel(ignored);
  tick_timer.cancel();
  summary_timer.cancel();
  for (auto& [id, session] : sessions) session->pump.Abort();
  for (auto& [key, dial] : dials) dial->control.Abort();
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

Result<std::unique_ptr<Server>> Server::Listen(const std::string& host, uint16_t port,
                                               ConnectionFactory factory, const Clock& clock,
                                               ServerOptions opts) {
  if (!factory) return Status::InvalidArgument("Server::Listen needs a connection factory");
  const size_t fit = FitOpenFiles(opts.max_connections + kSpareFiles);
  if (fit < opts.max_connections + kSpareFiles) {
    const size_t allowed = fit > 2 * kSpareFiles ? fit - kSpareFiles : std::max<size_t>(fit / 2, 1);
    if (opts.log) {
      opts.log("waypost: warning: the open-file limit (" + std::to_string(fit) + ") allows " +
               std::to_string(allowed) + " connections, not " +
               std::to_string(opts.max_connections));
    }
    opts.max_connections = allowed;
  }
  auto impl = std::make_unique<Impl>(std::move(factory), clock, std::move(opts));
  const std::string where = FormatHostPort(host, port);
  asio::error_code ec;
  tcp::resolver resolver(impl->io);
  auto results = resolver.resolve(host, std::to_string(port),
                                  tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) {
    return Status::Unavailable("cannot resolve " + where + ": " +
                               (ec ? ec.message() : "no addresses"));
  }
  tcp::endpoint endpoint = results.begin()->endpoint();
  tcp::acceptor& acceptor = impl->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) impl->port = acceptor.local_endpoint(ec).port();
  if (ec) return Status::IoError("cannot listen on " + where + ": " + ec.message());
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

uint16_t Server::port() const { return impl_->port; }

Status Server::Run() {
  Impl& m = *impl_;
  if (m.ran) return Status::Internal("Server::Run called twice");
  m.ran = true;
  if (m.opts.handle_signals) {
    m.signals.emplace(m.io, SIGINT, SIGTERM);
    m.signals->async_wait([&m](const asio::error_code& ec, int) {
      if (!ec) m.Shutdown();
    });
  }
  asio::co_spawn(m.io, m.AcceptLoop(), [](std::exception_ptr) {});
  asio::post(m.io, [&m] { m.Tick(); });
  Status result;
  try {
    m.io.run();
  } catch (...) {
    result = Status::Internal("server loop failed with an exception");
  }
  m.signals.reset();
  return result;
}

void Server::Stop() {
  Impl* m = impl_.get();
  asio::post(m->io, [m] { m->Shutdown(); });
}

}  // namespace waypost
