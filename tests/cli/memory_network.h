// The CLI's Network (cli/network.h) in memory: dials the MemoryRelays a
// transcript starts (tests/kit/memory_relay.h). It cannot listen: the
// `relay` command's serving path is tested over real TCP in
// tests/integration/; here only its errors are.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cli/network.h"
#include "tests/kit/memory_relay.h"

namespace waypost::testing {

class MemoryNetwork final : public cli::Network {
 public:
  void Add(MemoryRelay& relay) { dialer_.Add(relay); }

  std::unique_ptr<Dialer> NewDialer(const cli::DialOptions& /*options*/) override {
    return std::make_unique<Forward>(dialer_);
  }
  Status Serve(const std::string& host, uint16_t port, ConnectionFactory /*factory*/,
               const std::function<void(uint16_t)>& /*listening*/, NetLog /*log*/,
               const cli::ServeOptions& /*extra*/) override {
    return Status::Unavailable("cannot listen on " + sync::FormatHostPort(host, port) +
                               ": the test network has no sockets");
  }
  // No time passes and nothing asks to stop: `watch --rounds N` ends a
  // transcript's watch.
  bool Pause(int64_t /*ms*/) override { return true; }
  // A hook's input is kept for the transcript to print (`hooks`).
  Status RunHook(const std::string& command, const std::string& input) override {
    std::string line = input;
    if (!line.empty() && line.back() == '\n') line.pop_back();  // the one JSON line
    hooks.push_back(command + " <- " + line);
    return Status::Ok();
  }
  std::vector<std::string> hooks;

 private:
  // Every dialer shares the one book of relays.
  class Forward final : public Dialer {
   public:
    explicit Forward(MemoryDialer& to) : to_(to) {}
    Status Run(const std::string& host, uint16_t port, Connection& conn) override {
      return to_.Run(host, port, conn);
    }

   private:
    MemoryDialer& to_;
  };

  MemoryDialer dialer_;
};

}  // namespace waypost::testing
