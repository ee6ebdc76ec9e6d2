#include "gongjian/server/server.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>

#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <thread>

#include <spdlog/spdlog.h>

#include "allocator.h"
#include "command_routes.h"
#include "command_service.h"
#include "listener.h"
#include "query_routes.h"
#include "read_side.h"
#include "read_topics.h"
#include "shared_state.h"
#include "store_routes.h"

namespace gongjian::server {

namespace net = boost::asio;

namespace {

// A file in `dir` that neither RocksDB nor the store writes, when `dir` holds no store yet (no
// CURRENT): a data_dir mistyped into a folder of other files would otherwise get a new store
// scattered among them. RocksDB's and the store's own names are allowed, since a first start cut
// short leaves some of them before CURRENT; so is lost+found, for a dedicated volume's root.
std::optional<std::string> foreign_file_in_new_store(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::exists(dir / "CURRENT", ec)) return std::nullopt;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    const std::string ext = entry.path().extension().string();
    const bool ours = name == "LOCK" || name == "LOG" || name.starts_with("LOG.old.") || name == "IDENTITY" ||
                      name.starts_with("MANIFEST-") || name.starts_with("OPTIONS-") || name.starts_with("spare-wal-") ||
                      ext == ".log" || ext == ".sst" || ext == ".dbtmp" || name == "lost+found";
    if (!ours) return name;
  }
  return std::nullopt;
}

}  // namespace

// Threads: run() is called by the process's main thread, which waits for a stop request and then
// drives the shutdown sequence; config.threads network threads run the io_context; the store pool
// (in shared_state) runs store reads. Member order is destruction order in reverse: the state and
// its sessions go before the io_context, the store last.
struct server::impl {
  config::server_config config;
  std::unique_ptr<eventstore::event_store> store;
  net::io_context ioc;
  std::shared_ptr<shared_state> state;
  std::shared_ptr<command_service> commands;
  std::shared_ptr<read_side> reads;
  std::shared_ptr<listener> accept;
  net::signal_set signals;
  std::mutex stop_mutex;
  std::condition_variable stop_requested_cv;
  bool stop_requested = false;

  explicit impl(const config::server_config& c)
      : config(c), ioc(static_cast<int>(c.threads)), signals(ioc, SIGINT, SIGTERM) {}
};

server::server(const config::server_config& config) : impl_(std::make_unique<impl>(config)) {
  auto& m = *impl_;
  std::error_code fs_error;
  std::filesystem::create_directories(config.data_dir, fs_error);
  if (fs_error)
    throw std::runtime_error("cannot create data directory '" + config.data_dir.string() + "': " + fs_error.message());
  if (auto foreign = foreign_file_in_new_store(config.data_dir))
    throw std::runtime_error("data_dir '" + config.data_dir.string() + "' holds no event store but other files ('" +
                             *foreign + "'): give a new or empty directory, or an existing store's");
  eventstore::options store_options;
  store_options.directory = config.data_dir;
  auto opened = eventstore::event_store::open(store_options);
  if (!opened)  // a system_error, so that `gongjian serve` can tell errc::in_use apart
    throw std::system_error(opened.error(), "cannot open the event store in '" + config.data_dir.string() + "'");
  m.store = std::move(opened.value());

  m.state = std::make_shared<shared_state>(config, *m.store);
  // The write model is rebuilt from the whole log before the port opens (this thread, not a
  // network thread).
  m.commands = std::make_shared<command_service>(*m.state, m.ioc);
  m.commands->rebuild_from_log();
  // The projections resume at their checkpoint and catch up before the port opens too; then they
  // follow the log live, and the campaign workflow starts on the wall clock (read_side.h).
  m.reads = std::make_shared<read_side>(*m.state, m.commands);
  m.reads->start();
  m.state->topics = std::make_shared<topic_factory>(m.reads, config.threads);
  m.state->extra_metrics = [reads = m.reads] { return reads->metrics_text(); };
  add_store_routes(*m.state, [commands = m.commands, reads = m.reads] { return commands->ready() && reads->ready(); });
  add_command_routes(*m.state, m.commands);
  add_query_routes(*m.state, m.reads);
  m.state->routes.add({"GET", "/api/v1/ws", "ws", access::open, [](api_request, responder respond) {
                         respond(error_response(api_error{error_kind::invalid_input,
                                                          "this endpoint needs a WebSocket upgrade", "Upgrade", ""}));
                       }});
  // The live feed starts before the port opens, so no subscriber can ask for a position it missed.
  m.state->feed.start(*m.store);

  boost::system::error_code ec;
  auto address = net::ip::make_address(config.listen_address, ec);
  if (ec) throw std::runtime_error("listen_address '" + config.listen_address + "' is not an IP address");
  try {
    m.accept = std::make_shared<listener>(m.ioc, net::ip::tcp::endpoint(address, config.port), m.state);
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error("cannot listen on " + config.listen_address + ":" + std::to_string(config.port) + ": " +
                             e.code().message() + " (another port: --port N, or GONGJIAN_PORT)");
  }
}

server::~server() {
  if (impl_->reads) impl_->reads->stop();
  if (impl_->store) impl_->store->close();
}

std::uint16_t server::port() const { return impl_->accept->port(); }

void server::stop() {
  std::lock_guard lock(impl_->stop_mutex);
  impl_->stop_requested = true;
  impl_->stop_requested_cv.notify_all();
}

void server::run() {
  auto& m = *impl_;
  auto& log = *m.state->log;
  m.signals.async_wait([this, &log](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    log.info("received signal {}: shutting down", signal);
    stop();
  });
  m.accept->run();
  // Keeps the network threads running while sessions drain, even when no handler is queued.
  auto work = net::make_work_guard(m.ioc);
  std::vector<std::thread> threads;
  threads.reserve(m.config.threads);
  for (std::uint32_t i = 0; i < m.config.threads; ++i) threads.emplace_back([&m] { m.ioc.run(); });
  log.info("listening on http://{}:{}/ threads={} data_dir={} malloc={}", m.config.listen_address, port(),
           m.config.threads, m.config.data_dir.string(), malloc_in_use());

  {
    std::unique_lock lock(m.stop_mutex);
    m.stop_requested_cv.wait(lock, [&m] { return m.stop_requested; });
  }

  // 1. Stop accepting; refuse new requests on open connections.
  const auto deadline = std::chrono::steady_clock::now() + m.config.shutdown_grace;
  m.state->stopping = true;
  boost::system::error_code ignored;
  m.signals.cancel(ignored);
  m.accept->stop();
  // 2. Idle HTTP connections close now, busy ones after their response; WebSockets get a close
  //    frame (1001 going away).
  m.state->shutdown_all();
  const bool drained = m.state->wait_until_empty(deadline);
  if (!drained) log.warn("shutdown grace elapsed with {} connection(s) still open; closing them", m.state->session_count());
  // 3. Stop the network threads, then the live feed and the store pool, then close the store
  //    (which completes appends still queued and flushes).
  work.reset();
  m.ioc.stop();
  for (auto& t : threads) t.join();
  m.reads->stop();  // workflow, applier, runner (final checkpoint), before the store closes
  m.state->feed.stop();
  m.state->store_pool.join();
  m.store->close();
  log.info("stopped");
}

}  // namespace gongjian::server
