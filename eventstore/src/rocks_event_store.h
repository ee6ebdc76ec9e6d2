#pragma once
// The event store on RocksDB (the DBImpl behind event_store.h's DB). Column families and key
// layouts: keys.h. Record format: record_format.cc.
//
// Threads:
// - callers of append/append_async enqueue requests under queue_mutex_ and (for append) wait;
// - one writer thread (writer_loop) owns everything under "writer thread only": it drains the
//   queue, validates (stream heads and recent command ids from memory), assigns positions, and
//   writes one WriteBatch holding only the `log` records and the meta head (sequential keys),
//   WITHOUT waiting for its fsync; then hands the batch to the syncer;
// - one syncer thread (syncer_loop) takes every batch written so far, writes their derived data
//   (stream index, stream heads, command ids: random keys, the costly memtable inserts) in one
//   sorted WriteBatch with the meta `derived` marker, takes a snapshot, calls SyncWAL once (it
//   begins after all those writes returned), and only then publishes: the read snapshot and head
//   readers use, the live buffer, the callbacks. So the writer builds batch k+1 while the syncer
//   indexes and the disk syncs batch k, and nothing is acknowledged or visible before it is
//   durable. Both writes go through the WAL, so a crash keeps a prefix of them; start() rebuilds
//   the derived data of the log tail past the `derived` marker (written only with it);
// - readers (read_stream, read_all, verify, consumer_*) run on the caller's thread under a shared
//   lock of lifetime_mutex_, which close() takes exclusively before it destroys the DB; they read
//   at the published snapshot (or bounded by the published head), never the newest memtable
//   state, which may hold written but not yet synced batches;
// - each subscription has its own thread (subscription_impl.h).

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "gongjian/eventstore/event_store.h"
#include "live_buffer.h"
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

  result<void> sync() override;
  void close() override;

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

  // A batch the writer has written (or refused whole) and the syncer has yet to make durable and
  // complete. Batches reach the syncer in the order they were written.
  struct written_batch {
    std::vector<pending_append> requests;
    std::vector<outcome> outcomes;            // by index in requests
    bool wrote = false;                       // a WriteBatch reached RocksDB
    std::uint64_t last_position = 0;          // head once this batch is durable (if wrote)
    sha256_digest last_hash{};
    std::vector<recorded_event> published;    // for the live buffer (empty if nobody listens)
    // Derived data for the syncer to write. Views point into `requests`, which own the strings.
    struct index_entry {
      std::string_view stream;
      std::uint64_t version;
      std::uint64_t position;
    };
    std::vector<index_entry> index;
    std::vector<std::pair<std::string_view, std::uint64_t>> heads;  // in write order
    std::vector<std::size_t> accepted;  // requests whose command results go to `commands`
  };

  void enqueue(pending_append item);
  void writer_loop();
  void syncer_loop();
  written_batch process_batch(std::vector<pending_append>& batch);
  static void complete(written_batch& b);
  // Syncer thread: writes the derived data of `group` and the `derived` marker in one batch.
  rocksdb::Status write_derived(std::vector<written_batch>& group);
  // start(): rebuilds stream index, heads and command ids of log positions [from, to] from the
  // records themselves (the derived data of a tail written just before a crash).
  std::error_code rebuild_derived(std::uint64_t from, std::uint64_t to);
  // Writer thread: empties the stream-head cache once the syncer has indexed everything written,
  // so that lookups that miss the cache find the truth in stream_heads.
  void clear_head_cache();
  // Writer thread: forgets recent command ids the syncer has written to `commands`.
  void prune_recent_commands();
  // A snapshot of the DB as it is now, released when its last holder lets go.
  std::shared_ptr<const rocksdb::Snapshot> take_snapshot();
  // The snapshot readers use: everything in it is durable.
  std::shared_ptr<const rocksdb::Snapshot> read_snapshot() const;
  // Writer thread: looks up the batch's command ids and uncached stream heads in bulk.
  void prefetch(const std::vector<pending_append>& batch);
  // Writer thread: the committed version of `stream`, from the cache or the stream_heads CF.
  result<std::uint64_t> committed_version(std::string_view stream);
  rocksdb::WriteOptions write_options() const;         // consumer commits
  rocksdb::WriteOptions append_write_options() const;  // the writer's and syncer's batches
  // Bulk mode: flushes the memtables, where bulk appends alone live, to SST files.
  std::error_code flush_unlogged();

  rocksdb::ColumnFamilyHandle* cf(std::size_t index) const { return handles_[index]; }

  const options opts_;

  // Guarded by lifetime_mutex_: exclusive to open/destroy the DB, shared to use it.
  mutable std::shared_mutex lifetime_mutex_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;

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
  std::condition_variable indexed_cv_;           // with sync_mutex_: indexed_through_ moved
  std::atomic<std::uint64_t> indexed_through_{0};  // derived data written (not yet synced) up to here
  rocksdb::WriteBatch derived_batch_;            // syncer thread only
  // Syncer thread only: write_derived's buffers, reused from group to group.
  std::vector<const written_batch::index_entry*> derived_index_;
  std::vector<std::pair<std::string_view, std::uint64_t>> derived_heads_;
  std::string derived_key_;
  std::string derived_value_;
  // Set by the syncer when a WAL sync failed: what was written since cannot be promised durable,
  // so the writer refuses every later append (io_error) until the store is reopened.
  std::atomic<bool> failed_{false};

  // Writer thread only.
  // Stream heads as the writer has left them. Entries the syncer has not yet indexed are the only
  // truth about their streams, so the cache is emptied only once it has (clear_head_cache).
  version_map head_cache_;
  // Command ids of recent appends and their results; every id the syncer has not yet written to
  // `commands` is here, older ones are looked up there (prefetch).
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
  mutable std::mutex head_hash_mutex_;
  sha256_digest head_hash_{};  // guarded by head_hash_mutex_
  std::shared_ptr<const rocksdb::Snapshot> read_snapshot_;  // guarded by head_hash_mutex_

  std::unique_ptr<live_buffer> live_;
  std::mutex subscriptions_mutex_;
  std::vector<std::shared_ptr<subscription_state>> subscriptions_;  // guarded by subscriptions_mutex_
};

}  // namespace gongjian::eventstore
