#include "net/socks5.h"

#include <asio/ip/address.hpp>

namespace waypost::socks5 {
namespace {

constexpr size_t kMaxDomainLength = 255;  // one length byte

Status Malformed(std::string_view what) {
  return Status::Protocol("SOCKS5 proxy sent a malformed reply: " + std::string(what));
}

// How the proxy's refusal reads to the user; which Status code it maps to.
Status ReplyError(uint8_t rep) {
  std::string msg = "SOCKS5 proxy: " + ReplyCodeText(rep);
  switch (rep) {
    case 0x01:  // general failure
    case 0x02:  // not allowed by ruleset
    case 0x03:  // network unreachable
    case 0x04:  // host unreachable
    case 0x05:  // connection refused
      return Status::Unavailable(std::move(msg));
    case 0x06:  // TTL expired
      return Status::Timeout(std::move(msg));
    default:  // 0x07 command / 0x08 address type not supported, or unknown
      return Status::Protocol(std::move(msg));
  }
}

}  // namespace

Bytes EncodeGreeting() { return Bytes{kVersion, 0x01, kMethodNoAuth}; }

Status ParseMethodReply(ByteView reply) {
  if (reply.size() != kMethodReplySize) return Malformed("method reply has the wrong length");
  if (reply[0] != kVersion) return Malformed("not SOCKS version 5");
  if (reply[1] == kMethodNoneAcceptable) {
    return Status::Unavailable("SOCKS5 proxy requires authentication, which is not supported");
  }
  if (reply[1] != kMethodNoAuth) return Malformed("proxy chose a method that was not offered");
  return Status::Ok();
}

Result<Bytes> EncodeConnectRequest(const std::string& host, uint16_t port) {
  if (port == 0) return Status::InvalidArgument("SOCKS5 target port must not be 0");
  Bytes out{kVersion, kCommandConnect, 0x00};
  asio::error_code ec;
  asio::ip::address addr = asio::ip::make_address(host, ec);
  if (!ec && addr.is_v4()) {
    out.push_back(kAtypIpv4);
    auto b = addr.to_v4().to_bytes();
    out.insert(out.end(), b.begin(), b.end());
  } else if (!ec && addr.is_v6()) {
    out.push_back(kAtypIpv6);
    auto b = addr.to_v6().to_bytes();
    out.insert(out.end(), b.begin(), b.end());
  } else {
    if (host.empty()) return Status::InvalidArgument("SOCKS5 target host is empty");
    if (host.size() > kMaxDomainLength) {
      return Status::InvalidArgument("SOCKS5 target host name is longer than 255 bytes");
    }
    out.push_back(kAtypDomain);
    out.push_back(static_cast<uint8_t>(host.size()));
    Append(out, AsBytes(host));
  }
  PutU16(out, port);
  return out;
}

Result<size_t> ConnectReplyLength(ByteView head) {
  if (head.size() < kConnectReplyHeadSize) return Malformed("connect reply is too short");
  if (head[0] != kVersion) return Malformed("not SOCKS version 5");
  if (head[1] != kReplySucceeded) return ReplyError(head[1]);
  if (head[2] != 0x00) return Malformed("reserved byte is not zero");
  switch (head[3]) {
    case kAtypIpv4:
      return size_t{4 + 4 + 2};
    case kAtypIpv6:
      return size_t{4 + 16 + 2};
    case kAtypDomain:
      if (head[4] == 0) return Malformed("empty bound domain name");
      return size_t{4 + 1 + 2} + head[4];
    default:
      return Malformed("unknown address type");
  }
}

Status ParseConnectReply(ByteView reply) {
  WAYPOST_ASSIGN_OR_RETURN(size_t length, ConnectReplyLength(reply));
  if (reply.size() != length) return Malformed("connect reply has the wrong length");
  return Status::Ok();
}

std::string ReplyCodeText(uint8_t rep) {
  switch (rep) {
    case 0x00:
      return "succeeded";
    case 0x01:
      return "general failure";
    case 0x02:
      return "connection not allowed by ruleset";
    case 0x03:
      return "network unreachable";
    case 0x04:
      return "host unreachable";
    case 0x05:
      return "connection refused";
    case 0x06:
      return "TTL expired";
    case 0x07:
      return "command not supported";
    case 0x08:
      return "address type not supported";
    default:
      return "unknown reply code " + std::to_string(rep);
  }
}

}  // namespace waypost::socks5
