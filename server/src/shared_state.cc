#include "shared_state.h"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/websocket/error.hpp>

#include <random>

#include <spdlog/spdlog.h>

namespace gongjian::server {

shared_state::shared_state(const config::server_config& cfg, eventstore::event_store& s)
    : config(cfg),
      auth(cfg.tokens),
      limiter(cfg.limits.requests_per_second_per_token, cfg.limits.burst_per_token),
      store(s),
      store_pool(cfg.store_read_threads),
      feed(std::max<std::size_t>(8192, std::size_t{cfg.limits.ws_send_queue} * 4)) {
  // A clone of the default logger shares its sinks and level: the executable decides where lines
  // go, and no global name is registered.
  log = spdlog::default_logger()->clone("server");
  std::random_device random;
  static const char* const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
  for (int i = 0; i < 6; ++i) request_id_prefix_ += alphabet[random() % 36];
  request_id_prefix_ += '-';
}

shared_state::~shared_state() {
  store_pool.join();
}

void shared_state::join(const std::shared_ptr<session>& s) {
  std::lock_guard lock(sessions_mutex_);
  sessions_[s.get()] = s;
}

void shared_state::leave(const session* s) {
  std::lock_guard lock(sessions_mutex_);
  sessions_.erase(s);
  if (sessions_.empty()) sessions_empty_.notify_all();
}

void shared_state::shutdown_all() {
  std::vector<std::shared_ptr<session>> live;
  {
    std::lock_guard lock(sessions_mutex_);
    for (auto& [key, weak] : sessions_) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  // Called outside the lock: shutdown() only posts, but a session may leave() meanwhile.
  for (auto& s : live) s->shutdown();
}

bool shared_state::wait_until_empty(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(sessions_mutex_);
  return sessions_empty_.wait_until(lock, deadline, [this] { return sessions_.empty(); });
}

std::size_t shared_state::session_count() const {
  std::lock_guard lock(sessions_mutex_);
  return sessions_.size();
}

std::string shared_state::next_request_id() {
  return request_id_prefix_ + std::to_string(request_counter_.fetch_add(1, std::memory_order_relaxed) + 1);
}

void fail(spdlog::logger& log, const boost::system::error_code& ec, const char* what) {
  namespace net = boost::asio;
  namespace beast = boost::beast;
  if (ec == net::error::operation_aborted || ec == beast::websocket::error::closed ||
      ec == beast::http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
      ec == beast::error::timeout || ec == net::error::broken_pipe || ec == net::error::not_connected) {
    log.debug("{}: {}", what, ec.message());
    return;
  }
  log.warn("{}: {}", what, ec.message());
}

}  // namespace gongjian::server
