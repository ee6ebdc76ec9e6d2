#include "gongjian/config/server_config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>

namespace gongjian::config {
namespace {

const std::string kHash(64, 'a');

// Runs `fn` and returns the config_error it throws (fails the test if it throws nothing).
template <class Fn>
config_error error_of(Fn fn) {
  try {
    fn();
  } catch (const config_error& e) {
    return e;
  }
  ADD_FAILURE() << "expected a config_error";
  return config_error("", "", "");
}

TEST(ServerConfig, DefaultsAreValid) {
  server_config config;
  EXPECT_EQ(config.listen_address, "127.0.0.1");
  EXPECT_EQ(config.port, 8080);
  EXPECT_EQ(config.data_dir, "./data");
  EXPECT_NO_THROW(validate(config));
}

TEST(ServerConfig, EmptyTextGivesDefaults) { EXPECT_EQ(parse(""), server_config{}); }

TEST(ServerConfig, ParsesEveryKind) {
  auto config = parse(R"(
# comment
listen_address = "0.0.0.0"   # trailing comment
port = 9090
data_dir = "/var/lib/gongjian"
threads = 4
log_level = debug

[limits]
max_body_bytes = 65536
requests_per_second_per_token = 12.5
request_timeout_ms = 1500
ws_send_queue = 8

[[token]]
sha256 = ")" + kHash + R"("
name = "zhang san"
role = leader
scope = "110000"

[[token]]
sha256 = ")" + std::string(64, 'b') + R"("
name = "auditor \"one\""
role = auditor
scope = 000000
)");
  EXPECT_EQ(config.listen_address, "0.0.0.0");
  EXPECT_EQ(config.port, 9090);
  EXPECT_EQ(config.data_dir, "/var/lib/gongjian");
  EXPECT_EQ(config.threads, 4u);
  EXPECT_EQ(config.log_level, "debug");
  EXPECT_EQ(config.limits.max_body_bytes, 65536u);
  EXPECT_DOUBLE_EQ(config.limits.requests_per_second_per_token, 12.5);
  EXPECT_EQ(config.limits.request_timeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(config.limits.ws_send_queue, 8u);
  ASSERT_EQ(config.tokens.size(), 2u);
  EXPECT_EQ(config.tokens[0], (token_entry{kHash, "zhang san", "leader", "110000"}));
  EXPECT_EQ(config.tokens[1].name, "auditor \"one\"");
  EXPECT_EQ(config.tokens[1].scope, "000000");
  EXPECT_NO_THROW(validate(config));
}

TEST(ServerConfig, SyntaxErrorsNameTheKeyAndRule) {
  auto e = error_of([] { parse("port = 80a"); });
  EXPECT_EQ(e.key(), "port");
  EXPECT_EQ(e.rule(), "integer");

  e = error_of([] { parse("port = 70000"); });
  EXPECT_EQ(e.key(), "port");
  EXPECT_EQ(e.rule(), "range");

  e = error_of([] { parse("colour = blue"); });
  EXPECT_EQ(e.key(), "colour");
  EXPECT_EQ(e.rule(), "known_key");

  e = error_of([] { parse("[limits]\nport = 1"); });
  EXPECT_EQ(e.key(), "limits.port");
  EXPECT_EQ(e.rule(), "known_key");

  e = error_of([] { parse("[server]"); });
  EXPECT_EQ(e.rule(), "known_section");

  e = error_of([] { parse("port 8080"); });
  EXPECT_EQ(e.rule(), "syntax");

  e = error_of([] { parse("data_dir = \"unterminated"); });
  EXPECT_EQ(e.key(), "data_dir");
  EXPECT_EQ(e.rule(), "syntax");

  e = error_of([] { parse("port = 1\nport = 2"); });
  EXPECT_EQ(e.rule(), "unique_key");

  e = error_of([] { parse("[[token]]\ncolour = red"); });
  EXPECT_EQ(e.key(), "token[0].colour");
  EXPECT_EQ(e.rule(), "known_key");
  EXPECT_NE(std::string(e.what()).find("token[0].colour"), std::string::npos);
}

TEST(ServerConfig, ValidationNamesTheKeyAndRule) {
  struct rule_case {
    std::function<void(server_config&)> change;
    std::string key;
    std::string rule;
  };
  const std::vector<rule_case> cases = {
      {[](server_config& c) { c.threads = 0; }, "threads", "range"},
      {[](server_config& c) { c.log_level = "loud"; }, "log_level", "one_of"},
      {[](server_config& c) { c.limits.max_body_bytes = 10; }, "limits.max_body_bytes", "range"},
      {[](server_config& c) { c.limits.max_connections = 0; }, "limits.max_connections", "range"},
      {[](server_config& c) { c.limits.requests_per_second_per_token = 0; }, "limits.requests_per_second_per_token",
       "range"},
      {[](server_config& c) { c.limits.ws_send_queue = 1; }, "limits.ws_send_queue", "range"},
      {[](server_config& c) { c.dashboard_dir = "/nonexistent/dashboard"; }, "dashboard_dir", "directory"},
      {[](server_config& c) { c.tokens.push_back({"ABC", "x", "leader", "110000"}); }, "token[0].sha256", "hex_sha256"},
      {[](server_config& c) { c.tokens.push_back({kHash, "", "leader", "110000"}); }, "token[0].name", "non_empty"},
      {[](server_config& c) { c.tokens.push_back({kHash, "x", "king", "110000"}); }, "token[0].role", "one_of"},
      {[](server_config& c) { c.tokens.push_back({kHash, "x", "leader", "11"}); }, "token[0].scope", "jurisdiction_code"},
      {[](server_config& c) {
         c.tokens.push_back({kHash, "x", "leader", "110000"});
         c.tokens.push_back({kHash, "y", "leader", "110000"});
       },
       "token[1].sha256", "unique"},
      {[](server_config& c) {
         c.tokens.push_back({kHash, "x", "leader", "110000"});
         c.tokens.push_back({std::string(64, 'c'), "x", "leader", "110000"});
       },
       "token[1].name", "unique"},
  };
  for (const auto& c : cases) {
    server_config config;
    c.change(config);
    auto e = error_of([&] { validate(config); });
    EXPECT_EQ(e.key(), c.key);
    EXPECT_EQ(e.rule(), c.rule) << c.key;
  }
}

TEST(ServerConfig, EnvironmentOverridesFile) {
  auto config = parse("port = 9090\n[limits]\nmax_body_bytes = 65536\n");
  std::map<std::string, std::string> env = {
      {"GONGJIAN_PORT", "7070"}, {"GONGJIAN_DATA_DIR", "/tmp/x"}, {"GONGJIAN_MAX_BODY_BYTES", " 2048 "}};
  apply_environment(config, [&](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  });
  EXPECT_EQ(config.port, 7070);
  EXPECT_EQ(config.data_dir, "/tmp/x");
  EXPECT_EQ(config.limits.max_body_bytes, 2048u);
}

TEST(ServerConfig, EnvironmentErrorsNameTheVariable) {
  server_config config;
  auto e = error_of([&] {
    apply_environment(config, [](const std::string& name) -> std::optional<std::string> {
      if (name == "GONGJIAN_THREADS") return "many";
      return std::nullopt;
    });
  });
  EXPECT_EQ(e.key(), "GONGJIAN_THREADS");
  EXPECT_EQ(e.rule(), "integer");
}

TEST(ServerConfig, ProcessEnvironmentIsReadByDefault) {
  ::setenv("GONGJIAN_LOG_LEVEL", "warn", 1);
  server_config config;
  apply_environment(config);
  ::unsetenv("GONGJIAN_LOG_LEVEL");
  EXPECT_EQ(config.log_level, "warn");
}

TEST(ServerConfig, EveryScalarKeyHasAnEnvironmentVariable) {
  for (const auto& key : scalar_keys()) {
    EXPECT_EQ(key.env.rfind("GONGJIAN_", 0), 0u) << key.key;
  }
  EXPECT_GE(scalar_keys().size(), 15u);
}

TEST(ServerConfig, ShippedExampleLoadsAndValidatesAndDocumentsEveryKey) {
  const char* source = std::getenv("GONGJIAN_SOURCE_DIR");
  const std::filesystem::path root =
      source ? std::filesystem::path(source) : std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();
  const auto path = root / "config" / "examples" / "gongjian.conf";
  auto config = load_file(path);
  EXPECT_NO_THROW(validate(config));
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& key : scalar_keys()) {
    EXPECT_NE(text.find("\n" + key.key + " = "), std::string::npos) << key.key << " is not in the example";
  }
}

TEST(ServerConfig, MissingFileIsAnError) {
  auto e = error_of([] { load_file("/nonexistent/gongjian.conf"); });
  EXPECT_EQ(e.key(), "file");
  EXPECT_EQ(e.rule(), "readable");
}

TEST(ServerConfig, JurisdictionCodes) {
  EXPECT_TRUE(is_jurisdiction_code("000000"));
  EXPECT_TRUE(is_jurisdiction_code("110101001"));
  EXPECT_FALSE(is_jurisdiction_code("11010"));
  EXPECT_FALSE(is_jurisdiction_code("11010a"));
  EXPECT_FALSE(is_jurisdiction_code("1101010010011"));
}

}  // namespace
}  // namespace gongjian::config
