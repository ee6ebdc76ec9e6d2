// The stream index, stream heads and command ids are derived from the log and written after it
// (rocks_event_store.h): a store reopened with that derived data missing for the log's tail (a
// crash between the two writes) derives it again, exactly; command ids older than the writer's
// in-memory window are still found.

#include <gtest/gtest.h>

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "encoding.h"
#include "raw_rocksdb.h"
#include "store_fixture.h"

namespace gongjian::eventstore::test {
namespace {

std::string index_key(const std::string& stream, std::uint64_t version) {
  std::string k = stream;
  k.push_back('\0');
  encoding::put_big_endian64(k, version);
  return k;
}

// What the store tells about its streams and commands, to compare before and after a rebuild.
struct observed {
  std::map<std::string, std::vector<recorded_event>> streams;
  std::map<std::string, std::uint64_t> heads;
  std::map<std::string, append_result> commands;
  bool operator==(const observed&) const = default;
};

class derived_data_test : public store_test {
 protected:
  // Requests over a few streams: single events, several events, several streams in one request.
  void fill() {
    for (std::uint64_t i = 0; i < 60; ++i) {
      append_request r = make_request(numbered("c", i), numbered("org-", i % 5), expected_version::any(), 1 + i % 3);
      if (i % 4 == 0) {
        // A second stream in the same request.
        append_request other = make_request(numbered("x", i), numbered("member-", i % 7));
        r.writes.push_back(std::move(other.writes.front()));
      }
      const std::string id = r.command_id;
      results[id] = append_ok(std::move(r));
    }
  }

  observed observe() {
    observed o;
    for (const auto& [command, first] : results) {
      for (const auto& s : first.streams) {
        auto events = store->read_stream(s.stream, stream_version{1}, read_direction::forward, 10'000);
        EXPECT_TRUE(events) << events.error().message();
        if (events) o.streams[s.stream] = *events;
        auto head = store->stream_head(s.stream);
        EXPECT_TRUE(head) << head.error().message();
        if (head) o.heads[s.stream] = head->value;
      }
      // Retried with an expectation that would conflict: only the stored result can answer it.
      auto again = store->append(make_request(command, "org-0", expected_version::exact(stream_version{999})));
      EXPECT_TRUE(again) << again.error().message();
      if (again) o.commands[command] = *again;
    }
    return o;
  }

  std::map<std::string, append_result> results;
};

TEST_F(derived_data_test, reopen_derives_the_tail_past_the_marker_exactly) {
  fill();
  const observed before = observe();
  const position head = store->head();
  ASSERT_EQ(head.value, results["c59"].last.value);

  // Take away everything derived from the second half of the log, as if the store had died after
  // writing those log records and before writing their derived data.
  const std::uint64_t cut = results["c29"].last.value;
  store->close();
  store.reset();
  {
    raw_rocksdb raw(make_options().directory);
    std::map<std::string, std::uint64_t> heads_at_cut;
    for (const auto& [stream, events] : before.streams) {
      for (const auto& e : events) {
        if (e.pos.value <= cut) {
          heads_at_cut[stream] = e.version.value;
        } else {
          raw.remove("streams", index_key(stream, e.version.value));
        }
      }
      if (auto it = heads_at_cut.find(stream); it != heads_at_cut.end()) {
        raw.put("stream_heads", stream, encoding::big_endian64(it->second));
      } else {
        raw.remove("stream_heads", stream);
      }
    }
    for (const auto& [command, result] : results) {
      if (result.first.value > cut) raw.remove("commands", command);
    }
    raw.put("meta", "derived", encoding::big_endian64(cut));
    ASSERT_FALSE(raw.contains("commands", "c59"));
  }

  reopen();
  EXPECT_EQ(store->head(), head);
  EXPECT_EQ(observe(), before);
  auto report = store->verify(position{1}, position{0});
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_FALSE(report->first_bad) << report->problem;
  EXPECT_EQ(report->checked, head.value);

  // The writer decides from the rebuilt heads: the next version of a stream written only past
  // the cut is taken exactly once.
  const auto member = before.heads.at("member-6");
  EXPECT_TRUE(store->append(make_request("next", "member-6", expected_version::exact(stream_version{member}))));
  EXPECT_FALSE(store->append(make_request("next-2", "member-6", expected_version::exact(stream_version{member}))));
  EXPECT_EQ(store->head().value, head.value + 1);
}

// A bulk import cut short can leave the opposite: derived data and consumer state flushed with
// the memtables for records whose log chunk was never ingested (and a meta head that stayed with
// the log). Reopening removes whatever describes positions past the log's end; the store goes on
// from there as if those appends had never been made.
TEST_F(derived_data_test, reopen_removes_derived_data_past_the_end_of_the_log) {
  fill();
  const observed before = observe();
  const position head = store->head();
  const std::uint64_t cut = results["c29"].last.value;
  ASSERT_TRUE(store->commit_consumer({"behind", position{cut}, {{"k", "kept"}}, {}}));
  ASSERT_TRUE(store->commit_consumer({"ahead", head, {{"k", "lost"}}, {}}));
  auto at_cut = store->read_all(position{cut}, 1);
  ASSERT_TRUE(at_cut);
  const sha256_digest cut_hash = at_cut->front().hash;
  store->close();
  store.reset();
  {
    raw_rocksdb raw(make_options().directory);
    for (std::uint64_t p = cut + 1; p <= head.value; ++p) raw.remove("log", encoding::big_endian64(p));
    std::string meta_head = encoding::big_endian64(cut);
    meta_head.append(reinterpret_cast<const char*>(cut_hash.data()), cut_hash.size());
    raw.put("meta", "head", meta_head);
    ASSERT_EQ(raw.get("meta", "derived"), encoding::big_endian64(head.value));
  }

  reopen();
  EXPECT_EQ(store->head().value, cut);
  EXPECT_EQ(store->head_hash(), cut_hash);
  auto report = store->verify(position{1}, position{0});
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_FALSE(report->first_bad) << report->problem;
  EXPECT_EQ(report->checked, cut);
  std::map<std::string, std::uint64_t> heads_at_cut;
  for (const auto& [stream, events] : before.streams) {
    std::vector<recorded_event> kept;
    for (const auto& e : events) {
      if (e.pos.value <= cut) kept.push_back(e);
    }
    auto now = store->read_stream(stream, stream_version{1}, read_direction::forward, 10'000);
    ASSERT_TRUE(now) << now.error().message();
    EXPECT_EQ(*now, kept) << stream;
    heads_at_cut[stream] = kept.empty() ? 0 : kept.back().version.value;
    EXPECT_EQ(store->stream_head(stream).value().value, heads_at_cut[stream]) << stream;
  }
  EXPECT_EQ(store->consumer_checkpoint("ahead").value(), std::nullopt);
  EXPECT_EQ(store->consumer_get("ahead", "k").value(), std::nullopt);
  EXPECT_EQ(store->consumer_checkpoint("behind").value(), position{cut});
  EXPECT_EQ(store->consumer_get("behind", "k").value(), std::optional<std::string>("kept"));

  // A command made before the cut is remembered; one made after it is new again.
  auto old_command = store->append(make_request("c29", "org-0"));
  ASSERT_TRUE(old_command);
  EXPECT_TRUE(old_command->duplicate);
  auto lost_command = store->append(make_request("c59", "org-4", expected_version::exact(stream_version{heads_at_cut["org-4"]})));
  ASSERT_TRUE(lost_command) << lost_command.error().message();
  EXPECT_FALSE(lost_command->duplicate);
  EXPECT_EQ(lost_command->first.value, cut + 1);
  EXPECT_EQ(lost_command->streams.at(0).last_version.value, heads_at_cut["org-4"] + 1);
  report = store->verify(position{1}, position{0});
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->first_bad) << report->problem;
}

// Bulk mode ingests a chunk's stream index with its records, atomically; stream heads, command
// ids and the `derived` marker go through the memtables and may be flushed before the chunk they
// describe is ingested. A crash between chunks then leaves heads ahead of both the log and the
// index (made here by taking the second chunk's records and index entries away, as a crash before
// its ingestion would): reopening brings each head back to its stream's last indexed version.
TEST_F(derived_data_test, a_bulk_import_cut_between_chunks_reopens_with_heads_at_the_last_ingested_version) {
  mode = durability::bulk_import_without_fsync;
  reopen();
  std::map<std::string, std::uint64_t> versions;
  auto import = [&](const std::string& prefix, int requests) {
    for (int i = 0; i < requests; ++i) {
      const std::string stream = numbered("bulk-", static_cast<std::uint64_t>(i % 3));
      append_ok(make_request(numbered(prefix, static_cast<std::uint64_t>(i)), stream, expected_version::any(), 4));
      versions[stream] += 4;
    }
  };
  import("first", 30);  // 120 events, 40 per stream
  ASSERT_TRUE(store->sync());
  const position cut = store->head();
  auto at_cut = store->read_all(cut, 1);
  ASSERT_TRUE(at_cut);
  const sha256_digest cut_hash = at_cut->front().hash;
  const std::map<std::string, std::uint64_t> at_cut_versions = versions;
  import("second", 6);  // 24 more events: bulk-0, bulk-1 and bulk-2 at version 48
  ASSERT_TRUE(store->sync());
  const position head = store->head();
  store->close();
  store.reset();
  {
    raw_rocksdb raw(make_options().directory);
    for (std::uint64_t p = cut.value + 1; p <= head.value; ++p) raw.remove("log", encoding::big_endian64(p));
    for (const auto& [stream, version] : versions) {
      for (std::uint64_t v = at_cut_versions.at(stream) + 1; v <= version; ++v) raw.remove("streams", index_key(stream, v));
      ASSERT_EQ(raw.get("stream_heads", stream), encoding::big_endian64(version));
    }
    std::string meta_head = encoding::big_endian64(cut.value);
    meta_head.append(reinterpret_cast<const char*>(cut_hash.data()), cut_hash.size());
    raw.put("meta", "head", meta_head);
    ASSERT_EQ(raw.get("meta", "derived"), encoding::big_endian64(head.value));
  }

  reopen();
  EXPECT_EQ(store->head(), cut);
  auto report = store->verify(position{1}, position{0});
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_FALSE(report->first_bad) << report->problem;
  for (const auto& [stream, version] : at_cut_versions) {
    EXPECT_EQ(store->stream_head(stream).value().value, version) << stream;
    auto events = store->read_stream(stream, stream_version{1}, read_direction::forward, 1000);
    ASSERT_TRUE(events) << events.error().message();
    ASSERT_EQ(events->size(), version) << stream;
    for (std::size_t v = 0; v < events->size(); ++v) EXPECT_EQ((*events)[v].version.value, v + 1);
    // The import goes on from the cut: the next version is the one after the last ingested.
    auto next = store->append(make_request(numbered("again-", version), stream,
                                           expected_version::exact(stream_version{version})));
    ASSERT_TRUE(next) << stream << ": " << next.error().message();
    EXPECT_EQ(next->streams.at(0).last_version.value, version + 1);
  }
  // A command of the lost chunk is new again.
  auto lost = store->append(make_request("second0", "bulk-0", expected_version::any()));
  ASSERT_TRUE(lost);
  EXPECT_FALSE(lost->duplicate);
}

TEST_F(derived_data_test, reopen_derives_everything_when_the_marker_is_at_zero) {
  fill();
  const observed before = observe();
  store->close();
  store.reset();
  {
    raw_rocksdb raw(make_options().directory);
    for (const auto& [stream, events] : before.streams) {
      for (const auto& e : events) raw.remove("streams", index_key(stream, e.version.value));
      raw.remove("stream_heads", stream);
    }
    for (const auto& [command, result] : results) raw.remove("commands", command);
    raw.put("meta", "derived", encoding::big_endian64(0));
  }
  reopen();
  EXPECT_EQ(observe(), before);
}

TEST_F(derived_data_test, a_store_without_the_marker_is_taken_as_fully_derived) {
  // Stores written before the marker existed kept derived data in the log's own batch.
  fill();
  const observed before = observe();
  store->close();
  store.reset();
  {
    raw_rocksdb raw(make_options().directory);
    raw.remove("meta", "derived");
  }
  reopen();
  EXPECT_EQ(observe(), before);
  {
    store->close();
    store.reset();
    raw_rocksdb raw(make_options().directory);
    EXPECT_EQ(raw.get("meta", "derived"), encoding::big_endian64(results["c59"].last.value));
  }
}

TEST_F(derived_data_test, a_command_id_older_than_the_in_memory_window_returns_its_first_result) {
  append_request first_request = make_request("first", "org-1", expected_version::no_stream(), 2);
  first_request.writes.push_back(make_request("unused", "member-1").writes.front());
  const auto first = append_ok(std::move(first_request));

  // Far more distinct command ids than the writer keeps in memory (4096), in flight together.
  constexpr std::uint64_t later = 20'000;
  std::mutex m;
  std::condition_variable cv;
  std::uint64_t completed = 0;
  std::uint64_t failed = 0;
  for (std::uint64_t i = 0; i < later; ++i) {
    store->append_async(make_request(numbered("later-", i), numbered("org-", 2 + i % 50)),
                        [&](result<append_result> r) {
                          std::lock_guard lock(m);
                          if (!r) ++failed;
                          if (++completed == later) cv.notify_one();
                        });
  }
  {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return completed == later; });
  }
  ASSERT_EQ(failed, 0u);
  const position head = store->head();

  auto again = store->append(make_request("first", "org-1", expected_version::no_stream(), 2));
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->first, first.first);
  EXPECT_EQ(again->last, first.last);
  EXPECT_EQ(again->streams, first.streams);
  EXPECT_EQ(store->head(), head);
}

TEST_F(derived_data_test, a_sync_group_of_many_batches_leaves_every_stream_head_at_its_newest_version) {
  // One request per batch, and thousands in flight: the syncer's groups then hold many batches
  // that write the same streams, and each stream's head must come from the last of them.
  store->close();
  store.reset();
  options o = make_options();
  o.max_batch_requests = 1;
  auto opened = event_store::open(o);
  ASSERT_TRUE(opened) << opened.error().message();
  store = std::move(opened).value();

  constexpr std::uint64_t appends = 3'000;
  constexpr std::uint64_t streams = 3;
  std::mutex m;
  std::condition_variable cv;
  std::uint64_t completed = 0;
  std::uint64_t failed = 0;
  for (std::uint64_t i = 0; i < appends; ++i) {
    store->append_async(make_request(numbered("g-", i), numbered("org-", i % streams), expected_version::any(), 1 + i % 2),
                        [&](result<append_result> r) {
                          std::lock_guard lock(m);
                          if (!r) ++failed;
                          if (++completed == appends) cv.notify_one();
                        });
  }
  {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return completed == appends; });
  }
  ASSERT_EQ(failed, 0u);

  std::map<std::string, std::uint64_t> expected;
  for (std::uint64_t i = 0; i < appends; ++i) expected[numbered("org-", i % streams)] += 1 + i % 2;
  // Reopened, the writer's cache is gone: heads come from what the syncer wrote.
  reopen();
  for (const auto& [stream, version] : expected) {
    auto head = store->stream_head(stream);
    ASSERT_TRUE(head) << head.error().message();
    EXPECT_EQ(head->value, version) << stream;
    auto next = store->append(make_request(stream + "-next", stream, expected_version::exact(stream_version{version})));
    EXPECT_TRUE(next) << next.error().message();
  }
}

}  // namespace
}  // namespace gongjian::eventstore::test
