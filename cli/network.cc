#include "cli/network.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "net/client.h"

namespace waypost::cli {

Result<HostPort> ParseProxyUrl(std::string_view url) {
  constexpr std::string_view kScheme = "socks5://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    return Status::InvalidArgument("a proxy reads like socks5://127.0.0.1:9050, not \"" +
                                   std::string(url) + "\"");
  }
  return ParseHostPort(url.substr(kScheme.size()));
}

Result<std::optional<HostPort>> ChooseProxy(const std::string& flag, const std::string& saved) {
  if (!flag.empty()) {
    WAYPOST_ASSIGN_OR_RETURN(HostPort proxy, ParseHostPort(flag));
    return std::optional<HostPort>(proxy);
  }
  if (saved.empty()) return std::optional<HostPort>();
  WAYPOST_ASSIGN_OR_RETURN(HostPort proxy, ParseProxyUrl(saved));
  return std::optional<HostPort>(proxy);
}

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
  if (extra.max_connections > 0) options.max_connections = extra.max_connections;
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<Server> server,
                           Server::Listen(host, port, std::move(factory), clock_, options));
  listening(server->port());
  return server->Run();
}

namespace {

// SIGINT and SIGTERM, once Pause() has run, write a byte here: whichever
// thread the signal lands on, the next (or current) Pause sees it.
int g_stop_pipe[2] = {-1, -1};

void OnStop(int /*signal*/) {
  const char byte = 1;
  (void)!write(g_stop_pipe[1], &byte, 1);
}

}  // namespace

bool TcpNetwork::Pause(int64_t ms) {
  if (g_stop_pipe[0] < 0) {
    if (pipe2(g_stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return false;
    struct sigaction stop {};
    stop.sa_handler = OnStop;
    sigemptyset(&stop.sa_mask);
    stop.sa_flags = SA_RESTART;
    sigaction(SIGINT, &stop, nullptr);
    sigaction(SIGTERM, &stop, nullptr);
  }
  const int64_t end = clock_.MonotonicMs() + ms;
  while (true) {
    const int64_t left = std::max<int64_t>(0, end - clock_.MonotonicMs());
    pollfd stop{g_stop_pipe[0], POLLIN, 0};
    const int ready = poll(&stop, 1, static_cast<int>(std::min<int64_t>(left, 60'000)));
    if (ready > 0) return false;  // the byte stays: every later Pause says stop too
    if (ready < 0 && errno != EINTR) return false;
    if (left == 0 || clock_.MonotonicMs() >= end) return true;
  }
}

Status TcpNetwork::RunHook(const std::string& command, const std::string& input) {
  FILE* pipe = popen(command.c_str(), "w");  // /bin/sh -c command
  if (pipe == nullptr) return Status::IoError("cannot run the --on-alert command");
  const bool written = fwrite(input.data(), 1, input.size(), pipe) == input.size();
  const int status = pclose(pipe);
  if (!written || status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Status::IoError("the --on-alert command failed (exit status " +
                           std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
  }
  return Status::Ok();
}

}  // namespace waypost::cli
