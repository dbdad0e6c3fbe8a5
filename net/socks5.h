// SOCKS5 (RFC 1928) CONNECT with the "no authentication" method, as pure
// functions over bytes. client.cc drives them over a socket; tests drive them
// directly.
//
// The exchange, all integers big-endian:
//   client greeting   VER=5 NMETHODS=1 METHOD=0 (no auth)
//   method reply      VER=5 METHOD (0 = no auth; 0xFF = none acceptable)
//   connect request   VER=5 CMD=1 RSV=0 ATYP DST.ADDR DST.PORT(2)
//   connect reply     VER=5 REP RSV=0 ATYP BND.ADDR BND.PORT(2)
// ATYP 1 = IPv4 (4 bytes), 3 = domain name (1 length byte + 1..255 bytes),
// 4 = IPv6 (16 bytes). A hostname target is sent as ATYP 3, so the proxy
// resolves it: nothing about the target leaks to the local resolver.
#pragma once

#include <cstdint>
#include <string>

#include "core/bytes.h"
#include "core/status.h"

namespace waypost::socks5 {

// Spec constants (RFC 1928).
inline constexpr uint8_t kVersion = 0x05;
inline constexpr uint8_t kMethodNoAuth = 0x00;
inline constexpr uint8_t kMethodNoneAcceptable = 0xFF;
inline constexpr uint8_t kCommandConnect = 0x01;
inline constexpr uint8_t kAtypIpv4 = 0x01;
inline constexpr uint8_t kAtypDomain = 0x03;
inline constexpr uint8_t kAtypIpv6 = 0x04;
inline constexpr uint8_t kReplySucceeded = 0x00;

inline constexpr size_t kMethodReplySize = 2;
// Every connect reply is at least this long; enough to know its full length.
inline constexpr size_t kConnectReplyHeadSize = 5;

// The three-byte greeting offering only "no authentication".
Bytes EncodeGreeting();

// Checks the proxy's two-byte method choice.
Status ParseMethodReply(ByteView reply);

// The CONNECT request for host:port. An IPv4 or IPv6 literal (no brackets)
// becomes ATYP 1 or 4; anything else is sent as a domain name (ATYP 3).
// InvalidArgument if the name is empty or longer than 255 bytes, or port is 0.
Result<Bytes> EncodeConnectRequest(const std::string& host, uint16_t port);

// Given the first kConnectReplyHeadSize bytes of the connect reply, returns the
// reply's total length, or the error the reply reports (one per REP code).
Result<size_t> ConnectReplyLength(ByteView head);

// Checks a whole connect reply (exactly ConnectReplyLength bytes).
Status ParseConnectReply(ByteView reply);

// A short English phrase for a REP code, e.g. "connection refused".
std::string ReplyCodeText(uint8_t rep);

}  // namespace waypost::socks5
