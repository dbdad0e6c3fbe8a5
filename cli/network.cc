#include "cli/network.h"

#include <utility>

#include "net/client.h"

namespace waypost::cli {

namespace {

ClientOptions ClientOptionsFrom(const DialOptions& options) {
  ClientOptions client;
  client.connect_timeout_ms = client.idle_timeout_ms = options.timeout_ms;
  if (options.socks5) client.socks5 = std::make_pair(options.socks5->host, options.socks5->port);
  return client;
}

}  // namespace

std::unique_ptr<Dialer> TcpNetwork::NewDialer(const DialOptions& options) {
  return std::make_unique<TcpDialer>(clock_, ClientOptionsFrom(options));
}

Status TcpNetwork::Serve(const std::string& host, uint16_t port, ConnectionFactory factory,
                         const std::function<void(uint16_t port)>& listening, NetLog log,
                         const ServeOptions& extra) {
  ServerOptions options;
  options.log = std::move(log);
  options.outbound = extra.outbound;
  options.dial = ClientOptionsFrom(extra.dial);
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<Server> server,
                           Server::Listen(host, port, std::move(factory), clock_, options));
  listening(server->port());
  return server->Run();
}

}  // namespace waypost::cli
