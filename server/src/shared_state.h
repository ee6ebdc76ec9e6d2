#pragma once
// What every session shares (the Beast chat-multi shared_state): configuration, router,
// authenticator, rate limiter, metrics, the event store and its read pool, the live event feed,
// and the registry of open sessions used at shutdown. Owned by server::impl and outlives every
// session (server::run joins the network threads before destroying it). Thread-safe: immutable
// after start-up except the registry (own mutex), the atomics and the members' own locking.

#include <boost/asio/thread_pool.hpp>

#include <algorithm>
#include <atomic>
#include <functional>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <unordered_map>

#include <spdlog/logger.h>

#include "event_feed.h"
#include "gongjian/config/server_config.h"
#include "gongjian/eventstore/event_store.h"
#include "gongjian/server/auth.h"
#include "gongjian/server/rate_limiter.h"
#include "gongjian/server/router.h"
#include "metrics.h"

namespace gongjian::server {

// A connection the shutdown sequence must reach. shutdown() may be called from any thread; the
// session posts the work to its own strand.
class session {
 public:
  virtual ~session() = default;
  virtual void shutdown() = 0;
};

class topic_factory;  // read_topics.h

class shared_state {
 public:
  shared_state(const config::server_config& config, eventstore::event_store& store);
  ~shared_state();

  const config::server_config config;
  router routes;
  const authenticator auth;
  rate_limiter limiter;
  gongjian::server::metrics stats;
  eventstore::event_store& store;
  // Event store reads run here, never on network threads; results are posted back to the
  // requesting session's strand.
  boost::asio::thread_pool store_pool;
  event_feed feed;
  std::shared_ptr<spdlog::logger> log;
  std::atomic<bool> stopping{false};
  // Set once before serving by server::impl from the read side: WebSocket topics other than
  // "events" (read_topics.h) and extra lines for /metrics (projection lag, workflow).
  std::shared_ptr<topic_factory> topics;
  std::function<std::string()> extra_metrics;

  void join(const std::shared_ptr<session>& s);
  void leave(const session* s);
  // Calls shutdown() on every registered session.
  void shutdown_all();
  // Waits until no session is registered or the deadline passes; true if none is left.
  bool wait_until_empty(std::chrono::steady_clock::time_point deadline);
  std::size_t session_count() const;

  // A fresh request id: process-unique, short, safe to log.
  std::string next_request_id();

  // The newest position that exists: the store's head, or the feed's (which may trail it a
  // moment). A subscription "after" a position past it is refused.
  std::uint64_t log_head() const { return std::max(store.head().value, feed.last_position()); }

 private:
  mutable std::mutex sessions_mutex_;
  std::condition_variable sessions_empty_;
  std::unordered_map<const session*, std::weak_ptr<session>> sessions_;
  std::atomic<std::uint64_t> request_counter_{0};
  std::string request_id_prefix_;
};

// The one place network errors are reported (the Beast examples' fail()): expected ends of
// connections are not logged above debug.
void fail(spdlog::logger& log, const boost::system::error_code& ec, const char* what);

}  // namespace gongjian::server
