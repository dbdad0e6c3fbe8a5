#include "net/server.h"

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
#include <optional>
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

// One accepted socket and the Connection it feeds. The Connection is
// declared first so it outlives the Pump that refers to it.
struct Session {
  Session(uint64_t id, std::unique_ptr<Connection> c, tcp::socket socket, const Clock& clock,
          PumpOptions opts)
      : id(id), conn(std::move(c)), pump(std::move(socket), *conn, clock, std::move(opts)) {}
  uint64_t id;
  std::unique_ptr<Connection> conn;
  Pump pump;
};

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
  std::unordered_map<uint64_t, std::shared_ptr<Session>> sessions;
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
  if (sessions.size() >= opts.max_connections) {
    socket.close(ignored);
    Log("waypost: connection #" + std::to_string(id) + " refused: limit of " +
        std::to_string(opts.max_connections) + " connections reached");
    return;
  }
  std::unique_ptr<Connection> conn = factory();
  if (!conn) {
    socket.close(ignored);
    return;
  }
  socket.set_option(tcp::no_delay(true), ignored);
  auto session = std::make_shared<Session>(id, std::move(conn), std::move(socket), clock,
                                           PumpOptions{opts.idle_timeout_ms, "peer"});
  sessions.emplace(id, session);
  asio::co_spawn(io, Serve(std::move(session)), [](std::exception_ptr) {});
}

asio::awaitable<void> Server::Impl::Serve(std::shared_ptr<Session> session) {
  Status why;
  try {
    why = co_await session->pump.Run();
  } catch (...) {
    why = Status::Internal("unexpected exception while serving");
  }
  try {
    session->conn->OnClosed(why);
  } catch (...) {
    why = Status::Internal("unexpected exception in OnClosed");
  }
  if (!why.ok() && !stopping) {
    Log("waypost: connection #" + std::to_string(session->id) + " closed: " + why.ToString());
  }
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
  for (auto& [id, session] : sessions) session->pump.Abort();
  for (auto& [key, dial] : dials) dial->control.Abort();
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

Result<std::unique_ptr<Server>> Server::Listen(const std::string& host, uint16_t port,
                                               ConnectionFactory factory, const Clock& clock,
                                               ServerOptions opts) {
  if (!factory) return Status::InvalidArgument("Server::Listen needs a connection factory");
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
