// Who the client is behind proxies: trusted ranges, the three header families, right-to-left
// walking, and forged or malformed values that must change nothing.
#include "src/http/forwarded.hpp"

#include <gtest/gtest.h>

#include "src/http/exchange.hpp"

namespace {

using bb::http::AddressSet;
using bb::http::resolve_client;

boost::beast::http::fields headers(std::initializer_list<std::pair<const char*, const char*>> list) {
  boost::beast::http::fields f;
  for (auto [k, v] : list) f.insert(k, v);
  return f;
}

TEST(Forwarded, AddressSetsMatchCidrRangesOfBothFamilies) {
  auto set = AddressSet::parse({"127.0.0.1/32", "10.0.0.0/8", "192.168.1.7", "fd00::/8", "172.16.0.0/12"});
  for (auto ip : {"127.0.0.1", "10.200.3.4", "192.168.1.7", "fd12::1", "::ffff:10.0.0.1", "172.31.255.255"})
    EXPECT_TRUE(set.contains(ip)) << ip;
  for (auto ip : {"127.0.0.2", "11.0.0.1", "192.168.1.8", "fe80::1", "172.32.0.0", "", "not an ip", "10.0.0.1/8"})
    EXPECT_FALSE(set.contains(ip)) << ip;
  EXPECT_TRUE(AddressSet::parse({}).empty());
  EXPECT_FALSE(AddressSet::parse({}).contains("127.0.0.1"));
  EXPECT_TRUE(AddressSet::parse({"0.0.0.0/0"}).contains("203.0.113.9"));
  EXPECT_FALSE(AddressSet::parse({"0.0.0.0/0"}).contains("2001:db8::1")) << "an IPv4 range holds no IPv6 address";
  for (auto bad : {"10.0.0.0/33", "::/129", "localhost", "10.0.0.0/", "10.0.0.0/x", "1.2.3"})
    EXPECT_THROW(AddressSet::parse({bad}), std::invalid_argument) << bad;
}

TEST(Forwarded, AnUntrustedPeersHeadersChangeNothing) {
  auto trusted = AddressSet::parse({"127.0.0.1/32"});
  auto h = headers({{"Host", "app.example"}, {"X-Forwarded-For", "203.0.113.9"}, {"X-Forwarded-Proto", "https"},
                    {"X-Forwarded-Host", "evil.example"}, {"Forwarded", "for=198.51.100.1;proto=https"}});
  auto v = resolve_client(trusted, "192.0.2.50", h);
  EXPECT_EQ(v.ip, "192.0.2.50");
  EXPECT_EQ(v.scheme, "http");
  EXPECT_EQ(v.host, "app.example");
  v = resolve_client(AddressSet(), "127.0.0.1", h);  // nothing trusted: not even loopback
  EXPECT_EQ(v.ip, "127.0.0.1");
  EXPECT_EQ(v.scheme, "http");
}

TEST(Forwarded, XForwardedForIsWalkedRightToLeftSkippingTrustedHops) {
  auto trusted = AddressSet::parse({"127.0.0.1/32", "10.0.0.0/8"});
  // The client forged the first entry; our proxies are 10.0.0.5 then 127.0.0.1.
  auto h = headers({{"Host", "api.example.com"}, {"X-Forwarded-For", "6.6.6.6, 203.0.113.9"},
                    {"X-Forwarded-For", "10.0.0.5"}, {"X-Forwarded-Proto", "https"}, {"X-Forwarded-Host", "API.example.com"}});
  auto v = resolve_client(trusted, "127.0.0.1", h);
  EXPECT_EQ(v.ip, "203.0.113.9");
  EXPECT_EQ(v.scheme, "https");
  EXPECT_EQ(v.host, "api.example.com");
  // Every hop trusted: the leftmost is the best we know.
  v = resolve_client(trusted, "127.0.0.1", headers({{"X-Forwarded-For", "10.1.1.1, 10.0.0.5"}}));
  EXPECT_EQ(v.ip, "10.1.1.1");
  // X-Real-IP when there is no X-Forwarded-For.
  v = resolve_client(trusted, "127.0.0.1", headers({{"X-Real-IP", " 198.51.100.7 "}}));
  EXPECT_EQ(v.ip, "198.51.100.7");
  // IPv6 entries, bracketed or not, and mapped IPv4.
  v = resolve_client(trusted, "::ffff:127.0.0.1", headers({{"X-Forwarded-For", "[2001:db8::7]:443"}}));
  EXPECT_EQ(v.ip, "2001:db8::7");
  v = resolve_client(trusted, "127.0.0.1", headers({{"X-Forwarded-For", "::ffff:198.51.100.8"}}));
  EXPECT_EQ(v.ip, "198.51.100.8");
}

TEST(Forwarded, Rfc7239ForwardedWinsAndCarriesProtoAndHostPerHop) {
  auto trusted = AddressSet::parse({"127.0.0.1/32", "10.0.0.0/8"});
  auto h = headers({{"Host", "internal:3000"},
                    {"Forwarded", "for=192.0.2.60;proto=https;host=shop.example, for=\"[2001:db8:cafe::17]:4711\""},
                    {"Forwarded", "for=10.0.0.9;proto=http;host=internal"},
                    {"X-Forwarded-For", "6.6.6.6"}});
  auto v = resolve_client(trusted, "127.0.0.1", h);
  EXPECT_EQ(v.ip, "2001:db8:cafe::17");
  EXPECT_EQ(v.scheme, "http") << "the hop that named the client has no proto: the default";
  v = resolve_client(AddressSet::parse({"127.0.0.1/32", "10.0.0.0/8", "2001:db8:cafe::/48"}), "127.0.0.1", h);
  EXPECT_EQ(v.ip, "192.0.2.60");
  EXPECT_EQ(v.scheme, "https");
  EXPECT_EQ(v.host, "shop.example");
}

TEST(Forwarded, MalformedValuesStopTheWalkAtTheLastProxy) {
  auto trusted = AddressSet::parse({"127.0.0.1/32"});
  for (auto value : {"unknown", "_hidden", "<script>", "999.1.1.1", "", " , "}) {
    auto v = resolve_client(trusted, "127.0.0.1", headers({{"X-Forwarded-For", value}}));
    EXPECT_EQ(v.ip, "127.0.0.1") << value;
  }
  auto v = resolve_client(trusted, "127.0.0.1", headers({{"X-Forwarded-Proto", "gopher"}, {"X-Forwarded-Host", "a/b@evil"}, {"Host", "ok.example"}}));
  EXPECT_EQ(v.scheme, "http");
  EXPECT_EQ(v.host, "ok.example");
}

TEST(Forwarded, TheExchangeResolvesOnceAndReportsForwardingHeaders) {
  auto trusted = AddressSet::parse({"127.0.0.1/32"});
  bb::http::Exchange ex([] {});
  ex.configure(&trusted, nullptr);
  bb::http::Exchange::Message m;
  m.set("Host", "localhost:3000");
  ex.reset(std::move(m), "127.0.0.1");
  EXPECT_FALSE(ex.forwarded());
  EXPECT_TRUE(ex.from_this_machine());
  EXPECT_EQ(ex.origin(), "http://localhost:3000");
  bb::http::Exchange::Message proxied;
  proxied.set("Host", "localhost:3000");
  proxied.set("X-Forwarded-For", "203.0.113.9");
  proxied.set("X-Forwarded-Proto", "https");
  ex.reset(std::move(proxied), "127.0.0.1");
  EXPECT_TRUE(ex.forwarded());
  EXPECT_FALSE(ex.from_this_machine()) << "a proxy on this machine relays strangers";
  EXPECT_EQ(ex.ip(), "203.0.113.9");
  EXPECT_EQ(ex.peer_ip(), "127.0.0.1");
  EXPECT_EQ(ex.scheme(), "https");
  EXPECT_TRUE(ex.is_own_origin("https://localhost:3000"));
  EXPECT_FALSE(ex.is_own_origin("http://localhost:3000"));
}

}  // namespace
