#include "gongjian/config/server_config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

namespace gongjian::config {

config_error::config_error(std::string key, std::string rule, const std::string& message)
    : std::runtime_error(message), key_(std::move(key)), rule_(std::move(rule)) {}

namespace {

[[noreturn]] void fail(const std::string& key, const std::string& rule, const std::string& message) {
  throw config_error(key, rule, "configuration key '" + key + "': " + message + " (rule: " + rule + ")");
}

// Built with append rather than operator+ chains, which trip GCC 12's -Wrestrict false positive.
std::string quoted(std::string_view prefix, std::string_view text) {
  std::string out(prefix);
  out.append("'").append(text).append("'");
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

template <class Int>
Int parse_integer(std::string_view text, const std::string& key) {
  Int value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range) fail(key, "range", quoted("out of range: ", text));
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty())
    fail(key, "integer", quoted("expected a non-negative integer, got ", text));
  return value;
}

double parse_number(std::string_view text, const std::string& key) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty())
    fail(key, "number", quoted("expected a number, got ", text));
  return value;
}

using setter = void (*)(server_config&, std::string_view, const std::string& key);

struct scalar_key {
  const char* key;
  const char* section;
  setter set;
};

// The one list of scalar keys: the file parser and the environment overrides both use it, so a
// key added here is configurable both ways.
const scalar_key kScalarKeys[] = {
    {"listen_address", "", [](server_config& c, std::string_view v, const std::string&) { c.listen_address = v; }},
    {"port", "", [](server_config& c, std::string_view v, const std::string& k) { c.port = parse_integer<std::uint16_t>(v, k); }},
    {"data_dir", "", [](server_config& c, std::string_view v, const std::string&) { c.data_dir = std::string(v); }},
    {"threads", "", [](server_config& c, std::string_view v, const std::string& k) { c.threads = parse_integer<std::uint32_t>(v, k); }},
    {"store_read_threads", "",
     [](server_config& c, std::string_view v, const std::string& k) { c.store_read_threads = parse_integer<std::uint32_t>(v, k); }},
    {"log_level", "", [](server_config& c, std::string_view v, const std::string&) { c.log_level = v; }},
    {"dashboard_dir", "", [](server_config& c, std::string_view v, const std::string&) { c.dashboard_dir = std::string(v); }},
    {"shutdown_grace_ms", "",
     [](server_config& c, std::string_view v, const std::string& k) {
       c.shutdown_grace = std::chrono::milliseconds(parse_integer<std::uint32_t>(v, k));
     }},
    {"max_body_bytes", "limits",
     [](server_config& c, std::string_view v, const std::string& k) { c.limits.max_body_bytes = parse_integer<std::uint64_t>(v, k); }},
    {"max_header_bytes", "limits",
     [](server_config& c, std::string_view v, const std::string& k) { c.limits.max_header_bytes = parse_integer<std::uint64_t>(v, k); }},
    {"max_connections", "limits",
     [](server_config& c, std::string_view v, const std::string& k) { c.limits.max_connections = parse_integer<std::uint32_t>(v, k); }},
    {"requests_per_second_per_token", "limits",
     [](server_config& c, std::string_view v, const std::string& k) { c.limits.requests_per_second_per_token = parse_number(v, k); }},
    {"burst_per_token", "limits",
     [](server_config& c, std::string_view v, const std::string& k) { c.limits.burst_per_token = parse_number(v, k); }},
    {"request_timeout_ms", "limits",
     [](server_config& c, std::string_view v, const std::string& k) {
       c.limits.request_timeout = std::chrono::milliseconds(parse_integer<std::uint32_t>(v, k));
     }},
    {"ws_send_queue", "limits",
     [](server_config& c, std::string_view v, const std::string& k) { c.limits.ws_send_queue = parse_integer<std::uint32_t>(v, k); }},
    {"ws_ping_interval_ms", "limits",
     [](server_config& c, std::string_view v, const std::string& k) {
       c.limits.ws_ping_interval = std::chrono::milliseconds(parse_integer<std::uint32_t>(v, k));
     }},
    {"max_batch_commands", "limits",
     [](server_config& c, std::string_view v, const std::string& k) { c.limits.max_batch_commands = parse_integer<std::uint32_t>(v, k); }},
    {"max_page", "limits",
     [](server_config& c, std::string_view v, const std::string& k) { c.limits.max_page = parse_integer<std::uint32_t>(v, k); }},
};

std::string env_name(std::string_view key) {
  std::string name = "GONGJIAN_";
  for (char ch : key) name += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return name;
}

// A value is either "double quoted" (with \" and \\ escapes) or bare (everything up to a '#').
std::string parse_value(std::string_view raw, const std::string& key) {
  raw = trim(raw);
  if (!raw.empty() && raw.front() == '"') {
    std::string out;
    std::size_t i = 1;
    for (; i < raw.size(); ++i) {
      char ch = raw[i];
      if (ch == '\\' && i + 1 < raw.size()) {
        char next = raw[++i];
        if (next != '"' && next != '\\') fail(key, "syntax", "unknown escape '\\" + std::string(1, next) + "'");
        out += next;
      } else if (ch == '"') {
        break;
      } else {
        out += ch;
      }
    }
    if (i >= raw.size()) fail(key, "syntax", "unterminated string");
    std::string_view rest = trim(raw.substr(i + 1));
    if (!rest.empty() && rest.front() != '#') fail(key, "syntax", "unexpected text after the closing quote");
    return out;
  }
  auto hash = raw.find('#');
  return std::string(trim(raw.substr(0, hash)));
}

void set_token_field(token_entry& token, std::string_view field, std::string value, const std::string& key) {
  if (field == "sha256") token.sha256_hex = std::move(value);
  else if (field == "name") token.name = std::move(value);
  else if (field == "role") token.role = std::move(value);
  else if (field == "scope") token.scope = std::move(value);
  else fail(key, "known_key", "unknown key in [[token]] (expected sha256, name, role, scope)");
}

}  // namespace

server_config parse(std::string_view text, std::string_view origin) {
  server_config config;
  std::string section;  // "", "limits" or "token"
  std::set<std::string> seen;
  std::size_t line_number = 0;
  for (std::size_t start = 0; start < text.size();) {
    auto end = std::min(text.find('\n', start), text.size());
    std::string_view line = trim(text.substr(start, end - start));
    start = end + 1;
    ++line_number;
    const std::string where = std::string(origin) + ":" + std::to_string(line_number);
    if (line.empty() || line.front() == '#') continue;
    if (line == "[[token]]") {
      section = "token";
      config.tokens.emplace_back();
      continue;
    }
    if (line.front() == '[') {
      if (line == "[limits]") {
        section = "limits";
      } else {
        fail(std::string(line), "known_section", where + ": unknown section (expected [limits] or [[token]])");
      }
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string_view::npos) fail(std::string(line), "syntax", where + ": expected 'key = value'");
    const std::string key(trim(line.substr(0, eq)));
    if (key.empty()) fail("", "syntax", where + ": empty key");
    if (section == "token") {
      const std::string full = "token[" + std::to_string(config.tokens.size() - 1) + "]." + key;
      if (!seen.insert(full).second) fail(full, "unique_key", where + ": key given twice");
      set_token_field(config.tokens.back(), key, parse_value(line.substr(eq + 1), full), full);
    } else {
      const std::string full = section.empty() ? key : section + "." + key;
      auto it = std::find_if(std::begin(kScalarKeys), std::end(kScalarKeys),
                             [&](const scalar_key& k) { return k.key == key && k.section == section; });
      if (it == std::end(kScalarKeys)) fail(full, "known_key", where + ": unknown key");
      if (!seen.insert(full).second) fail(full, "unique_key", where + ": key given twice");
      it->set(config, parse_value(line.substr(eq + 1), full), full);
    }
  }
  return config;
}

server_config load_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("file", "readable", "cannot read configuration file '" + path.string() + "'");
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path.string());
}

void apply_environment(server_config& config, const env_lookup& getenv) {
  for (const auto& key : kScalarKeys) {
    const std::string name = env_name(key.key);
    std::optional<std::string> value;
    if (getenv) {
      value = getenv(name);
    } else if (const char* raw = std::getenv(name.c_str())) {
      value = std::string(raw);
    }
    if (value) key.set(config, trim(*value), name);
  }
}

bool is_known_role(std::string_view role) {
  return role == "leader" || role == "operator" || role == "league_operator" || role == "auditor" || role == "admin";
}

bool is_jurisdiction_code(std::string_view code) {
  return code.size() >= 6 && code.size() <= 12 &&
         std::all_of(code.begin(), code.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

void validate(const server_config& config) {
  if (config.listen_address.empty()) fail("listen_address", "non_empty", "must not be empty");
  if (config.data_dir.empty()) fail("data_dir", "non_empty", "must not be empty");
  if (config.threads < 1 || config.threads > 256) fail("threads", "range", "must be between 1 and 256");
  if (config.store_read_threads < 1 || config.store_read_threads > 256)
    fail("store_read_threads", "range", "must be between 1 and 256");
  static const char* const levels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  if (std::find(std::begin(levels), std::end(levels), config.log_level) == std::end(levels))
    fail("log_level", "one_of", "must be one of trace, debug, info, warn, error, critical, off");
  if (!config.dashboard_dir.empty() && !std::filesystem::is_directory(config.dashboard_dir))
    fail("dashboard_dir", "directory", "'" + config.dashboard_dir.string() + "' is not a directory");
  if (config.shutdown_grace.count() < 1) fail("shutdown_grace_ms", "range", "must be at least 1");

  const auto& l = config.limits;
  if (l.max_body_bytes < 1024 || l.max_body_bytes > (std::uint64_t{1} << 32))
    fail("limits.max_body_bytes", "range", "must be between 1024 and 4294967296");
  if (l.max_header_bytes < 1024 || l.max_header_bytes > (1u << 20))
    fail("limits.max_header_bytes", "range", "must be between 1024 and 1048576");
  if (l.max_connections < 1) fail("limits.max_connections", "range", "must be at least 1");
  if (!(l.requests_per_second_per_token > 0))
    fail("limits.requests_per_second_per_token", "range", "must be greater than 0");
  if (!(l.burst_per_token >= 1)) fail("limits.burst_per_token", "range", "must be at least 1");
  if (l.request_timeout.count() < 1) fail("limits.request_timeout_ms", "range", "must be at least 1");
  if (l.ws_send_queue < 2) fail("limits.ws_send_queue", "range", "must be at least 2");
  if (l.ws_ping_interval.count() < 100) fail("limits.ws_ping_interval_ms", "range", "must be at least 100");
  if (l.max_batch_commands < 1) fail("limits.max_batch_commands", "range", "must be at least 1");
  if (l.max_page < 1) fail("limits.max_page", "range", "must be at least 1");

  std::set<std::string> hashes;
  std::set<std::string> names;
  for (std::size_t i = 0; i < config.tokens.size(); ++i) {
    const auto& t = config.tokens[i];
    const std::string prefix = "token[" + std::to_string(i) + "].";
    const bool hex = t.sha256_hex.size() == 64 && std::all_of(t.sha256_hex.begin(), t.sha256_hex.end(), [](char ch) {
                       return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
                     });
    if (!hex) fail(prefix + "sha256", "hex_sha256", "must be 64 lowercase hex digits (the SHA-256 of the token)");
    if (!hashes.insert(t.sha256_hex).second) fail(prefix + "sha256", "unique", "the same token hash is configured twice");
    if (t.name.empty()) fail(prefix + "name", "non_empty", "must not be empty");
    if (!names.insert(t.name).second) fail(prefix + "name", "unique", "token name '" + t.name + "' is used twice");
    if (!is_known_role(t.role))
      fail(prefix + "role", "one_of", "must be one of leader, operator, league_operator, auditor, admin");
    if (!is_jurisdiction_code(t.scope))
      fail(prefix + "scope", "jurisdiction_code", "must be a jurisdiction code of 6 to 12 digits (000000 = national)");
  }
}

const std::vector<key_info>& scalar_keys() {
  static const std::vector<key_info> keys = [] {
    std::vector<key_info> out;
    for (const auto& k : kScalarKeys) out.push_back({k.key, k.section, env_name(k.key)});
    return out;
  }();
  return keys;
}

}  // namespace gongjian::config
