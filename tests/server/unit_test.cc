// Unit tests of the server's Beast-free pieces: the error table, scopes, authentication, the
// token bucket and the router.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "gongjian/server/auth.h"
#include "gongjian/server/error.h"
#include "gongjian/server/rate_limiter.h"
#include "gongjian/server/router.h"

namespace gongjian::server {
namespace {

TEST(ErrorTable, EveryKindHasItsStatusAndName) {
  const std::vector<std::tuple<error_kind, int, std::string_view>> table = {
      {error_kind::invalid_input, 400, "invalid_input"},   {error_kind::unauthenticated, 401, "unauthenticated"},
      {error_kind::forbidden, 403, "forbidden"},           {error_kind::not_found, 404, "not_found"},
      {error_kind::method_not_allowed, 405, "method_not_allowed"}, {error_kind::conflict, 409, "conflict"},
      {error_kind::too_large, 413, "too_large"},           {error_kind::rule_violation, 422, "rule_violation"},
      {error_kind::rate_limited, 429, "rate_limited"},     {error_kind::internal, 500, "internal"},
      {error_kind::unavailable, 503, "unavailable"},
  };
  for (const auto& [kind, status, name] : table) {
    EXPECT_EQ(http_status(kind), status) << name;
    EXPECT_EQ(code_name(kind), name);
  }
}

TEST(ErrorTable, JsonShape) {
  auto v = boost::json::parse(to_json(api_error{error_kind::rule_violation, "three formal members needed", "orgs",
                                                "standalone needs 3 formal members", "standalone_requires_three"}));
  const auto& e = v.at("error");
  EXPECT_EQ(e.at("code"), "standalone_requires_three");
  EXPECT_EQ(e.at("kind"), "rule_violation");
  EXPECT_EQ(e.at("message"), "three formal members needed");
  EXPECT_EQ(e.at("field"), "orgs");
  EXPECT_EQ(e.at("rule"), "standalone needs 3 formal members");

  auto bare = boost::json::parse(to_json(api_error{error_kind::not_found, "no route", "", ""}));
  EXPECT_EQ(bare.at("error").at("code"), "not_found");
  EXPECT_FALSE(bare.at("error").as_object().contains("field"));
}

// One row per (scope, code): national, province, city, county and office scopes, and malformed
// input on either side, which covers nothing.
TEST(Scope, CoversExactlyItsOwnSubtree) {
  struct row {
    const char* scope;
    const char* code;
    bool covered;
  };
  const row rows[] = {
      {"000000", "110000", true},     {"000000", "650102", true},     {"000000", "110101001", true},
      {"000000", "000000", true},     {"110000", "110000", true},     {"110000", "110100", true},
      {"110000", "110105", true},     {"110000", "110105003", true},  {"110000", "120000", false},
      {"110000", "000000", false},    {"320500", "320505", true},     {"320500", "320505002", true},
      {"320500", "320500", true},     {"320500", "320600", false},    {"320500", "320000", false},  // not its province
      {"320505", "320505", true},     {"320505", "320505002", true},  {"320505", "320506", false},
      {"320505", "320500", false},    {"320505002", "320505002", true}, {"320505002", "320505003", false},
      {"320505002", "320505", false}, {"", "110000", false},          {"11", "110000", false},
      {"11000a", "110000", false},    {"110000", "11", false},        {"110000", "11x000", false},
      {"000000", "", false},
  };
  for (const auto& r : rows) EXPECT_EQ(scope_covers(r.scope, r.code), r.covered) << r.scope << " covers " << r.code;
}

TEST(Auth, Sha256Hex) {
  EXPECT_EQ(sha256_hex("example-admin-token"), "d2eadfb6e52d65b4bbf254e5046c0c495328b4d208f8b1591c229e62c5c6362f");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Auth, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "ab"));
}

TEST(Auth, BearerTokens) {
  authenticator auth({{sha256_hex("secret-leader"), "li", "leader", "110000"},
                      {sha256_hex("secret-auditor"), "wang", "auditor", "000000"}});
  auto who = auth.authenticate("Bearer secret-leader");
  ASSERT_TRUE(who);
  EXPECT_EQ(who->name, "li");
  EXPECT_EQ(who->who, role::leader);
  EXPECT_EQ(who->scope, "110000");
  EXPECT_EQ(who->token_hash, sha256_hex("secret-leader"));
  EXPECT_TRUE(auth.authenticate("bearer secret-auditor"));

  for (const char* bad : {"", "Bearer", "Bearer ", "Basic c2VjcmV0", "Bearer secret-unknown", "secret-leader"}) {
    auto r = auth.authenticate(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().kind, error_kind::unauthenticated);
    // The message never repeats the presented token.
    EXPECT_EQ(r.error().message.find("secret"), std::string::npos);
  }
}

TEST(Auth, RolePermissions) {
  principal p{"x", role::leader, "110000", ""};
  EXPECT_FALSE(may_read_all_history(p));
  EXPECT_FALSE(may_verify(p));
  EXPECT_FALSE(may_write(p));
  p.scope = "000000";
  EXPECT_TRUE(may_read_all_history(p));
  p = {"x", role::auditor, "110000", ""};
  EXPECT_TRUE(may_read_all_history(p));
  EXPECT_TRUE(may_verify(p));
  EXPECT_FALSE(may_write(p));
  p.who = role::operator_;
  EXPECT_TRUE(may_write(p));
  EXPECT_FALSE(may_verify(p));
  p.who = role::league_operator;
  EXPECT_TRUE(may_write(p));
  p.who = role::admin;
  EXPECT_TRUE(may_write(p) && may_verify(p) && may_read_all_history(p));
  EXPECT_EQ(parse_role("league_operator"), role::league_operator);
  EXPECT_EQ(parse_role("operator"), role::operator_);
  EXPECT_FALSE(parse_role("root"));
}

TEST(TokenBucket, BurstThenRefill) {
  const auto t0 = token_bucket::clock::time_point{};
  token_bucket bucket(10.0, 3.0, t0);
  EXPECT_TRUE(bucket.try_take(t0));
  EXPECT_TRUE(bucket.try_take(t0));
  EXPECT_TRUE(bucket.try_take(t0));
  EXPECT_FALSE(bucket.try_take(t0));
  EXPECT_NEAR(bucket.seconds_until_available(t0), 0.1, 1e-9);
  EXPECT_FALSE(bucket.try_take(t0 + std::chrono::milliseconds(50)));
  EXPECT_TRUE(bucket.try_take(t0 + std::chrono::milliseconds(100)));
  // Refill never exceeds the capacity.
  const auto later = t0 + std::chrono::seconds(60);
  int taken = 0;
  while (bucket.try_take(later)) ++taken;
  EXPECT_EQ(taken, 3);
}

TEST(RateLimiter, SeparateBucketsPerKey) {
  const auto t0 = token_bucket::clock::time_point{};
  rate_limiter limiter(1.0, 2.0);
  EXPECT_TRUE(limiter.allow("a", t0));
  EXPECT_TRUE(limiter.allow("a", t0));
  EXPECT_FALSE(limiter.allow("a", t0));
  EXPECT_TRUE(limiter.allow("b", t0));
  EXPECT_EQ(limiter.retry_after_seconds("a", t0), 1);
  EXPECT_TRUE(limiter.allow("a", t0 + std::chrono::seconds(1)));
}

handler tag(std::string name) {
  return [name](api_request, responder respond) { respond(json_response(name)); };
}

TEST(Router, MatchesLiteralAndParameterSegments) {
  router r;
  r.add({"GET", "/api/v1/log", "log", access::authenticated, tag("log")});
  r.add({"GET", "/api/v1/streams/{stream}", "stream", access::authenticated, tag("stream")});
  r.add({"POST", "/api/v1/commands/{name}", "command", access::authenticated, tag("command")});
  r.add({"POST", "/api/v1/commands:batch", "batch", access::authenticated, tag("batch")});
  r.add({"GET", "/healthz", "healthz", access::open, tag("healthz")});

  auto m = r.match("GET", "/api/v1/streams/org-42");
  ASSERT_TRUE(std::holds_alternative<route_match>(m));
  EXPECT_EQ(std::get<route_match>(m).matched->name, "stream");
  EXPECT_EQ(std::get<route_match>(m).path_params.at("stream"), "org-42");

  m = r.match("GET", "/api/v1/streams/a%2Fb");
  ASSERT_TRUE(std::holds_alternative<route_match>(m));
  EXPECT_EQ(std::get<route_match>(m).path_params.at("stream"), "a/b");

  m = r.match("POST", "/api/v1/commands:batch");
  ASSERT_TRUE(std::holds_alternative<route_match>(m));
  EXPECT_EQ(std::get<route_match>(m).matched->name, "batch");

  m = r.match("POST", "/api/v1/commands/register_organization");
  ASSERT_TRUE(std::holds_alternative<route_match>(m));
  EXPECT_EQ(std::get<route_match>(m).path_params.at("name"), "register_organization");

  m = r.match("GET", "/healthz");
  ASSERT_TRUE(std::holds_alternative<route_match>(m));
  EXPECT_EQ(std::get<route_match>(m).matched->needs, access::open);
}

TEST(Router, NotFoundAndMethodNotAllowed) {
  router r;
  r.add({"GET", "/api/v1/verify", "verify", access::authenticated, tag("get")});
  r.add({"POST", "/api/v1/verify", "verify", access::authenticated, tag("post")});
  r.add({"GET", "/api/v1/streams/{stream}", "stream", access::authenticated, tag("stream")});

  auto m = r.match("GET", "/api/v1/nothing");
  ASSERT_TRUE(std::holds_alternative<api_error>(m));
  EXPECT_EQ(std::get<api_error>(m).kind, error_kind::not_found);

  m = r.match("GET", "/api/v1/streams/");  // an empty parameter does not match
  ASSERT_TRUE(std::holds_alternative<api_error>(m));
  EXPECT_EQ(std::get<api_error>(m).kind, error_kind::not_found);

  m = r.match("GET", "/api/v1/streams/a/b");
  ASSERT_TRUE(std::holds_alternative<api_error>(m));

  m = r.match("DELETE", "/api/v1/verify");
  ASSERT_TRUE(std::holds_alternative<api_error>(m));
  EXPECT_EQ(std::get<api_error>(m).kind, error_kind::method_not_allowed);
  EXPECT_NE(std::get<api_error>(m).message.find("GET, POST"), std::string::npos);
}

TEST(Router, ParseTarget) {
  auto t = parse_target("/api/v1/log?from=10&limit=5&name=a+b%20c&empty=&flag");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->path, "/api/v1/log");
  EXPECT_EQ(t->query.at("from"), "10");
  EXPECT_EQ(t->query.at("limit"), "5");
  EXPECT_EQ(t->query.at("name"), "a b c");
  EXPECT_EQ(t->query.at("empty"), "");
  EXPECT_EQ(t->query.at("flag"), "");
  EXPECT_FALSE(parse_target("api/v1/log"));
  EXPECT_FALSE(parse_target("/x?a=%zz"));
  EXPECT_FALSE(parse_target("/x?a=%4"));
  EXPECT_EQ(percent_decode("%E6%94%BB%E5%9D%9A", false), "攻坚");
}

}  // namespace
}  // namespace gongjian::server
