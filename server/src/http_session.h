#pragma once
// One HTTP/1.1 connection (keep-alive). Runs on its own strand: every member is touched only by
// handlers on that strand; store reads and command decisions run elsewhere and post their
// responses back here. One request at a time (no pipelining), one response write in flight.
// An upgrade request to /api/v1/ws hands the socket to a websocket_session.

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <memory>
#include <optional>

#include "gongjian/server/api.h"
#include "gongjian/server/auth.h"
#include "shared_state.h"

namespace gongjian::server {

class http_session : public session, public std::enable_shared_from_this<http_session> {
 public:
  // refuse: the connection is over max_connections; answer 503 and close without reading.
  http_session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<shared_state> state, bool refuse);
  ~http_session() override;

  void run();
  void shutdown() override;

 private:
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void handle(boost::beast::http::request<boost::beast::http::string_body>&& req);
  void upgrade(boost::beast::http::request<boost::beast::http::string_body>&& req, const parsed_target& target);
  void send(api_response response, bool keep_alive);
  void on_write(boost::beast::error_code ec, bool close);
  void do_close();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::shared_ptr<shared_state> state_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  // The response being written: its head (reused from one response to the next) and body.
  std::string head_out_;
  std::string body_out_;
  bool refuse_;
  bool reading_ = false;  // an async_read for the next request is outstanding
  bool stopping_ = false;
  bool upgraded_ = false;

  // The connection's last Authorization header that authenticated, and its principal.
  std::string authorized_header_;
  std::optional<principal> authorized_;

  // About the request being served, for the access log and metrics.
  std::chrono::steady_clock::time_point started_;
  std::string request_id_;
  std::string route_name_;
  std::string method_;
  std::string path_;
  std::string caller_;
};

}  // namespace gongjian::server
