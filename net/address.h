// "HOST:PORT" text <-> {host, port}, as typed on command lines and in configs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/sync/relay_address.h"

namespace waypost {

struct HostPort {
  std::string host;  // a hostname, an IPv4 literal, or an IPv6 literal without brackets
  uint16_t port = 0;
};

// Accepts "host:port", "1.2.3.4:port" and "[v6]:port" (a zone such as
// "[fe80::1%eth0]:80" is allowed). Port 0 is accepted: it means "any free
// port" to a listener, and a connector rejects it itself. Everything else
// gives InvalidArgument saying what was wrong.
Result<HostPort> ParseHostPort(std::string_view text);

// The inverse, sync::FormatHostPort, lives in core: messages there use it too.
using sync::FormatHostPort;

}  // namespace waypost
