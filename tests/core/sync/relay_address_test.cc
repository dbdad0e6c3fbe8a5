#include "core/sync/relay_address.h"

#include <gtest/gtest.h>

#include "tests/kit/status.h"

namespace waypost::sync {
namespace {

const std::string kKey = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

TEST(RelayAddressTest, ParsesNamesAndAddresses) {
  struct Case {
    std::string text, host;
    uint16_t port;
  };
  for (const Case& c :
       {Case{"relay.example.org:443", "relay.example.org", 443},
        Case{"localhost:1", "localhost", 1}, Case{"192.0.2.7:65535", "192.0.2.7", 65535},
        Case{"[::1]:8443", "::1", 8443}, Case{"[2001:db8::42]:7000", "2001:db8::42", 7000},
        Case{"abcdefghij.onion:9000", "abcdefghij.onion", 9000}}) {
    auto a = ParseRelayAddress("wpr1:" + kKey + "@" + c.text);
    ASSERT_OK(a) << c.text << ": " << a.status().message();
    EXPECT_EQ(ToHex(a->public_key), kKey);
    EXPECT_EQ(a->host, c.host);
    EXPECT_EQ(a->port, c.port);
    EXPECT_EQ(FormatRelayAddress(*a), "wpr1:" + kKey + "@" + c.text);
    auto again = ParseRelayAddress(FormatRelayAddress(*a));
    ASSERT_OK(again);
    EXPECT_EQ(*again, *a);
  }
}

TEST(RelayAddressTest, RejectsMalformedWithClearErrors) {
  const std::string upper = "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff";
  struct Case {
    std::string text, message_part;
  };
  for (const Case& c : {
           Case{"", "wpr1:"},
           Case{"wpr2:" + kKey + "@h:1", "wpr1:"},
           Case{"wpr1:" + kKey, "@HOST:PORT"},
           Case{"wpr1:" + kKey.substr(2) + "@h:1", "64 hex"},
           Case{"wpr1:" + kKey + "00@h:1", "64 hex"},
           Case{"wpr1:" + upper + "@h:1", "lowercase"},
           Case{"wpr1:" + kKey.substr(0, 63) + "g@h:1", "lowercase hex"},
           Case{"wpr1:" + kKey + "@h", ":PORT"},
           Case{"wpr1:" + kKey + "@:80", "empty host"},
           Case{"wpr1:" + kKey + "@h:0", "port"},
           Case{"wpr1:" + kKey + "@h:65536", "port"},
           Case{"wpr1:" + kKey + "@h:80x", "port"},
           Case{"wpr1:" + kKey + "@h:", "port"},
           Case{"wpr1:" + kKey + "@h:-1", "port"},
           Case{"wpr1:" + kKey + "@bad_host:80", "invalid character"},
           Case{"wpr1:" + kKey + "@-bad.org:80", "not a valid host name"},
           Case{"wpr1:" + kKey + "@a..b:80", "not a valid host name"},
           Case{"wpr1:" + kKey + "@256.1.1.1:80", "IPv4"},
           Case{"wpr1:" + kKey + "@1.2.3:80", "IPv4"},
           Case{"wpr1:" + kKey + "@::1:80", "brackets"},
           Case{"wpr1:" + kKey + "@[::1:80", "unclosed"},
           Case{"wpr1:" + kKey + "@[nothex::1]:80", "IPv6"},
           Case{"wpr1:" + kKey + "@[]:80", "IPv6"},
           Case{"wpr1:" + kKey + "@[::1]80", ":PORT"},
       }) {
    auto a = ParseRelayAddress(c.text);
    ASSERT_FALSE(a.ok()) << c.text;
    EXPECT_EQ(a.status().code(), Status::Code::kInvalidArgument) << c.text;
    EXPECT_NE(a.status().message().find(c.message_part), std::string::npos)
        << c.text << " -> " << a.status().message();
  }
}

}  // namespace
}  // namespace waypost::sync
