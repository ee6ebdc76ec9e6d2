#pragma once
// Test helpers for the server's end-to-end tests: start the real `gongjian serve` binary on a free
// loopback port with a fresh data directory, and talk to it with small synchronous Beast HTTP and
// WebSocket clients. Reads have timeouts (SO_RCVTIMEO), so a test waits for a condition without
// sleeping and fails instead of hanging.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

namespace gongjian::testing {

struct test_token {
  std::string token;
  std::string name;
  std::string role;
  std::string scope;
};

// A running `gongjian serve` with its own temporary data directory and configuration.
class server_process {
 public:
  // `extra_config` is appended to the generated file (top-level keys first, then [limits] lines
  // given as "[limits]\nkey = value"). A `file_size_limit` (RLIMIT_FSIZE, bytes) makes the
  // server's files stop growing there, as a full disk would.
  server_process(const std::vector<test_token>& tokens, const std::string& extra_config = "",
                 std::uint64_t file_size_limit = 0);
  ~server_process();
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::filesystem::path& directory() const { return dir_; }
  // Sends a signal and waits for the exit; returns the exit status (or -1 on timeout).
  int stop(int signal, std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // The server's stderr (its log) so far.
  std::string log() const;

 private:
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

// GONGJIAN_BINARY, or empty when the tests run outside ctest.
std::string binary_path();

struct http_reply {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;
  boost::json::value json() const;
};

// One request on a fresh connection.
http_reply http_request(std::uint16_t port, const std::string& method, const std::string& target,
                        const std::string& body = "", const std::string& token = "",
                        const std::map<std::string, std::string>& headers = {});

// A raw TCP connection, for requests Beast's client would not send (oversized, broken).
class raw_connection {
 public:
  explicit raw_connection(std::uint16_t port, int receive_buffer_bytes = 0);
  ~raw_connection();
  void send(const std::string& bytes);
  // Reads until the peer closes or `timeout`; returns what arrived.
  std::string read_all(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

// A synchronous WebSocket client on /api/v1/ws.
class ws_client {
 public:
  // receive_buffer_bytes > 0 shrinks the socket's receive buffer (a slow reader's window).
  ws_client(std::uint16_t port, const std::string& token, int receive_buffer_bytes = 0);
  ~ws_client();
  void send(const std::string& text);
  // The next text message, or nullopt when the connection closed or `timeout` passed.
  std::optional<boost::json::value> read(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // After read() returned nullopt: the close code the server sent (0 if none).
  int close_code() const { return close_code_; }
  bool closed() const { return closed_; }

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
  int close_code_ = 0;
  bool closed_ = false;
};

}  // namespace gongjian::testing
