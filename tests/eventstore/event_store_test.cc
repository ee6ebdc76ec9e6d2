// Unit tests for every operation of the event store and every error it reports.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <span>
#include <atomic>
#include <chrono>
#include <mutex>
#include <condition_variable>
#include <latch>
#include <map>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

#include "store_fixture.h"

namespace gongjian::eventstore::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::uint64_t> versions_of(const std::vector<recorded_event>& events) {
  std::vector<std::uint64_t> v;
  for (const auto& e : events) v.push_back(e.version.value);
  return v;
}

std::vector<std::uint64_t> positions_of(const std::vector<recorded_event>& events) {
  std::vector<std::uint64_t> v;
  for (const auto& e : events) v.push_back(e.pos.value);
  return v;
}

using append_test = store_test;

TEST_F(append_test, single_event_gets_position_one_and_version_one) {
  auto r = append_ok(make_request("c1", "org-1"));
  EXPECT_EQ(r.first, position{1});
  EXPECT_EQ(r.last, position{1});
  EXPECT_FALSE(r.duplicate);
  ASSERT_EQ(r.streams.size(), 1u);
  EXPECT_EQ(r.streams[0], (stream_outcome{"org-1", stream_version{1}}));
  EXPECT_EQ(store->head(), position{1});

  auto events = store->read_stream("org-1", stream_version{1}, read_direction::forward, 10);
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 1u);
  const auto& e = events->front();
  EXPECT_EQ(e.pos, position{1});
  EXPECT_EQ(e.stream, "org-1");
  EXPECT_EQ(e.version, stream_version{1});
  EXPECT_EQ(e.type, "thing_happened");
  EXPECT_EQ(e.schema_version, 1);
  EXPECT_EQ(e.metadata, make_metadata());
  EXPECT_EQ(e.command_id, "c1");
  EXPECT_EQ(e.payload, "c1/0");
  EXPECT_EQ(e.hash, store->head_hash());
}

TEST_F(append_test, several_events_of_one_stream_are_consecutive) {
  append_ok(make_request("c1", "org-1", expected_version::any(), 2));
  auto r = append_ok(make_request("c2", "org-1", expected_version::exact(stream_version{2}), 3));
  EXPECT_EQ(r.first, position{3});
  EXPECT_EQ(r.last, position{5});
  EXPECT_EQ(r.streams[0].last_version, stream_version{5});
  auto events = store->read_stream("org-1", stream_version{0}, read_direction::forward, 100);
  ASSERT_TRUE(events);
  EXPECT_THAT(versions_of(*events), ElementsAre(1, 2, 3, 4, 5));
  EXPECT_THAT(positions_of(*events), ElementsAre(1, 2, 3, 4, 5));
}

TEST_F(append_test, one_request_writes_several_streams_atomically) {
  append_ok(make_request("c0", "member-9"));
  append_request r = make_request("c1", "org-1", expected_version::no_stream(), 2);
  stream_write second;
  second.stream = "member-9";
  second.expected = expected_version::exact(stream_version{1});
  second.events.push_back(make_event("member_joined", "m"));
  r.writes.push_back(second);
  auto result = append_ok(r);
  EXPECT_EQ(result.first, position{2});
  EXPECT_EQ(result.last, position{4});
  EXPECT_THAT(result.streams, ElementsAre(stream_outcome{"org-1", stream_version{2}},
                                          stream_outcome{"member-9", stream_version{2}}));
  auto member = store->read_stream("member-9", stream_version{1}, read_direction::forward, 10);
  ASSERT_TRUE(member);
  EXPECT_THAT(positions_of(*member), ElementsAre(1, 4));
}

TEST_F(append_test, the_same_stream_twice_in_one_request_continues_its_versions) {
  append_request r = make_request("c1", "org-1", expected_version::no_stream());
  stream_write again;
  again.stream = "org-1";
  again.expected = expected_version::exact(stream_version{1});
  again.events.push_back(make_event("again", "x"));
  r.writes.push_back(again);
  auto result = append_ok(r);
  EXPECT_EQ(result.last, position{2});
  EXPECT_EQ(store->stream_head("org-1").value(), stream_version{2});
}

TEST_F(append_test, expected_no_stream_fails_once_the_stream_exists) {
  append_ok(make_request("c1", "org-1", expected_version::no_stream()));
  auto again = store->append(make_request("c2", "org-1", expected_version::no_stream()));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), errc::wrong_expected_version);
  EXPECT_EQ(store->head(), position{1});
}

TEST_F(append_test, wrong_exact_version_reports_the_current_version_and_writes_nothing) {
  append_ok(make_request("c1", "org-1", expected_version::any(), 3));
  const auto hash_before = store->head_hash();
  auto conflict = store->append_detailed(make_request("c2", "org-1", expected_version::exact(stream_version{2})));
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().code, errc::wrong_expected_version);
  EXPECT_EQ(conflict.error().stream, "org-1");
  EXPECT_EQ(conflict.error().current, stream_version{3});
  EXPECT_THAT(conflict.error().message, HasSubstr("'org-1' is at version 3"));
  EXPECT_THAT(conflict.error().message, HasSubstr("expected version 2"));
  EXPECT_EQ(store->head(), position{3});
  EXPECT_EQ(store->head_hash(), hash_before);
  EXPECT_EQ(store->stream_head("org-1").value(), stream_version{3});

  // A conflicting command id was not recorded: the same id succeeds once the version is right.
  auto retry = append_ok(make_request("c2", "org-1", expected_version::exact(stream_version{3})));
  EXPECT_FALSE(retry.duplicate);
  EXPECT_EQ(retry.first, position{4});
}

TEST_F(append_test, exact_version_zero_means_the_stream_must_not_exist) {
  append_ok(make_request("c1", "org-1", expected_version::exact(stream_version{0})));
  auto again = store->append(make_request("c2", "org-1", expected_version::exact(stream_version{0})));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), errc::wrong_expected_version);
}

TEST_F(append_test, a_conflict_in_one_stream_writes_none_of_the_request) {
  append_ok(make_request("c1", "b"));
  append_request r = make_request("c2", "a", expected_version::no_stream());
  stream_write w;
  w.stream = "b";
  w.expected = expected_version::no_stream();  // wrong: b exists
  w.events.push_back(make_event("x", "y"));
  r.writes.push_back(w);
  auto result = store->append_detailed(r);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().stream, "b");
  EXPECT_EQ(result.error().current, stream_version{1});
  EXPECT_EQ(store->stream_head("a").value(), stream_version{0});
  EXPECT_EQ(store->head(), position{1});
}

TEST_F(append_test, repeated_command_id_returns_the_first_result_and_writes_nothing) {
  auto first = append_ok(make_request("cmd-1", "org-1", expected_version::no_stream(), 2));
  // Any expectation at all, even one that would now conflict, gets the original result.
  for (auto expected : {expected_version::no_stream(), expected_version::any(),
                        expected_version::exact(stream_version{7})}) {
    auto again = append_ok(make_request("cmd-1", "org-1", expected, 2));
    EXPECT_TRUE(again.duplicate);
    EXPECT_EQ(again.first, first.first);
    EXPECT_EQ(again.last, first.last);
    EXPECT_EQ(again.streams, first.streams);
  }
  EXPECT_EQ(store->head(), position{2});
}

TEST_F(append_test, repeated_command_id_is_remembered_across_reopen) {
  auto first = append_ok(make_request("cmd-1", "org-1"));
  reopen();
  auto again = append_ok(make_request("cmd-1", "org-1", expected_version::no_stream()));
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.first, first.first);
  EXPECT_EQ(store->head(), position{1});
}

TEST_F(append_test, repeated_command_id_within_one_batch_is_written_once) {
  // Submitted back to back without waiting, so both usually land in one writer batch.
  std::counting_semaphore<2> done(0);
  std::vector<result<append_result>> results;
  std::mutex m;
  for (int i = 0; i < 2; ++i) {
    store->append_async(make_request("same", "org-1"), [&](result<append_result> r) {
      std::lock_guard lock(m);
      results.push_back(std::move(r));
      done.release();
    });
  }
  done.acquire();
  done.acquire();
  ASSERT_TRUE(results[0] && results[1]);
  EXPECT_FALSE(results[0]->duplicate);
  EXPECT_TRUE(results[1]->duplicate);
  EXPECT_EQ(results[0]->first, results[1]->first);
  EXPECT_EQ(store->head(), position{1});
}

TEST_F(append_test, append_async_completes_with_the_result) {
  std::binary_semaphore done(0);
  std::optional<result<append_result>> got;
  store->append_async(make_request("c1", "org-1"), [&](result<append_result> r) {
    got.emplace(std::move(r));
    done.release();
  });
  done.acquire();
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->first, position{1});
}

TEST_F(append_test, append_async_detailed_reports_a_conflict) {
  append_ok(make_request("c1", "org-1"));
  std::binary_semaphore done(0);
  std::optional<result<append_result, append_error>> got;
  store->append_async_detailed(make_request("c2", "org-1", expected_version::no_stream()),
                               [&](result<append_result, append_error> r) {
                                 got.emplace(std::move(r));
                                 done.release();
                               });
  done.acquire();
  ASSERT_TRUE(got && !*got);
  EXPECT_EQ(got->error().current, stream_version{1});
}

TEST_F(append_test, invalid_requests_are_refused_and_write_nothing) {
  std::vector<append_request> bad;
  bad.push_back(make_request("", "org-1"));                      // no command id
  bad.push_back(make_request("c", ""));                          // no stream name
  bad.push_back(make_request("c", std::string("a\0b", 3)));      // NUL in the stream name
  bad.push_back(make_request("c", std::string(2000, 's')));      // stream name too long
  bad.push_back(make_request("c", "org-1", expected_version::any(), 0));  // no events
  {
    append_request r = make_request("c", "org-1");
    r.writes.clear();  // no writes
    bad.push_back(r);
  }
  {
    append_request r = make_request("c", "org-1");
    r.writes[0].events[0].type.clear();  // no event type
    bad.push_back(r);
  }
  for (auto& r : bad) {
    auto result = store->append(r);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error(), errc::invalid_argument);
  }
  EXPECT_EQ(store->head(), position{0});
  // An invalid request did not burn its command id.
  EXPECT_FALSE(append_ok(make_request("c", "org-1")).duplicate);
}

TEST_F(append_test, a_failing_request_does_not_fail_the_rest_of_its_batch) {
  append_ok(make_request("c0", "taken"));
  constexpr int n = 64;
  std::counting_semaphore<n> done(0);
  std::vector<std::optional<result<append_result>>> results(n);
  for (int i = 0; i < n; ++i) {
    // Every fourth conflicts; the others must still commit.
    auto r = i % 4 == 0 ? make_request(numbered("c", i + 1), "taken", expected_version::no_stream())
                        : make_request(numbered("c", i + 1), numbered("s", i));
    store->append_async(r, [&, i](result<append_result> res) {
      results[static_cast<std::size_t>(i)].emplace(std::move(res));
      done.release();
    });
  }
  for (int i = 0; i < n; ++i) done.acquire();
  int ok = 0;
  for (int i = 0; i < n; ++i) {
    if (i % 4 == 0) {
      EXPECT_EQ(results[static_cast<std::size_t>(i)]->error(), errc::wrong_expected_version);
    } else {
      ok += results[static_cast<std::size_t>(i)]->has_value() ? 1 : 0;
    }
  }
  EXPECT_EQ(ok, n - n / 4);
  EXPECT_EQ(store->head(), position{static_cast<std::uint64_t>(1 + ok)});
  EXPECT_EQ(read_everything().size(), static_cast<std::size_t>(1 + ok));
}

using read_test = store_test;

TEST_F(read_test, stream_forward_in_pages) {
  for (int i = 0; i < 25; ++i) {
    append_ok(make_request(numbered("c", i), "org-1"));
    append_ok(make_request(numbered("d", i), "org-2"));
  }
  std::vector<std::uint64_t> seen;
  stream_version from{1};
  for (;;) {
    auto page = store->read_stream("org-1", from, read_direction::forward, 7);
    ASSERT_TRUE(page);
    if (page->empty()) break;
    EXPECT_LE(page->size(), 7u);
    for (const auto& e : *page) {
      EXPECT_EQ(e.stream, "org-1");
      seen.push_back(e.version.value);
    }
    from = stream_version{page->back().version.value + 1};
  }
  ASSERT_EQ(seen.size(), 25u);
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], i + 1);
}

TEST_F(read_test, stream_backward_from_the_end_and_from_the_middle) {
  append_ok(make_request("c1", "org-1", expected_version::any(), 10));
  auto tail = store->read_stream("org-1", stream_version{UINT64_MAX}, read_direction::backward, 3);
  ASSERT_TRUE(tail);
  EXPECT_THAT(versions_of(*tail), ElementsAre(10, 9, 8));
  auto middle = store->read_stream("org-1", stream_version{4}, read_direction::backward, 100);
  ASSERT_TRUE(middle);
  EXPECT_THAT(versions_of(*middle), ElementsAre(4, 3, 2, 1));
  auto none = store->read_stream("org-1", stream_version{0}, read_direction::backward, 100);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST_F(read_test, stream_reads_do_not_cross_into_a_stream_with_a_longer_name) {
  append_ok(make_request("c1", "org-1", expected_version::any(), 2));
  append_ok(make_request("c2", "org-10", expected_version::any(), 2));
  append_ok(make_request("c3", "org-", expected_version::any(), 2));
  auto fwd = store->read_stream("org-1", stream_version{1}, read_direction::forward, 100);
  ASSERT_TRUE(fwd);
  EXPECT_THAT(positions_of(*fwd), ElementsAre(1, 2));
  auto back = store->read_stream("org-1", stream_version{UINT64_MAX}, read_direction::backward, 100);
  ASSERT_TRUE(back);
  EXPECT_THAT(positions_of(*back), ElementsAre(2, 1));
}

TEST_F(read_test, unknown_stream_reads_empty_and_is_at_version_zero) {
  auto events = store->read_stream("nobody", stream_version{1}, read_direction::forward, 10);
  ASSERT_TRUE(events);
  EXPECT_TRUE(events->empty());
  EXPECT_EQ(store->stream_head("nobody").value(), stream_version{0});
  EXPECT_EQ(store->read_stream("", stream_version{1}, read_direction::forward, 10).error(),
            errc::invalid_argument);
}

TEST_F(read_test, read_all_pages_through_the_global_log) {
  for (int i = 0; i < 30; ++i) append_ok(make_request(numbered("c", i), numbered("s", i % 4)));
  auto page = store->read_all(position{0}, 8);
  ASSERT_TRUE(page);
  EXPECT_THAT(positions_of(*page), ElementsAre(1, 2, 3, 4, 5, 6, 7, 8));
  page = store->read_all(position{28}, 8);
  ASSERT_TRUE(page);
  EXPECT_THAT(positions_of(*page), ElementsAre(28, 29, 30));
  page = store->read_all(position{31}, 8);
  ASSERT_TRUE(page);
  EXPECT_TRUE(page->empty());
  EXPECT_EQ(read_everything().size(), 30u);
}

TEST_F(read_test, head_and_head_hash_survive_reopen) {
  EXPECT_EQ(store->head(), position{0});
  EXPECT_EQ(store->head_hash(), sha256_digest{});
  append_ok(make_request("c1", "org-1", expected_version::any(), 5));
  const auto head = store->head();
  const auto hash = store->head_hash();
  EXPECT_NE(hash, sha256_digest{});
  reopen();
  EXPECT_EQ(store->head(), head);
  EXPECT_EQ(store->head_hash(), hash);
  EXPECT_EQ(store->stream_head("org-1").value(), stream_version{5});
  // And appends continue the chain where it was.
  auto r = append_ok(make_request("c2", "org-1", expected_version::exact(stream_version{5})));
  EXPECT_EQ(r.first, position{6});
  auto report = store->verify(position{0}, position{0});
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->intact()) << report->problem;
  EXPECT_EQ(report->checked, 6u);
}

TEST_F(read_test, verify_checks_the_whole_log_or_a_range) {
  for (int i = 0; i < 20; ++i) append_ok(make_request(numbered("c", i), "s"));
  auto all = store->verify(position{0}, position{0});
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->intact());
  EXPECT_EQ(all->checked, 20u);
  EXPECT_EQ(all->last_checked, position{20});
  EXPECT_EQ(all->head_hash, store->head_hash());
  auto range = store->verify(position{5}, position{9});
  ASSERT_TRUE(range);
  EXPECT_TRUE(range->intact());
  EXPECT_EQ(range->checked, 5u);
  EXPECT_EQ(range->last_checked, position{9});
  auto nine = store->read_all(position{9}, 1);
  ASSERT_TRUE(nine);
  EXPECT_EQ(range->head_hash, nine->front().hash);
}

using consumer_test = store_test;

TEST_F(consumer_test, commit_then_get_scan_and_checkpoint) {
  EXPECT_EQ(store->consumer_checkpoint("indicators").value(), std::nullopt);
  consumer_commit c;
  c.consumer = "indicators";
  c.checkpoint = position{17};
  c.puts = {{"b", "2"}, {"a", "1"}, {"c", "3"}, {std::string("z\0y", 3), "nul"}};
  ASSERT_TRUE(store->commit_consumer(c));
  EXPECT_EQ(store->consumer_checkpoint("indicators").value(), position{17});
  EXPECT_EQ(store->consumer_get("indicators", "b").value(), std::optional<std::string>("2"));
  EXPECT_EQ(store->consumer_get("indicators", "nope").value(), std::nullopt);
  EXPECT_EQ(store->consumer_get("other", "b").value(), std::nullopt);

  std::vector<std::string> keys;
  auto collect = [&](std::string_view k, std::string_view) {
    keys.emplace_back(k);
    return true;
  };
  ASSERT_TRUE(store->consumer_scan("indicators", "", read_direction::forward, collect));
  EXPECT_THAT(keys, ElementsAre("a", "b", "c", std::string("z\0y", 3)));
  keys.clear();
  ASSERT_TRUE(store->consumer_scan("indicators", "b", read_direction::forward, collect));
  EXPECT_THAT(keys, ElementsAre("b", "c", std::string("z\0y", 3)));
  keys.clear();
  ASSERT_TRUE(store->consumer_scan("indicators", "", read_direction::backward, collect));
  EXPECT_THAT(keys, ElementsAre(std::string("z\0y", 3), "c", "b", "a"));
  keys.clear();
  ASSERT_TRUE(store->consumer_scan("indicators", "bb", read_direction::backward, collect));
  EXPECT_THAT(keys, ElementsAre("b", "a"));
  keys.clear();
  ASSERT_TRUE(store->consumer_scan("indicators", "", read_direction::forward, [&](std::string_view k, std::string_view) {
    keys.emplace_back(k);
    return keys.size() < 2;
  }));
  EXPECT_THAT(keys, ElementsAre("a", "b"));
}

TEST_F(consumer_test, deletes_and_checkpoint_in_one_commit_survive_reopen) {
  consumer_commit c{"ledger", position{5}, {{"x", "1"}, {"y", "2"}}, {}};
  ASSERT_TRUE(store->commit_consumer(c));
  consumer_commit d{"ledger", position{9}, {{"z", "3"}}, {"x"}};
  ASSERT_TRUE(store->commit_consumer(d));
  reopen();
  EXPECT_EQ(store->consumer_checkpoint("ledger").value(), position{9});
  EXPECT_EQ(store->consumer_get("ledger", "x").value(), std::nullopt);
  EXPECT_EQ(store->consumer_get("ledger", "y").value(), std::optional<std::string>("2"));
  EXPECT_EQ(store->consumer_get("ledger", "z").value(), std::optional<std::string>("3"));
}

TEST_F(consumer_test, consumers_are_namespaced_and_reset_removes_only_one) {
  ASSERT_TRUE(store->commit_consumer({"a", position{1}, {{"k", "a"}}, {}}));
  ASSERT_TRUE(store->commit_consumer({"ab", position{2}, {{"k", "ab"}}, {}}));
  ASSERT_TRUE(store->commit_consumer({"b", position{3}, {{"k", "b"}}, {}}));
  int count = 0;
  ASSERT_TRUE(store->consumer_scan("a", "", read_direction::forward, [&](std::string_view, std::string_view v) {
    EXPECT_EQ(v, "a");
    ++count;
    return true;
  }));
  EXPECT_EQ(count, 1);
  ASSERT_TRUE(store->consumer_reset("a"));
  EXPECT_EQ(store->consumer_checkpoint("a").value(), std::nullopt);
  EXPECT_EQ(store->consumer_get("a", "k").value(), std::nullopt);
  EXPECT_EQ(store->consumer_get("ab", "k").value(), std::optional<std::string>("ab"));
  EXPECT_EQ(store->consumer_checkpoint("b").value(), position{3});
}

TEST_F(consumer_test, invalid_consumer_names_are_refused) {
  EXPECT_EQ(store->commit_consumer({"", position{1}, {}, {}}).error(), errc::invalid_argument);
  EXPECT_EQ(store->consumer_get(std::string("a\0b", 3), "k").error(), errc::invalid_argument);
  EXPECT_EQ(store->consumer_checkpoint("").error(), errc::invalid_argument);
  EXPECT_EQ(store->consumer_reset("").error(), errc::invalid_argument);
}

class bulk_test : public store_test {
 protected:
  void SetUp() override {
    mode = durability::bulk_import_without_fsync;
    store_test::SetUp();
  }
};

TEST_F(bulk_test, bulk_appends_are_readable_synced_and_survive_reopen) {
  for (int i = 0; i < 50; ++i) append_ok(make_request(numbered("c", i), "import", expected_version::any(), 20));
  ASSERT_TRUE(store->sync());
  EXPECT_EQ(store->head(), position{1000});
  mode = durability::fsync_each_batch;
  reopen();
  EXPECT_EQ(store->head(), position{1000});
  EXPECT_EQ(read_everything().size(), 1000u);
  auto report = store->verify(position{0}, position{0});
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->intact());
}

// Bulk mode keeps the records not yet ingested into the log column family in memory (the tail)
// and ingests them as one file at sync(): reads, streams and verify see one log across both,
// and durable appends after the import continue it.
TEST_F(bulk_test, a_bulk_import_then_durable_appends_make_one_verified_log) {
  std::map<std::string, std::uint64_t> versions;
  for (int i = 0; i < 40; ++i) {
    const std::string stream = numbered("import-", static_cast<std::uint64_t>(i % 4));
    auto r = append_ok(
        make_request(numbered("b", static_cast<std::uint64_t>(i)), stream, expected_version::exact(stream_version{versions[stream]}), 25));
    versions[stream] += 25;
    ASSERT_EQ(r.streams.at(0).last_version.value, versions[stream]);
    if (i == 19) {
      ASSERT_TRUE(store->sync());  // the first half goes into the log column family
    }
  }

  auto check = [&](std::uint64_t expected_head) {
    ASSERT_EQ(store->head().value, expected_head);
    const auto all = read_everything();
    ASSERT_EQ(all.size(), expected_head);
    for (std::size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i].pos.value, i + 1);
    for (const auto& [stream, version] : versions) {
      auto events = store->read_stream(stream, stream_version{1}, read_direction::forward, 100'000);
      ASSERT_TRUE(events) << events.error().message();
      ASSERT_EQ(events->size(), version) << stream;
      for (std::size_t v = 0; v < events->size(); ++v) {
        ASSERT_EQ((*events)[v].version.value, v + 1);
        ASSERT_EQ((*events)[v].stream, stream);
        ASSERT_EQ((*events)[v], all[(*events)[v].pos.value - 1]);
      }
      auto last = store->read_stream(stream, stream_version{UINT64_MAX}, read_direction::backward, 1);
      ASSERT_TRUE(last);
      ASSERT_EQ(last->size(), 1u);
      EXPECT_EQ(last->front().version.value, version);
      EXPECT_EQ(store->stream_head(stream).value().value, version);
    }
    auto report = store->verify(position{0}, position{0});
    ASSERT_TRUE(report) << report.error().message();
    EXPECT_TRUE(report->intact()) << report->problem;
    EXPECT_EQ(report->checked, expected_head);
    EXPECT_EQ(report->head_hash, store->head_hash());
    auto from_middle = store->verify(position{600}, position{0});  // starts in the tail before the second sync
    ASSERT_TRUE(from_middle);
    EXPECT_TRUE(from_middle->intact()) << from_middle->problem;
  };

  // Before the second sync: positions 1..500 in the log, 501..1000 in memory.
  check(1000);
  auto across = store->read_all(position{490}, 20);
  ASSERT_TRUE(across);
  ASSERT_EQ(across->size(), 20u);
  EXPECT_EQ(across->front().pos.value, 490u);
  EXPECT_EQ(across->back().pos.value, 509u);

  ASSERT_TRUE(store->sync());
  check(1000);
  mode = durability::fsync_each_batch;
  reopen();
  check(1000);

  for (int i = 0; i < 20; ++i) {
    const std::string stream = numbered("import-", static_cast<std::uint64_t>(i % 4));
    auto r = append_ok(make_request(numbered("d", static_cast<std::uint64_t>(i)), stream,
                                    expected_version::exact(stream_version{versions[stream]})));
    versions[stream] += 1;
    ASSERT_EQ(r.streams.at(0).last_version.value, versions[stream]);
  }
  check(1020);
  // A version taken during the import is refused, and a bulk command id is still remembered.
  EXPECT_EQ(store->append(make_request("late", "import-0", expected_version::exact(stream_version{100}))).error(),
            errc::wrong_expected_version);
  auto again = store->append(make_request("b7", "import-3", expected_version::exact(stream_version{999})));
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->first.value, 7u * 25 + 1);

  // And a second import on top (the durable appends' records may still be only in the WAL).
  mode = durability::bulk_import_without_fsync;
  reopen();
  for (int i = 0; i < 8; ++i) {
    const std::string stream = numbered("import-", static_cast<std::uint64_t>(i % 4));
    append_ok(make_request(numbered("e", static_cast<std::uint64_t>(i)), stream,
                           expected_version::exact(stream_version{versions[stream]}), 10));
    versions[stream] += 10;
  }
  check(1100);
  ASSERT_TRUE(store->sync());
  check(1100);
}

// Bulk mode ingests a stream's index entries with the log chunk they point into; until then a
// stream read finds the newest versions in the in-memory tail. Pages cross the boundary both
// ways, a page that starts in the tail or past the end is right, and reads while chunks are
// being ingested (sync) never miss or repeat a version.
TEST_F(bulk_test, a_stream_read_in_bulk_mode_merges_the_ingested_versions_and_the_tail) {
  for (int i = 0; i < 10; ++i) {
    append_ok(make_request(numbered("a", static_cast<std::uint64_t>(i)), i % 2 == 0 ? "s" : "other",
                           expected_version::any(), 10));
  }
  ASSERT_TRUE(store->sync());  // s: versions 1..50 ingested
  for (int i = 0; i < 10; ++i) {
    append_ok(make_request(numbered("b", static_cast<std::uint64_t>(i)), i % 2 == 0 ? "s" : "other",
                           expected_version::any(), 10));
  }
  // s: versions 51..100 in the tail.
  auto versions_of = [](const std::vector<recorded_event>& events) {
    std::vector<std::uint64_t> v;
    for (const auto& e : events) v.push_back(e.version.value);
    return v;
  };
  auto range = [](std::uint64_t first, std::uint64_t last) {
    std::vector<std::uint64_t> v;
    if (first <= last) {
      for (std::uint64_t x = first; x <= last; ++x) v.push_back(x);
    } else {
      for (std::uint64_t x = first; x >= last; --x) v.push_back(x);
    }
    return v;
  };
  auto read = [&](std::uint64_t from, read_direction d, std::size_t n) {
    auto r = store->read_stream("s", stream_version{from}, d, n);
    EXPECT_TRUE(r) << r.error().message();
    for (const auto& e : *r) EXPECT_EQ(e.stream, "s");
    return r ? versions_of(*r) : std::vector<std::uint64_t>{};
  };
  auto check_pages = [&] {
    EXPECT_EQ(read(1, read_direction::forward, 1000), range(1, 100));
    EXPECT_EQ(read(45, read_direction::forward, 10), range(45, 54));
    EXPECT_EQ(read(60, read_direction::forward, 5), range(60, 64));
    EXPECT_EQ(read(98, read_direction::forward, 5), range(98, 100));
    EXPECT_EQ(read(101, read_direction::forward, 5), std::vector<std::uint64_t>{});
    EXPECT_EQ(read(55, read_direction::backward, 10), range(55, 46));
    EXPECT_EQ(read(UINT64_MAX, read_direction::backward, 3), range(100, 98));
    EXPECT_EQ(read(40, read_direction::backward, 5), range(40, 36));
    EXPECT_EQ(read(3, read_direction::backward, 10), range(3, 1));
    auto all = store->read_stream("s", stream_version{1}, read_direction::forward, 1000);
    ASSERT_TRUE(all);
    const auto log = read_everything();
    for (const auto& e : *all) EXPECT_EQ(e, log[e.pos.value - 1]);
  };
  check_pages();
  ASSERT_TRUE(store->sync());  // everything ingested
  check_pages();

  // A reader racing the ingestion of each new chunk: every read sees every version acknowledged
  // before it began, once, in order.
  std::atomic<std::uint64_t> acknowledged{100};
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done.load()) {
      const std::uint64_t at_least = acknowledged.load();
      auto r = store->read_stream("s", stream_version{1}, read_direction::forward, 100'000);
      ASSERT_TRUE(r) << r.error().message();
      ASSERT_GE(r->size(), at_least);
      for (std::size_t v = 0; v < r->size(); ++v) ASSERT_EQ((*r)[v].version.value, v + 1);
    }
  });
  for (int i = 0; i < 40; ++i) {
    auto res = append_ok(make_request(numbered("c", static_cast<std::uint64_t>(i)), "s", expected_version::any(), 5));
    acknowledged.store(res.streams.at(0).last_version.value);
    if (i % 4 == 3) {
      EXPECT_TRUE(store->sync());
    }
  }
  done.store(true);
  reader.join();
  EXPECT_EQ(read(1, read_direction::forward, 100'000), range(1, 300));
}

// A stream with durable events before the import: its index entries already in `streams` (in the
// memtable, from the WAL, and flushed), the import's ingested on top of them and the tail's in
// memory; reads, verify and a reopen see one stream.
TEST_F(bulk_test, an_imported_stream_that_had_durable_events_before_reads_as_one_stream) {
  mode = durability::fsync_each_batch;
  reopen();
  for (int i = 0; i < 5; ++i) append_ok(make_request(numbered("d", static_cast<std::uint64_t>(i)), "s", expected_version::any(), 3));
  ASSERT_TRUE(store->sync());  // s: 1..15
  for (int i = 0; i < 5; ++i) append_ok(make_request(numbered("e", static_cast<std::uint64_t>(i)), "s", expected_version::any(), 3));
  // s: 16..30 only in the WAL and the memtable.
  mode = durability::bulk_import_without_fsync;
  reopen();
  for (int i = 0; i < 10; ++i) {
    append_ok(make_request(numbered("f", static_cast<std::uint64_t>(i)), "s", expected_version::any(), 4));
    append_ok(make_request(numbered("g", static_cast<std::uint64_t>(i)), numbered("t", static_cast<std::uint64_t>(i % 3)),
                           expected_version::any(), 2));
  }
  ASSERT_TRUE(store->sync());  // s: 31..70 ingested over the durable entries
  for (int i = 0; i < 5; ++i) append_ok(make_request(numbered("h", static_cast<std::uint64_t>(i)), "s", expected_version::any(), 2));
  // s: 71..80 in the tail.
  auto check = [&] {
    auto events = store->read_stream("s", stream_version{1}, read_direction::forward, 1000);
    ASSERT_TRUE(events) << events.error().message();
    ASSERT_EQ(events->size(), 80u);
    const auto log = read_everything();
    for (std::size_t v = 0; v < events->size(); ++v) {
      ASSERT_EQ((*events)[v].version.value, v + 1);
      ASSERT_EQ((*events)[v], log[(*events)[v].pos.value - 1]);
    }
    auto back = store->read_stream("s", stream_version{35}, read_direction::backward, 10);
    ASSERT_TRUE(back);
    ASSERT_EQ(back->size(), 10u);
    EXPECT_EQ(back->front().version.value, 35u);
    EXPECT_EQ(back->back().version.value, 26u);
    EXPECT_EQ(store->stream_head("s").value().value, 80u);
    auto report = store->verify(position{0}, position{0});
    ASSERT_TRUE(report) << report.error().message();
    EXPECT_TRUE(report->intact()) << report->problem;
  };
  check();
  ASSERT_TRUE(store->sync());
  check();
  mode = durability::fsync_each_batch;
  reopen();
  check();
}

// A subscriber of a bulk import reads the ingested part from the log and the rest from the tail,
// then follows the import live: one gapless sequence, the same events read_all returns.
TEST_F(bulk_test, a_subscriber_follows_a_bulk_import_across_the_ingested_part_and_the_tail) {
  for (int i = 0; i < 10; ++i) append_ok(make_request(numbered("a", static_cast<std::uint64_t>(i)), "first", expected_version::any(), 30));
  ASSERT_TRUE(store->sync());
  for (int i = 0; i < 10; ++i) append_ok(make_request(numbered("b", static_cast<std::uint64_t>(i)), "second", expected_version::any(), 30));
  std::mutex mutex;
  std::condition_variable arrived;
  std::vector<recorded_event> seen;
  auto sub = store->subscribe(subscribe_options{position{0}, 64}, [&](std::span<const recorded_event> batch) {
    std::lock_guard lock(mutex);
    seen.insert(seen.end(), batch.begin(), batch.end());
    arrived.notify_all();
    return true;
  });
  for (int i = 0; i < 10; ++i) append_ok(make_request(numbered("c", static_cast<std::uint64_t>(i)), "third", expected_version::any(), 30));
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(arrived.wait_for(lock, std::chrono::seconds(30), [&] { return seen.size() >= 900; }));
  }
  sub->stop();
  const auto all = read_everything();
  ASSERT_EQ(all.size(), 900u);
  std::lock_guard lock(mutex);
  ASSERT_EQ(seen.size(), 900u);
  EXPECT_EQ(seen, all);
}

using closed_test = store_test;

TEST_F(closed_test, everything_reports_closed_after_close) {
  append_ok(make_request("c1", "org-1"));
  store->close();
  store->close();  // idempotent
  EXPECT_EQ(store->append(make_request("c2", "org-1")).error(), errc::closed);
  EXPECT_EQ(store->append_detailed(make_request("c2", "org-1")).error().code, errc::closed);
  std::optional<std::error_code> async_error;
  store->append_async(make_request("c3", "org-1"), [&](result<append_result> r) { async_error = r.error(); });
  EXPECT_EQ(async_error, make_error_code(errc::closed));
  EXPECT_EQ(store->read_all(position{1}, 10).error(), errc::closed);
  EXPECT_EQ(store->read_stream("org-1", stream_version{1}, read_direction::forward, 10).error(), errc::closed);
  EXPECT_EQ(store->stream_head("org-1").error(), errc::closed);
  EXPECT_EQ(store->verify(position{0}, position{0}).error(), errc::closed);
  EXPECT_EQ(store->commit_consumer({"c", position{1}, {}, {}}).error(), errc::closed);
  EXPECT_EQ(store->consumer_get("c", "k").error(), errc::closed);
  EXPECT_EQ(store->sync().error(), errc::closed);
  EXPECT_EQ(store->head(), position{1});
}

TEST_F(closed_test, close_completes_appends_already_queued) {
  constexpr int n = 200;
  std::atomic<int> ok{0};
  std::atomic<int> refused{0};
  std::latch all_done(n);
  for (int i = 0; i < n; ++i) {
    store->append_async(make_request(numbered("c", i), "s"), [&](result<append_result> r) {
      (r ? ok : refused).fetch_add(1);
      all_done.count_down();
    });
  }
  store->close();
  all_done.wait();
  EXPECT_EQ(ok.load(), n);
  EXPECT_EQ(refused.load(), 0);
  reopen();
  EXPECT_EQ(store->head(), position{n});
}

TEST(open_test, refuses_invalid_options) {
  options o;
  EXPECT_EQ(event_store::open(o).error(), errc::invalid_argument);
  gongjian::testing::temp_dir dir;
  o.directory = dir.path();
  o.max_batch_requests = 0;
  EXPECT_EQ(event_store::open(o).error(), errc::invalid_argument);
}

// Another process's hold is the server's end-to-end test (OtherCommandsRefuseTheDirectoryOfA...).
TEST(open_test, a_second_open_of_the_same_directory_fails_with_in_use_until_the_first_closes) {
  gongjian::testing::temp_dir dir;
  options o;
  o.directory = dir.path();
  auto first = event_store::open(o);
  ASSERT_TRUE(first);
  auto second = event_store::open(o);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error(), errc::in_use);
  EXPECT_EQ(second.error().message(), "event store already open in another process or store object");
  (*first)->close();
  auto third = event_store::open(o);
  ASSERT_TRUE(third) << third.error().message();
}

}  // namespace
}  // namespace gongjian::eventstore::test
