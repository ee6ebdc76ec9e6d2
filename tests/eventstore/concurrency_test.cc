// Many threads appending to the same few streams with exact expected versions: every version of
// every stream is won exactly once, and the global log has no gap and no duplicate.

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "store_fixture.h"

namespace gongjian::eventstore::test {
namespace {

using concurrency_test = store_test;

TEST_F(concurrency_test, each_stream_version_is_won_exactly_once) {
  constexpr int threads = 16;
  constexpr int streams = 4;
  constexpr int wins_per_thread = 60;
  std::mutex m;
  std::map<std::pair<std::string, std::uint64_t>, std::string> winners;  // (stream, version) -> command
  std::set<std::uint64_t> positions;
  std::atomic<int> conflicts{0};
  std::atomic<bool> failed{false};

  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      int wins = 0;
      int attempt = 0;
      while (wins < wins_per_thread && !failed) {
        const std::string stream = numbered("race-", static_cast<std::uint64_t>((t + attempt) % streams));
        const std::string command = numbered(numbered("t", static_cast<std::uint64_t>(t)) + "-", static_cast<std::uint64_t>(attempt++));
        auto head = store->stream_head(stream);
        if (!head) {
          failed = true;
          return;
        }
        auto r = store->append_detailed(make_request(command, stream, expected_version::exact(*head)));
        if (!r) {
          if (r.error().code != errc::wrong_expected_version || r.error().current.value <= head->value) {
            failed = true;  // a conflict must report a version that moved on
            return;
          }
          ++conflicts;
          continue;
        }
        ++wins;
        std::lock_guard lock(m);
        const auto key = std::make_pair(stream, r->streams[0].last_version.value);
        if (r->streams[0].last_version.value != head->value + 1 || !winners.emplace(key, command).second ||
            !positions.insert(r->first.value).second) {
          failed = true;
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  ASSERT_FALSE(failed.load());

  constexpr std::uint64_t total = threads * wins_per_thread;
  EXPECT_EQ(winners.size(), total);
  EXPECT_EQ(store->head(), position{total});
  // Per stream: versions 1..n, no hole.
  std::map<std::string, std::uint64_t> per_stream;
  for (const auto& [key, command] : winners) {
    auto& n = per_stream[key.first];
    EXPECT_EQ(key.second, n + 1) << key.first;
    n = key.second;
  }
  for (const auto& [stream, n] : per_stream) EXPECT_EQ(store->stream_head(stream).value(), stream_version{n});
  // Global log: 1..total, each event the winner of its (stream, version).
  auto all = read_everything();
  ASSERT_EQ(all.size(), total);
  std::set<std::string> commands;
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].pos.value, i + 1);
    EXPECT_EQ(winners.at({all[i].stream, all[i].version.value}), all[i].command_id);
    EXPECT_TRUE(commands.insert(all[i].command_id).second) << "duplicate " << all[i].command_id;
  }
  auto report = store->verify(position{0}, position{0});
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->intact()) << report->problem;
  std::printf("%d conflicts while %llu appends won\n", conflicts.load(), static_cast<unsigned long long>(total));
}

}  // namespace
}  // namespace gongjian::eventstore::test
