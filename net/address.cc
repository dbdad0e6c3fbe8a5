#include "net/address.h"

#include <asio/ip/address.hpp>
#include <charconv>

namespace waypost {
namespace {

constexpr size_t kMaxHostnameLength = 253;  // RFC 1035 §2.3.4, dotted form

Status Invalid(std::string_view text, std::string_view why) {
  return Status::InvalidArgument("bad address \"" + std::string(text) + "\": " + std::string(why));
}

bool IsHostnameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

Result<uint16_t> ParsePort(std::string_view text, std::string_view port) {
  if (port.empty()) return Invalid(text, "missing port after ':'");
  if (port.size() > 5) return Invalid(text, "port must be 0-65535");
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size()) {
    return Invalid(text, "port must be a decimal number");
  }
  if (value > 65535) return Invalid(text, "port must be 0-65535");
  return static_cast<uint16_t>(value);
}

}  // namespace

Result<HostPort> ParseHostPort(std::string_view text) {
  if (text.empty()) return Invalid(text, "empty; expected HOST:PORT");
  HostPort out;
  std::string_view rest;
  if (text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return Invalid(text, "missing ']' after IPv6 address");
    out.host = std::string(text.substr(1, close - 1));
    asio::error_code ec;
    asio::ip::make_address_v6(out.host, ec);
    if (ec) return Invalid(text, "not an IPv6 address inside [ ]");
    rest = text.substr(close + 1);
    if (rest.empty() || rest.front() != ':') return Invalid(text, "expected ':PORT' after ']'");
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return Invalid(text, "missing ':PORT'");
    if (text.find(':') != colon)
      return Invalid(text, "IPv6 addresses need brackets, as in [::1]:7400");
    out.host = std::string(text.substr(0, colon));
    if (out.host.empty()) return Invalid(text, "missing host before ':'");
    if (out.host.size() > kMaxHostnameLength) return Invalid(text, "host name is too long");
    for (char c : out.host) {
      if (!IsHostnameChar(c))
        return Invalid(text, "host may only hold letters, digits, '-', '.' and '_'");
    }
    rest = text.substr(colon);
  }
  WAYPOST_ASSIGN_OR_RETURN(out.port, ParsePort(text, rest.substr(1)));
  return out;
}

}  // namespace waypost
