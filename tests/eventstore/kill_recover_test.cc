// Kill-and-recover: a child process appends as fast as it can from several threads and reports
// every acknowledged append on a pipe; the test SIGKILLs it at a random moment, reopens the store
// and checks that every acknowledged event is there, byte for byte, that positions are gapless and
// that verify passes. Many rounds on the same directory.
//
// The child is this test binary run again (posix_spawn of /proc/self/exe) with GONGJIAN_KILL_CHILD_*
// in its environment: a gtest global environment notices them before any test runs and becomes the
// child instead of running tests.

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "store_fixture.h"
#include "support/spawn_self.h"

namespace gongjian::eventstore::test {
namespace {

constexpr const char* child_dir_variable = "GONGJIAN_KILL_CHILD_DIR";
constexpr const char* child_fd_variable = "GONGJIAN_KILL_CHILD_FD";
// How the child opens the store (the name of a child_mode).
constexpr const char* child_mode_variable = "GONGJIAN_KILL_CHILD_MODE";
constexpr std::uint64_t bulk_appends_per_sync = 64;
// small_wals: WAL spares this size, and a log memtable of 64 KiB (RocksDB's smallest), so that
// the child goes through many WALs, most of them prewritten spares.
constexpr int child_report_fd = 3;
constexpr int child_threads = 4;

// Deterministic content, so the parent knows every byte an acknowledged command wrote.
std::string payload_for(const std::string& command, std::size_t index) {
  std::string p = command;
  p += '#';
  p += std::to_string(index);
  p.append((std::hash<std::string>{}(command) + index) % 200, static_cast<char>('a' + index % 26));
  return p;
}

enum class child_mode {
  durable,     // fsync_each_batch with default options
  small_wals,  // fsync_each_batch, switching WALs every few hundred appends
  bulk,        // bulk_import_without_fsync: an append counts as acknowledged once a later sync() returned
};

const char* name_of(child_mode m) {
  switch (m) {
    case child_mode::durable:
      return "durable";
    case child_mode::small_wals:
      return "small_wals";
    case child_mode::bulk:
      return "bulk";
  }
  return "?";
}

options store_options(const std::filesystem::path& dir, child_mode m) {
  options o;
  o.directory = dir;
  o.block_cache_bytes = 8u << 20;
  if (m == child_mode::bulk) o.mode = durability::bulk_import_without_fsync;
  if (m == child_mode::small_wals) {
    o.wal_spare_bytes = small_wal_spare_bytes;
    o.log_memtable_bytes = 64u << 10;
  }
  return o;
}

std::string stream_for(std::uint64_t i) { return numbered("kill-", i % 7); }

append_request child_request(const std::string& command, std::uint64_t i) {
  append_request r;
  r.command_id = command;
  r.metadata = make_metadata();
  stream_write w;
  w.stream = stream_for(i);
  const std::size_t events = 1 + i % 3;
  for (std::size_t e = 0; e < events; ++e) w.events.push_back(make_event("killed_or_not", payload_for(command, e)));
  r.writes.push_back(std::move(w));
  return r;
}

[[noreturn]] void run_child(const char* dir, int fd, child_mode mode) {
  const bool bulk = mode == child_mode::bulk;
  auto store = event_store::open(store_options(dir, mode));
  if (!store) std::_Exit(3);
  const std::string tag = std::to_string(::getpid());
  std::vector<std::thread> threads;
  for (int t = 0; t < child_threads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::string> unsynced;
      for (std::uint64_t i = 0; i < 1'000'000; ++i) {
        const std::string command = tag + "-" + std::to_string(t) + "-" + std::to_string(i);
        auto r = (*store)->append(child_request(command, i));
        if (!r) std::_Exit(4);
        unsynced.push_back(std::to_string(r->first.value) + " " + std::to_string(r->last.value) + " " +
                           std::to_string(i) + " " + command + "\n");
        if (bulk && unsynced.size() < bulk_appends_per_sync) continue;
        if (bulk && !(*store)->sync()) std::_Exit(6);
        for (const auto& line : unsynced) {
          // One write() of less than PIPE_BUF bytes: the parent never sees half a line.
          if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) std::_Exit(5);
        }
        unsynced.clear();
      }
    });
  }
  for (auto& t : threads) t.join();
  std::_Exit(0);
}

class kill_child_environment : public ::testing::Environment {
 public:
  void SetUp() override {
    const char* dir = std::getenv(child_dir_variable);
    const char* fd = std::getenv(child_fd_variable);
    const char* mode = std::getenv(child_mode_variable);
    if (dir == nullptr || fd == nullptr || mode == nullptr) return;
    for (auto m : {child_mode::durable, child_mode::small_wals, child_mode::bulk}) {
      if (std::strcmp(mode, name_of(m)) == 0) run_child(dir, std::atoi(fd), m);
    }
    std::_Exit(7);
  }
};

[[maybe_unused]] ::testing::Environment* const kill_child_environment_registered =
    ::testing::AddGlobalTestEnvironment(new kill_child_environment);

struct acknowledged {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::uint64_t index = 0;
  std::string command;
};

// Spawns the child, reads acknowledgements until `kill_after` of them arrived (or the child died),
// SIGKILLs it and returns everything it acknowledged, including lines still in the pipe.
std::vector<acknowledged> run_and_kill(const std::filesystem::path& dir, std::size_t kill_after, child_mode mode) {
  int fds[2];
  EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], child_report_fd);  // dup2 clears CLOEXEC

  std::vector<std::pair<std::string, std::string>> variables{
      {child_dir_variable, dir.string()},
      {child_fd_variable, std::to_string(child_report_fd)},
      {child_mode_variable, name_of(mode)}};
  const pid_t pid = gongjian::testing::spawn_self(variables, "crc32c.matches_published_check_values", &actions);
  EXPECT_GT(pid, 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);

  std::vector<acknowledged> acks;
  std::string buffer;
  bool killed = false;
  auto kill_child = [&] {
    if (!killed) ::kill(pid, SIGKILL);
    killed = true;
  };
  if (kill_after == 0) kill_child();
  char chunk[8192];
  for (;;) {
    const ssize_t n = ::read(fds[0], chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF: the child is dead (and its write end closed)
    buffer.append(chunk, static_cast<std::size_t>(n));
    std::size_t newline;
    while ((newline = buffer.find('\n')) != std::string::npos) {
      std::istringstream line(buffer.substr(0, newline));
      buffer.erase(0, newline + 1);
      acknowledged a;
      line >> a.first >> a.last >> a.index >> a.command;
      acks.push_back(std::move(a));
    }
    if (acks.size() >= kill_after) kill_child();
  }
  kill_child();
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(fds[0]);
  EXPECT_TRUE(buffer.empty()) << "half a line in the pipe";
  // Killed by us, or (if it finished first, which it should not) exited cleanly.
  EXPECT_TRUE((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) || (WIFEXITED(status) && WEXITSTATUS(status) == 0))
      << "child status " << status;
  return acks;
}

// A WAL as big as a spare: one the child was given prewritten (RocksDB truncates a WAL to what it
// wrote only when it closes it, which a SIGKILL prevents for the live one).
bool has_prewritten_wal(const std::filesystem::path& dir) {
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".log" && entry.file_size() == small_wal_spare_bytes) return true;
  }
  return false;
}

void kill_and_recover(int rounds, child_mode mode) {
  gongjian::testing::temp_dir dir;
  const auto store_dir = dir.path() / "store";
  std::mt19937_64 rng(std::random_device{}());
  std::map<std::uint64_t, sha256_digest> known_hashes;  // every acknowledged position seen so far
  std::size_t total_acks = 0;
  int rounds_with_prewritten_wal = 0;

  for (int round = 0; round < rounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    // Sometimes at once (during the child's open and recovery), mostly after some acks.
    const std::size_t kill_after = rng() % 8 == 0 ? 0 : 1 + rng() % 1500;
    const auto acks = run_and_kill(store_dir, kill_after, mode);
    total_acks += acks.size();
    if (std::filesystem::exists(store_dir) && has_prewritten_wal(store_dir)) ++rounds_with_prewritten_wal;

    // Reopened as the child opened it: recovery reads the prewritten WALs' zero tails.
    auto opened = event_store::open(store_options(store_dir, mode));
    ASSERT_TRUE(opened) << opened.error().message();
    auto& store = *opened;

    // Every acknowledged event is present with exactly the bytes its command wrote.
    for (const auto& a : acks) {
      ASSERT_LE(a.last, store->head().value);
      auto events = store->read_all(position{a.first}, a.last - a.first + 1);
      ASSERT_TRUE(events) << events.error().message();
      const auto want = child_request(a.command, a.index);
      ASSERT_EQ(events->size(), want.writes[0].events.size());
      for (std::size_t e = 0; e < events->size(); ++e) {
        const auto& got = (*events)[e];
        ASSERT_EQ(got.pos.value, a.first + e);
        ASSERT_EQ(got.command_id, a.command);
        ASSERT_EQ(got.stream, want.writes[0].stream);
        ASSERT_EQ(got.type, want.writes[0].events[e].type);
        ASSERT_EQ(got.payload, want.writes[0].events[e].payload);
        ASSERT_EQ(got.metadata, want.metadata);
        known_hashes.emplace(got.pos.value, got.hash);
      }
      // And the command id is remembered: a retry gets the original result.
      if (&a == &acks.back()) {
        auto retry = store->append(child_request(a.command, a.index));
        ASSERT_TRUE(retry);
        ASSERT_TRUE(retry->duplicate);
        ASSERT_EQ(retry->first.value, a.first);
      }
    }

    // The whole log: gapless from 1 to the head, and every event acknowledged in an earlier round
    // is byte-identical (same hash, which covers its bytes and everything before it).
    std::uint64_t expected = 1;
    for (;;) {
      auto page = store->read_all(position{expected}, 4096);
      ASSERT_TRUE(page) << page.error().message();
      if (page->empty()) break;
      for (const auto& e : *page) {
        ASSERT_EQ(e.pos.value, expected);
        if (auto it = known_hashes.find(expected); it != known_hashes.end()) {
          ASSERT_EQ(e.hash, it->second);
        }
        ++expected;
      }
    }
    ASSERT_EQ(expected - 1, store->head().value);

    auto report = store->verify(position{0}, position{0});
    ASSERT_TRUE(report);
    ASSERT_TRUE(report->intact()) << "position " << report->first_bad->value << ": " << report->problem;
    ASSERT_EQ(report->checked, store->head().value);

    // The derived data agrees with the log: each stream's head is its last indexed version.
    for (std::uint64_t s = 0; s < 7; ++s) {
      const std::string stream = stream_for(s);
      auto head = store->stream_head(stream);
      ASSERT_TRUE(head);
      auto last = store->read_stream(stream, stream_version{UINT64_MAX}, read_direction::backward, 1);
      ASSERT_TRUE(last);
      if (head->value == 0) {
        ASSERT_TRUE(last->empty()) << stream;
      } else {
        ASSERT_EQ(last->size(), 1u) << stream;
        ASSERT_EQ(last->front().version, *head) << stream;
      }
    }
    store->close();
  }
  std::printf("%d rounds, %zu acknowledged appends checked, %zu positions tracked, %d killed in a prewritten WAL\n",
              rounds, total_acks, known_hashes.size(), rounds_with_prewritten_wal);
  // Not a timing: the child went through hundreds of small WALs, nearly all of them prewritten.
  if (mode == child_mode::small_wals) {
    EXPECT_GT(rounds_with_prewritten_wal, 0);
  }
}

TEST(kill_and_recover, acknowledged_events_survive_sigkill_at_random_moments) {
  kill_and_recover(20, child_mode::durable);
}

// The same through many WALs, most of them zero-filled spares (src/prewritten_wal.h) that the
// child was killed while writing: recovery must take their zero tails as the end of the log.
TEST(kill_and_recover, acknowledged_events_survive_sigkill_in_prewritten_wals) {
  kill_and_recover(12, child_mode::small_wals);
}

// Bulk appends skip the WAL: what a sync() returned for must survive, and what a crash lost must
// leave the log and its derived data consistent (flushed together).
TEST(kill_and_recover, synced_bulk_appends_survive_sigkill_at_random_moments) {
  kill_and_recover(6, child_mode::bulk);
}

}  // namespace
}  // namespace gongjian::eventstore::test
