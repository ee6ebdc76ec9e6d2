#pragma once
// The event store on RocksDB (the DBImpl behind event_store.h's DB). Column families and key
// layouts: keys.h. Record format: record_format.cc.
//
// Threads:
// - callers of append/append_async enqueue requests under queue_mutex_ and (for append) wait;
// - one writer thread (writer_loop) owns everything under "writer thread only": it drains the
//   queue, validates (stream heads from memory, command ids with one MultiGet of `commands`),
//   assigns positions, and writes one WriteBatch holding the `log` records, the meta head and the
//   batch's derived data, WITHOUT waiting for its fsync; then hands the batch to the syncer;
// - one syncer thread (syncer_loop) takes every batch written so far, calls SyncWAL once (it
//   begins after all their writes returned), and only then publishes: the head readers are
//   bounded by, the live buffer, the callbacks. So the writer builds batch k+1 while the disk
//   syncs batch k, and nothing is acknowledged or visible before it is durable. Each batch's
//   derived data (stream index, stream heads, command results, the meta `derived` marker) is in
//   the writer's WriteBatch with its records: one write, one WAL record, atomic with them;
// - readers (read_stream, read_all, verify, consumer_*) run on the caller's thread under a shared
//   lock of lifetime_mutex_, which close() takes exclusively before it destroys the DB; they
//   take the published head first and never look past it (a stream index entry, or a stream
//   head, whose position is past it is not published yet), never trusting the newest memtable
//   state, which may hold written but not yet synced batches (bulk mode: at the published
//   snapshot). No RocksDB snapshot in durable mode: one released per group made RocksDB 7.8.3
//   rewrite each flushed file at the bottom of its column family to zero its sequence numbers;
// - each subscription has its own thread (subscription_impl.h).
//
// Bulk mode (bulk_import_without_fsync) writes the `log` column family differently: the writer
// encodes each batch's records into a log_segment instead of a WriteBatch; the syncer, with
// nothing to sync, writes the stream heads and command ids (no WAL; not the stream index), takes
// a read snapshot, publishes the segments as the in-memory log tail (readers take positions past
// the last ingested one from it), hands them to the ingester thread and completes the callbacks. The ingester (ingester_loop) appends the records to an SstFileWriter; every
// 64 MiB, and when sync() or close() asks, it finishes that file, writes the chunk's stream index
// entries (sorted) to a second file and ingests both, into `log` and `streams`, in one atomic
// IngestExternalFiles (RocksDB fsyncs them and their MANIFEST entry), writes the meta head of what is ingested, and drops
// those segments from the tail. So the log never passes through a memtable, a flush or a
// compaction, and the file is written beside the writer and the syncer, not in their way;
// start() repairs what a crash left (purge_derived_past).

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/write_batch.h>

#include "gongjian/eventstore/event_store.h"
#include "info_log.h"
#include "live_buffer.h"
#include "prewritten_wal.h"
#include "sha256.h"
#include "subscription_impl.h"

namespace gongjian::eventstore {

class rocks_event_store final : public event_store {
 public:
  explicit rocks_event_store(const options& opts);
  ~rocks_event_store() override;

  // Opens (or creates) the database and recovers the head; called once by event_store::open.
  std::error_code start();

  result<append_result> append(append_request request) override;
  void append_async(append_request request, std::function<void(result<append_result>)> done) override;
  result<append_result, append_error> append_detailed(append_request request) override;
  void append_async_detailed(append_request request,
                             std::function<void(result<append_result, append_error>)> done) override;

  result<stream_version> stream_head(std::string_view stream) const override;
  result<std::vector<recorded_event>> read_stream(std::string_view stream, stream_version from,
                                                  read_direction direction, std::size_t max_count) const override;
  result<std::vector<recorded_event>> read_all(position from, std::size_t max_count) const override;
  position head() const override { return position{head_.load(std::memory_order_acquire)}; }
  sha256_digest head_hash() const override;

  std::unique_ptr<subscription> subscribe(subscribe_options opts, batch_handler handler) override;

  result<verify_report> verify(position from, position to) const override;

  result<void> commit_consumer(const consumer_commit& commit) override;
  result<std::optional<position>> consumer_checkpoint(std::string_view consumer) const override;
  result<std::optional<std::string>> consumer_get(std::string_view consumer, std::string_view key) const override;
  result<void> consumer_scan(std::string_view consumer, std::string_view start, read_direction direction,
                             const std::function<bool(std::string_view, std::string_view)>& visit) const override;
  result<void> consumer_reset(std::string_view consumer) override;
  result<void> begin_consumer_rebuild(std::string_view consumer) override;
  result<void> end_consumer_rebuild(std::string_view consumer) override;
  result<void> await_background_work() override;

  // Diagnostics (tests): an integer RocksDB property of the column family named `column_family`
  // (keys.h), e.g. "rocksdb.num-files-at-level0"; nullopt when closed, or no such family or property.
  std::optional<std::uint64_t> int_property(std::string_view column_family, const std::string& property) const;

  // Tests only: the syncer calls `hook` after it has written a group's derived data and before
  // its fsync, i.e. while that group is written but not published. Set it before any append.
  void set_before_sync_for_testing(std::function<void()> hook) {
    before_sync_for_testing_ = std::move(hook);
    has_before_sync_for_testing_.store(true, std::memory_order_release);
  }

  result<void> sync() override;
  void close() override;
  std::optional<std::string> write_failure() const override;

 private:
  // One queued append and whichever kind of completion its caller gave.
  struct pending_append {
    append_request request;
    std::function<void(result<append_result>)> done;
    std::function<void(result<append_result, append_error>)> done_detailed;
  };

  // Heterogeneous lookup: the writer probes maps with string_views into the requests.
  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  using version_map = std::unordered_map<std::string, std::uint64_t, string_hash, std::equal_to<>>;

  using outcome = result<append_result, append_error>;

  // Bulk mode: the records of one written batch, positions first, first + 1, ... (immutable once
  // the writer hands it on).
  struct log_segment {
    std::uint64_t first = 0;
    std::string bytes;               // the records, one after the other
    std::vector<std::size_t> ends;   // where each record ends in `bytes`
    std::string_view record(std::uint64_t p) const {
      const std::size_t i = static_cast<std::size_t>(p - first);
      const std::size_t begin = i == 0 ? 0 : ends[i - 1];
      return std::string_view(bytes).substr(begin, ends[i] - begin);
    }
  };
  // Bulk mode: a reader's copy of the part of the in-memory tail it needs. Positions before
  // `first` were all in `log` when it was taken; the segments hold the positions it asked for
  // from `first` on (ascending by first position, not necessarily consecutive).
  struct log_tail {
    std::uint64_t first = 1;
    std::vector<std::shared_ptr<const log_segment>> segments;
    // The record at p (empty when p is not in these segments).
    std::string_view find(std::uint64_t p) const;
  };

  // A batch the writer has written (or refused whole) and the syncer has yet to make durable and
  // complete. Batches reach it in the order they were written.
  struct written_batch {
    std::vector<pending_append> requests;
    std::vector<outcome> outcomes;            // by index in requests
    bool wrote = false;                       // a WriteBatch reached RocksDB
    std::uint64_t last_position = 0;          // head once this batch is durable (if wrote)
    sha256_digest last_hash{};
    std::vector<recorded_event> published;    // for the live buffer (empty if nobody listens)
    // Bulk mode: derived data for the syncer to write. Views point into `requests`, which own
    // the strings.
    struct index_entry {  // (bulk mode's stream index entries are ingest_chunk's)
      std::string_view stream;
      std::uint64_t version;
      std::uint64_t position;
    };
    std::vector<std::pair<std::string_view, std::uint64_t>> heads;  // in write order
    std::vector<std::size_t> accepted;  // requests whose command results go to `commands`
    std::shared_ptr<const log_segment> segment;  // bulk mode: the records (if wrote)
  };

  void enqueue(pending_append item);
  void writer_loop();
  void syncer_loop();
  // Syncer thread, bulk mode: the group's segments to the tail and the ingester, its snapshot to
  // readers.
  void publish_bulk(const std::vector<written_batch>& group, std::shared_ptr<const rocksdb::Snapshot> snapshot);
  written_batch process_batch(std::vector<pending_append>& batch);
  static void complete(written_batch& b);
  // Syncer thread, bulk mode: writes the stream heads and command results of `group` and the
  // `derived` marker in one batch.
  rocksdb::Status write_derived(std::vector<written_batch>& group);
  // start(): the head (last position and its hash) from the log and the meta head.
  std::error_code recover_head(std::uint64_t& head, sha256_digest& hash) const;
  // start(): the `derived` marker in `meta` (nullopt: a store from before the marker existed).
  std::error_code read_derived_marker(std::optional<std::uint64_t>& through) const;
  // start(): the recovered head for the writer and readers, and a live buffer starting there.
  void set_recovered_head(std::uint64_t head, const sha256_digest& hash);
  // start() with options::read_only: opens RocksDB read-only and recovers the head.
  std::error_code open_read_only(rocksdb::DBOptions db_options,
                                 const std::vector<rocksdb::ColumnFamilyDescriptor>& descriptors);
  // close(): destroys the column family handles and closes the DB.
  void release_database();
  // start(): rebuilds stream index, heads and command ids of log positions [from, to] from the
  // records themselves (the derived data of a tail written just before a crash).
  std::error_code rebuild_derived(std::uint64_t from, std::uint64_t to);
  // Writer thread: empties the stream-head cache (bulk mode: once the syncer has indexed everything
  // written), so that lookups that miss the cache find the truth in stream_heads.
  void clear_head_cache();
  // Writer thread: forgets recent command ids already written to `commands`.
  void prune_recent_commands();
  // The newest version of `stream` up to `latest` whose position is at most `head`, from the
  // stream index at its latest state (durable mode's stream_head).
  result<stream_version> published_version(std::string_view stream, stream_version latest, std::uint64_t head) const;
  // A snapshot of the DB as it is now, released when its last holder lets go.
  std::shared_ptr<const rocksdb::Snapshot> take_snapshot();
  // The snapshot readers use: everything in it is durable.
  std::shared_ptr<const rocksdb::Snapshot> read_snapshot() const;
  // Writer thread: looks up the batch's command ids and uncached stream heads in bulk.
  void prefetch(const std::vector<pending_append>& batch);
  // Writer thread: the committed version of `stream`, from the cache or the stream_heads CF.
  result<std::uint64_t> committed_version(std::string_view stream);
  rocksdb::WriteOptions write_options() const;         // consumer commits
  rocksdb::WriteOptions append_write_options() const;  // the writer's batches, bulk mode's derived data
  // Bulk mode: flushes the memtables, where bulk appends alone live, to SST files.
  std::error_code flush_unlogged();
  // Bulk mode: the ingester thread.
  void ingester_loop();
  // Bulk mode, ingester thread: appends the records of published segments to the chunk file.
  rocksdb::Status add_to_chunk(const std::vector<std::shared_ptr<const log_segment>>& segments);
  // Bulk mode, ingester thread: finishes the chunk file, writes its stream index entries to a
  // second file, ingests both (into `log` and `streams`) atomically, records the meta head and
  // publishes a tail without its records.
  rocksdb::Status ingest_chunk();
  // The first failed write to the disk (`doing`: what the store was doing; `why`: RocksDB's
  // status) stops every later one: sets failed_ and keeps the reason for write_failure().
  void fail(std::string_view doing, std::string_view why);
  // fail(doing, why), then io_error: what a write entry point returns when its write failed.
  std::error_code failed_write(std::string_view doing, const rocksdb::Status& why);
  // io_error once fail() was called: every write entry point asks before it touches RocksDB.
  std::error_code refuse_after_failure() const;
  // start(): derived data and consumer checkpoints past the log's end (a bulk import cut short
  // after they were flushed but before the log chunk they describe was ingested) are removed.
  std::error_code purge_derived_past(std::uint64_t head);
  // Bulk mode: copies of the tail's segments holding positions [from, to], or `positions`; null
  // outside bulk mode. O(log n) to find, O(what is asked) to copy.
  std::shared_ptr<const log_tail> tail_range(std::uint64_t from, std::uint64_t to) const;
  std::shared_ptr<const log_tail> tail_positions(const std::vector<std::uint64_t>& positions) const;

  rocksdb::ColumnFamilyHandle* cf(std::size_t index) const { return handles_[index]; }

  const options opts_;

  // Guarded by lifetime_mutex_: exclusive to open/destroy the DB, shared to use it.
  mutable std::shared_mutex lifetime_mutex_;
  // Declared before db_, destroyed after it: the DB writes its WALs and info log through them.
  std::shared_ptr<prewritten_wal_file_system> wal_file_system_;
  std::shared_ptr<info_log_file> info_log_;  // read-write opens: RocksDB's LOG (src/info_log.h)
  std::unique_ptr<rocksdb::Env> wal_env_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  // options::read_only: how far the derived data (the stream index verify checks) reached at open.
  std::uint64_t read_only_derived_through_ = 0;
  rocksdb::Options log_file_options_;    // bulk mode: the `log` column family's, for chunk files
  rocksdb::Options index_file_options_;  // bulk mode: the `streams` column family's, for their index
  rocksdb::Options consumer_file_options_;  // rebuilds: the `consumers` column family's, uncompressed
  std::atomic<std::uint64_t> consumer_file_number_{0};

  // Consumers between begin_consumer_rebuild and end_consumer_rebuild (their commits skip the
  // WAL); the consumers' column family has the rebuild settings while it is not empty.
  mutable std::mutex rebuilding_mutex_;
  std::vector<std::string> rebuilding_;  // guarded by rebuilding_mutex_
  bool rebuilding(std::string_view consumer) const;
  // Flushes the consumers' column family to synced files (unlogged consumer commits).
  std::error_code flush_consumers();
  // A rebuilding consumer's large commit, written as one table file and ingested.
  result<void> ingest_consumer_commit(const consumer_commit& commit);
  // await_background_work's poll: whether a flush or compaction is pending or running (closed
  // when the store is closing); `running`: one is running; `background_errors`: RocksDB's count.
  result<bool> background_work_busy(std::uint64_t& background_errors, bool& running) const;

  std::mutex close_mutex_;  // serialises close() callers
  bool closed_ = false;     // guarded by close_mutex_
  std::atomic<bool> closing_{false};

  std::mutex queue_mutex_;
  std::condition_variable queue_cv_;
  std::vector<pending_append> queue_;  // guarded by queue_mutex_
  bool accepting_ = false;             // guarded by queue_mutex_
  std::thread writer_;

  std::mutex sync_mutex_;
  std::condition_variable sync_cv_;
  std::vector<written_batch> sync_queue_;  // guarded by sync_mutex_
  bool writer_finished_ = false;           // guarded by sync_mutex_
  std::thread syncer_;
  // Bulk mode: the syncer has written derived data (not synced) up to here; durable mode writes it
  // with the records, so this stays at the head found at open.
  std::condition_variable indexed_cv_;           // with sync_mutex_: indexed_through_ moved
  std::atomic<std::uint64_t> indexed_through_{0};
  rocksdb::WriteBatch derived_batch_;            // syncer thread only
  // Syncer thread only: write_derived's buffers, reused from group to group.
  std::vector<std::pair<std::string_view, std::uint64_t>> derived_heads_;
  std::string derived_value_;
  // Set by fail() at the first failed write to the disk: an append batch, a WAL sync, a consumer
  // commit, a flush or (bulk mode) an ingestion. What was written since cannot be promised
  // durable, and RocksDB's file writers must not be written again after an error (Debian's build
  // asserts on it: a server that filled its disk aborted in WritableFileWriter), so every later
  // write is refused (io_error) until the store is reopened. Reads go on, up to the published head.
  std::atomic<bool> failed_{false};
  mutable std::mutex failure_mutex_;
  std::string failure_;  // guarded by failure_mutex_: what write_failure() says
  // Bulk mode: published segments for the ingester, and sync()'s requests to ingest now.
  std::mutex ingest_mutex_;
  std::condition_variable ingest_cv_;    // with ingest_mutex_: work for the ingester
  std::condition_variable ingested_cv_;  // with ingest_mutex_: ingest_done_ or ingester_finished_ moved
  std::vector<std::shared_ptr<const log_segment>> ingest_queue_;  // guarded by ingest_mutex_
  std::size_t ingest_queue_bytes_ = 0;   // guarded by ingest_mutex_: the records' bytes in it
  std::uint64_t ingest_requested_ = 0;   // guarded by ingest_mutex_ (tickets)
  std::uint64_t ingest_done_ = 0;        // guarded by ingest_mutex_
  bool syncer_finished_ = false;         // guarded by ingest_mutex_: nothing more will be queued
  bool ingester_finished_ = false;       // guarded by ingest_mutex_
  std::thread ingester_;
  // Bulk mode, ingester thread only: the chunk file being written.
  std::unique_ptr<rocksdb::SstFileWriter> chunk_;
  std::string chunk_path_;
  // The chunk's stream index entries (views into the records of chunk_segments_, which they keep
  // alive), written to their own file at ingestion and ingested with the chunk in one step.
  std::vector<written_batch::index_entry> chunk_index_;
  std::vector<std::shared_ptr<const log_segment>> chunk_segments_;
  std::uint64_t chunk_number_ = 0;
  std::uint64_t chunk_last_ = 0;  // last position in the chunk file
  sha256_digest chunk_last_hash_{};

  // Writer thread only.
  // Stream heads as the writer has left them. Entries not yet indexed (bulk mode) are the only
  // truth about their streams, so the cache is emptied only once they are (clear_head_cache).
  version_map head_cache_;
  // Bulk mode: command ids of recent appends and their results; every id not yet written to
  // `commands` is here, older ones are looked up there (prefetch). Durable mode writes the ids
  // in the appends' own batch, so prefetch finds them all and this stays empty.
  struct recent_command {
    append_result result;
    std::uint64_t last_position;
  };
  std::unordered_map<std::string, recent_command, string_hash, std::equal_to<>> recent_commands_;
  std::size_t prune_recent_commands_at_ = 0;
  std::uint64_t writer_head_ = 0;
  sha256_digest writer_head_hash_{};
  chain_hasher writer_hasher_;
  rocksdb::WriteBatch write_batch_;
  // process_batch's per-batch maps and per-request versions, reused (see there).
  std::unordered_map<std::string_view, std::uint64_t> batch_versions_;
  std::unordered_map<std::string_view, std::size_t> batch_commands_;
  std::vector<std::uint64_t> request_versions_;
  std::vector<rocksdb::Slice> prefetch_keys_;
  std::vector<rocksdb::PinnableSlice> prefetched_commands_;  // by index in the batch
  std::vector<rocksdb::Status> prefetched_command_status_;

  // Published by the syncer after each durable group of batches.
  std::atomic<std::uint64_t> head_{0};
  std::function<void()> before_sync_for_testing_;
  std::atomic<bool> has_before_sync_for_testing_{false};
  mutable std::mutex head_hash_mutex_;
  sha256_digest head_hash_{};  // guarded by head_hash_mutex_
  std::shared_ptr<const rocksdb::Snapshot> read_snapshot_;  // guarded by head_hash_mutex_
  // Bulk mode: the published records not yet ingested into `log`. Every position before
  // tail_first_ is in `log`; tail_segments_ hold tail_first_ up to (at least) the published head,
  // consecutive. The syncer appends (before the head moves), the ingester drops what it ingested.
  mutable std::mutex tail_mutex_;
  std::uint64_t tail_first_ = 1;                                  // guarded by tail_mutex_
  std::deque<std::shared_ptr<const log_segment>> tail_segments_;  // guarded by tail_mutex_

  std::unique_ptr<live_buffer> live_;
  std::mutex subscriptions_mutex_;
  std::vector<std::shared_ptr<subscription_state>> subscriptions_;  // guarded by subscriptions_mutex_
};

}  // namespace gongjian::eventstore
