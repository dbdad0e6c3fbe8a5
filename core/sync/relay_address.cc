#include "core/sync/relay_address.h"

#include <arpa/inet.h>

#include <charconv>

#include "core/sync/constants.h"

namespace waypost::sync {
namespace {

bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }
bool IsAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// RFC 1123 host names; a dotted quad passes this check too and is then
// checked strictly as IPv4 when it is all digits.
Status CheckHostName(std::string_view host) {
  if (host.empty()) return Status::InvalidArgument("relay address has an empty host");
  if (host.size() > 253) return Status::InvalidArgument("relay address host is too long");
  bool all_numeric = true;
  size_t label_start = 0;
  for (size_t i = 0; i <= host.size(); ++i) {
    if (i == host.size() || host[i] == '.') {
      std::string_view label = host.substr(label_start, i - label_start);
      if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
        return Status::InvalidArgument("relay address host \"" + std::string(host) +
                                       "\" is not a valid host name");
      }
      label_start = i + 1;
      continue;
    }
    const char c = host[i];
    if (!IsAlnum(c) && c != '-') {
      return Status::InvalidArgument("relay address host \"" + std::string(host) +
                                     "\" has an invalid character");
    }
    if (!(c >= '0' && c <= '9')) all_numeric = false;
  }
  if (all_numeric) {
    in_addr v4;
    if (inet_pton(AF_INET, std::string(host).c_str(), &v4) != 1) {
      return Status::InvalidArgument("relay address host \"" + std::string(host) +
                                     "\" is not a valid IPv4 address");
    }
  }
  return Status::Ok();
}

Status CheckIpv6(std::string_view host) {
  in6_addr v6;
  if (host.empty() || inet_pton(AF_INET6, std::string(host).c_str(), &v6) != 1) {
    return Status::InvalidArgument("relay address host \"[" + std::string(host) +
                                   "]\" is not a valid IPv6 address");
  }
  return Status::Ok();
}

Result<uint16_t> ParsePort(std::string_view text) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || text.size() > 5 || ec != std::errc() || end != text.data() + text.size() ||
      value == 0 || value > 65535) {
    return Status::InvalidArgument("relay address port must be a number from 1 to 65535");
  }
  return static_cast<uint16_t>(value);
}

}  // namespace

Result<RelayAddress> ParseRelayAddress(std::string_view text) {
  if (text.substr(0, kRelayAddressPrefix.size()) != kRelayAddressPrefix) {
    return Status::InvalidArgument("relay address must start with \"wpr1:\"");
  }
  text.remove_prefix(kRelayAddressPrefix.size());
  const size_t at = text.find('@');
  if (at == std::string_view::npos) {
    return Status::InvalidArgument("relay address needs \"@HOST:PORT\" after the key");
  }
  const std::string_view key_hex = text.substr(0, at);
  if (key_hex.size() != 2 * kDhPublicSize) {
    return Status::InvalidArgument("relay address key must be 64 hex characters");
  }
  for (char c : key_hex) {
    if (!IsLowerHex(c)) {
      return Status::InvalidArgument("relay address key must be lowercase hex");
    }
  }
  RelayAddress out;
  out.public_key = *FromHex(key_hex);

  std::string_view hostport = text.substr(at + 1);
  std::string_view port_text;
  if (!hostport.empty() && hostport.front() == '[') {
    const size_t close = hostport.find(']');
    if (close == std::string_view::npos) {
      return Status::InvalidArgument("relay address has an unclosed '[' in its host");
    }
    out.host = std::string(hostport.substr(1, close - 1));
    WAYPOST_RETURN_IF_ERROR(CheckIpv6(out.host));
    if (close + 1 >= hostport.size() || hostport[close + 1] != ':') {
      return Status::InvalidArgument("relay address needs \":PORT\" after the host");
    }
    port_text = hostport.substr(close + 2);
  } else {
    const size_t colon = hostport.rfind(':');
    if (colon == std::string_view::npos) {
      return Status::InvalidArgument("relay address needs \":PORT\" after the host");
    }
    out.host = std::string(hostport.substr(0, colon));
    if (out.host.find(':') != std::string::npos) {
      return Status::InvalidArgument("relay address IPv6 hosts must be in brackets, e.g. [::1]");
    }
    WAYPOST_RETURN_IF_ERROR(CheckHostName(out.host));
    port_text = hostport.substr(colon + 1);
  }
  WAYPOST_ASSIGN_OR_RETURN(out.port, ParsePort(port_text));
  return out;
}

std::string FormatHostPort(std::string_view host, uint16_t port) {
  std::string h(host);
  if (h.find(':') != std::string::npos) h = "[" + h + "]";
  return h + ":" + std::to_string(port);
}

std::string FormatRelayAddress(const RelayAddress& address) {
  return std::string(kRelayAddressPrefix) + ToHex(address.public_key) + "@" +
         FormatHostPort(address.host, address.port);
}

}  // namespace waypost::sync
