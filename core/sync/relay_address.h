// Relay addresses: how a relay is named, with the key that proves it.
//
//   wpr1:<64 lowercase hex: the relay's static X25519 public key>@HOST:PORT
//
// HOST is a DNS name, a dotted IPv4 address or a bracketed IPv6 address
// ("[::1]"). Because the key is part of the address, whoever answers at
// HOST:PORT must prove it holds that key (SecureChannel pins it), so no one
// can stand in for a relay.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/status.h"

namespace waypost::sync {

inline constexpr std::string_view kRelayAddressPrefix = "wpr1:";

struct RelayAddress {
  Bytes public_key;  // 32 bytes
  std::string host;  // without brackets, even for IPv6
  uint16_t port = 0;

  bool operator==(const RelayAddress&) const = default;
};

// Parses `text`. InvalidArgument, saying what is wrong, on any malformed part.
Result<RelayAddress> ParseRelayAddress(std::string_view text);

// "HOST:PORT", with brackets around an IPv6 host: for messages, and the
// inverse of net/'s ParseHostPort.
std::string FormatHostPort(std::string_view host, uint16_t port);

// The canonical text form; IPv6 hosts get brackets. Parse(Format(a)) == a for
// every address Parse accepts.
std::string FormatRelayAddress(const RelayAddress& address);

}  // namespace waypost::sync
