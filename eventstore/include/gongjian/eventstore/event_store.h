#pragma once
// The durable, tamper-evident event log (see eventstore/README.md and DESIGN.md "The event log").
//
// Threading: every public member function is thread-safe. Appends from any number of threads are
// queued to one writer thread, which groups them into one RocksDB write batch and one WAL fsync
// (group commit) and only then completes them. Subscriptions deliver on their own thread each.
// Implementation types (RocksDB) do not appear here.

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "gongjian/domain/result.h"
#include "gongjian/eventstore/errc.h"
#include "gongjian/eventstore/types.h"

namespace gongjian::eventstore {

enum class durability : std::uint8_t {
  // Every append is acknowledged only after its write batch's WAL is fsynced. The default.
  fsync_each_batch,
  // Bulk import: an append is acknowledged once it is readable, without any fsync: the log's
  // records are kept in memory and ingested as SST files of 64 MiB, derived data is written
  // without the WAL; sync() (and close) ingest the rest and flush everything to synced files
  // before reporting done. A crash loses what no sync() covered, never more, and leaves a gapless
  // log (eventstore/README.md). Only ever chosen by name, for imports; logged loudly when opened
  // this way.
  bulk_import_without_fsync,
};

struct options {
  std::filesystem::path directory;
  durability mode = durability::fsync_each_batch;
  // Most appends the writer groups into one batch and one fsync.
  std::size_t max_batch_requests = 4096;
  // Recently committed events kept in memory so live subscribers need not read the disk.
  std::size_t live_buffer_events = 65536;
  // RocksDB block cache for reads, in bytes.
  std::size_t block_cache_bytes = 256u << 20;
  // Between begin_consumer_rebuild and end_consumer_rebuild, a commit whose puts hold at least
  // this many bytes is written as a table file and ingested instead of through a memtable.
  std::size_t rebuild_ingest_bytes = 8u << 20;
  // Durable mode: size of each zero-filled, synced file kept ready in the directory for RocksDB's
  // next write-ahead log (two at most, made once the current WAL has taken a quarter of this), so
  // that the syncer's fdatasyncs overwrite written blocks instead of growing the file, which also
  // makes them write its metadata (src/prewritten_wal.h). 0: none (each WAL grows as it is written).
  std::uint64_t wal_spare_bytes = 64u << 20;
  // The memtable of the `log` column family. RocksDB starts a new WAL whenever a memtable fills,
  // so this is also about how much log a WAL holds.
  std::size_t log_memtable_bytes = 64u << 20;
  // Opens the store for reading only (RocksDB's read-only mode): nothing in the directory is
  // created, changed or deleted, and reads see the store as it was when it was opened. Appends,
  // consumer commits and sync() fail with errc::read_only; open fails with errc::not_found where
  // there is no store, and with errc::invalid_argument in bulk mode (what an import synced is read
  // in the default mode). For a store no process is writing: beside a writer, the WAL it is
  // appending to may be read half written. `gongjian verify` opens the log this way (after
  // checking that no other process holds the store), so that checking it changes nothing.
  bool read_only = false;
};

// A live or catching-up reader of the global log. Destroying it (or stop()) ends delivery; the
// handler is never called after stop() returns.
class subscription {
 public:
  virtual ~subscription() = default;
  virtual void stop() = 0;
  // Position of the last event handed to the handler (0 before the first).
  virtual position last_delivered() const = 0;
  // True while the subscription reads from disk (catch-up), false when it is fed live.
  virtual bool catching_up() const = 0;
  // Why the subscription ended on its own (the log could not be read), empty otherwise.
  virtual std::error_code error() const { return {}; }
};

struct subscribe_options {
  // Deliver events with position > after.
  position after;
  // Most events handed to the handler in one call.
  std::size_t max_batch = 1024;
};

// Called on the subscription's own thread with consecutive events, in order, never with a gap or a
// repeat. Return false to stop the subscription.
using batch_handler = std::function<bool(std::span<const recorded_event>)>;

// State a consumer (a projection) keeps in the store, written atomically with its checkpoint.
struct consumer_commit {
  std::string consumer;  // the consumer's name, e.g. "indicators"
  position checkpoint;   // the last log position this state reflects
  std::vector<std::pair<std::string, std::string>> puts;  // key -> value within the consumer
  std::vector<std::string> deletes;                        // keys within the consumer
};

class event_store {
 public:
  virtual ~event_store() = default;

  static result<std::unique_ptr<event_store>> open(const options& opts);

  // Appends atomically across the request's streams. Completes only once durable (per the
  // store's durability mode). Errors: wrong_expected_version (nothing written; message names the
  // stream and its current version), invalid_argument, io_error, closed.
  virtual result<append_result> append(append_request request) = 0;

  // The same, without blocking: `done` runs on the store's syncer thread once the batch is durable. It
  // must not block (every other append waits behind it); on a closed store it runs at once, on
  // the caller's thread, with errc::closed.
  virtual void append_async(append_request request, std::function<void(result<append_result>)> done) = 0;

  // append/append_async with the error's detail (for a conflict: the stream and its current
  // version) instead of a bare code. The defaults only carry the code's own message; the RocksDB
  // store overrides both.
  virtual result<append_result, append_error> append_detailed(append_request request) {
    auto r = append(std::move(request));
    if (r) return std::move(r).value();
    return failure(append_error{r.error(), r.error().message(), {}, {}});
  }
  virtual void append_async_detailed(append_request request,
                                     std::function<void(result<append_result, append_error>)> done) {
    append_async(std::move(request), [done = std::move(done)](result<append_result> r) {
      if (r) {
        done(std::move(r).value());
      } else {
        done(failure(append_error{r.error(), r.error().message(), {}, {}}));
      }
    });
  }

  // Current version of a stream (0 if it does not exist).
  virtual result<stream_version> stream_head(std::string_view stream) const = 0;

  // Up to max_count events of one stream starting at `from` (inclusive) going in `direction`.
  // For backward reads, from = stream_version{UINT64_MAX} starts at the end.
  virtual result<std::vector<recorded_event>> read_stream(std::string_view stream, stream_version from,
                                                          read_direction direction, std::size_t max_count) const = 0;

  // Up to max_count events of the global log with position >= from, in order.
  virtual result<std::vector<recorded_event>> read_all(position from, std::size_t max_count) const = 0;

  // Highest committed position (0 when the log is empty).
  virtual position head() const = 0;

  // Hash of the event at the head (all zeros when empty).
  virtual sha256_digest head_hash() const = 0;

  // Catch up from disk from opts.after, then switch to live delivery without gap or duplicate. A
  // subscriber slower than the live buffer is moved back to catch-up, never dropped.
  virtual std::unique_ptr<subscription> subscribe(subscribe_options opts, batch_handler handler) = 0;

  // Recompute CRCs and the hash chain for positions [from, to] (to = 0: up to the head). A range
  // past the head (from > head + 1, or to > head) is errc::invalid_argument.
  virtual result<verify_report> verify(position from, position to) const = 0;

  // Consumer state and checkpoints (projections), in one atomic write. Not synced by itself:
  // durable with the next append's sync or at close; a crash may lose the newest commits (whole,
  // and in order), so a consumer must be able to apply again from an earlier checkpoint.
  virtual result<void> commit_consumer(const consumer_commit& commit) = 0;
  virtual result<std::optional<position>> consumer_checkpoint(std::string_view consumer) const = 0;
  virtual result<std::optional<std::string>> consumer_get(std::string_view consumer, std::string_view key) const = 0;
  // Visits the consumer's keys >= start in order (or <= start, backward) until `visit` returns false.
  virtual result<void> consumer_scan(std::string_view consumer, std::string_view start, read_direction direction,
                                     const std::function<bool(std::string_view key, std::string_view value)>& visit) const = 0;
  // Removes all of a consumer's state and its checkpoint (before a rebuild).
  virtual result<void> consumer_reset(std::string_view consumer) = 0;

  // Rebuild write settings for a consumer's commits, from begin to end: a rebuild writes its whole
  // state again, in a few large commits, with nobody reading it. Until `end_consumer_rebuild`,
  // that consumer's commits skip the WAL and the consumers' column family writes uncompressed
  // files and runs no automatic compaction. A crash in between loses the commits no memtable
  // flush has written yet; since every one of the consumer's commits in between is unlogged and a
  // flush writes a whole memtable (and memtables are flushed in order), what survives is the
  // state of some earlier commit, whole, with its checkpoint (or what preceded `begin`). `end`
  // flushes them to synced files, puts the live settings back and returns once the commits are
  // durable. Call them around consumer_reset's replay with nobody else committing for that
  // consumer. A store that has no such settings does nothing (the defaults).
  virtual result<void> begin_consumer_rebuild(std::string_view consumer) {
    (void)consumer;
    return {};
  }
  virtual result<void> end_consumer_rebuild(std::string_view consumer) {
    (void)consumer;
    return {};
  }

  // Waits until the store's background work is done: no memtable flush and no compaction pending
  // or running. After a rebuild (end_consumer_rebuild) the store compacts what it wrote in the
  // background, and reads meanwhile compete with that compaction for the disk and the cores; call
  // this before timing them, or before handing the store to readers when that matters. Returns at
  // once when there is nothing to do. Errors: closed (the store is closed, or closes meanwhile),
  // io_error (a background flush or compaction failed meanwhile). A store without background work
  // returns at once (the default).
  virtual result<void> await_background_work() { return {}; }

  // Makes everything written so far durable (needed after bulk_import_without_fsync).
  virtual result<void> sync() = 0;

  // Stops accepting appends, completes those queued, stops subscriptions, flushes. Idempotent.
  virtual void close() = 0;

  // Why the store stopped writing, once a write to the disk failed (no space left on device, an
  // I/O error): e.g. "writing an append batch: IO error: No space left on device: ...". From then
  // on every write (append, consumer commit, sync) is refused with io_error, since what the failed
  // write left on the disk is unknown; reads go on up to the head. Reopening the store, once the
  // cause is fixed, recovers every acknowledged event. nullopt while the store writes.
  virtual std::optional<std::string> write_failure() const { return std::nullopt; }
};

}  // namespace gongjian::eventstore
