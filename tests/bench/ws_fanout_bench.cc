// WebSocket fan-out benchmark (issue 5, "Measured"): N subscribers (default 1,000) follow one
// ranking ({"topic":"rankings","jurisdiction":"110100","indicator":"members_disclosed"}) while a
// writer appends R events/s (default 10,000: batches of 100 disclose_member_identity every 10 ms
// over HTTP keep-alive, each disclosure changing the ranking). For every ranking message a
// subscriber receives, latency = receive time - the time the batch holding the message's
// `position` was acknowledged (its durable reply). Since the server coalesces (a subscriber gets
// the newest ranking, not every one), that per-message figure alone would flatter it: the bench
// also takes, for every acknowledged batch and every subscriber, the time until the first ranking
// at or past the batch's last position arrived ("per ack"; a batch no ranking ever covered
// counts as missed). Prints p50/p99/max of both and a RESULT line; never asserts on time.
// Bounded: --seconds (default 5) of load, then shutdown.
//
// The server runs in this process (gongjian::server::server on a free port, fresh data directory):
// the subscribers, the writer and the server share the machine's cores, as they would in a
// same-host deployment.
//
// usage: ws_fanout_bench [--subscribers N] [--rate EVENTS_PER_S] [--seconds S]
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "gongjian/server/auth.h"
#include "gongjian/server/server.h"

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr const char* kToken = "fanout-bench-token";

// One keep-alive HTTP connection (the writer's and the setup's), synchronous.
class http_conn {
 public:
  explicit http_conn(std::uint16_t port) : stream_(ioc_) {
    stream_.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  }
  json::value post(const std::string& target, const std::string& body) {
    http::request<http::string_body> req(http::verb::post, target, 11);
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::authorization, std::string("Bearer ") + kToken);
    req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    http::write(stream_, req);
    http::response<http::string_body> res;
    http::read(stream_, buffer_, res);
    if (res.result_int() != 200) {
      std::fprintf(stderr, "POST %s: %d %s\n", target.c_str(), res.result_int(), res.body().substr(0, 300).c_str());
      std::exit(1);
    }
    return json::parse(res.body());
  }

 private:
  net::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

json::object cmd(const char* type, std::string id, json::object fields) {
  fields["type"] = type;
  fields["command_id"] = std::move(id);
  return fields;
}

struct received {
  std::uint64_t position;
  clock_type::time_point at;
};

// One subscriber: connect, upgrade, subscribe, then read forever (on the clients' io_context).
class subscriber : public std::enable_shared_from_this<subscriber> {
 public:
  subscriber(net::io_context& ioc, std::uint16_t port) : ws_(ioc), port_(port) {}
  void start() {
    beast::get_lowest_layer(ws_).async_connect(
        net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port_), [self = shared_from_this()](beast::error_code ec) {
          if (ec) return self->fail("connect", ec);
          self->ws_.async_handshake("127.0.0.1", std::string("/api/v1/ws?access_token=") + kToken,
                                    [self](beast::error_code ec2) {
                                      if (ec2) return self->fail("handshake", ec2);
                                      self->ws_.text(true);
                                      self->out_ = R"({"op":"subscribe","topic":"rankings","jurisdiction":"110100","indicator":"members_disclosed","affiliation":"party"})";
                                      self->ws_.async_write(net::buffer(self->out_), [self](beast::error_code ec3, std::size_t) {
                                        if (ec3) return self->fail("subscribe", ec3);
                                        self->read();
                                      });
                                    });
        });
  }
  std::vector<received> got;
  std::atomic<bool> ready{false};

 private:
  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;  // closed at the end
      const auto now = clock_type::now();
      const std::string_view text(static_cast<const char*>(self->buffer_.data().data()), self->buffer_.size());
      if (text.find("\"type\":\"ranking\"") != std::string_view::npos) {
        // "position" is the last field the server writes; parse only the number.
        const auto at = text.rfind("\"position\":");
        if (at != std::string_view::npos) {
          std::uint64_t p = 0;
          for (std::size_t i = at + 11; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) p = p * 10 + (text[i] - '0');
          self->got.push_back({p, now});
          self->ready = true;
        }
      }
      self->buffer_.consume(self->buffer_.size());
      self->read();
    });
  }
  void fail(const char* what, beast::error_code ec) { std::fprintf(stderr, "subscriber %s: %s\n", what, ec.message().c_str()); }

  websocket::stream<beast::tcp_stream> ws_;
  std::uint16_t port_;
  beast::flat_buffer buffer_;
  std::string out_;
};

}  // namespace

int main(int argc, char** argv) {
  std::size_t subscribers = 1000;
  std::size_t rate = 10000;
  double seconds = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--subscribers") subscribers = std::stoul(argv[i + 1]);
    else if (flag == "--rate") rate = std::stoul(argv[i + 1]);
    else if (flag == "--seconds") seconds = std::stod(argv[i + 1]);
  }
  spdlog::set_level(spdlog::level::warn);
  const auto dir = std::filesystem::temp_directory_path() / ("ws-fanout-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  gongjian::config::server_config cfg;
  cfg.data_dir = dir;
  cfg.port = 0;
  cfg.log_level = "warn";
  cfg.limits.max_connections = static_cast<std::uint32_t>(subscribers + 100);
  cfg.limits.requests_per_second_per_token = 1e9;
  cfg.limits.burst_per_token = 1e9;
  cfg.tokens.push_back({gongjian::server::sha256_hex(kToken), "bench", "admin", "000000"});
  auto srv = std::make_unique<gongjian::server::server>(cfg);
  const std::uint16_t port = srv->port();
  std::thread server_thread([&] { srv->run(); });

  // Setup (untimed): 110100 with two counties and an office each, one org in each office, and
  // enough hidden members in org 1 for every disclosure of the run.
  const std::size_t batch = 100;
  const std::size_t batches = static_cast<std::size_t>(seconds * static_cast<double>(rate) / batch) + 1;
  {
    http_conn setup(port);
    json::array commands;
    for (auto [code, name] : {std::pair{"000000", "全国"}, {"110000", "北京市"}, {"110100", "市辖区"}, {"110101", "东城区"},
                              {"110101001", "东华门所"}, {"110102", "西城区"}, {"110102001", "西长安街所"}})
      commands.push_back(cmd("register_jurisdiction", std::string("j-") + code, {{"code", code}, {"jurisdiction_name", name}}));
    commands.push_back(cmd("register_organization", "o-1",
                           {{"org", 1}, {"kind", "small_micro_enterprise"}, {"org_name", "甲"}, {"social_credit_code", "91110108551385082Q"},
                            {"registration_number", ""}, {"trade", ""}, {"office", "110101001"}, {"address", ""}, {"employees", 10},
                            {"owner", "neither"}, {"management_relationship", ""}, {"status", "in_real_operation"}, {"focus", "none"},
                            {"has_activity_venue", false}, {"registered_on", "2016-07-01"}}));
    setup.post("/api/v1/commands:batch", json::serialize(json::object{{"commands", std::move(commands)}}));
    for (std::size_t b = 0; b < batches; ++b) {
      json::array members;
      for (std::size_t k = 0; k < batch; ++k) {
        const std::uint64_t m = 1 + b * batch + k;
        members.push_back(cmd("record_member", "m-" + std::to_string(m),
                              {{"member", m}, {"org", 1}, {"affiliation", "party"}, {"standing", "formal"}, {"status", "hidden"},
                               {"member_name", "x"}, {"relationship_held_at", ""}, {"admitted_on", "2000-01-01"}, {"recorded_on", "2016-07-03"}}));
      }
      setup.post("/api/v1/commands:batch", json::serialize(json::object{{"commands", std::move(members)}}));
    }
  }

  // Subscribers on one client thread.
  net::io_context clients;
  std::vector<std::shared_ptr<subscriber>> subs;
  for (std::size_t i = 0; i < subscribers; ++i) {
    subs.push_back(std::make_shared<subscriber>(clients, port));
    subs.back()->start();
  }
  std::thread client_thread([&] { clients.run(); });
  const auto wait_until = clock_type::now() + std::chrono::seconds(30);
  while (clock_type::now() < wait_until &&
         !std::all_of(subs.begin(), subs.end(), [](const auto& s) { return s->ready.load(); }))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const std::size_t connected = static_cast<std::size_t>(std::count_if(subs.begin(), subs.end(), [](const auto& s) { return s->ready.load(); }));

  // The writer: one batch of `batch` disclosures every batch/rate seconds, acks recorded.
  std::vector<std::pair<std::uint64_t, clock_type::time_point>> acks;  // last position of a batch, ack time
  {
    http_conn writer(port);
    const auto period = std::chrono::duration<double>(static_cast<double>(batch) / static_cast<double>(rate));
    auto next = clock_type::now();
    for (std::size_t b = 0; b < batches; ++b) {
      json::array disclosures;
      for (std::size_t k = 0; k < batch; ++k) {
        const std::uint64_t m = 1 + b * batch + k;
        disclosures.push_back(cmd("disclose_member_identity", "d-" + std::to_string(m), {{"member", m}, {"disclosed_on", "2016-07-04"}}));
      }
      auto reply = writer.post("/api/v1/commands:batch", json::serialize(json::object{{"commands", std::move(disclosures)}}));
      const auto acked = clock_type::now();
      std::uint64_t last = 0;
      for (const auto& r : reply.at("results").as_array()) last = std::max(last, r.at("last_position").to_number<std::uint64_t>());
      acks.emplace_back(last, acked);
      next += std::chrono::duration_cast<clock_type::duration>(period);
      std::this_thread::sleep_until(next);
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the last updates arrive
  const auto elapsed_writer = acks.empty() ? 0.0 : std::chrono::duration<double>(acks.back().second - acks.front().second).count();

  srv->stop();
  server_thread.join();
  clients.stop();
  client_thread.join();

  // Latency per received update: the ack of the batch holding its position.
  std::vector<double> latencies_ms;
  std::size_t early = 0;
  for (const auto& s : subs) {
    for (const auto& r : s->got) {
      auto it = std::lower_bound(acks.begin(), acks.end(), r.position,
                                 [](const auto& a, std::uint64_t p) { return a.first < p; });
      if (it == acks.end()) continue;  // the initial ranking (before the load)
      if (it == acks.begin() && r.position < acks.front().first - batch + 1) continue;
      const double ms = std::chrono::duration<double, std::milli>(r.at - it->second).count();
      if (ms < 0) ++early;  // pushed before the HTTP reply reached the writer
      latencies_ms.push_back(std::max(0.0, ms));
    }
  }
  // Per ack: each subscriber's rankings arrive in position order, as do the acks.
  std::vector<double> ack_ms;
  std::size_t missed = 0;
  for (const auto& s : subs) {
    if (!s->ready.load()) continue;
    std::size_t r = 0;
    for (const auto& [last, acked] : acks) {
      while (r < s->got.size() && s->got[r].position < last) ++r;
      if (r == s->got.size()) {
        ++missed;
        continue;
      }
      ack_ms.push_back(std::max(0.0, std::chrono::duration<double, std::milli>(s->got[r].at - acked).count()));
    }
  }
  std::sort(latencies_ms.begin(), latencies_ms.end());
  std::sort(ack_ms.begin(), ack_ms.end());
  auto pct_of = [](const std::vector<double>& v, double q) {
    if (v.empty()) return 0.0;
    return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
  };
  auto pct = [&](double q) { return pct_of(latencies_ms, q); };
  const double events_per_s = elapsed_writer > 0 ? static_cast<double>(acks.size() * batch) / elapsed_writer : 0;
  std::printf("subscribers=%zu connected=%zu events=%zu achieved_rate=%.0f/s updates=%zu (%.1f per subscriber) "
              "before_ack=%zu\nlatency ms: p50=%.2f p99=%.2f p99.9=%.2f max=%.2f\n",
              subscribers, connected, acks.size() * batch, events_per_s, latencies_ms.size(),
              connected ? static_cast<double>(latencies_ms.size()) / static_cast<double>(connected) : 0.0, early, pct(0.5),
              pct(0.99), pct(0.999), latencies_ms.empty() ? 0.0 : latencies_ms.back());
  std::printf("per ack (batch acknowledged -> first ranking covering it, every subscriber): n=%zu missed=%zu p50=%.2f "
              "p99=%.2f p99.9=%.2f max=%.2f\n",
              ack_ms.size(), missed, pct_of(ack_ms, 0.5), pct_of(ack_ms, 0.99), pct_of(ack_ms, 0.999),
              ack_ms.empty() ? 0.0 : ack_ms.back());
  std::printf("RESULT bench=ws_fanout subscribers=%zu rate=%.0f updates=%zu p50_ms=%.3f p99_ms=%.3f max_ms=%.3f "
              "ack_p50_ms=%.3f ack_p99_ms=%.3f ack_max_ms=%.3f missed=%zu\n",
              connected, events_per_s, latencies_ms.size(), pct(0.5), pct(0.99), latencies_ms.empty() ? 0.0 : latencies_ms.back(),
              pct_of(ack_ms, 0.5), pct_of(ack_ms, 0.99), ack_ms.empty() ? 0.0 : ack_ms.back(), missed);
  srv.reset();
  std::filesystem::remove_all(dir);
  return 0;
}
