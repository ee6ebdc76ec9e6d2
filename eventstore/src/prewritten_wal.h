#pragma once

#include <rocksdb/file_system.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace gongjian::eventstore {

// A RocksDB FileSystem that hands out write-ahead-log files whose blocks are already written.
//
// An fdatasync of a file that grew (or wrote into fallocated, unwritten extents) must also make
// the file's metadata durable. On ext4 with a journal that is a journal commit, which waits for
// whatever else is in it: a memtable flush writing a 60 MB SST next to the WAL turned the
// syncer's 0.1 ms fdatasyncs into several ms (scripts: docs/benchmarks.md). On ext4 without one
// (this machine's, in December 2026) it is a synchronous write of the inode's block: one more
// round trip to the disk per sync (perf: ext4_write_inode, 15% of the syncer's samples while the
// WAL grew). Overwriting blocks that are already allocated, written and synced changes no
// metadata the fdatasync has to write, so it only writes the data.
//
// RocksDB's own answer, recycle_log_file_num, is switched off by RocksDB 7.8 under
// kPointInTimeRecovery. This does what recycling does without reusing old records: a spare is
// zeros, and RocksDB's log reader takes a zero-filled tail as the end of the log (the same
// zeros it writes to pad blocks); a crash while one is being written leaves a torn tail like any
// other (kill_recover_test kills a store inside prewritten WALs). Spares are made on a background
// thread, in small synced chunks at the idle I/O priority, once the current WAL shows the store is
// taking volume, so an idle or short-lived store never writes them. The cost: the log is written
// twice (zeros first), and up to two spares sit in the data directory.
class prewritten_wal_file_system : public rocksdb::FileSystemWrapper {
 public:
  // Spares of `spare_bytes` each, at most `spares` ready at a time, in `directory` (the DB's).
  prewritten_wal_file_system(std::shared_ptr<rocksdb::FileSystem> base, std::filesystem::path directory,
                             std::uint64_t spare_bytes, std::size_t spares);
  ~prewritten_wal_file_system() override;

  static const char* kClassName() { return "gongjian.prewritten_wal"; }
  const char* Name() const override { return kClassName(); }

  rocksdb::IOStatus NewWritableFile(const std::string& fname, const rocksdb::FileOptions& file_opts,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override;

  // Deletes the spares a crash left and starts making new ones. Called once RocksDB holds the
  // directory's lock, never before: the spares in the directory may be another process's, a
  // running server's, which would fail over to a new WAL with its ready spare gone.
  void start();

  // Stops making spares and deletes the ready ones (the store is closing).
  void shut_down();

  // What the first failed append to a WAL said, once one failed (held back from RocksDB until
  // the next sync, which fails with it: see counting_file); nullopt while appends succeed.
  std::optional<std::string> wal_write_failure() const;

 private:
  class counting_file;
  bool is_wal(const std::string& fname) const;
  void wanted();  // the current WAL passed a quarter of a spare: have one ready
  void wal_write_failed(std::string what);
  void make_spares();

  const std::filesystem::path directory_;
  const std::uint64_t spare_bytes_;
  const std::size_t max_spares_;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::atomic<bool> wal_failed_{false};
  std::string wal_failure_;  // guarded by mutex_
  std::deque<std::string> ready_;  // paths of zero-filled, synced spares
  bool want_ = false;
  bool stopping_ = false;
  std::uint64_t next_id_ = 0;
  std::thread maker_;
};

}  // namespace gongjian::eventstore
