#pragma once
// Prometheus counters, gauges and histograms of the server (rendered at GET /metrics in the text
// exposition format). Updated from any network or store thread: scalars are atomics, labelled
// series sit behind one mutex each (a map lookup and an increment per request).

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace gongjian::server {

// A latency histogram with fixed buckets (seconds).
class latency_histogram {
 public:
  static constexpr std::array<double, 14> bounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                    0.025,  0.05,    0.1,    0.25,  0.5,    1.0,   5.0};
  void observe(double seconds);
  // Appends the _bucket/_sum/_count lines for `name` with extra `labels` ("route=\"x\"" or "").
  void render(std::string& out, const std::string& name, const std::string& labels) const;

 private:
  std::array<std::uint64_t, bounds.size() + 1> counts_{};
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

class metrics {
 public:
  void request_finished(const std::string& route, int status, std::chrono::steady_clock::duration took);
  void command_appended(std::size_t events, std::chrono::steady_clock::duration took);

  std::atomic<std::int64_t> connections_open{0};
  std::atomic<std::uint64_t> connections_total{0};
  std::atomic<std::uint64_t> connections_refused{0};
  std::atomic<std::int64_t> websocket_sessions{0};
  std::atomic<std::int64_t> websocket_subscribers{0};
  std::atomic<std::int64_t> websocket_send_queue{0};  // messages queued across all WebSockets
  std::atomic<std::uint64_t> websocket_messages_sent{0};
  std::atomic<std::uint64_t> websocket_lagging{0};    // lagging notices sent
  std::atomic<std::int64_t> store_reads_queued{0};    // reads posted to the store pool, not yet done
  std::atomic<std::int64_t> commands_queued{0};       // commands waiting for the decision strand
  std::atomic<std::int64_t> appends_in_flight{0};     // appends handed to the store, not yet durable
  std::atomic<std::uint64_t> commands_rejected{0};
  std::atomic<std::uint64_t> commands_duplicate{0};

  // Renders everything; `extra` is appended as is (store gauges sampled by the caller).
  std::string render(const std::string& extra) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  std::map<std::string, latency_histogram> latency_;
  std::uint64_t commands_appended_ = 0;
  std::uint64_t events_appended_ = 0;
  latency_histogram append_latency_;
};

}  // namespace gongjian::server
