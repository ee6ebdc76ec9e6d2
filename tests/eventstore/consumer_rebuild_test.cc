// begin_consumer_rebuild / end_consumer_rebuild: between them a consumer's commits skip the WAL.
// A child process (this test binary run again, as in kill_recover_test) writes a rebuild's commits
// and dies without closing the store; the parent reopens it and checks what a crash may leave: the
// state of one whole commit with its checkpoint (an earlier one: the unflushed commits are lost),
// never a later commit without the earlier ones, and other consumers' logged commits untouched.

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store_fixture.h"
#include "support/spawn_self.h"

namespace gongjian::eventstore::test {
namespace {

constexpr const char* child_dir_variable = "GONGJIAN_CONSUMER_REBUILD_CHILD_DIR";
constexpr const char* child_scenario_variable = "GONGJIAN_CONSUMER_REBUILD_CHILD_SCENARIO";

// Scenario "crash": 300 commits of 200 KiB (more than the column family's memtables hold, so some
// are flushed on the way), each followed by a logged commit of another consumer, then one small
// commit, then death. Scenario "ended": 5 commits, end_consumer_rebuild, one more (logged) commit,
// then death. Scenario "ingested": a small commit, a large one (at least 8 MiB: written as a file
// and ingested), another small one, then death.
constexpr std::uint64_t crash_commits = 300;
constexpr std::size_t keys_per_commit = 200;
constexpr std::size_t keys_of_a_large_commit = 9000;  // 9000 values of 1 KiB: above 8 MiB
constexpr std::size_t many_keys = 60000;                // 60,000 values of 160 B: two files

std::string value_for(std::uint64_t commit, std::size_t key) {
  std::string v = numbered("v", commit * 1000 + key);
  v.resize(1024, static_cast<char>('a' + (commit + key) % 26));
  return v;
}

std::string key_of(std::uint64_t commit, std::size_t key) { return numbered(numbered("k/", commit) + "/", key); }

consumer_commit rebuild_commit(std::uint64_t i, std::size_t keys) {
  consumer_commit c;
  c.consumer = "rebuilt";
  c.checkpoint = position{i};
  for (std::size_t k = 0; k < keys; ++k) c.puts.emplace_back(key_of(i, k), value_for(i, k));
  return c;
}

[[noreturn]] void run_child(const char* dir, const std::string& scenario) {
  options o;
  o.directory = dir;
  o.block_cache_bytes = 8u << 20;
  auto opened = event_store::open(o);
  if (!opened) std::_Exit(3);
  auto& store = **opened;
  if (!store.consumer_reset("rebuilt")) std::_Exit(4);
  if (!store.begin_consumer_rebuild("rebuilt")) std::_Exit(5);
  if (scenario == "crash") {
    for (std::uint64_t i = 1; i <= crash_commits; ++i) {
      if (!store.commit_consumer(rebuild_commit(i, keys_per_commit))) std::_Exit(6);
      consumer_commit other;
      other.consumer = "other";
      other.checkpoint = position{i};
      other.puts.emplace_back("last", numbered("", i));
      if (!store.commit_consumer(other)) std::_Exit(7);
    }
    if (!store.commit_consumer(rebuild_commit(crash_commits + 1, 1))) std::_Exit(8);
  } else if (scenario == "ingested") {
    if (!store.commit_consumer(rebuild_commit(1, 10))) std::_Exit(6);
    if (!store.commit_consumer(rebuild_commit(2, keys_of_a_large_commit))) std::_Exit(7);
    if (!store.commit_consumer(rebuild_commit(3, 10))) std::_Exit(8);
  } else {
    for (std::uint64_t i = 1; i <= 5; ++i)
      if (!store.commit_consumer(rebuild_commit(i, 10))) std::_Exit(6);
    if (!store.end_consumer_rebuild("rebuilt")) std::_Exit(9);
    if (!store.commit_consumer(rebuild_commit(6, 10))) std::_Exit(8);
  }
  std::_Exit(0);  // no close: memtables (and the unlogged commits in them) are lost
}

class child_environment : public ::testing::Environment {
 public:
  void SetUp() override {
    const char* dir = std::getenv(child_dir_variable);
    const char* scenario = std::getenv(child_scenario_variable);
    if (dir != nullptr && scenario != nullptr) run_child(dir, scenario);
  }
};

[[maybe_unused]] ::testing::Environment* const child_environment_registered =
    ::testing::AddGlobalTestEnvironment(new child_environment);

void run_child_process(const std::filesystem::path& dir, const std::string& scenario) {
  const pid_t pid = gongjian::testing::spawn_self({{child_dir_variable, dir.string()}, {child_scenario_variable, scenario}},
                                                  "crc32c.matches_published_check_values");
  ASSERT_GT(pid, 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
}

std::unique_ptr<event_store> open_at(const std::filesystem::path& dir) {
  options o;
  o.directory = dir;
  o.block_cache_bytes = 8u << 20;
  auto opened = event_store::open(o);
  if (!opened) throw std::runtime_error("cannot open: " + opened.error().message());
  return std::move(opened).value();
}

std::map<std::string, std::string> contents(const event_store& store, const std::string& consumer) {
  std::map<std::string, std::string> out;
  EXPECT_TRUE(store.consumer_scan(consumer, "", read_direction::forward, [&](std::string_view k, std::string_view v) {
    out.emplace(std::string(k), std::string(v));
    return true;
  }));
  return out;
}

// The state commits 1..n of rebuild_commit wrote.
std::map<std::string, std::string> expected_after(std::uint64_t n, std::size_t keys, std::uint64_t small_from) {
  std::map<std::string, std::string> out;
  for (std::uint64_t i = 1; i <= n; ++i) {
    auto c = rebuild_commit(i, i >= small_from ? 1 : keys);
    for (auto& [k, v] : c.puts) out.emplace(k, v);
  }
  return out;
}

void plant_old_state(const std::filesystem::path& dir) {
  auto store = open_at(dir);
  consumer_commit old;
  old.consumer = "rebuilt";
  old.checkpoint = position{7};
  for (int k = 0; k < 50; ++k) old.puts.emplace_back(numbered("old/", k), "before the rebuild");
  ASSERT_TRUE(store->commit_consumer(old));
  store->close();
}

TEST(consumer_rebuild, a_crash_mid_rebuild_leaves_the_state_of_one_earlier_commit_whole) {
  gongjian::testing::temp_dir dir;
  const auto store_dir = dir.path() / "store";
  plant_old_state(store_dir);
  run_child_process(store_dir, "crash");
  if (HasFatalFailure()) return;

  auto store = open_at(store_dir);
  auto checkpoint = store->consumer_checkpoint("rebuilt");
  ASSERT_TRUE(checkpoint);
  // Some commits reached a flush on the way (60 MiB through 16 MiB memtables, two of them at most)
  // and the last ones did not: the newest memtable's unlogged commits died with the process. With
  // logged commits every one would have survived the process's death.
  ASSERT_TRUE(checkpoint->has_value());
  const std::uint64_t survived = (*checkpoint)->value;
  EXPECT_GE(survived, 1u);
  EXPECT_LE(survived, crash_commits);
  // Exactly the state of commits 1..survived: nothing of the state before the reset, nothing later.
  const auto got = contents(*store, "rebuilt");
  const auto want = expected_after(survived, keys_per_commit, crash_commits + 1);
  EXPECT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want) << "the surviving state is not that of commit " << survived;
  // The other consumer's commits were logged: every one of them is there.
  auto other = store->consumer_checkpoint("other");
  ASSERT_TRUE(other && other->has_value());
  EXPECT_EQ((*other)->value, crash_commits);
  EXPECT_EQ(contents(*store, "other").at("last"), numbered("", crash_commits));
}

TEST(consumer_rebuild, end_makes_the_rebuild_durable_before_commits_are_logged_again) {
  gongjian::testing::temp_dir dir;
  const auto store_dir = dir.path() / "store";
  plant_old_state(store_dir);
  run_child_process(store_dir, "ended");
  if (HasFatalFailure()) return;

  auto store = open_at(store_dir);
  auto checkpoint = store->consumer_checkpoint("rebuilt");
  ASSERT_TRUE(checkpoint && checkpoint->has_value());
  // The commit after end is logged (it survives the process's death) and the five before it were
  // flushed by end: were they not, the WAL would bring back commit 6 without them.
  EXPECT_EQ((*checkpoint)->value, 6u);
  EXPECT_TRUE(contents(*store, "rebuilt") == expected_after(6, 10, 7));
}

// A large commit goes into a file of its own; the unlogged commit before it must not be lost
// while it survives (the ingestion flushes the memtable holding it first).
TEST(consumer_rebuild, a_crash_after_a_large_commit_keeps_it_and_everything_before_it) {
  gongjian::testing::temp_dir dir;
  const auto store_dir = dir.path() / "store";
  plant_old_state(store_dir);
  run_child_process(store_dir, "ingested");
  if (HasFatalFailure()) return;

  auto store = open_at(store_dir);
  auto checkpoint = store->consumer_checkpoint("rebuilt");
  ASSERT_TRUE(checkpoint && checkpoint->has_value());
  EXPECT_EQ((*checkpoint)->value, 2u) << "the ingested commit is durable, the small one after it was not logged";
  std::map<std::string, std::string> want;
  for (auto& [k, v] : rebuild_commit(1, 10).puts) want.emplace(k, v);
  for (auto& [k, v] : rebuild_commit(2, keys_of_a_large_commit).puts) want.emplace(k, v);
  EXPECT_TRUE(contents(*store, "rebuilt") == want);
  for (const auto& entry : std::filesystem::directory_iterator(store_dir))
    EXPECT_FALSE(entry.path().filename().string().starts_with("gongjian-consumer-commit-")) << entry.path();
}

// Written as a file or through a WriteBatch, a commit means the same: deletes first, then puts in
// order (the last put of a key wins), in any key order the caller gives them.
TEST(consumer_rebuild, a_large_commit_means_the_same_ingested_as_written) {
  gongjian::testing::temp_dir dir;
  auto ingested = open_at(dir.path() / "ingested");
  auto written = open_at(dir.path() / "written");
  ASSERT_TRUE(ingested->begin_consumer_rebuild("rebuilt"));
  std::vector<consumer_commit> commits;
  {
    consumer_commit c = rebuild_commit(1, keys_of_a_large_commit);
    std::reverse(c.puts.begin(), c.puts.end());                            // out of key order
    c.puts.emplace_back(key_of(1, 7), "put twice: this one");  // the last put wins
    commits.push_back(std::move(c));
  }
  {
    consumer_commit c = rebuild_commit(2, 5);  // small: through the memtable either way
    c.deletes.push_back(key_of(1, 8));
    commits.push_back(std::move(c));
  }
  {
    consumer_commit c = rebuild_commit(3, keys_of_a_large_commit);
    c.deletes.push_back(key_of(1, 9));  // deleted
    c.deletes.push_back(key_of(1, 9));  // twice
    c.deletes.push_back(key_of(3, 4));  // deleted and put: the put wins
    c.deletes.push_back("never/written");
    c.puts.emplace(c.puts.begin(), key_of(3, 5), "put before its later put");
    commits.push_back(std::move(c));
  }
  {
    // Enough keys to be written as two files: deletes, duplicates and the order in both halves.
    consumer_commit c;
    c.consumer = "rebuilt";
    c.checkpoint = position{4};
    for (std::size_t k = 0; k < many_keys; ++k) c.puts.emplace_back(key_of(4, k), value_for(4, k).substr(0, 160));
    std::reverse(c.puts.begin(), c.puts.end());
    c.puts.emplace_back(key_of(4, 10), "the last put, in the first half");
    c.puts.emplace_back(key_of(4, many_keys - 10), "the last put, in the second half");
    c.deletes.push_back(key_of(1, 20));
    c.deletes.push_back(key_of(4, many_keys - 20));  // and put again: the put wins
    commits.push_back(std::move(c));
  }
  for (const auto& c : commits) {
    ASSERT_TRUE(ingested->commit_consumer(c));
    ASSERT_TRUE(written->commit_consumer(c));
    EXPECT_EQ(ingested->consumer_checkpoint("rebuilt").value(), std::optional<position>{c.checkpoint});
  }
  const auto want = contents(*written, "rebuilt");
  EXPECT_EQ(want.at(key_of(1, 7)), "put twice: this one");
  EXPECT_EQ(want.count(key_of(1, 8)), 0u);
  EXPECT_EQ(want.count(key_of(1, 9)), 0u);
  EXPECT_EQ(want.at(key_of(3, 4)), value_for(3, 4));
  EXPECT_EQ(want.at(key_of(3, 5)), value_for(3, 5));
  EXPECT_EQ(want.at(key_of(4, 10)), "the last put, in the first half");
  EXPECT_EQ(want.at(key_of(4, many_keys - 10)), "the last put, in the second half");
  EXPECT_EQ(want.at(key_of(4, many_keys - 20)), value_for(4, many_keys - 20).substr(0, 160));
  EXPECT_EQ(want.size(), keys_of_a_large_commit * 2 + 5 - 3 + many_keys);
  EXPECT_TRUE(contents(*ingested, "rebuilt") == want);
  ASSERT_TRUE(ingested->end_consumer_rebuild("rebuilt"));
  ingested->close();
  auto reopened = open_at(dir.path() / "ingested");
  EXPECT_TRUE(contents(*reopened, "rebuilt") == want);
  EXPECT_EQ(reopened->consumer_checkpoint("rebuilt").value(), std::optional<position>{position{4}});
}

TEST(consumer_rebuild, begin_and_end_keep_reads_and_tolerate_repeats) {
  gongjian::testing::temp_dir dir;
  auto store = open_at(dir.path() / "store");
  ASSERT_TRUE(store->begin_consumer_rebuild("rebuilt"));
  ASSERT_TRUE(store->begin_consumer_rebuild("rebuilt"));  // already rebuilding: nothing more
  ASSERT_TRUE(store->commit_consumer(rebuild_commit(1, 10)));
  EXPECT_EQ(contents(*store, "rebuilt"), expected_after(1, 10, 2));
  ASSERT_TRUE(store->end_consumer_rebuild("rebuilt"));
  ASSERT_TRUE(store->end_consumer_rebuild("rebuilt"));  // not rebuilding: nothing to do
  EXPECT_FALSE(store->begin_consumer_rebuild(""));
  store->close();
  auto reopened = open_at(dir.path() / "store");
  EXPECT_EQ(contents(*reopened, "rebuilt"), expected_after(1, 10, 2));
}

}  // namespace
}  // namespace gongjian::eventstore::test
