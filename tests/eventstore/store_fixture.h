#pragma once
// Builders and a fixture shared by the event store tests: a store in a fresh directory that can be
// reopened, and one-line constructors for requests.

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gongjian/eventstore/event_store.h"
#include "support/temp_dir.h"

namespace gongjian::eventstore::test {

// "c" + std::to_string(7) without GCC 12's false -Wrestrict warning at -O3.
inline std::string numbered(std::string_view prefix, std::uint64_t n) {
  std::string s(prefix);
  s += std::to_string(n);
  return s;
}

inline event_data make_event(std::string type, std::string payload, std::uint16_t schema = 1) {
  return event_data{std::move(type), schema, std::move(payload)};
}

inline event_metadata make_metadata(std::int64_t timestamp_ms = 1'767'225'600'000) {
  event_metadata m;
  m.timestamp_ms = timestamp_ms;
  m.by = actor{"user-1", "operator", "CN-11-0105"};
  m.correlation_id = "corr-1";
  m.causation_id = "cause-1";
  return m;
}

// One stream, `count` events of type "thing_happened" whose payloads name the command and index.
inline append_request make_request(std::string command_id, std::string stream,
                                   expected_version expected = expected_version::any(), std::size_t count = 1) {
  append_request r;
  r.command_id = std::move(command_id);
  r.metadata = make_metadata();
  stream_write w;
  w.stream = std::move(stream);
  w.expected = expected;
  for (std::size_t i = 0; i < count; ++i) {
    std::string payload = r.command_id;
    payload += '/';
    payload += std::to_string(i);
    w.events.push_back(make_event("thing_happened", std::move(payload)));
  }
  r.writes.push_back(std::move(w));
  return r;
}

// WAL spares and a `log` memtable as small as RocksDB allows, so that a few hundred appends switch
// WALs, flush, and write into prewritten WALs (src/prewritten_wal.h).
inline constexpr std::uint64_t small_wal_spare_bytes = 256u << 10;
inline options small_wal_options(const std::filesystem::path& dir) {
  options o;
  o.directory = dir;
  o.block_cache_bytes = 8u << 20;
  o.wal_spare_bytes = small_wal_spare_bytes;
  o.log_memtable_bytes = 64u << 10;
  return o;
}

// Every file of a directory with its size and modification time: two equal listings mean nothing
// was created, deleted, resized or rewritten in between.
inline std::map<std::string, std::pair<std::uintmax_t, std::filesystem::file_time_type>> directory_listing(
    const std::filesystem::path& dir) {
  std::map<std::string, std::pair<std::uintmax_t, std::filesystem::file_time_type>> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    files[entry.path().filename().string()] = {entry.file_size(), entry.last_write_time()};
  }
  return files;
}

class store_test : public ::testing::Test {
 protected:
  void SetUp() override { reopen(); }
  void TearDown() override {
    if (store) store->close();
  }

  options make_options() const {
    options o;
    o.directory = dir.path() / "store";
    o.mode = mode;
    o.live_buffer_events = live_buffer_events;
    o.block_cache_bytes = 8u << 20;
    return o;
  }

  void reopen() {
    if (store) store->close();
    store.reset();
    auto opened = event_store::open(make_options());
    ASSERT_TRUE(opened) << opened.error().message();
    store = std::move(opened).value();
  }

  append_result append_ok(append_request r) {
    auto result = store->append(std::move(r));
    EXPECT_TRUE(result) << result.error().message();
    return result ? result.value() : append_result{};
  }

  std::vector<recorded_event> read_everything() {
    std::vector<recorded_event> all;
    position next{1};
    for (;;) {
      auto page = store->read_all(next, 1000);
      EXPECT_TRUE(page) << page.error().message();
      if (!page || page->empty()) break;
      next = position{page->back().pos.value + 1};
      for (auto& e : *page) all.push_back(std::move(e));
    }
    return all;
  }

  gongjian::testing::temp_dir dir;
  durability mode = durability::fsync_each_batch;
  std::size_t live_buffer_events = 65536;
  std::unique_ptr<event_store> store;
};

}  // namespace gongjian::eventstore::test
