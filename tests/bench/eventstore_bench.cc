// Event store throughput benchmark, driven through the public API only
// (gongjian/eventstore/event_store.h). It prints figures and never asserts on time; it exits
// non-zero only when the store returned an error or the log it read back had a gap.
//
// Modes (see scripts/bench/eventstore, which runs them and tabulates the RESULT lines):
//   --mode durable  N concurrent writers, one event per append, each acknowledged only once its
//                   group-commit batch is fsynced (durability::fsync_each_batch). Reports events/s
//                   and the append latency distribution as seen by the writer.
//                   --driver threads: N OS threads each calling the blocking append().
//                   --driver async:   one submitting thread keeping N append_async() in flight,
//                                     bounded by a mutex and condition variable.
//   --mode bulk     durability::bulk_import_without_fsync, --batch events per request, then sync();
//                   the time includes the final sync. --inflight K (default 1): each writer keeps
//                   K requests in flight with append_async, as a pipelining importer would (each
//                   writer appends to its own stream with expected_version any, so the order of
//                   its requests is the order it submitted them); 1 waits for each
//                   acknowledgement with the blocking append(), as before the flag existed.
//   --mode read     read_all() over the whole log in pages, touching every field of every event;
//                   fills the directory first (bulk, untimed) when it is empty, then reopens it.
//
// Every run prints exactly one machine-readable line on stdout:
//   RESULT mode=durable driver=threads writers=64 ... events_per_s=... p50_us=... p99_us=...
// Human-readable progress goes to stderr.
//
// Threads: main thread parses, opens and joins; writer threads (durable/bulk) only call append();
// in async mode completions run on the store's syncer thread, so the callback does nothing but
// record a latency into a preallocated slot and release an in-flight slot.

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <latch>
#include <map>
#include <memory>
#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include <sys/resource.h>

#include "gongjian/eventstore/event_store.h"

namespace es = gongjian::eventstore;
namespace fs = std::filesystem;
using bench_clock = std::chrono::steady_clock;

namespace {

struct bench_config {
  std::string mode = "durable";   // durable | bulk | read
  std::string driver = "threads";  // threads | async (durable only)
  std::string streams = "own";     // own: one stream per writer; shared: --shared-streams streams
                                   // used by all writers; unique: a fresh stream per append
  std::size_t writers = 1;
  std::uint64_t events = 100'000;  // total events to append (or to read / fill, in read mode)
  std::size_t payload = 200;       // payload bytes per event
  bool same_payloads = false;      // --payloads same: every event carries the same bytes
  std::size_t batch = 1000;        // events per request in bulk mode
  std::size_t inflight = 1;        // bulk mode: requests each writer keeps in flight (1: blocking append)
  std::size_t page = 4096;         // events per read_all() page in read mode
  std::size_t shared_streams = 16;
  double max_seconds = 30;          // appends stop after this long even if --events is not reached
  std::size_t max_batch_requests = 0;  // 0: the store's default
  std::string dir;                 // empty: a fresh temporary directory, removed afterwards
  bool keep = false;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "eventstore_bench: %s\n"
               "usage: eventstore_bench --mode durable|bulk|read [--writers N] [--events M]\n"
               "         [--payload BYTES] [--dir DIR] [--keep] [--driver threads|async]\n"
               "         [--streams own|shared|unique] [--shared-streams K] [--batch B] [--page P]\n"
               "         [--max-seconds S] [--max-batch-requests R] [--payloads distinct|same]\n"
               "         [--inflight K]\n",
               why);
  std::exit(2);
}

std::uint64_t parse_number(std::string_view flag, std::string_view text) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size()) {
    usage((std::string("bad number for ") + std::string(flag)).c_str());
  }
  return v;
}

bench_config parse_args(int argc, char** argv) {
  bench_config c;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "--keep") {
      c.keep = true;
      continue;
    }
    if (i + 1 >= argc) usage("missing value");
    std::string_view v = argv[++i];
    if (flag == "--mode") c.mode = v;
    else if (flag == "--driver") c.driver = v;
    else if (flag == "--streams") c.streams = v;
    else if (flag == "--writers") c.writers = parse_number(flag, v);
    else if (flag == "--events") c.events = parse_number(flag, v);
    else if (flag == "--payload") c.payload = parse_number(flag, v);
    else if (flag == "--batch") c.batch = parse_number(flag, v);
    else if (flag == "--inflight") c.inflight = parse_number(flag, v);
    else if (flag == "--page") c.page = parse_number(flag, v);
    else if (flag == "--shared-streams") c.shared_streams = parse_number(flag, v);
    else if (flag == "--max-seconds") c.max_seconds = static_cast<double>(parse_number(flag, v));
    else if (flag == "--max-batch-requests") c.max_batch_requests = parse_number(flag, v);
    else if (flag == "--dir") c.dir = v;
    else if (flag == "--payloads") {
      if (v != "distinct" && v != "same") usage("unknown --payloads");
      c.same_payloads = v == "same";
    }
    else usage("unknown flag");
  }
  if (c.mode != "durable" && c.mode != "bulk" && c.mode != "read") usage("unknown --mode");
  if (c.driver != "threads" && c.driver != "async") usage("unknown --driver");
  if (c.streams != "own" && c.streams != "shared" && c.streams != "unique") usage("unknown --streams");
  if (c.writers == 0 || c.events == 0 || c.batch == 0 || c.inflight == 0 || c.page == 0 || c.shared_streams == 0) {
    usage("counts must be positive");
  }
  return c;
}

// Incompressible payload bytes (xorshift), so neither RocksDB compression nor the page cache
// flatters the figures: a pool from which every event takes its own `--payload`-byte window
// (payload_for), so that no two events of a RocksDB block share their payload (one payload
// repeated in every event let LZ4 compress the log about 4.5 to 1).
std::string make_payload(std::size_t bytes) {
  std::string p((1u << 20) + bytes, '\0');
  std::uint64_t x = 0x9E3779B97F4A7C15ull;
  for (auto& ch : p) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    ch = static_cast<char>(x & 0xFF);
  }
  return p;
}

// Metadata of a realistic size: who did it, in which role and jurisdiction, correlation ids.
es::event_metadata make_metadata(std::size_t writer) {
  es::event_metadata m;
  m.timestamp_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  m.by.user = "bench-user-" + std::to_string(writer);
  m.by.role = "field_worker";
  m.by.jurisdiction = "CN-11-0105";
  m.correlation_id = "corr-" + std::to_string(writer);
  m.causation_id = "cause-" + std::to_string(writer);
  return m;
}

// A per-process tag so that command ids stay unique when several runs share a directory.
std::string run_tag() {
  return std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
}

std::string stream_name(const bench_config& c, std::size_t writer, std::uint64_t seq) {
  if (c.streams == "own") return "org-w" + std::to_string(writer);
  if (c.streams == "shared") return "org-s" + std::to_string((writer + seq) % c.shared_streams);
  return "org-w" + std::to_string(writer) + "-" + std::to_string(seq);
}

// The payload of event `n` of a writer: a window of the random pool, 8191 bytes (a prime, more
// than any payload here) on from the previous event's. --payloads same: the pool's first window.
std::string payload_for(const bench_config& c, const std::string& pool, std::size_t writer, std::uint64_t n) {
  if (c.same_payloads) return pool.substr(0, c.payload);
  const std::uint64_t windows = pool.size() - c.payload;
  return pool.substr(static_cast<std::size_t>((writer * 1'000'003u + n) * 8191u % windows), c.payload);
}

// One request of `count` events (1 in durable mode): with --streams unique every event gets its
// own fresh stream, otherwise all go to one stream.
es::append_request make_request(const bench_config& c, const std::string& tag, const std::string& payload,
                                const es::event_metadata& meta, std::size_t writer, std::uint64_t seq,
                                std::size_t count) {
  es::append_request r;
  r.command_id = "cmd-" + tag + "-" + std::to_string(writer) + "-" + std::to_string(seq);
  r.metadata = meta;
  // Each event built in place, its payload moved in: an importer builds an event once.
  const std::string type = "bench.member_joined";
  if (c.streams == "unique") {
    r.writes.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      es::stream_write& w = r.writes.emplace_back(
          es::stream_write{stream_name(c, writer, seq * count + i), es::expected_version::any(), {}});
      w.events.push_back(es::event_data{type, 1, payload_for(c, payload, writer, seq * count + i)});
    }
  } else {
    es::stream_write w{stream_name(c, writer, seq), es::expected_version::any(), {}};
    w.events.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      w.events.push_back(es::event_data{type, 1, payload_for(c, payload, writer, seq * count + i)});
    }
    r.writes.push_back(std::move(w));
  }
  return r;
}

struct latency_summary {
  double p50_us = 0, p99_us = 0, p999_us = 0, max_us = 0, mean_us = 0;
};

latency_summary summarize(std::vector<std::uint32_t>& ns_samples_us) {
  latency_summary s;
  if (ns_samples_us.empty()) return s;
  std::sort(ns_samples_us.begin(), ns_samples_us.end());
  auto at = [&](double q) {
    auto idx = static_cast<std::size_t>(q * static_cast<double>(ns_samples_us.size() - 1));
    return static_cast<double>(ns_samples_us[idx]);
  };
  s.p50_us = at(0.50);
  s.p99_us = at(0.99);
  s.p999_us = at(0.999);
  s.max_us = static_cast<double>(ns_samples_us.back());
  double sum = 0;
  for (auto v : ns_samples_us) sum += v;
  s.mean_us = sum / static_cast<double>(ns_samples_us.size());
  return s;
}

std::uint64_t directory_bytes(const fs::path& dir) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

std::unique_ptr<es::event_store> open_store(const bench_config& c, es::durability mode) {
  es::options o;
  o.directory = c.dir;
  o.mode = mode;
  if (c.max_batch_requests != 0) o.max_batch_requests = c.max_batch_requests;
  auto opened = es::event_store::open(o);
  if (!opened) {
    std::fprintf(stderr, "eventstore_bench: open %s failed: %s\n", c.dir.c_str(), opened.error().message().c_str());
    std::exit(1);
  }
  return std::move(opened).value();
}

// Errors seen by writers: counted, and the first one kept for the report.
struct error_log {
  std::atomic<std::uint64_t> count{0};
  std::atomic<bool> have_first{false};
  std::string first;
  void note(const std::error_code& ec) {
    count.fetch_add(1, std::memory_order_relaxed);
    bool expected = false;
    if (have_first.compare_exchange_strong(expected, true)) first = ec.message();
  }
};

// CPU time, which other work on a shared machine disturbs less than wall time: the whole
// process's (getrusage, including threads that have ended) and each live thread's
// (/proc/self/task/<tid>/schedstat, nanoseconds on CPU). The busiest thread over a durable run is
// the store's writer thread: 1e6 / its µs per event is the most one writer thread can do.
struct cpu_snapshot {
  double process_seconds = 0;
  std::map<std::string, std::uint64_t> thread_ns;
};

cpu_snapshot take_cpu_snapshot() {
  cpu_snapshot snap;
  rusage usage{};
  if (::getrusage(RUSAGE_SELF, &usage) == 0) {
    snap.process_seconds = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  }
  std::error_code ec;
  for (auto it = fs::directory_iterator("/proc/self/task", ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    std::ifstream in(it->path() / "schedstat");
    std::uint64_t on_cpu_ns = 0;
    if (in >> on_cpu_ns) snap.thread_ns[it->path().filename().string()] = on_cpu_ns;
  }
  return snap;
}

struct cpu_usage {
  double process_us_per_event = 0;
  double busiest_thread_us_per_event = 0;
};

cpu_usage cpu_since(const cpu_snapshot& before, std::uint64_t events) {
  const cpu_snapshot after = take_cpu_snapshot();
  cpu_usage u;
  if (events == 0) return u;
  std::uint64_t busiest = 0;
  for (const auto& [tid, ns] : after.thread_ns) {
    auto it = before.thread_ns.find(tid);
    const std::uint64_t base = it == before.thread_ns.end() ? 0 : it->second;
    busiest = std::max(busiest, ns - std::min(ns, base));
  }
  u.process_us_per_event = (after.process_seconds - before.process_seconds) * 1e6 / static_cast<double>(events);
  u.busiest_thread_us_per_event = static_cast<double>(busiest) / 1e3 / static_cast<double>(events);
  return u;
}

// At most `limit` appends in flight. A mutex and condition variable rather than
// std::counting_semaphore: libstdc++ 12's semaphore spins with sched_yield before it sleeps, which
// on 2 cores takes CPU from the store's writer thread.
class in_flight_limit {
 public:
  explicit in_flight_limit(std::size_t limit) : free_(limit), limit_(limit) {}
  void acquire() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return free_ > 0; });
    --free_;
  }
  // Notifies under the lock: once wait_all_released() has seen the last permit come back, its
  // caller may destroy this object, so no release() may touch it after unlocking.
  void release() {
    std::lock_guard lock(mutex_);
    ++free_;
    cv_.notify_all();
  }
  void wait_all_released() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return free_ == limit_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::size_t free_;
  const std::size_t limit_;
};

double seconds_since(bench_clock::time_point t0) {
  return std::chrono::duration<double>(bench_clock::now() - t0).count();
}

std::uint32_t micros(bench_clock::duration d) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  return static_cast<std::uint32_t>(std::min<std::int64_t>(us, UINT32_MAX));
}

int run_durable(const bench_config& c) {
  auto store = open_store(c, es::durability::fsync_each_batch);
  const es::position head_before = store->head();
  const std::string payload = make_payload(c.payload);
  const std::string tag = run_tag();
  const auto deadline = std::chrono::duration<double>(c.max_seconds);

  error_log errors;
  std::atomic<std::uint64_t> issued{0};  // events handed out to writers, at most c.events
  std::vector<std::uint32_t> latencies_us;
  double elapsed = 0;
  const cpu_snapshot cpu_before = take_cpu_snapshot();

  if (c.driver == "threads") {
    std::vector<std::vector<std::uint32_t>> per_writer(c.writers);
    std::latch start(static_cast<std::ptrdiff_t>(c.writers) + 1);
    bench_clock::time_point t0;
    {
      std::vector<std::jthread> threads;
      threads.reserve(c.writers);
      for (std::size_t w = 0; w < c.writers; ++w) {
        threads.emplace_back([&, w] {
          auto& mine = per_writer[w];
          mine.reserve(c.events / c.writers + 16);
          const auto meta = make_metadata(w);
          start.arrive_and_wait();
          const auto begin = bench_clock::now();
          for (std::uint64_t seq = 0;; ++seq) {
            if (issued.fetch_add(1, std::memory_order_relaxed) >= c.events) break;
            if (bench_clock::now() - begin > deadline) break;
            auto request = make_request(c, tag, payload, meta, w, seq, 1);
            const auto a0 = bench_clock::now();
            auto r = store->append(std::move(request));
            const auto a1 = bench_clock::now();
            if (!r) {
              errors.note(r.error());
              if (r.error() == es::errc::closed) break;
              continue;
            }
            mine.push_back(micros(a1 - a0));
          }
        });
      }
      t0 = bench_clock::now();
      start.arrive_and_wait();
    }  // joins every writer
    elapsed = seconds_since(t0);
    for (auto& v : per_writer) latencies_us.insert(latencies_us.end(), v.begin(), v.end());
  } else {
    // One submitter keeps up to `writers` appends in flight; the store's writer thread completes
    // them. Latency slots are preallocated so the callback only stores into its own slot.
    in_flight_limit in_flight(c.writers);
    std::vector<std::uint32_t> slots(c.events, 0);
    std::atomic<std::uint64_t> completed{0};
    std::atomic<std::uint64_t> succeeded{0};
    const std::vector<es::event_metadata> metas = [&] {
      std::vector<es::event_metadata> v;
      for (std::size_t w = 0; w < c.writers; ++w) v.push_back(make_metadata(w));
      return v;
    }();
    const auto t0 = bench_clock::now();
    std::uint64_t submitted = 0;
    for (std::uint64_t seq = 0; seq < c.events; ++seq) {
      if (bench_clock::now() - t0 > deadline) break;
      in_flight.acquire();
      const std::size_t w = seq % c.writers;  // a logical writer: its stream and metadata
      auto request = make_request(c, tag, payload, metas[w], w, seq / c.writers, 1);
      const auto a0 = bench_clock::now();
      store->append_async(std::move(request), [&, seq, a0](gongjian::result<es::append_result> r) {
        if (r) {
          slots[seq] = std::max<std::uint32_t>(1, micros(bench_clock::now() - a0));
          succeeded.fetch_add(1, std::memory_order_relaxed);
        } else {
          errors.note(r.error());
        }
        completed.fetch_add(1, std::memory_order_release);
        in_flight.release();
      });
      ++submitted;
    }
    // Wait for the tail: every permit back means every append completed.
    in_flight.wait_all_released();
    elapsed = seconds_since(t0);
    for (std::uint64_t i = 0; i < submitted; ++i) {
      if (slots[i] != 0) latencies_us.push_back(slots[i]);
    }
  }

  const std::uint64_t done = latencies_us.size();
  const cpu_usage cpu = cpu_since(cpu_before, done);
  const es::position head_after = store->head();
  store->close();
  const std::uint64_t bytes = directory_bytes(c.dir);
  const auto lat = summarize(latencies_us);
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  // A cheap consistency check, not a timing assertion: every acknowledged event got a position.
  const bool gapless = head_after.value - head_before.value == done;
  std::printf(
      "RESULT mode=durable driver=%s writers=%zu streams=%s payload=%zu payloads=%s events=%llu seconds=%.3f "
      "events_per_s=%.0f p50_us=%.0f p99_us=%.0f p999_us=%.0f max_us=%.0f mean_us=%.0f "
      "bytes_per_event=%.0f cpu_us_per_event=%.2f busiest_thread_us_per_event=%.2f errors=%llu head_ok=%d\n",
      c.driver.c_str(), c.writers, c.streams.c_str(), c.payload, c.same_payloads ? "same" : "distinct",
      static_cast<unsigned long long>(done), elapsed, rate,
      lat.p50_us, lat.p99_us, lat.p999_us, lat.max_us, lat.mean_us,
      done ? static_cast<double>(bytes) / static_cast<double>(done) : 0.0, cpu.process_us_per_event,
      cpu.busiest_thread_us_per_event, static_cast<unsigned long long>(errors.count.load()), gapless ? 1 : 0);
  if (errors.count.load() != 0) std::fprintf(stderr, "eventstore_bench: first error: %s\n", errors.first.c_str());
  return errors.count.load() == 0 && gapless ? 0 : 1;
}

// Appends c.events events in requests of c.batch with bulk_import_without_fsync, then sync().
// Returns events written and seconds including the sync.
struct bulk_outcome {
  cpu_usage cpu;
  std::uint64_t events = 0;
  double seconds = 0;
  double sync_seconds = 0;
  std::uint64_t errors = 0;
  std::string first_error;
};

bulk_outcome bulk_fill(const bench_config& c, es::event_store& store) {
  const std::string payload = make_payload(c.payload);
  const std::string tag = run_tag();
  const auto deadline = std::chrono::duration<double>(c.max_seconds);
  const std::uint64_t requests = (c.events + c.batch - 1) / c.batch;
  std::atomic<std::uint64_t> next_request{0};
  std::atomic<std::uint64_t> written{0};
  error_log errors;
  std::latch start(static_cast<std::ptrdiff_t>(c.writers) + 1);
  bench_clock::time_point t0;
  const cpu_snapshot cpu_before = take_cpu_snapshot();
  {
    std::vector<std::jthread> threads;
    for (std::size_t w = 0; w < c.writers; ++w) {
      threads.emplace_back([&, w] {
        const auto meta = make_metadata(w);
        // --inflight > 1: completions run on the store's thread; they only count and release.
        in_flight_limit in_flight(c.inflight);
        std::atomic<bool> closed{false};
        start.arrive_and_wait();
        const auto begin = bench_clock::now();
        for (std::uint64_t seq = 0;; ++seq) {
          const std::uint64_t n = next_request.fetch_add(1, std::memory_order_relaxed);
          if (n >= requests) break;
          if (bench_clock::now() - begin > deadline) break;
          const std::size_t count = static_cast<std::size_t>(std::min<std::uint64_t>(c.batch, c.events - n * c.batch));
          auto request = make_request(c, tag, payload, meta, w, seq, count);
          if (c.inflight > 1) {
            in_flight.acquire();
            if (closed.load(std::memory_order_acquire)) {
              in_flight.release();
              break;
            }
            store.append_async(std::move(request), [&](gongjian::result<es::append_result> r) {
              if (r) {
                written.fetch_add(r->last.value - r->first.value + 1, std::memory_order_relaxed);
              } else {
                errors.note(r.error());
                if (r.error() == es::errc::closed) closed.store(true, std::memory_order_release);
              }
              in_flight.release();
            });
            continue;
          }
          auto r = store.append(std::move(request));
          if (!r) {
            errors.note(r.error());
            if (r.error() == es::errc::closed) break;
            continue;
          }
          written.fetch_add(r->last.value - r->first.value + 1, std::memory_order_relaxed);
        }
        in_flight.wait_all_released();
      });
    }
    t0 = bench_clock::now();
    start.arrive_and_wait();
  }
  const auto s0 = bench_clock::now();
  auto synced = store.sync();
  bulk_outcome out;
  out.sync_seconds = seconds_since(s0);
  out.seconds = seconds_since(t0);
  out.events = written.load();
  out.cpu = cpu_since(cpu_before, out.events);
  out.errors = errors.count.load();
  out.first_error = errors.first;
  if (!synced) {
    ++out.errors;
    if (out.first_error.empty()) out.first_error = "sync: " + synced.error().message();
  }
  return out;
}

int run_bulk(const bench_config& c) {
  auto store = open_store(c, es::durability::bulk_import_without_fsync);
  auto out = bulk_fill(c, *store);
  store->close();
  const std::uint64_t bytes = directory_bytes(c.dir);
  std::printf(
      "RESULT mode=bulk writers=%zu inflight=%zu streams=%s payload=%zu payloads=%s batch=%zu events=%llu seconds=%.3f events_per_s=%.0f "
      "sync_seconds=%.3f bytes_per_event=%.0f cpu_us_per_event=%.2f busiest_thread_us_per_event=%.2f errors=%llu\n",
      c.writers, c.inflight, c.streams.c_str(), c.payload, c.same_payloads ? "same" : "distinct", c.batch,
      static_cast<unsigned long long>(out.events), out.seconds,
      out.seconds > 0 ? static_cast<double>(out.events) / out.seconds : 0, out.sync_seconds,
      out.events ? static_cast<double>(bytes) / static_cast<double>(out.events) : 0.0, out.cpu.process_us_per_event,
      out.cpu.busiest_thread_us_per_event, static_cast<unsigned long long>(out.errors));
  if (out.errors) std::fprintf(stderr, "eventstore_bench: first error: %s\n", out.first_error.c_str());
  return out.errors == 0 ? 0 : 1;
}

int run_read(const bench_config& c) {
  {
    auto store = open_store(c, es::durability::bulk_import_without_fsync);
    if (store->head().value == 0) {
      std::fprintf(stderr, "eventstore_bench: filling %s with %llu events (bulk, untimed)\n", c.dir.c_str(),
                   static_cast<unsigned long long>(c.events));
      // The fill is not what is measured: give it more time than a measured run, still bounded.
      bench_config fill = c;
      fill.max_seconds = std::max(c.max_seconds, 120.0);
      auto out = bulk_fill(fill, *store);
      if (out.errors) {
        std::fprintf(stderr, "eventstore_bench: fill failed: %s\n", out.first_error.c_str());
        return 1;
      }
    }
    store->close();
  }
  // Reopen in the default mode, as a replay would.
  auto store = open_store(c, es::durability::fsync_each_batch);
  const std::uint64_t head = store->head().value;
  if (head == 0) {
    std::fprintf(stderr, "eventstore_bench: the log in %s is empty after filling it\n", c.dir.c_str());
    return 1;
  }

  // "Decode and touch": read_all hands back decoded records; every field is read so that no lazy
  // decoding or dead-code elimination can skip work, and positions are checked to be gapless.
  std::uint64_t checksum = 0;
  std::uint64_t events = 0;
  std::uint64_t payload_bytes = 0;
  std::uint64_t expected_pos = 1;
  std::string problem;
  const cpu_snapshot cpu_before = take_cpu_snapshot();
  const auto t0 = bench_clock::now();
  es::position from{1};
  while (from.value <= head) {
    auto page = store->read_all(from, c.page);
    if (!page) {
      problem = "read_all: " + page.error().message();
      break;
    }
    if (page->empty()) break;
    for (const auto& e : *page) {
      if (e.pos.value != expected_pos && problem.empty()) {
        problem = "gap: expected position " + std::to_string(expected_pos) + ", got " + std::to_string(e.pos.value);
      }
      expected_pos = e.pos.value + 1;
      checksum += e.pos.value ^ e.version.value ^ e.schema_version;
      checksum += e.stream.size() + e.type.size() + e.command_id.size();
      checksum += static_cast<std::uint64_t>(e.metadata.timestamp_ms) + e.metadata.by.user.size() +
                  e.metadata.by.role.size() + e.metadata.by.jurisdiction.size() + e.metadata.correlation_id.size() +
                  e.metadata.causation_id.size();
      checksum += e.hash[0] + e.hash[31];
      // Touch every 64-byte line of the payload, as a decoder would.
      for (std::size_t i = 0; i < e.payload.size(); i += 64) checksum += static_cast<unsigned char>(e.payload[i]);
      payload_bytes += e.payload.size();
      ++events;
    }
    from = es::position{page->back().pos.value + 1};
    if (seconds_since(t0) > c.max_seconds) break;
  }
  const double elapsed = seconds_since(t0);
  const cpu_usage cpu = cpu_since(cpu_before, events);
  store->close();
  std::printf(
      "RESULT mode=read payload=%zu payloads=%s page=%zu events=%llu seconds=%.3f events_per_s=%.0f mb_per_s=%.1f "
      "cpu_us_per_event=%.2f checksum=%llu errors=%d\n",
      c.payload, c.same_payloads ? "same" : "distinct", c.page, static_cast<unsigned long long>(events), elapsed,
      elapsed > 0 ? static_cast<double>(events) / elapsed : 0,
      elapsed > 0 ? static_cast<double>(payload_bytes) / elapsed / 1e6 : 0, cpu.process_us_per_event,
      static_cast<unsigned long long>(checksum),
      problem.empty() ? 0 : 1);
  if (!problem.empty()) std::fprintf(stderr, "eventstore_bench: %s\n", problem.c_str());
  return problem.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  bench_config c = parse_args(argc, argv);
  bool made_dir = false;
  if (c.dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/gongjian-bench-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
      std::perror("eventstore_bench: mkdtemp");
      return 1;
    }
    c.dir = tmpl;
    made_dir = true;
  }
  int rc = 0;
  if (c.mode == "durable") rc = run_durable(c);
  else if (c.mode == "bulk") rc = run_bulk(c);
  else rc = run_read(c);
  if (made_dir && !c.keep) {
    std::error_code ec;
    fs::remove_all(c.dir, ec);
  }
  return rc;
}
