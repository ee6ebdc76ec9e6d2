// options::read_only: a store opened without writing anything (RocksDB's read-only mode), here
// beside the store that holds the directory while it is idle. It sees the log as it was when it
// was opened, refuses every write with errc::read_only and leaves the directory as it found it.
// `gongjian verify` opens the store this way (tamper_test.cc runs it). The writers have small WALs
// and spares, so the reader replays prewritten WALs and stops at their zeros.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "store_fixture.h"

namespace gongjian::eventstore::test {
namespace {

options read_only_options(const std::filesystem::path& dir) {
  options o;
  o.directory = dir;
  o.block_cache_bytes = 8u << 20;
  o.read_only = true;
  return o;
}

std::unique_ptr<event_store> open_or_fail(const options& o) {
  auto opened = event_store::open(o);
  EXPECT_TRUE(opened) << opened.error().message();
  return opened ? std::move(opened).value() : nullptr;
}

void append_many(event_store& store, std::uint64_t first, std::uint64_t count) {
  for (std::uint64_t i = first; i < first + count; ++i) {
    auto r = store.append(make_request(numbered("c", i), numbered("s", i % 7), expected_version::any(), 2));
    ASSERT_TRUE(r) << r.error().message();
  }
}

std::vector<recorded_event> read_everything(const event_store& store) {
  std::vector<recorded_event> all;
  for (position next{1};;) {
    auto page = store.read_all(next, 1000);
    EXPECT_TRUE(page) << page.error().message();
    if (!page || page->empty()) return all;
    next = position{page->back().pos.value + 1};
    for (auto& e : *page) all.push_back(std::move(e));
  }
}

TEST(read_only_store, sees_the_log_as_it_was_when_opened) {
  gongjian::testing::temp_dir dir;
  const auto path = dir.path() / "store";
  auto writer = open_or_fail(small_wal_options(path));
  ASSERT_TRUE(writer);
  append_many(*writer, 0, 400);
  ASSERT_EQ(writer->head(), position{800});

  auto reader = open_or_fail(read_only_options(path));
  ASSERT_TRUE(reader);
  EXPECT_EQ(reader->head(), position{800});
  EXPECT_EQ(reader->head_hash(), writer->head_hash());
  auto report = reader->verify(position{0}, position{0});
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_TRUE(report->intact()) << report->problem;
  EXPECT_EQ(report->checked, 800u);
  EXPECT_EQ(report->head_hash, writer->head_hash());

  const auto seen = read_everything(*reader);
  const auto written = read_everything(*writer);
  ASSERT_EQ(seen.size(), written.size());
  for (std::size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].pos, written[i].pos);
    EXPECT_EQ(seen[i].stream, written[i].stream);
    EXPECT_EQ(seen[i].payload, written[i].payload);
    EXPECT_EQ(seen[i].hash, written[i].hash);
  }
  auto head_of_s3 = reader->stream_head("s3");
  ASSERT_TRUE(head_of_s3);
  EXPECT_EQ(*head_of_s3, *writer->stream_head("s3"));
  auto stream = reader->read_stream("s3", stream_version{1}, read_direction::forward, 1000);
  ASSERT_TRUE(stream);
  EXPECT_EQ(stream->size(), head_of_s3->value);

  // What the writer appends afterwards is not in the reader's view; a new reader sees it.
  append_many(*writer, 400, 5);
  EXPECT_EQ(reader->head(), position{800});
  report = reader->verify(position{0}, position{0});
  ASSERT_TRUE(report);
  EXPECT_EQ(report->checked, 800u);
  reader->close();
  auto later = open_or_fail(read_only_options(path));
  ASSERT_TRUE(later);
  EXPECT_EQ(later->head(), position{810});
}

TEST(read_only_store, refuses_every_write_and_changes_nothing_in_the_directory) {
  gongjian::testing::temp_dir dir;
  const auto path = dir.path() / "store";
  auto writer = open_or_fail(small_wal_options(path));
  ASSERT_TRUE(writer);
  append_many(*writer, 0, 300);
  ASSERT_TRUE(writer->commit_consumer(consumer_commit{"indicators", position{600}, {{"k", "v"}}, {}}));
  ASSERT_TRUE(writer->sync());
  const auto before = directory_listing(path);

  auto reader = open_or_fail(read_only_options(path));
  ASSERT_TRUE(reader);
  auto appended = reader->append(make_request("ro-1", "s1"));
  ASSERT_FALSE(appended);
  EXPECT_EQ(appended.error(), errc::read_only);
  auto detailed = reader->append_detailed(make_request("ro-2", "s1"));
  ASSERT_FALSE(detailed);
  EXPECT_EQ(detailed.error().code, errc::read_only);
  EXPECT_EQ(detailed.error().message, "event store opened read-only");
  std::error_code async_error;
  reader->append_async(make_request("ro-3", "s1"), [&](result<append_result> r) {
    if (!r) async_error = r.error();
  });
  EXPECT_EQ(async_error, errc::read_only);  // refused at once, on this thread
  EXPECT_EQ(reader->commit_consumer(consumer_commit{"indicators", position{601}, {{"k", "w"}}, {}}).error(),
            errc::read_only);
  EXPECT_EQ(reader->consumer_reset("indicators").error(), errc::read_only);
  EXPECT_EQ(reader->begin_consumer_rebuild("indicators").error(), errc::read_only);
  EXPECT_EQ(reader->sync().error(), errc::read_only);
  // Reads of consumer state work.
  auto checkpoint = reader->consumer_checkpoint("indicators");
  ASSERT_TRUE(checkpoint);
  EXPECT_EQ(*checkpoint, position{600});
  auto value = reader->consumer_get("indicators", "k");
  ASSERT_TRUE(value);
  EXPECT_EQ(*value, "v");
  EXPECT_EQ(reader->head(), position{600});
  reader->close();

  EXPECT_EQ(directory_listing(path), before);
  EXPECT_EQ(writer->head(), position{600});
  auto still = read_everything(*writer);
  EXPECT_EQ(still.size(), 600u);
}

TEST(read_only_store, a_directory_without_a_store_is_not_found_and_is_not_created) {
  gongjian::testing::temp_dir dir;
  const auto path = dir.path() / "nothing-here";
  auto opened = event_store::open(read_only_options(path));
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error(), errc::not_found);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(read_only_store, bulk_mode_is_refused_and_an_imported_log_reads_in_the_default_mode) {
  gongjian::testing::temp_dir dir;
  const auto path = dir.path() / "store";
  {
    options bulk = small_wal_options(path);
    bulk.mode = durability::bulk_import_without_fsync;
    auto importer = open_or_fail(bulk);
    ASSERT_TRUE(importer);
    append_many(*importer, 0, 50);
    ASSERT_TRUE(importer->sync());
    importer->close();
  }
  options read_bulk = read_only_options(path);
  read_bulk.mode = durability::bulk_import_without_fsync;
  auto refused = event_store::open(read_bulk);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), errc::invalid_argument);

  auto reader = open_or_fail(read_only_options(path));
  ASSERT_TRUE(reader);
  auto report = reader->verify(position{0}, position{0});
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_TRUE(report->intact()) << report->problem;
  EXPECT_EQ(report->checked, 100u);
}

}  // namespace
}  // namespace gongjian::eventstore::test
