// WebSocket fan-out benchmark (issue 5, "Measured"): N subscribers (default 1,000) follow one
// ranking ({"topic":"rankings","jurisdiction":"110100","indicator":"members_disclosed"}) while a
// writer appends R events/s (default 10,000: batches of 100 disclose_member_identity every 10 ms
// over W HTTP keep-alive connections, default 4, open loop; each disclosure changes the ranking). For every ranking message a
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
// usage: ws_fanout_bench [--subscribers N] [--rate EVENTS_PER_S] [--seconds S] [--writers W]
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
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
namespace json = boost::json;
using clock_type = std::chrono::steady_clock;

namespace {

double process_cpu_s() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double clock_s(clockid_t id) {
  timespec t{};
  ::clock_gettime(id, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

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

// The subscribers are a deliberately light client, so that on a 2-core machine the bench measures
// the server rather than itself: a Beast client spent as much CPU per message as a server network
// thread (UTF-8 validation, composed read operations, a buffer per read). Here every subscriber is
// a raw non-blocking socket in one epoll loop on one thread; it parses server frames (unmasked,
// possibly fragmented), answers pings and reads only the "position" of each ranking.
class subscriber {
 public:
  // Blocking: connect, upgrade, subscribe. Then the socket goes non-blocking for the loop.
  subscriber(std::uint16_t port, std::size_t index) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) die("socket");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) die("connect");
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    send_all(std::string("GET /api/v1/ws?access_token=") + kToken +
             " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    std::size_t end = std::string::npos;
    char chunk[4096];
    while ((end = in_.find("\r\n\r\n")) == std::string::npos) {
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) die("handshake recv");
      in_.append(chunk, static_cast<std::size_t>(n));
    }
    if (in_.compare(0, 12, "HTTP/1.1 101") != 0) {
      std::fprintf(stderr, "subscriber %zu: upgrade refused: %s\n", index, in_.substr(0, end).c_str());
      std::exit(1);
    }
    in_.erase(0, end + 4);
    send_frame(0x1, R"({"op":"subscribe","topic":"rankings","jurisdiction":"110100","indicator":"members_disclosed","affiliation":"party"})");
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
  }
  ~subscriber() {
    if (fd_ >= 0) ::close(fd_);
  }
  subscriber(const subscriber&) = delete;
  subscriber& operator=(const subscriber&) = delete;

  int fd() const { return fd_; }
  // Loop thread: reads what is there and handles every complete frame. False once closed.
  // A read that does not fill the chunk has drained the socket: no second recv just to see
  // EAGAIN (the epoll loop is level-triggered, so bytes that come later wake it again).
  bool on_readable() {
    char chunk[65536];
    while (true) {
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n > 0) {
        in_.append(chunk, static_cast<std::size_t>(n));
        if (static_cast<std::size_t>(n) < sizeof chunk) break;
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n < 0 && errno == EINTR) continue;
      now_ = clock_type::now();
      parse();
      return false;  // closed by the server (the end of the run)
    }
    now_ = clock_type::now();
    parse();
    return true;
  }

  std::vector<received> got;
  std::atomic<bool> ready{false};

 private:
  [[noreturn]] static void die(const char* what) {
    std::fprintf(stderr, "subscriber %s: %s\n", what, std::strerror(errno));
    std::exit(1);
  }
  void send_all(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;  // rare: small frames
      if (n < 0) die("send");
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  // A client frame must be masked (RFC 6455 5.3); the key may be anything, zero keeps it cheap.
  void send_frame(unsigned opcode, std::string_view payload) {
    std::string frame;
    frame.push_back(static_cast<char>(0x80 | opcode));
    if (payload.size() < 126) {
      frame.push_back(static_cast<char>(0x80 | payload.size()));
    } else {
      frame.push_back(static_cast<char>(0x80 | 126));
      frame.push_back(static_cast<char>(payload.size() >> 8));
      frame.push_back(static_cast<char>(payload.size() & 0xff));
    }
    frame.append(4, '\0');
    frame.append(payload);
    send_all(frame);
  }
  void parse() {
    std::size_t at = 0;
    while (in_.size() - at >= 2) {
      const auto b0 = static_cast<unsigned char>(in_[at]);
      const auto b1 = static_cast<unsigned char>(in_[at + 1]);
      if (b1 & 0x80) {
        std::fprintf(stderr, "subscriber: the server sent a masked frame\n");
        std::exit(1);
      }
      std::size_t header = 2;
      std::uint64_t length = b1 & 0x7f;
      if (length == 126) {
        if (in_.size() - at < 4) break;
        length = (std::uint64_t{static_cast<unsigned char>(in_[at + 2])} << 8) | static_cast<unsigned char>(in_[at + 3]);
        header = 4;
      } else if (length == 127) {
        if (in_.size() - at < 10) break;
        length = 0;
        for (std::size_t i = 0; i < 8; ++i) length = (length << 8) | static_cast<unsigned char>(in_[at + 2 + i]);
        header = 10;
      }
      if (in_.size() - at < header + length) break;
      const std::string_view payload(in_.data() + at + header, static_cast<std::size_t>(length));
      at += header + static_cast<std::size_t>(length);
      const unsigned opcode = b0 & 0x0f;
      const bool fin = (b0 & 0x80) != 0;
      if (opcode == 0x9) {
        send_frame(0xA, payload);
      } else if ((opcode == 0x1 || opcode == 0x0) && fin && message_.empty()) {
        on_message(payload);  // a whole message in one frame (the usual case): no copy
      } else if (opcode == 0x1 || opcode == 0x0) {
        message_.append(payload);
        if (fin) {
          on_message(message_);
          message_.clear();
        }
      }
    }
    in_.erase(0, at);
  }
  // The server writes "type", "topic" and "position" after the ranking's body, so both are looked
  // for from the end (a scan from the start read the whole ranking and was most of this thread's
  // user time).
  void on_message(std::string_view text) {
    if (text.rfind("\"type\":\"ranking\"") == std::string_view::npos) return;
    // "position" is the last field the server writes; parse only the number.
    const auto at = text.rfind("\"position\":");
    if (at == std::string_view::npos) return;
    std::uint64_t p = 0;
    for (std::size_t i = at + 11; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) p = p * 10 + static_cast<std::uint64_t>(text[i] - '0');
    got.push_back({p, now_});
    ready = true;
  }

  int fd_ = -1;
  std::string in_;
  std::string message_;
  clock_type::time_point now_;  // when the bytes being parsed were read
};

}  // namespace

int main(int argc, char** argv) {
  std::size_t subscribers = 1000;
  std::size_t rate = 10000;
  double seconds = 5;
  std::size_t writers = 4;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--subscribers") subscribers = std::stoul(argv[i + 1]);
    else if (flag == "--rate") rate = std::stoul(argv[i + 1]);
    else if (flag == "--seconds") seconds = std::stod(argv[i + 1]);
    else if (flag == "--writers") writers = std::max<std::size_t>(1, std::stoul(argv[i + 1]));
    else {
      std::fprintf(stderr, "unknown flag %s\nusage: ws_fanout_bench [--subscribers N] [--rate EVENTS_PER_S] [--seconds S] [--writers W]\n", argv[i]);
      return 2;
    }
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

  // Subscribers: connected one after another, then one epoll loop on one client thread.
  std::vector<std::unique_ptr<subscriber>> subs;
  const int epoll = ::epoll_create1(0);
  for (std::size_t i = 0; i < subscribers; ++i) {
    subs.push_back(std::make_unique<subscriber>(port, i));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = subs.back().get();
    if (::epoll_ctl(epoll, EPOLL_CTL_ADD, subs.back()->fd(), &ev) != 0) {
      std::perror("epoll_ctl");
      return 1;
    }
  }
  std::atomic<bool> clients_stop{false};
  std::thread client_thread([&] {
    std::vector<epoll_event> events(256);
    while (!clients_stop.load(std::memory_order_relaxed)) {
      const int n = ::epoll_wait(epoll, events.data(), static_cast<int>(events.size()), 50);
      for (int i = 0; i < n; ++i) {
        auto* s = static_cast<subscriber*>(events[static_cast<std::size_t>(i)].data.ptr);
        if (!s->on_readable()) ::epoll_ctl(epoll, EPOLL_CTL_DEL, s->fd(), nullptr);
      }
    }
  });
  const auto wait_until = clock_type::now() + std::chrono::seconds(30);
  while (clock_type::now() < wait_until &&
         !std::all_of(subs.begin(), subs.end(), [](const auto& s) { return s->ready.load(); }))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const std::size_t connected = static_cast<std::size_t>(std::count_if(subs.begin(), subs.end(), [](const auto& s) { return s->ready.load(); }));

  // The writers: batch b of `batch` disclosures is sent at start + b * batch/rate, whatever the
  // replies to earlier batches, over `writers` keep-alive connections (batch b on connection
  // b % writers), so the load is the asked rate as long as the server keeps up (open loop). One
  // synchronous connection measured its own round trips instead: with a durable reply taking
  // more than batch/rate, it fell behind the rate it was asked for.
  std::vector<std::pair<std::uint64_t, clock_type::time_point>> acks;  // last position of a batch, ack time
  std::mutex acks_mutex;
  // CPU time during the load (from the writers' start to the end of the wait for the last
  // updates): the process's, less the subscribers' thread's and the writers' own, is the
  // server's; per update received it is a steadier figure than the latency on a shared machine.
  clockid_t client_clock{};
  ::pthread_getcpuclockid(client_thread.native_handle(), &client_clock);
  const double process_cpu_before = process_cpu_s();
  const double client_cpu_before = clock_s(client_clock);
  double writers_cpu = 0;
  {
    const auto period = std::chrono::duration<double>(static_cast<double>(batch) / static_cast<double>(rate));
    const auto start = clock_type::now();
    std::vector<std::thread> writer_threads;
    for (std::size_t w = 0; w < writers; ++w) {
      writer_threads.emplace_back([&, w] {
        http_conn writer(port);
        for (std::size_t b = w; b < batches; b += writers) {
          std::this_thread::sleep_until(start + std::chrono::duration_cast<clock_type::duration>(period * static_cast<double>(b)));
          json::array disclosures;
          for (std::size_t k = 0; k < batch; ++k) {
            const std::uint64_t m = 1 + b * batch + k;
            disclosures.push_back(cmd("disclose_member_identity", "d-" + std::to_string(m), {{"member", m}, {"disclosed_on", "2016-07-04"}}));
          }
          auto reply = writer.post("/api/v1/commands:batch", json::serialize(json::object{{"commands", std::move(disclosures)}}));
          const auto acked = clock_type::now();
          std::uint64_t last = 0;
          for (const auto& r : reply.at("results").as_array()) last = std::max(last, r.at("last_position").to_number<std::uint64_t>());
          std::lock_guard lock(acks_mutex);
          acks.emplace_back(last, acked);
        }
        const double own = clock_s(CLOCK_THREAD_CPUTIME_ID);
        std::lock_guard lock(acks_mutex);
        writers_cpu += own;
      });
    }
    for (auto& t : writer_threads) t.join();
  }
  std::sort(acks.begin(), acks.end());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the last updates arrive
  const double client_cpu = clock_s(client_clock) - client_cpu_before;
  const double server_cpu = process_cpu_s() - process_cpu_before - client_cpu - writers_cpu;
  auto first_ack = acks.empty() ? clock_type::time_point{} : acks.front().second;
  auto last_ack = first_ack;
  for (const auto& a : acks) {
    first_ack = std::min(first_ack, a.second);
    last_ack = std::max(last_ack, a.second);
  }
  const double elapsed_writer = std::chrono::duration<double>(last_ack - first_ack).count();

  srv->stop();
  server_thread.join();
  clients_stop = true;
  client_thread.join();
  ::close(epoll);

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
  // Per ack: each subscriber's rankings arrive in position order.
  // Also per ack, over the subscribers: when the first one got a covering ranking (signed: before
  // the ack is negative; the publication's latency plus one write) and how long after it the last
  // one did (the hand-over's spread: a sweep over all subscribers), to tell the two apart.
  std::vector<double> ack_ms;
  std::vector<clock_type::time_point> first_at(acks.size(), clock_type::time_point::max());
  std::vector<clock_type::time_point> last_at(acks.size(), clock_type::time_point::min());
  std::size_t missed = 0;
  for (const auto& s : subs) {
    if (!s->ready.load()) continue;
    for (std::size_t a = 0; a < acks.size(); ++a) {
      const auto& [last, acked] = acks[a];
      auto r = std::lower_bound(s->got.begin(), s->got.end(), last,
                                [](const received& g, std::uint64_t p) { return g.position < p; });
      if (r == s->got.end()) {
        ++missed;
        continue;
      }
      ack_ms.push_back(std::max(0.0, std::chrono::duration<double, std::milli>(r->at - acked).count()));
      first_at[a] = std::min(first_at[a], r->at);
      last_at[a] = std::max(last_at[a], r->at);
    }
  }
  std::vector<double> first_ms, spread_ms;
  for (std::size_t a = 0; a < acks.size(); ++a) {
    if (first_at[a] == clock_type::time_point::max()) continue;
    first_ms.push_back(std::chrono::duration<double, std::milli>(first_at[a] - acks[a].second).count());
    spread_ms.push_back(std::chrono::duration<double, std::milli>(last_at[a] - first_at[a]).count());
  }
  std::sort(first_ms.begin(), first_ms.end());
  std::sort(spread_ms.begin(), spread_ms.end());
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
  std::printf("per ack, first subscriber (ack -> earliest covering ranking, signed): p50=%.2f p99=%.2f max=%.2f; "
              "spread (earliest -> last subscriber): p50=%.2f p99=%.2f max=%.2f\n",
              pct_of(first_ms, 0.5), pct_of(first_ms, 0.99), first_ms.empty() ? 0.0 : first_ms.back(), pct_of(spread_ms, 0.5),
              pct_of(spread_ms, 0.99), spread_ms.empty() ? 0.0 : spread_ms.back());
  std::printf("cpu during the load: server %.2f s (%.1f us per update received), subscribers' thread %.2f s, writers %.2f s\n",
              server_cpu, latencies_ms.empty() ? 0.0 : server_cpu * 1e6 / static_cast<double>(latencies_ms.size()), client_cpu,
              writers_cpu);
  std::printf("RESULT bench=ws_fanout subscribers=%zu writers=%zu rate=%.0f updates=%zu p50_ms=%.3f p99_ms=%.3f max_ms=%.3f "
              "ack_p50_ms=%.3f ack_p99_ms=%.3f ack_max_ms=%.3f missed=%zu\n",
              connected, writers, events_per_s, latencies_ms.size(), pct(0.5), pct(0.99), latencies_ms.empty() ? 0.0 : latencies_ms.back(),
              pct_of(ack_ms, 0.5), pct_of(ack_ms, 0.99), ack_ms.empty() ? 0.0 : ack_ms.back(), missed);
  srv.reset();
  std::filesystem::remove_all(dir);
  return 0;
}
