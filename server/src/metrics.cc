#include "metrics.h"

#include <fmt/format.h>

#include "allocator.h"

namespace gongjian::server {

void latency_histogram::observe(double seconds) {
  std::size_t i = 0;
  while (i < bounds.size() && seconds > bounds[i]) ++i;
  ++counts_[i];
  sum_ += seconds;
  ++count_;
}

void latency_histogram::render(std::string& out, const std::string& name, const std::string& labels) const {
  const std::string sep = labels.empty() ? "" : ",";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    cumulative += counts_[i];
    out += fmt::format("{}_bucket{{{}{}le=\"{}\"}} {}\n", name, labels, sep, bounds[i], cumulative);
  }
  cumulative += counts_[bounds.size()];
  out += fmt::format("{}_bucket{{{}{}le=\"+Inf\"}} {}\n", name, labels, sep, cumulative);
  const std::string braces = labels.empty() ? "" : "{" + labels + "}";
  out += fmt::format("{}_sum{} {}\n{}_count{} {}\n", name, braces, sum_, name, braces, count_);
}

void metrics::request_finished(const std::string& route, int status, std::chrono::steady_clock::duration took) {
  std::lock_guard lock(mutex_);
  ++requests_[{route, status}];
  latency_[route].observe(std::chrono::duration<double>(took).count());
}

void metrics::command_appended(std::size_t events, std::chrono::steady_clock::duration took) {
  std::lock_guard lock(mutex_);
  ++commands_appended_;
  events_appended_ += events;
  append_latency_.observe(std::chrono::duration<double>(took).count());
}

std::string metrics::render(const std::string& extra) const {
  std::string out;
  auto gauge = [&out](const char* name, const char* help, const char* type, auto value) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name, type, name, value);
  };
  static const std::string allocator = malloc_in_use();
  out += fmt::format("# HELP gongjian_build_info The malloc the server runs with (docs/operations.md).\n"
                     "# TYPE gongjian_build_info gauge\ngongjian_build_info{{allocator=\"{}\"}} 1\n",
                     allocator);
  gauge("gongjian_connections_open", "Open HTTP and WebSocket connections.", "gauge", connections_open.load());
  gauge("gongjian_connections_total", "Accepted connections.", "counter", connections_total.load());
  gauge("gongjian_connections_refused_total", "Connections refused over max_connections.", "counter",
        connections_refused.load());
  gauge("gongjian_websocket_sessions", "Open WebSocket sessions.", "gauge", websocket_sessions.load());
  gauge("gongjian_websocket_subscribers", "Active WebSocket topic subscriptions.", "gauge", websocket_subscribers.load());
  gauge("gongjian_websocket_send_queue_messages", "Messages queued for sending over all WebSockets.", "gauge",
        websocket_send_queue.load());
  gauge("gongjian_websocket_messages_sent_total", "WebSocket messages written.", "counter",
        websocket_messages_sent.load());
  gauge("gongjian_websocket_lagging_total", "Lagging notices sent to slow subscribers.", "counter",
        websocket_lagging.load());
  gauge("gongjian_store_reads_queued", "Event store reads waiting for or running on the store read pool.", "gauge",
        store_reads_queued.load());
  gauge("gongjian_commands_queued", "Commands waiting for the decision strand.", "gauge", commands_queued.load());
  gauge("gongjian_appends_in_flight", "Appends handed to the event store and not yet durable.", "gauge",
        appends_in_flight.load());
  gauge("gongjian_commands_rejected_total", "Commands refused by the domain rules.", "counter", commands_rejected.load());
  gauge("gongjian_commands_duplicate_total", "Commands whose id had been seen (answered from the first result).",
        "counter", commands_duplicate.load());

  std::lock_guard lock(mutex_);
  gauge("gongjian_commands_appended_total", "Commands appended durably.", "counter", commands_appended_);
  gauge("gongjian_events_appended_total", "Events appended durably by this server.", "counter", events_appended_);
  out += "# HELP gongjian_append_duration_seconds From append request to durable acknowledgement.\n"
         "# TYPE gongjian_append_duration_seconds histogram\n";
  append_latency_.render(out, "gongjian_append_duration_seconds", "");
  out += "# HELP gongjian_http_requests_total HTTP requests by route and status.\n"
         "# TYPE gongjian_http_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    out += fmt::format("gongjian_http_requests_total{{route=\"{}\",status=\"{}\"}} {}\n", key.first, key.second, count);
  }
  out += "# HELP gongjian_http_request_duration_seconds From request read to response ready to write.\n"
         "# TYPE gongjian_http_request_duration_seconds histogram\n";
  for (const auto& [route, histogram] : latency_) {
    histogram.render(out, "gongjian_http_request_duration_seconds", "route=\"" + route + "\"");
  }
  out += extra;
  return out;
}

}  // namespace gongjian::server
