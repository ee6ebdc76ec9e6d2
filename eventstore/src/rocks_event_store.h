#pragma once
// The event store on RocksDB (the DBImpl behind event_store.h's DB). Column families and key
// layouts: keys.h. Record format: record_format.cc.
//
// Threads:
// - callers of append/append_async enqueue requests under queue_mutex_ and (for append) wait;
// - one writer thread (writer_loop) owns everything under "writer thread only": it drains the
//   queue, validates, assigns positions, writes one WriteBatch WITHOUT waiting for its fsync,
//   takes a RocksDB snapshot just after it and hands the batch to the syncer;
// - one syncer thread (syncer_loop) takes every batch written so far, calls SyncWAL once for all
//   of them (a sync that begins after their writes returned), and only then publishes them: the
//   read snapshot and head readers use, the live buffer, and the callbacks. So the writer builds
//   batch k+1 while the disk syncs batch k, and nothing is acknowledged or visible before it is
//   durable;
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
    std::vector<std::size_t> accepted;        // requests whose events are in the write
    bool wrote = false;                       // a WriteBatch reached RocksDB
    std::uint64_t last_position = 0;          // head once this batch is durable (if wrote)
    sha256_digest last_hash{};
    std::vector<recorded_event> published;    // for the live buffer (empty if nobody listens)
    std::shared_ptr<const rocksdb::Snapshot> snapshot;  // the DB just after this write
  };

  void enqueue(pending_append item);
  void writer_loop();
  void syncer_loop();
  written_batch process_batch(std::vector<pending_append>& batch);
  static void complete(written_batch& b);
  // A snapshot of the DB as it is now, released when its last holder lets go.
  std::shared_ptr<const rocksdb::Snapshot> take_snapshot();
  // The snapshot readers use: everything in it is durable.
  std::shared_ptr<const rocksdb::Snapshot> read_snapshot() const;
  // Writer thread: looks up the batch's command ids and uncached stream heads in bulk.
  void prefetch(const std::vector<pending_append>& batch);
  // Writer thread: the committed version of `stream`, from the cache or the stream_heads CF.
  result<std::uint64_t> committed_version(std::string_view stream);
  rocksdb::WriteOptions write_options() const;

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
  // Set by the syncer when a WAL sync failed: what was written since cannot be promised durable,
  // so the writer refuses every later append (io_error) until the store is reopened.
  std::atomic<bool> failed_{false};

  // Writer thread only.
  version_map head_cache_;
  std::uint64_t writer_head_ = 0;
  sha256_digest writer_head_hash_{};
  chain_hasher writer_hasher_;
  rocksdb::WriteBatch write_batch_;
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
