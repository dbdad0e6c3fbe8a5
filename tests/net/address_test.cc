#include "net/address.h"

#include <gtest/gtest.h>

#include "tests/kit/status.h"

namespace waypost {
namespace {

TEST(ParseHostPort, AcceptsHostnamesAndLiterals) {
  struct Case {
    const char* text;
    const char* host;
    uint16_t port;
  } cases[] = {
      {"127.0.0.1:7400", "127.0.0.1", 7400},
      {"relay.example.org:443", "relay.example.org", 443},
      {"localhost:0", "localhost", 0},
      {"[::1]:65535", "::1", 65535},
      {"[fe80::1%eth0]:80", "fe80::1%eth0", 80},
  };
  for (const Case& c : cases) {
    Result<HostPort> r = ParseHostPort(c.text);
    ASSERT_OK(r) << c.text << ": " << r.status().message();
    EXPECT_EQ(r->host, c.host);
    EXPECT_EQ(r->port, c.port);
    EXPECT_EQ(FormatHostPort(r->host, r->port), c.text);
  }
}

TEST(ParseHostPort, RejectsMalformedWithReasons) {
  struct Case {
    const char* text;
    const char* reason;
  } cases[] = {
      {"", "empty"},
      {"localhost", "missing ':PORT'"},
      {"localhost:", "missing port"},
      {":80", "missing host"},
      {"::1:80", "need brackets"},
      {"[::1]80", "expected ':PORT'"},
      {"[::1:80", "missing ']'"},
      {"[not-v6]:80", "not an IPv6"},
      {"host:65536", "0-65535"},
      {"host:8o", "decimal"},
      {"host:-1", "decimal"},
      {"bad host:1", "letters, digits"},
  };
  for (const Case& c : cases) {
    Result<HostPort> r = ParseHostPort(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument) << c.text;
    EXPECT_NE(r.status().message().find(c.reason), std::string::npos)
        << c.text << " -> " << r.status().message();
  }
}

}  // namespace
}  // namespace waypost
