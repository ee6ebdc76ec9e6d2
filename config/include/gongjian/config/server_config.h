#pragma once
// The server's configuration: schema, defaults, loading from a file, environment overrides and
// validation (see config/README.md for the file format and config/examples/gongjian.conf for
// every key). Start-up only: loading and validation throw config_error, which names the key and
// the rule that was broken; nothing here runs once the server is serving.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace gongjian::config {

// Thrown by load/parse/validate. key() is the configuration key ("port", "token[2].role"), rule()
// a short machine-readable name of the broken rule ("range", "hex_sha256", "syntax" ...).
class config_error : public std::runtime_error {
 public:
  config_error(std::string key, std::string rule, const std::string& message);
  const std::string& key() const noexcept { return key_; }
  const std::string& rule() const noexcept { return rule_; }

 private:
  std::string key_;
  std::string rule_;
};

// One bearer token the server accepts. The token itself is never stored: only the lowercase hex
// SHA-256 of it (`gongjian hash-token` prints it).
struct token_entry {
  std::string sha256_hex;  // 64 lowercase hex digits
  std::string name;        // who holds it; appears in logs and in the events' actor
  std::string role;        // leader | operator | league_operator | auditor | admin
  std::string scope;       // jurisdiction code prefix scope, e.g. "000000" national, "110000"
  bool operator==(const token_entry&) const = default;
};

struct limits_config {
  std::uint64_t max_body_bytes = 1u << 20;         // request bodies larger than this get 413
  std::uint64_t max_header_bytes = 16u << 10;      // request headers larger than this get 413
  std::uint32_t max_connections = 10000;           // concurrent HTTP + WebSocket connections
  double requests_per_second_per_token = 1000.0;   // token bucket refill rate per bearer token
  double burst_per_token = 2000.0;                 // token bucket capacity per bearer token
  std::chrono::milliseconds request_timeout{30000};  // read + handle + write of one request
  std::uint32_t ws_send_queue = 1024;              // queued outgoing messages per WebSocket
  std::chrono::milliseconds ws_ping_interval{15000};  // WebSocket keep-alive ping period
  std::uint32_t max_batch_commands = 10000;        // commands in one batch request
  std::uint32_t max_page = 10000;                  // events returned by one read request
  bool operator==(const limits_config&) const = default;
};

struct server_config {
  std::string listen_address = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 picks a free port (the bound port is printed at start)
  std::filesystem::path data_dir = "./data";
  std::uint32_t threads = 2;             // network threads running the HTTP/WebSocket sessions
  std::uint32_t store_read_threads = 2;  // threads that run event store reads, off the network threads
  std::string log_level = "info";        // trace | debug | info | warn | error | critical | off
  std::filesystem::path dashboard_dir;   // static dashboard files; empty: no dashboard
  std::chrono::milliseconds shutdown_grace{10000};  // how long shutdown waits for in-flight work
  limits_config limits;
  std::vector<token_entry> tokens;
  bool operator==(const server_config&) const = default;
};

// Parses the text of a configuration file (format in config/README.md). `origin` names the file
// in error messages. Throws config_error on syntax errors and unknown keys; does not validate
// ranges (validate does).
server_config parse(std::string_view text, std::string_view origin = "<config>");

// Reads and parses a file. Throws config_error (key "file", rule "readable") if it cannot be read.
server_config load_file(const std::filesystem::path& path);

// Applies GONGJIAN_<KEY> environment overrides (GONGJIAN_PORT, GONGJIAN_DATA_DIR,
// GONGJIAN_MAX_BODY_BYTES, ...: the key in upper case, for every scalar key). `getenv` is
// injectable for tests; by default it reads the process environment.
using env_lookup = std::function<std::optional<std::string>(const std::string& name)>;
void apply_environment(server_config& config, const env_lookup& getenv = {});

// Checks every rule; throws config_error naming the first broken one.
void validate(const server_config& config);

// Names of the scalar keys and their environment variables, in file order, for --help texts.
struct key_info {
  std::string key;       // as written in the file, e.g. "max_body_bytes"
  std::string section;   // "" for top level, "limits"
  std::string env;       // e.g. "GONGJIAN_MAX_BODY_BYTES"
};
const std::vector<key_info>& scalar_keys();

// True when `role` is one of the five roles.
bool is_known_role(std::string_view role);

// True when `code` is a jurisdiction code usable as a scope: 6 to 12 decimal digits.
bool is_jurisdiction_code(std::string_view code);

}  // namespace gongjian::config
