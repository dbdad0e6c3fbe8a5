#include "net/socks5.h"

#include <gtest/gtest.h>

#include "tests/kit/status.h"

namespace waypost::socks5 {
namespace {

TEST(Socks5, GreetingOffersOnlyNoAuth) { EXPECT_EQ(EncodeGreeting(), (Bytes{5, 1, 0})); }

TEST(Socks5, MethodReply) {
  EXPECT_OK(ParseMethodReply(Bytes{5, 0}));
  EXPECT_EQ(ParseMethodReply(Bytes{5, 0xFF}).code(), Status::Code::kUnavailable);
  EXPECT_EQ(ParseMethodReply(Bytes{5, 2}).code(), Status::Code::kProtocol);  // not offered
  EXPECT_EQ(ParseMethodReply(Bytes{4, 0}).code(), Status::Code::kProtocol);
  EXPECT_EQ(ParseMethodReply(Bytes{5}).code(), Status::Code::kProtocol);
}

TEST(Socks5, ConnectRequestIpv4) {
  Result<Bytes> r = EncodeConnectRequest("10.1.2.3", 7400);
  ASSERT_OK(r);
  EXPECT_EQ(*r, (Bytes{5, 1, 0, 1, 10, 1, 2, 3, 0x1C, 0xE8}));
}

TEST(Socks5, ConnectRequestIpv6) {
  Result<Bytes> r = EncodeConnectRequest("::1", 443);
  ASSERT_OK(r);
  Bytes want{5, 1, 0, 4};
  want.insert(want.end(), 15, 0);
  want.push_back(1);
  want.push_back(0x01);
  want.push_back(0xBB);
  EXPECT_EQ(*r, want);
}

TEST(Socks5, ConnectRequestDomainIsNotResolvedLocally) {
  Result<Bytes> r = EncodeConnectRequest("abc.onion", 80);
  ASSERT_OK(r);
  Bytes want{5, 1, 0, 3, 9};
  Append(want, AsBytes("abc.onion"));
  want.push_back(0);
  want.push_back(80);
  EXPECT_EQ(*r, want);
}

TEST(Socks5, ConnectRequestLimits) {
  EXPECT_OK(EncodeConnectRequest(std::string(255, 'a'), 1));
  EXPECT_EQ(EncodeConnectRequest(std::string(256, 'a'), 1).status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(EncodeConnectRequest("", 1).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(EncodeConnectRequest("host", 0).status().code(), Status::Code::kInvalidArgument);
}

TEST(Socks5, ConnectReplySuccessLengths) {
  Bytes v4{5, 0, 0, 1, 127, 0, 0, 1, 0x12, 0x34};
  ASSERT_OK(ConnectReplyLength(v4));
  EXPECT_EQ(*ConnectReplyLength(v4), 10u);
  EXPECT_OK(ParseConnectReply(v4));

  Bytes v6{5, 0, 0, 4};
  v6.insert(v6.end(), 18, 0);
  EXPECT_EQ(*ConnectReplyLength(v6), 22u);
  EXPECT_OK(ParseConnectReply(v6));

  Bytes domain{5, 0, 0, 3, 3, 'a', 'b', 'c', 0, 80};
  EXPECT_EQ(*ConnectReplyLength(domain), 10u);
  EXPECT_OK(ParseConnectReply(domain));
}

TEST(Socks5, ConnectReplyFailureCodes) {
  struct Case {
    uint8_t rep;
    Status::Code code;
    const char* text;
  } cases[] = {
      {1, Status::Code::kUnavailable, "general failure"},
      {2, Status::Code::kUnavailable, "not allowed by ruleset"},
      {3, Status::Code::kUnavailable, "network unreachable"},
      {4, Status::Code::kUnavailable, "host unreachable"},
      {5, Status::Code::kUnavailable, "connection refused"},
      {6, Status::Code::kTimeout, "TTL expired"},
      {7, Status::Code::kProtocol, "command not supported"},
      {8, Status::Code::kProtocol, "address type not supported"},
      {9, Status::Code::kProtocol, "unknown reply code 9"},
  };
  for (const Case& c : cases) {
    Bytes reply{5, c.rep, 0, 1, 0, 0, 0, 0, 0, 0};
    Status s = ParseConnectReply(reply);
    EXPECT_EQ(s.code(), c.code) << int(c.rep);
    EXPECT_NE(s.message().find(c.text), std::string::npos) << s.message();
  }
}

TEST(Socks5, ConnectReplyMalformed) {
  const Bytes cases[] = {
      {5, 0, 0, 1},                       // too short to know the length
      {4, 0, 0, 1, 0, 0, 0, 0, 0, 0},     // wrong version
      {5, 0, 1, 1, 0, 0, 0, 0, 0, 0},     // reserved byte set
      {5, 0, 0, 2, 0, 0, 0, 0, 0, 0},     // unknown ATYP
      {5, 0, 0, 3, 0, 0, 0},              // empty domain
      {5, 0, 0, 1, 0, 0, 0, 0, 0},        // one byte short
      {5, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0},  // one byte long
  };
  for (const Bytes& reply : cases) {
    EXPECT_EQ(ParseConnectReply(reply).code(), Status::Code::kProtocol) << ToHex(reply);
  }
}

}  // namespace
}  // namespace waypost::socks5
