// gongjian serve: loads the configuration (defaults < file < GONGJIAN_* environment < flags),
// validates it, opens the event store and serves HTTP and WebSocket until SIGTERM/SIGINT.
// gongjian hash-token: prints the SHA-256 of a token read on stdin, for [[token]] sections.
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>
#include <system_error>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "commands.h"
#include "gongjian/config/server_config.h"
#include "gongjian/eventstore/errc.h"
#include "gongjian/server/auth.h"
#include "gongjian/server/server.h"
#include "store_lock.h"

namespace gongjian::cli {
namespace {

void print_serve_usage(std::FILE* out) {
  std::fputs(
      "usage: gongjian serve [--config FILE] [--data DIR] [--port N] [--listen ADDR]\n"
      "\n"
      "Serves the HTTP and WebSocket API (and the dashboard, if configured) on one port until\n"
      "SIGTERM or SIGINT, then shuts down gracefully. With no file, the defaults serve\n"
      "http://127.0.0.1:8080/ with the event log in ./data. Prints the URL once listening.\n"
      "\n"
      "  --config FILE  configuration file (every key: config/examples/gongjian.conf)\n"
      "  --data DIR     event log directory (overrides data_dir)\n"
      "  --port N       TCP port; 0 picks a free one (overrides port)\n"
      "  --listen ADDR  IP address to listen on (overrides listen_address)\n"
      "\n"
      "Precedence: defaults < file < environment < flags. Environment variables:\n",
      out);
  for (const auto& key : config::scalar_keys()) {
    std::fprintf(out, "  %-40s %s%s%s\n", key.env.c_str(), key.section.c_str(), key.section.empty() ? "" : ".",
                 key.key.c_str());
  }
}

int usage_error(const std::string& why) {
  std::fprintf(stderr, "gongjian serve: %s\n\n", why.c_str());
  print_serve_usage(stderr);
  return 2;
}

void setup_logging(const std::string& level) {
  // Logs go to stderr as key=value lines; stdout carries only the URL line scripts read.
  auto logger = spdlog::stderr_logger_mt("gongjian");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z level=%l logger=%n %v");
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace

int serve_command(int argc, char** argv) {
  std::string config_file;
  std::optional<std::string> data_dir;
  std::optional<std::string> port;
  std::optional<std::string> listen;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      print_serve_usage(stdout);
      return 0;
    }
    if (i + 1 >= argc) return usage_error(std::string(flag) + " needs a value");
    if (flag == "--config") config_file = argv[++i];
    else if (flag == "--data") data_dir = argv[++i];
    else if (flag == "--port") port = argv[++i];
    else if (flag == "--listen") listen = argv[++i];
    else return usage_error("unknown option '" + std::string(flag) + "'");
  }

  config::server_config cfg;
  try {
    if (!config_file.empty()) cfg = config::load_file(config_file);
    config::apply_environment(cfg);
    // Flags go through the same parser as the file, so they get the same checks and messages.
    std::string overrides;
    if (data_dir) overrides += "data_dir = \"" + *data_dir + "\"\n";
    if (port) overrides += "port = " + *port + "\n";
    if (listen) overrides += "listen_address = \"" + *listen + "\"\n";
    if (!overrides.empty()) {
      auto flags = config::parse(overrides, "<command line>");
      if (data_dir) cfg.data_dir = flags.data_dir;
      if (port) cfg.port = flags.port;
      if (listen) cfg.listen_address = flags.listen_address;
    }
    config::validate(cfg);
  } catch (const config::config_error& e) {
    std::fprintf(stderr, "gongjian serve: %s\n", e.what());
    return 2;
  }

  setup_logging(cfg.log_level);
  try {
    server::server srv(cfg);
    std::printf("gongjian listening on http://%s:%u/ (data in %s)\n", cfg.listen_address.c_str(),
                static_cast<unsigned>(srv.port()), cfg.data_dir.string().c_str());
    std::fflush(stdout);
    if (cfg.tokens.empty())
      spdlog::warn("no [[token]] configured: only /healthz, /readyz and /metrics will answer; see 'gongjian hash-token'");
    srv.run();
  } catch (const std::system_error& e) {
    spdlog::critical("gongjian serve: {}", e.what());
    if (e.code() != eventstore::errc::in_use) {
      std::fprintf(stderr, "gongjian serve: %s\n", e.what());
      return 1;
    }
    std::fprintf(stderr,
                 "gongjian serve: the event store in '%s' is open in %s: one server per data directory.\n"
                 "Stop that one first, or give this one another --data.\n",
                 cfg.data_dir.string().c_str(), find_store_holder(cfg.data_dir).describe().c_str());
    return 3;
  } catch (const std::exception& e) {
    spdlog::critical("gongjian serve: {}", e.what());
    std::fprintf(stderr, "gongjian serve: %s\n", e.what());
    return 1;
  }
  return 0;
}

int hash_token_command(int argc, char** argv) {
  if (argc > 1) {
    const std::string_view flag = argv[1];
    std::FILE* out = (flag == "--help" || flag == "-h") ? stdout : stderr;
    std::fputs(
        "usage: gongjian hash-token < token.txt\n"
        "\n"
        "Reads a bearer token (the first line of stdin) and prints the line to put in a\n"
        "[[token]] section of the configuration: sha256 = \"<SHA-256 hex of the token>\".\n"
        "The server stores and compares only this hash; the token itself is never kept.\n",
        out);
    return out == stdout ? 0 : 2;
  }
  std::string token;
  std::getline(std::cin, token);
  if (!token.empty() && token.back() == '\r') token.pop_back();
  if (token.empty()) {
    std::fputs("gongjian hash-token: no token on stdin\n", stderr);
    return 2;
  }
  std::printf("sha256 = \"%s\"\n", server::sha256_hex(token).c_str());
  return 0;
}

}  // namespace gongjian::cli
