#include "test_client.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include <cstdlib>
#include <fstream>
#include <future>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "gongjian/server/auth.h"

namespace gongjian::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

std::string binary_path() {
  const char* b = std::getenv("GONGJIAN_BINARY");
  return b ? b : "";
}

namespace {

std::filesystem::path fresh_directory() {
  std::random_device random;
  auto dir = std::filesystem::temp_directory_path() / ("gongjian-server-test-" + std::to_string(random()));
  std::filesystem::create_directories(dir);
  return dir;
}

void set_receive_timeout(int fd, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

}  // namespace

server_process::server_process(const std::vector<test_token>& tokens, const std::string& extra_config,
                               std::uint64_t file_size_limit) {
  const auto binary = binary_path();
  if (binary.empty()) throw std::runtime_error("GONGJIAN_BINARY is not set (run through ctest)");
  dir_ = fresh_directory();
  {
    std::ofstream conf(dir_ / "gongjian.conf");
    conf << "port = 0\n";
    // A test may point a second server at the first one's data (extra_config sets data_dir).
    if (extra_config.find("data_dir") == std::string::npos) conf << "data_dir = \"" << (dir_ / "data").string() << "\"\n";
    conf << "log_level = debug\n"
         << "shutdown_grace_ms = 5000\n";
    // Extra top-level keys must come before any section; [limits] lines follow.
    conf << extra_config << "\n";
    for (const auto& t : tokens) {
      conf << "[[token]]\n"
           << "sha256 = \"" << server::sha256_hex(t.token) << "\"\n"
           << "name = \"" << t.name << "\"\n"
           << "role = " << t.role << "\n"
           << "scope = \"" << t.scope << "\"\n";
    }
  }
  int out_pipe[2];
  if (::pipe(out_pipe) != 0) throw std::runtime_error("pipe failed");
  const auto err_path = (dir_ / "stderr.log").string();
  const auto conf_path = (dir_ / "gongjian.conf").string();
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(out_pipe[1], STDOUT_FILENO);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(err, STDERR_FILENO);
    ::close(out_pipe[0]);
    if (file_size_limit != 0) {
      rlimit limit{};
      ::getrlimit(RLIMIT_FSIZE, &limit);
      limit.rlim_cur = file_size_limit;
      ::setrlimit(RLIMIT_FSIZE, &limit);
    }
    ::execl(binary.c_str(), binary.c_str(), "serve", "--config", conf_path.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  // The server prints "gongjian listening on http://127.0.0.1:PORT/ ..." once it listens.
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (line.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{out_pipe[0], POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buffer[256];
    const auto n = ::read(out_pipe[0], buffer, sizeof buffer);
    if (n <= 0) break;
    line.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(out_pipe[0]);
  const auto at = line.find("127.0.0.1:");
  if (at == std::string::npos) {
    stop(SIGKILL);
    throw std::runtime_error("server did not report its port; stdout: '" + line + "' log: " + log());
  }
  port_ = static_cast<std::uint16_t>(std::stoi(line.substr(at + 10)));
}

server_process::~server_process() {
  if (pid_ > 0) stop(SIGKILL);
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

int server_process::stop(int signal, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  // waitpid has no timeout: a helper thread blocks in it and the exit is awaited on a future.
  const pid_t child = pid_;
  auto exited = std::async(std::launch::async, [child] {
    int status = 0;
    ::waitpid(child, &status, 0);
    return status;
  });
  ::kill(child, signal);
  pid_ = -1;
  if (exited.wait_for(timeout) != std::future_status::ready) {
    ::kill(child, SIGKILL);
    exited.get();
    return -1;
  }
  const int status = exited.get();
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string server_process::log() const {
  std::ifstream in(dir_ / "stderr.log");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

boost::json::value http_reply::json() const { return boost::json::parse(body); }

http_reply http_request(std::uint16_t port, const std::string& method, const std::string& target,
                        const std::string& body, const std::string& token,
                        const std::map<std::string, std::string>& headers) {
  net::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  set_receive_timeout(socket.native_handle(), std::chrono::seconds(20));
  http::request<http::string_body> req(http::string_to_verb(method), target, 11);
  req.set(http::field::host, "127.0.0.1");
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  for (const auto& [k, v] : headers) req.set(k, v);
  if (!body.empty() || method == "POST") {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
  }
  http::write(socket, req);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(256u << 20);
  http::read(socket, buffer, parser);
  auto res = parser.release();
  http_reply reply;
  reply.status = static_cast<int>(res.result_int());
  reply.body = res.body();
  for (const auto& field : res) reply.headers[std::string(field.name_string())] = std::string(field.value());
  beast::error_code ec;
  socket.shutdown(tcp::socket::shutdown_both, ec);
  return reply;
}

raw_connection::raw_connection(std::uint16_t port, int receive_buffer_bytes) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (receive_buffer_bytes > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer_bytes, sizeof receive_buffer_bytes);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw std::runtime_error("connect failed");
}

raw_connection::~raw_connection() {
  if (fd_ >= 0) ::close(fd_);
}

void raw_connection::send(const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;  // the server may close early (limits); the reply tells why
    sent += static_cast<std::size_t>(n);
  }
}

std::string raw_connection::read_all(std::chrono::milliseconds timeout) {
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd_, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buffer[4096];
    const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

struct ws_client::impl {
  net::io_context ioc;
  websocket::stream<tcp::socket> ws{ioc};
  beast::flat_buffer buffer;
};

ws_client::ws_client(std::uint16_t port, const std::string& token, int receive_buffer_bytes)
    : impl_(std::make_unique<impl>()) {
  auto& sock = impl_->ws.next_layer();
  sock.open(tcp::v4());
  if (receive_buffer_bytes > 0) sock.set_option(net::socket_base::receive_buffer_size(receive_buffer_bytes));
  sock.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  impl_->ws.set_option(websocket::stream_base::decorator([token](websocket::request_type& req) {
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  }));
  impl_->ws.handshake("127.0.0.1:" + std::to_string(port), "/api/v1/ws");
}

ws_client::~ws_client() {
  beast::error_code ec;
  if (!closed_) impl_->ws.next_layer().close(ec);
}

void ws_client::send(const std::string& text) {
  impl_->ws.text(true);
  impl_->ws.write(net::buffer(text));
}

std::optional<boost::json::value> ws_client::read(std::chrono::milliseconds timeout) {
  if (closed_) return std::nullopt;
  // An asynchronous read run for `timeout`: a blocking read would not time out (SO_RCVTIMEO makes
  // recv give EAGAIN, after which Asio waits in poll without a limit), so a missing message hung
  // the test instead of failing it.
  beast::error_code ec;
  bool done = false;
  impl_->buffer.clear();
  impl_->ws.async_read(impl_->buffer, [&](beast::error_code e, std::size_t) {
    ec = e;
    done = true;
  });
  impl_->ioc.restart();
  impl_->ioc.run_for(timeout);
  if (!done) {
    // A WebSocket read cannot be taken up again once cancelled: this client reads no more.
    beast::error_code ignored;
    impl_->ws.next_layer().cancel(ignored);
    impl_->ioc.restart();
    impl_->ioc.run();
    closed_ = true;
    return std::nullopt;
  }
  if (ec) {
    if (ec == websocket::error::closed) {
      closed_ = true;
      close_code_ = static_cast<int>(impl_->ws.reason().code);
    }
    return std::nullopt;
  }
  return boost::json::parse(beast::buffers_to_string(impl_->buffer.data()));
}

}  // namespace gongjian::testing
