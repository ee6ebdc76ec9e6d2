#pragma once
// Accepts TCP connections and starts an http_session for each (the Beast examples' listener).
// Runs on its own strand; stop() may be called from any thread and closes the acceptor there.
// Connections beyond limits.max_connections are answered 503 and closed.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>

#include <memory>

#include "shared_state.h"

namespace gongjian::server {

class listener : public std::enable_shared_from_this<listener> {
 public:
  // Binds and listens; throws boost::system::system_error when the address cannot be bound.
  listener(boost::asio::io_context& ioc, const boost::asio::ip::tcp::endpoint& endpoint,
           std::shared_ptr<shared_state> state);

  std::uint16_t port() const { return port_; }
  void run();
  void stop();

 private:
  void do_accept();
  void on_accept(boost::beast::error_code ec, boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::shared_ptr<shared_state> state_;
  std::uint16_t port_ = 0;
};

}  // namespace gongjian::server
