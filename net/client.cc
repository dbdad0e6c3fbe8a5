#include "net/client.h"

#include <array>
#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "net/address.h"
#include "net/internal/dial.h"
#include "net/internal/pump.h"
#include "net/socks5.h"

namespace waypost {
namespace {

using asio::ip::tcp;
constexpr auto kAwait = asio::use_awaitable;

Status ProxyError(const asio::error_code& ec) {
  if (ec == asio::error::eof) return Status::Unavailable("SOCKS5 proxy closed the connection");
  return Status::Unavailable("SOCKS5 proxy: " + ec.message());
}

// The SOCKS5 exchange (see net/socks5.h) on a socket connected to the proxy.
// On success the socket is a tunnel to host:port.
asio::awaitable<Status> Socks5Connect(tcp::socket& socket, const std::string& host, uint16_t port) {
  Result<Bytes> request = socks5::EncodeConnectRequest(host, port);
  if (!request.ok()) co_return request.status();
  asio::error_code ec;
  const Bytes greeting = socks5::EncodeGreeting();
  co_await asio::async_write(socket, asio::buffer(greeting), asio::redirect_error(kAwait, ec));
  std::array<uint8_t, socks5::kMethodReplySize> method{};
  if (!ec)
    co_await asio::async_read(socket, asio::buffer(method), asio::redirect_error(kAwait, ec));
  if (ec) co_return ProxyError(ec);
  Status status = socks5::ParseMethodReply(method);
  if (!status.ok()) co_return status;

  co_await asio::async_write(socket, asio::buffer(request.value()),
                             asio::redirect_error(kAwait, ec));
  Bytes reply(socks5::kConnectReplyHeadSize);
  if (!ec) co_await asio::async_read(socket, asio::buffer(reply), asio::redirect_error(kAwait, ec));
  if (ec) co_return ProxyError(ec);
  Result<size_t> length = socks5::ConnectReplyLength(reply);
  if (!length.ok()) co_return length.status();
  reply.resize(*length);
  co_await asio::async_read(socket,
                            asio::buffer(reply.data() + socks5::kConnectReplyHeadSize,
                                         reply.size() - socks5::kConnectReplyHeadSize),
                            asio::redirect_error(kAwait, ec));
  if (ec) co_return ProxyError(ec);
  co_return socks5::ParseConnectReply(reply);
}

// GCC 12 misreports this coroutine's frame deallocation as
// -Wmismatched-new-delete once the frame holds the DialControl bookkeeping:
// Asio allocates and frees the frame with its own matching operators.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
asio::awaitable<Status> Dial(const std::string& host, uint16_t port, Connection& conn,
                             const Clock& clock, const ClientOptions& opts,
                             net_internal::DialControl* control) {
  auto executor = co_await asio::this_coro::executor;
  const std::string target = FormatHostPort(host, port);
  const bool via_proxy = opts.socks5.has_value();
  const std::string& dial_host = via_proxy ? opts.socks5->first : host;
  const uint16_t dial_port = via_proxy ? opts.socks5->second : port;
  const std::string dial_failure =
      via_proxy ? "cannot connect to SOCKS5 proxy " + FormatHostPort(dial_host, dial_port)
                : "cannot connect to " + target;
  const std::string timed_out =
      ": timed out after " + std::to_string(opts.connect_timeout_ms) + " ms";

  tcp::socket socket(executor);
  tcp::resolver resolver(executor);
  net_internal::Watchdog watchdog(executor);  // declared last: disarmed before they go
  watchdog.Arm(opts.connect_timeout_ms, [&] {
    asio::error_code ignored;
    resolver.cancel();
    socket.close(ignored);
  });
  net_internal::DialControl no_control;
  if (control == nullptr) control = &no_control;
  control->socket = &socket;
  control->resolver = &resolver;

  asio::error_code ec;
  auto endpoints = co_await resolver.async_resolve(dial_host, std::to_string(dial_port),
                                                   tcp::resolver::numeric_service,
                                                   asio::redirect_error(kAwait, ec));
  if (!ec) co_await asio::async_connect(socket, endpoints, asio::redirect_error(kAwait, ec));
  if (watchdog.fired()) co_return Status::Timeout(dial_failure + timed_out);
  if (control->aborted) co_return Status::Unavailable(dial_failure + ": shutting down");
  if (ec) co_return Status::Unavailable(dial_failure + ": " + ec.message());

  if (via_proxy) {
    Status status = co_await Socks5Connect(socket, host, port);
    if (watchdog.fired())
      co_return Status::Timeout("cannot connect to " + target + " via SOCKS5" + timed_out);
    if (!status.ok()) {
      co_return Status::Error(status.code(),
                              "cannot connect to " + target + ": " + status.message());
    }
  }
  watchdog.Disarm();
  socket.set_option(tcp::no_delay(true), ec);

  control->socket = nullptr;
  control->resolver = nullptr;
  if (control->aborted) co_return Status::Unavailable(dial_failure + ": shutting down");
  net_internal::Pump pump(std::move(socket), conn, clock, {opts.idle_timeout_ms, target});
  control->pump = &pump;
  Status result = co_await pump.Run();
  control->pump = nullptr;
  co_return result;
}
#pragma GCC diagnostic pop

}  // namespace

namespace net_internal {

void DialControl::Abort() {
  aborted = true;
  asio::error_code ignored;
  if (resolver != nullptr) resolver->cancel();
  if (socket != nullptr) socket->close(ignored);
  if (pump != nullptr) pump->Abort();
}

asio::awaitable<Status> DialAndPump(const std::string& host, uint16_t port, Connection& conn,
                                    const Clock& clock, const ClientOptions& opts,
                                    DialControl* control) {
  return Dial(host, port, conn, clock, opts, control);
}

}  // namespace net_internal

Status RunClient(const std::string& host, uint16_t port, Connection& conn, const Clock& clock,
                 ClientOptions opts) {
  Status result = Status::Internal("client loop ended without a result");
  if (port == 0) {
    result =
        Status::InvalidArgument("cannot connect to " + FormatHostPort(host, port) + ": port 0");
  } else {
    asio::io_context io;
    asio::co_spawn(io, net_internal::DialAndPump(host, port, conn, clock, opts),
                   [&result](std::exception_ptr error, Status status) {
                     result = error ? Status::Internal("unexpected exception in the client")
                                    : std::move(status);
                   });
    try {
      io.run();
    } catch (...) {
      result = Status::Internal("client loop failed with an exception");
    }
  }
  conn.OnClosed(result);
  return result;
}

}  // namespace waypost
