// What this disk allows a group-committing log, with no store around it: the ceiling for the
// durable-append figures in docs/benchmarks.md (issue 2), not a test. --inflight N appends are in
// flight, as N closed-loop writers each with one; a writer thread takes every queued append and
// pwrite()s --bytes for each in one call at the end of the file; a syncer thread fdatasyncs
// whatever was written and puts those appends straight back in the queue (writers that cost
// nothing, encoding that costs nothing, no memtable). The two threads overlap like the store's
// writer and syncer. --prewritten makes the file 2 GiB of synced zeros first, so every write
// overwrites written blocks, as the store's WALs do (eventstore/src/prewritten_wal.h);
// otherwise each write grows the file. --cpu-us-per-append X makes the writer busy for X us per
// append before it writes them (a spin, standing in for a store's validation, encoding, hashing
// and memtable inserts): the ceiling for a store whose writer costs that much. --max-batch N
// makes the writer take at most N queued appends at a time (0: all of them), so that it works on
// the next batch while the syncer syncs the last, as the store's writer does when its callers'
// appends come back one by one.
//
// --lanes N replaces the fdatasync by N writes in flight at once: each batch the writer takes is
// padded to whole 4 KiB blocks and written by one of N lane threads with O_DIRECT | O_DSYNC (the
// write returns once the device has it durably), and batches are acknowledged in order. That is
// the shape of a journal of the store's own: one fdatasync at a time is all one file allows (ext4
// serialises fdatasyncs of an inode), while the device takes several durable writes side by side.
//
//   disk_group_commit_ceiling --inflight 64 [--bytes 600] [--seconds 3] [--prewritten]
//                             [--cpu-us-per-append X] [--max-batch N] [--lanes N] [--dir DIR]
// prints
//   RESULT bench=disk_group_commit_ceiling inflight=64 file=prewritten bytes=600 cpu_us_per_append=0
//          max_batch=0 lanes=0 seconds=3.000 events_per_s=... syncs_per_s=... mean_round_trip_us=...

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

struct config {
  std::uint64_t inflight = 64;
  std::uint64_t bytes = 600;  // about what one durable append adds to the store's WAL
  double seconds = 3;
  bool prewritten = false;
  double cpu_us_per_append = 0;
  std::uint64_t max_batch = 0;  // 0: the writer takes every queued append
  std::uint64_t lanes = 0;      // 0: write, then fdatasync; N: N direct, synchronous writes in flight
  std::filesystem::path dir = ".";
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "disk_group_commit_ceiling: %s\n"
               "usage: disk_group_commit_ceiling --inflight N [--bytes B] [--seconds S] [--prewritten]\n"
               "                                 [--cpu-us-per-append X] [--max-batch N] [--lanes N] [--dir DIR]\n",
               why);
  std::exit(2);
}

config parse(int argc, char** argv) {
  config c;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value for " + arg).c_str());
      return argv[++i];
    };
    if (arg == "--inflight") {
      c.inflight = std::strtoull(value().c_str(), nullptr, 10);
    } else if (arg == "--bytes") {
      c.bytes = std::strtoull(value().c_str(), nullptr, 10);
    } else if (arg == "--seconds") {
      c.seconds = std::strtod(value().c_str(), nullptr);
    } else if (arg == "--prewritten") {
      c.prewritten = true;
    } else if (arg == "--cpu-us-per-append") {
      c.cpu_us_per_append = std::strtod(value().c_str(), nullptr);
    } else if (arg == "--max-batch") {
      c.max_batch = std::strtoull(value().c_str(), nullptr, 10);
    } else if (arg == "--lanes") {
      c.lanes = std::strtoull(value().c_str(), nullptr, 10);
    } else if (arg == "--dir") {
      c.dir = value();
    } else {
      usage(("unknown argument " + arg).c_str());
    }
  }
  if (c.inflight == 0 || c.bytes == 0 || c.seconds <= 0) usage("--inflight, --bytes and --seconds must be positive");
  if (c.cpu_us_per_append < 0) usage("--cpu-us-per-append must not be negative");
  if (c.lanes > 0 && !c.prewritten) usage("--lanes writes over the prewritten file: add --prewritten");
  return c;
}

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "disk_group_commit_ceiling: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  const config c = parse(argc, argv);
  const std::filesystem::path path = c.dir / "disk_group_commit_ceiling.dat";
  const int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_RDWR | O_CLOEXEC, 0644);
  if (fd < 0) die("open");
  constexpr std::uint64_t prewritten_bytes = 2ull << 30;
  if (c.prewritten) {
    const std::vector<char> zeros(1u << 20, 0);
    for (std::uint64_t done = 0; done < prewritten_bytes; done += zeros.size()) {
      if (::write(fd, zeros.data(), zeros.size()) != static_cast<ssize_t>(zeros.size())) die("prewriting");
    }
    if (::fsync(fd) != 0) die("fsync");
  }

  // --lanes: the same file again, for direct, synchronous writes of whole blocks.
  constexpr std::uint64_t block = 4096;
  const int direct_fd = c.lanes > 0 ? ::open(path.c_str(), O_RDWR | O_DIRECT | O_DSYNC | O_CLOEXEC) : -1;
  if (c.lanes > 0 && direct_fd < 0) die("open (O_DIRECT | O_DSYNC)");
  struct free_deleter {
    void operator()(char* p) const { std::free(p); }
  };
  const auto aligned_buffer = [&](std::uint64_t bytes) {
    return std::unique_ptr<char, free_deleter>(static_cast<char*>(std::aligned_alloc(block, bytes)));
  };
  struct lane_batch {
    std::uint64_t sequence = 0, offset = 0, appends = 0, bytes = 0;
    std::unique_ptr<char, free_deleter> data;
  };
  std::deque<lane_batch> to_write;                  // guarded by mutex
  std::map<std::uint64_t, std::uint64_t> durable;  // sequence -> appends, written out of order
  std::uint64_t next_sequence = 0, next_to_acknowledge = 0;
  std::condition_variable lane_cv;

  std::mutex mutex;
  std::condition_variable queued_cv, written_cv, room_cv;
  std::uint64_t queued = c.inflight;  // appends waiting for the writer
  std::uint64_t written = 0;          // written, waiting for the syncer
  std::uint64_t completed = 0, syncs = 0;
  bool stop = false;
  bool out_of_room = false;
  // Waits for `count` to be non-zero and takes all of it, or `most`; 0 once the run is over.
  auto take = [&](std::uint64_t& count, std::condition_variable& cv, std::uint64_t most) -> std::uint64_t {
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return count > 0 || stop; });
    if (stop) return 0;
    const std::uint64_t n = most == 0 ? count : std::min(count, most);
    count -= n;
    return n;
  };

  std::thread writer([&] {
    std::vector<char> buffer;
    std::uint64_t offset = 0;
    while (const std::uint64_t n = take(queued, queued_cv, c.max_batch)) {
      if (c.cpu_us_per_append > 0) {
        // A spin, not a sleep: the store's writer uses the CPU it costs, and a sleep would leave
        // the core to the syncer and wake up late.
        const auto busy_until = std::chrono::steady_clock::now() +
                                std::chrono::duration<double, std::micro>(c.cpu_us_per_append * static_cast<double>(n));
        while (std::chrono::steady_clock::now() < busy_until) {
        }
      }
      const std::uint64_t bytes = c.lanes > 0 ? (n * c.bytes + block - 1) / block * block : n * c.bytes;
      if (c.prewritten && offset + bytes > prewritten_bytes) {
        std::lock_guard lock(mutex);
        out_of_room = stop = true;
        written_cv.notify_one();
        lane_cv.notify_all();
        room_cv.notify_one();
        return;
      }
      if (c.lanes > 0) {
        // One aligned buffer per batch: the lane that writes it owns it until the write returns.
        lane_batch batch{next_sequence++, offset, n, bytes, aligned_buffer(bytes)};
        std::memset(batch.data.get(), 'e', bytes);
        offset += bytes;
        std::lock_guard lock(mutex);
        to_write.push_back(std::move(batch));
        lane_cv.notify_one();
        continue;
      }
      buffer.assign(bytes, 'e');
      const auto size = static_cast<ssize_t>(buffer.size());
      if (::pwrite(fd, buffer.data(), buffer.size(), static_cast<off_t>(offset)) != size) die("pwrite");
      offset += buffer.size();
      std::lock_guard lock(mutex);
      written += n;
      written_cv.notify_one();
    }
  });
  std::vector<std::thread> lanes;
  for (std::uint64_t i = 0; i < c.lanes; ++i) {
    lanes.emplace_back([&] {
      for (;;) {
        lane_batch batch;
        {
          std::unique_lock lock(mutex);
          lane_cv.wait(lock, [&] { return !to_write.empty() || stop; });
          if (stop) return;
          batch = std::move(to_write.front());
          to_write.pop_front();
        }
        const auto size = static_cast<ssize_t>(batch.bytes);
        if (::pwrite(direct_fd, batch.data.get(), batch.bytes, static_cast<off_t>(batch.offset)) != size) {
          die("pwrite (O_DIRECT | O_DSYNC)");
        }
        std::lock_guard lock(mutex);
        durable.emplace(batch.sequence, batch.appends);
        // In order: a batch is acknowledged once it and every batch before it are durable.
        std::uint64_t acknowledged = 0;
        for (auto it = durable.begin(); it != durable.end() && it->first == next_to_acknowledge;
             it = durable.erase(it)) {
          acknowledged += it->second;
          ++next_to_acknowledge;
          ++syncs;
        }
        if (acknowledged > 0) {
          completed += acknowledged;
          queued += acknowledged;
          queued_cv.notify_one();
        }
      }
    });
  }
  std::thread syncer([&] {
    if (c.lanes > 0) return;
    while (const std::uint64_t n = take(written, written_cv, 0)) {
      if (::fdatasync(fd) != 0) die("fdatasync");
      std::lock_guard lock(mutex);
      completed += n;
      ++syncs;
      queued += n;  // acknowledged: each writer appends again at once
      queued_cv.notify_one();
    }
  });

  const auto begin = std::chrono::steady_clock::now();
  {
    std::unique_lock lock(mutex);
    // A timed wait for the end of the run (or the prewritten file filling up), not a sleep
    // standing in for a condition.
    room_cv.wait_for(lock, std::chrono::duration<double>(c.seconds), [&] { return out_of_room; });
  }
  std::uint64_t done, synced;
  {
    std::lock_guard lock(mutex);
    stop = true;
    done = completed;
    synced = syncs;
  }
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  queued_cv.notify_all();
  written_cv.notify_all();
  lane_cv.notify_all();
  writer.join();
  syncer.join();
  for (auto& lane : lanes) lane.join();
  if (direct_fd >= 0) ::close(direct_fd);
  ::close(fd);
  std::filesystem::remove(path);

  if (out_of_room) {
    std::fprintf(stderr, "disk_group_commit_ceiling: the 2 prewritten GiB filled up; the run was cut short\n");
  }
  const double rate = static_cast<double>(done) / elapsed;
  std::printf(
      "RESULT bench=disk_group_commit_ceiling inflight=%llu file=%s bytes=%llu cpu_us_per_append=%g max_batch=%llu lanes=%llu "
      "seconds=%.3f events_per_s=%.0f syncs_per_s=%.0f mean_round_trip_us=%.0f\n",
      static_cast<unsigned long long>(c.inflight), c.prewritten ? "prewritten" : "growing",
      static_cast<unsigned long long>(c.bytes), c.cpu_us_per_append, static_cast<unsigned long long>(c.max_batch),
      static_cast<unsigned long long>(c.lanes), elapsed, rate, static_cast<double>(synced) / elapsed,
      rate > 0 ? static_cast<double>(c.inflight) / rate * 1e6 : 0.0);
  return 0;
}
