// Relays in memory: a real RelayService (core/sync/relay_service.h) over a
// real SQLCipher store in a temporary directory, reached through a Dialer
// (core/dialer.h) that pumps bytes in memory instead of over TCP. The sync
// round (core/node/sync_round.h) and the CLI (tests/cli/) run against it
// unchanged; the real TCP path is tested in tests/net/ and tests/integration/.
#pragma once

#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>

#include "core/dialer.h"
#include "core/node/node.h"
#include "core/sync/relay_address.h"
#include "core/sync/relay_service.h"
#include "tests/kit/pump.h"
#include "tests/kit/temp_dir.h"

namespace waypost::testing {

// One relay: a node home with role relay, serving its envelopes table.
class MemoryRelay {
 public:
  // Whom it admits: anyone (most tests), or only members of the teams it
  // is told to serve (ServeTeam), as `waypost relay --team` does.
  enum class Admits { kAnyone, kTeamsOnly };
  // `host` is only a name in the MemoryDialer's book; nothing resolves it.
  MemoryRelay(std::string host, const Clock& clock, Random& random, Admits admits = Admits::kAnyone)
      : host_(std::move(host)) {
    auto node = node::Node::Create(dir_.File("relay"), Secret::FromString("relay passphrase"),
                                   store::KdfProfile::kInteractive, "relay", node::Role::kRelay,
                                   clock, random);
    if (!node.ok()) throw std::runtime_error(node.status().message());
    node_ = std::move(node).value();
    auto service = node_->ServeRelay();
    if (!service.ok()) throw std::runtime_error(service.status().message());
    service_ = std::move(service).value();
    // Admission has tests of its own (tests/core/sync/relay_admission_test.cc,
    // tests/integration/team_test.cc); most relays here serve whoever dials.
    if (admits == Admits::kAnyone) service_->OpenToAnyone();
  }

  const std::string& host() const { return host_; }
  uint16_t port() const { return 7447; }
  // wpr1:KEY@HOST:7447
  std::string address() const {
    return sync::FormatRelayAddress({service_->identity().public_key, host_, port()});
  }
  sync::RelayService& service() { return *service_; }
  // How many envelopes it holds.
  int64_t Count() { return service_->store().Count().value(); }

 private:
  std::string host_;
  TempDir dir_;
  std::unique_ptr<node::Node> node_;
  std::unique_ptr<sync::RelayService> service_;
};

// Dials the relays it knows by HOST:PORT and pumps each exchange in memory,
// in seeded random chunks. An unknown address is Unavailable, as a refused
// TCP connection is.
class MemoryDialer final : public Dialer {
 public:
  explicit MemoryDialer(uint32_t seed = 1) : rng_(seed) {}

  void Add(MemoryRelay& relay) {
    relays_[sync::FormatHostPort(relay.host(), relay.port())] = &relay;
  }
  void Remove(const MemoryRelay& relay) {
    relays_.erase(sync::FormatHostPort(relay.host(), relay.port()));
  }

  Status Run(const std::string& host, uint16_t port, Connection& conn) override {
    const std::string target = sync::FormatHostPort(host, port);
    const auto it = relays_.find(target);
    Status status = Status::Unavailable("cannot connect to " + target + ": Connection refused");
    if (it != relays_.end()) status = Exchange(target, *it->second, conn);
    conn.OnClosed(status);
    return status;
  }

 private:
  Status Exchange(const std::string& target, MemoryRelay& relay, Connection& conn) {
    std::unique_ptr<Connection> session = relay.service().NewSession();
    WAYPOST_RETURN_IF_ERROR(session->OnStart(0));
    WAYPOST_RETURN_IF_ERROR(conn.OnStart(0));
    const PumpResult result = Pump(conn, *session, rng_);
    session->OnClosed(result.b.ok() ? Status::Ok() : result.b);
    if (!result.a.ok()) return result.a;
    if (!conn.IsDone()) return Status::Unavailable(target + " closed the connection");
    return Status::Ok();
  }

  std::map<std::string, MemoryRelay*> relays_;
  std::mt19937 rng_;
};

}  // namespace waypost::testing
