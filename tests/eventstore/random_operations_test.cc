// The store and an in-memory model driven side by side with random operations (thousands, from
// several threads, reopening in between); every read is compared with the model.
//
// Sequential phases predict each outcome exactly (success, conflict with the current version,
// duplicate) before comparing. Concurrent phases cannot know the order in advance, so each thread
// records what it asked and what it got, and the model replays the successes in log order and
// checks that every outcome is consistent with that order.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "store_fixture.h"

namespace gongjian::eventstore::test {
namespace {

struct model {
  std::vector<recorded_event> log;                            // index = position - 1 (hash not modelled)
  std::map<std::string, std::vector<std::uint64_t>> streams;  // stream -> positions, index = version - 1
  std::map<std::string, append_result> commands;

  std::uint64_t version_of(const std::string& stream) const {
    auto it = streams.find(stream);
    return it == streams.end() ? 0 : it->second.size();
  }

  // Applies an accepted request at the model's head; returns its result.
  append_result apply(const append_request& r) {
    append_result res;
    res.first = position{log.size() + 1};
    for (const auto& w : r.writes) {
      auto& positions = streams[w.stream];
      for (const auto& e : w.events) {
        recorded_event ev;
        ev.pos = position{log.size() + 1};
        ev.stream = w.stream;
        ev.version = stream_version{positions.size() + 1};
        ev.type = e.type;
        ev.schema_version = e.schema_version;
        ev.metadata = r.metadata;
        ev.command_id = r.command_id;
        ev.payload = e.payload;
        positions.push_back(ev.pos.value);
        log.push_back(std::move(ev));
      }
      res.streams.push_back(stream_outcome{w.stream, stream_version{positions.size()}});
    }
    res.last = position{log.size()};
    commands[r.command_id] = res;
    return res;
  }

  // The first write whose expectation fails against the model, if any.
  std::optional<std::pair<std::string, std::uint64_t>> conflict(const append_request& r) const {
    for (const auto& w : r.writes) {
      const auto current = version_of(w.stream);
      if (!w.expected.admits(stream_version{current})) return std::make_pair(w.stream, current);
    }
    return std::nullopt;
  }
};

bool same_event(const recorded_event& stored, const recorded_event& modelled) {
  recorded_event a = stored;
  a.hash = {};
  return a == modelled;
}

class random_operations_test : public store_test {
 protected:
  static constexpr int stream_count = 6;

  append_request random_request(std::mt19937_64& rng, std::vector<std::string>& my_commands, const std::string& tag,
                                const std::function<std::uint64_t(const std::string&)>& current_version) {
    append_request r;
    if (!my_commands.empty() && rng() % 7 == 0) {
      r.command_id = my_commands[rng() % my_commands.size()];  // a retry
    } else {
      r.command_id = numbered(tag + "-", next_command_++);
      my_commands.push_back(r.command_id);
    }
    r.metadata = make_metadata(static_cast<std::int64_t>(rng() % 1'000'000));
    r.metadata.by.user = numbered("user-", rng() % 5);
    const int writes = 1 + static_cast<int>(rng() % 2);
    const auto first_stream = rng() % stream_count;
    for (int w = 0; w < writes; ++w) {
      stream_write sw;
      sw.stream = numbered("stream-", (first_stream + static_cast<std::uint64_t>(w)) % stream_count);
      switch (rng() % 7) {
        case 0: case 1: case 2: sw.expected = expected_version::any(); break;
        case 3: sw.expected = expected_version::no_stream(); break;
        case 4: case 5: sw.expected = expected_version::exact(stream_version{current_version(sw.stream)}); break;
        default: sw.expected = expected_version::exact(stream_version{rng() % 40}); break;
      }
      const int events = 1 + static_cast<int>(rng() % 3);
      for (int e = 0; e < events; ++e) {
        std::string payload(rng() % 300, '\0');
        for (auto& c : payload) c = static_cast<char>(rng());
        sw.events.push_back(make_event(numbered("type-", rng() % 4), std::move(payload),
                                       static_cast<std::uint16_t>(1 + rng() % 3)));
      }
      r.writes.push_back(std::move(sw));
    }
    return r;
  }

  // Reads that must match the model exactly (the store is quiescent or driven by this thread only).
  void compare_random_reads(std::mt19937_64& rng) {
    const std::string stream = numbered("stream-", rng() % stream_count);
    const auto& positions = the_model.streams[stream];
    const std::size_t page = 1 + rng() % 10;
    if (rng() % 2 == 0) {
      const std::uint64_t from = rng() % (positions.size() + 2);
      auto got = store->read_stream(stream, stream_version{from}, read_direction::forward, page);
      ASSERT_TRUE(got);
      std::vector<recorded_event> want;
      for (std::uint64_t v = std::max<std::uint64_t>(from, 1); v <= positions.size() && want.size() < page; ++v) {
        want.push_back(the_model.log[positions[v - 1] - 1]);
      }
      ASSERT_EQ(got->size(), want.size());
      for (std::size_t i = 0; i < want.size(); ++i) ASSERT_TRUE(same_event((*got)[i], want[i]));
    } else {
      const std::uint64_t from = rng() % 3 == 0 ? UINT64_MAX : rng() % (positions.size() + 2);
      auto got = store->read_stream(stream, stream_version{from}, read_direction::backward, page);
      ASSERT_TRUE(got);
      std::vector<recorded_event> want;
      for (std::uint64_t v = std::min<std::uint64_t>(from, positions.size()); v >= 1 && want.size() < page; --v) {
        want.push_back(the_model.log[positions[v - 1] - 1]);
      }
      ASSERT_EQ(got->size(), want.size());
      for (std::size_t i = 0; i < want.size(); ++i) ASSERT_TRUE(same_event((*got)[i], want[i]));
    }
    const std::uint64_t from = rng() % (the_model.log.size() + 2);
    auto all = store->read_all(position{from}, page);
    ASSERT_TRUE(all);
    const std::uint64_t start = std::max<std::uint64_t>(from, 1);
    const std::size_t expected = start > the_model.log.size() ? 0 : std::min<std::size_t>(page, the_model.log.size() - start + 1);
    ASSERT_EQ(all->size(), expected);
    for (std::size_t i = 0; i < expected; ++i) ASSERT_TRUE(same_event((*all)[i], the_model.log[start - 1 + i]));
    ASSERT_EQ(store->stream_head(stream).value(), stream_version{positions.size()});
  }

  void compare_everything() {
    ASSERT_EQ(store->head(), position{the_model.log.size()});
    auto all = read_everything();
    ASSERT_EQ(all.size(), the_model.log.size());
    for (std::size_t i = 0; i < all.size(); ++i) ASSERT_TRUE(same_event(all[i], the_model.log[i])) << "position " << i + 1;
    for (const auto& [stream, positions] : the_model.streams) {
      ASSERT_EQ(store->stream_head(stream).value(), stream_version{positions.size()});
      std::vector<std::uint64_t> forward;
      for (stream_version from{1};;) {
        auto page = store->read_stream(stream, from, read_direction::forward, 17);
        ASSERT_TRUE(page);
        if (page->empty()) break;
        for (const auto& e : *page) forward.push_back(e.pos.value);
        from = stream_version{page->back().version.value + 1};
      }
      ASSERT_EQ(forward, positions) << stream;
      std::vector<std::uint64_t> backward;
      for (stream_version from{UINT64_MAX};;) {
        auto page = store->read_stream(stream, from, read_direction::backward, 13);
        ASSERT_TRUE(page);
        if (page->empty()) break;
        for (const auto& e : *page) backward.push_back(e.pos.value);
        from = stream_version{page->back().version.value - 1};
        if (from.value == 0) break;
      }
      std::reverse(backward.begin(), backward.end());
      ASSERT_EQ(backward, positions) << stream;
    }
    auto report = store->verify(position{0}, position{0});
    ASSERT_TRUE(report);
    ASSERT_TRUE(report->intact()) << report->problem;
    ASSERT_EQ(report->checked, the_model.log.size());
    ASSERT_EQ(report->head_hash, store->head_hash());
  }

  void sequential_phase(std::uint64_t seed, int operations) {
    std::mt19937_64 rng(seed);
    std::vector<std::string> my_commands;
    for (int op = 0; op < operations; ++op) {
      if (rng() % 5 == 0) {
        ASSERT_NO_FATAL_FAILURE(compare_random_reads(rng));
        continue;
      }
      auto request = random_request(rng, my_commands, numbered("seq", seed),
                                    [&](const std::string& s) { return the_model.version_of(s); });
      auto got = store->append_detailed(request);
      if (auto it = the_model.commands.find(request.command_id); it != the_model.commands.end()) {
        ASSERT_TRUE(got) << got.error().message;
        append_result want = it->second;
        want.duplicate = true;
        ASSERT_EQ(*got, want);
      } else if (auto conflict = the_model.conflict(request)) {
        ASSERT_FALSE(got);
        ASSERT_EQ(got.error().code, errc::wrong_expected_version);
        ASSERT_EQ(got.error().stream, conflict->first);
        ASSERT_EQ(got.error().current, stream_version{conflict->second});
      } else {
        ASSERT_TRUE(got) << got.error().message;
        ASSERT_EQ(*got, the_model.apply(request));
      }
    }
  }

  struct observed {
    append_request request;
    std::optional<append_result> result;
    std::optional<append_error> error;
  };

  void concurrent_phase(std::uint64_t seed, int threads, int operations_per_thread) {
    std::vector<std::vector<observed>> seen(static_cast<std::size_t>(threads));
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        std::mt19937_64 rng(seed * 100 + static_cast<std::uint64_t>(t));
        std::vector<std::string> my_commands;
        auto& mine = seen[static_cast<std::size_t>(t)];
        for (int op = 0; op < operations_per_thread; ++op) {
          if (rng() % 6 == 0) {
            // Reads racing with appends: each page must still be consecutive and well formed.
            const std::string stream = numbered("stream-", rng() % stream_count);
            auto page = store->read_stream(stream, stream_version{1 + rng() % 20}, read_direction::forward, 8);
            EXPECT_TRUE(page);
            if (page) {
              for (std::size_t i = 1; i < page->size(); ++i) {
                EXPECT_EQ((*page)[i].version.value, (*page)[i - 1].version.value + 1);
                EXPECT_GT((*page)[i].pos, (*page)[i - 1].pos);
              }
            }
            continue;
          }
          std::string tag = numbered(numbered("con", seed) + "t", static_cast<std::uint64_t>(t));
          auto request = random_request(rng, my_commands, tag, [&](const std::string& s) {
            auto h = store->stream_head(s);
            return h ? h->value : 0;
          });
          auto got = store->append_detailed(request);
          observed o{std::move(request), {}, {}};
          if (got) {
            o.result = *got;
          } else {
            o.error = got.error();
          }
          mine.push_back(std::move(o));
        }
      });
    }
    for (auto& w : workers) w.join();

    // Replay the successes in the order the log gave them.
    std::vector<const observed*> successes;
    for (const auto& per_thread : seen) {
      for (const auto& o : per_thread) {
        if (o.result && !o.result->duplicate) successes.push_back(&o);
      }
    }
    std::sort(successes.begin(), successes.end(),
              [](const observed* a, const observed* b) { return a->result->first < b->result->first; });
    for (const auto* o : successes) {
      ASSERT_FALSE(the_model.commands.contains(o->request.command_id)) << "command committed twice";
      ASSERT_FALSE(the_model.conflict(o->request)) << "a write was accepted against the wrong version";
      ASSERT_EQ(*o->result, the_model.apply(o->request));
    }
    for (const auto& per_thread : seen) {
      for (const auto& o : per_thread) {
        if (o.result && o.result->duplicate) {
          append_result want = the_model.commands.at(o.request.command_id);
          want.duplicate = true;
          ASSERT_EQ(*o.result, want);
        } else if (o.error) {
          ASSERT_EQ(o.error->code, errc::wrong_expected_version) << o.error->message;
          // The conflicting stream must really have been at another version than expected.
          const auto& write = *std::find_if(o.request.writes.begin(), o.request.writes.end(),
                                            [&](const stream_write& w) { return w.stream == o.error->stream; });
          ASSERT_FALSE(write.expected.admits(o.error->current));
        }
      }
    }
  }

  model the_model;
  std::uint64_t next_command_ = 0;
};

TEST_F(random_operations_test, store_matches_the_model_through_threads_and_reopens) {
  constexpr int phases = 8;
  for (int phase = 0; phase < phases; ++phase) {
    SCOPED_TRACE("phase " + std::to_string(phase));
    if (phase % 2 == 0) {
      ASSERT_NO_FATAL_FAILURE(sequential_phase(static_cast<std::uint64_t>(phase + 1), 600));
    } else {
      ASSERT_NO_FATAL_FAILURE(concurrent_phase(static_cast<std::uint64_t>(phase + 1), 4, 300));
    }
    ASSERT_NO_FATAL_FAILURE(compare_everything());
    reopen();
    ASSERT_NO_FATAL_FAILURE(compare_everything());
  }
  std::printf("model holds %zu events in %zu streams after %zu commands\n", the_model.log.size(),
              the_model.streams.size(), the_model.commands.size());
}

}  // namespace
}  // namespace gongjian::eventstore::test
