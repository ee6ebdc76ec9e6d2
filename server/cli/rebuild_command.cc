// gongjian rebuild: drops the projections' persisted state and checkpoint (consumer_reset) and
// replays the whole log from position 1 into fresh projections, checkpointing as it goes; prints
// how many events it applied and how fast, then waits for the store's compaction of the rebuilt
// state (reported apart, so the rebuild rate stays comparable). Run it with the server stopped:
// the server's runner uses the same consumer.
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

#include "commands.h"
#include "gongjian/eventstore/event_store.h"
#include "gongjian/projections/runner.h"
#include "store_lock.h"

namespace gongjian::cli {
namespace {

void print_rebuild_usage(std::FILE* out) {
  std::fputs(
      "usage: gongjian rebuild --data DIR [--consumer NAME] [--checkpoint-every N] [--snapshot-every K]\n"
      "                        [--no-compaction-wait]\n"
      "\n"
      "Rebuilds every projection (indicators, rankings, ledger, audit index, workflow state,\n"
      "as-of snapshots) from the event log: the persisted projection state is dropped and the\n"
      "log is replayed from position 1. Prints events applied and events/s, then waits for the\n"
      "store to compact the rebuilt state and prints how long that took. Stop the server first:\n"
      "a store another process has open is refused (exit 3, naming that process).\n"
      "\n"
      "  --data DIR            the event store directory\n"
      "  --consumer NAME       the projections' consumer name (default: projections)\n"
      "  --checkpoint-every N  persist state + checkpoint every N events (default 500000)\n"
      "  --snapshot-every K    store an as-of snapshot every K events (default 1000000, 0 = none)\n"
      "  --no-compaction-wait  exit without waiting for the compaction; it then runs the next time\n"
      "                        the store is opened (e.g. by the server, whose first as-of queries\n"
      "                        compete with it)\n",
      out);
}

int usage_error(const char* why) {
  std::fprintf(stderr, "gongjian rebuild: %s\n\n", why);
  print_rebuild_usage(stderr);
  return 2;
}

bool parse_count(std::string_view text, std::uint64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size() && !text.empty();
}

}  // namespace

int rebuild_command(int argc, char** argv) {
  std::string data;
  projections::runner_options options;
  // Fewer, larger checkpoints: every node, the workflow record and each audit posting's value are
  // written once per checkpoint, and the store's write path (memtable, WAL, flush, compaction) is
  // most of a rebuild's CPU. 500,000 instead of 100,000 events: 20% less CPU and 127,000 instead
  // of 96,000 events/s on the default demo log (median of 3 pairs, load 4.4), for about 200 MB
  // more peak RSS (the buffered audit lines and the larger commit); a crash redoes at most that many.
  options.checkpoint_every_events = 500000;
  options.checkpoint_every = std::chrono::hours(24);  // during a rebuild only the count matters
  options.snapshot_every_events = 1000000;
  bool wait_for_compaction = true;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      print_rebuild_usage(stdout);
      return 0;
    }
    if (flag == "--no-compaction-wait") {
      wait_for_compaction = false;
      continue;
    }
    if (flag != "--data" && flag != "--consumer" && flag != "--checkpoint-every" && flag != "--snapshot-every")
      return usage_error("unknown option");
    if (i + 1 >= argc) return usage_error("option needs a value");
    std::string_view value = argv[++i];
    if (flag == "--data") {
      data = value;
    } else if (flag == "--consumer") {
      options.consumer = value;
    } else if (!parse_count(value, flag == "--checkpoint-every" ? options.checkpoint_every_events
                                                                : options.snapshot_every_events)) {
      return usage_error("counts are non-negative integers");
    }
  }
  if (data.empty()) return usage_error("--data DIR is required");
  if (options.consumer.empty()) return usage_error("--consumer must not be empty");
  if (options.checkpoint_every_events == 0) return usage_error("--checkpoint-every must be at least 1");

  // Opening creates a store where there is none; a rebuild must not.
  std::error_code fs_error;
  if (!std::filesystem::exists(std::filesystem::path(data) / "CURRENT", fs_error)) {
    std::fprintf(stderr, "gongjian rebuild: no event store in %s\n", data.c_str());
    return 1;
  }
  eventstore::options store_options;
  store_options.directory = data;
  auto store = eventstore::event_store::open(store_options);
  if (!store && store.error() == eventstore::errc::in_use) {
    std::fprintf(stderr, "gongjian rebuild: the event store in %s is open in %s; stop the server first\n", data.c_str(),
                 find_store_holder(data).describe().c_str());
    return 3;
  }
  if (!store) {
    std::fprintf(stderr, "gongjian rebuild: cannot open %s: %s\n", data.c_str(), store.error().message().c_str());
    return 1;
  }
  projections::projection_runner runner(**store, options);
  auto report = runner.rebuild();
  if (!report) {
    // A full disk, say: the store's account of the failed write, not just "I/O error".
    const auto why = (*store)->write_failure();
    std::fprintf(stderr, "gongjian rebuild: failed: %s\n", why ? why->c_str() : report.error().message().c_str());
    (*store)->close();
    return 1;
  }
  const auto failures = runner.decode_failures();
  const auto anomalies = runner.read([](const projections::projection_state& s, const projections::keyed_state&) {
    return s.model().anomalies();
  });
  const double seconds = std::chrono::duration<double>(report->elapsed).count();
  std::printf("rebuilt projections '%s' from %llu events in %.3f s: %.0f events/s\n", options.consumer.c_str(),
              static_cast<unsigned long long>(report->events), seconds, report->events_per_second());
  if (wait_for_compaction) {
    // The rebuild wrote the state with automatic compactions off; the store compacts it now, in
    // the background. Waiting here leaves the store compacted for the server's first reads.
    std::fflush(stdout);
    const auto started = std::chrono::steady_clock::now();
    auto waited = (*store)->await_background_work();
    const double compacted = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!waited) {
      std::fprintf(stderr, "gongjian rebuild: waiting for the compaction failed: %s\n",
                   waited.error().message().c_str());
      (*store)->close();
      return 1;
    }
    std::printf("  state compacted in %.3f s\n", compacted);
  }
  (*store)->close();
  if (failures != 0 || anomalies != 0) {
    std::printf("  %llu events could not be decoded, %llu could not be placed (see the log)\n",
                static_cast<unsigned long long>(failures), static_cast<unsigned long long>(anomalies));
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace gongjian::cli
