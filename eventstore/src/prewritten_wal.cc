#include "prewritten_wal.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "logger.h"

namespace gongjian::eventstore {
namespace {

constexpr std::string_view spare_prefix = "spare-wal-";

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Writes `bytes` zeros to a new file at `path` and fdatasyncs it; false (and no file) if that
// fails or `stop` turns true meanwhile.
bool write_zeros(const std::string& path, std::uint64_t bytes, const bool& stop, std::mutex& mutex) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    log().warn("cannot create the WAL spare {}: {}", path, std::strerror(errno));
    return false;
  }
  // Small chunks, each on the disk before the next is written: a WAL fdatasync that comes in
  // meanwhile waits behind 256 KiB at most (1 MiB chunks raised the appends' p99).
  static const std::vector<char> zeros(256u << 10, 0);
  bool ok = true;
  for (std::uint64_t written = 0; ok && written < bytes;) {
    {
      std::lock_guard lock(mutex);
      if (stop) ok = false;
    }
    const auto chunk = static_cast<std::size_t>(std::min<std::uint64_t>(zeros.size(), bytes - written));
    const ssize_t n = ok ? ::write(fd, zeros.data(), chunk) : -1;
    if (n < 0) {
      if (ok && errno == EINTR) continue;
      if (ok) log().warn("cannot write the WAL spare {}: {}", path, std::strerror(errno));
      ok = false;
    } else {
      ::sync_file_range(fd, static_cast<off_t>(written), n,
                        SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
      written += static_cast<std::uint64_t>(n);
    }
  }
  // The size and the written extents must be on disk before a WAL's fdatasync relies on them.
  if (ok && ::fdatasync(fd) != 0) {
    log().warn("cannot sync the WAL spare {}: {}", path, std::strerror(errno));
    ok = false;
  }
  ::close(fd);
  if (!ok) ::unlink(path.c_str());
  return ok;
}

}  // namespace

// Counts what RocksDB appends to a WAL, so that spares are only made for a store that writes, and
// holds back a failed append's error until the next sync.
//
// RocksDB's WritableFileWriter remembers an error; a later SyncWithoutFlush on it (the syncer's
// SyncWAL, on another thread, racing the failed append) then asserts in Debian's build, which has
// assertions on: a server whose disk filled up aborted there. An error that first comes out of a
// sync is remembered as one SyncWithoutFlush may see again, so the append reports success, writes
// nothing more to this file, and every sync of it returns the error: nothing written after the
// failure is acknowledged, as nothing is before a sync succeeds. The store learns of it at once
// (wal_write_failure()) and stops writing.
class prewritten_wal_file_system::counting_file : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  counting_file(std::unique_ptr<rocksdb::FSWritableFile> file, prewritten_wal_file_system& owner)
      : FSWritableFileOwnerWrapper(std::move(file)), owner_(owner) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    if (failed_.load(std::memory_order_relaxed)) return rocksdb::IOStatus::OK();
    count(data.size());
    return hold_back(target()->Append(data, options, dbg));
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& info, rocksdb::IODebugContext* dbg) override {
    if (failed_.load(std::memory_order_relaxed)) return rocksdb::IOStatus::OK();
    count(data.size());
    return hold_back(target()->Append(data, options, info, dbg));
  }
  rocksdb::IOStatus Flush(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    if (failed_.load(std::memory_order_relaxed)) return rocksdb::IOStatus::OK();
    return hold_back(target()->Flush(options, dbg));
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    if (failed_.load(std::memory_order_acquire)) return failure_;
    return target()->Sync(options, dbg);
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    if (failed_.load(std::memory_order_acquire)) return failure_;
    return target()->Fsync(options, dbg);
  }

 private:
  void count(std::size_t n) {
    if (told_) return;
    appended_ += n;
    if (appended_ >= owner_.spare_bytes_ / 4) {
      told_ = true;
      owner_.wanted();
    }
  }

  rocksdb::IOStatus hold_back(rocksdb::IOStatus status) {
    if (status.ok()) return status;
    failure_ = status;
    failed_.store(true, std::memory_order_release);
    owner_.wal_write_failed(status.ToString());
    return rocksdb::IOStatus::OK();
  }

  prewritten_wal_file_system& owner_;
  std::uint64_t appended_ = 0;
  bool told_ = false;
  // The first failed append or flush. Appends come from one thread at a time; syncs may come from
  // another meanwhile (SyncWithoutFlush), so they read failure_ only once failed_ says it is set.
  std::atomic<bool> failed_{false};
  rocksdb::IOStatus failure_;
};

prewritten_wal_file_system::prewritten_wal_file_system(std::shared_ptr<rocksdb::FileSystem> base,
                                                       std::filesystem::path directory, std::uint64_t spare_bytes,
                                                       std::size_t spares)
    : FileSystemWrapper(std::move(base)),
      directory_(std::move(directory)),
      spare_bytes_(spare_bytes),
      max_spares_(spares) {}

void prewritten_wal_file_system::start() {
  // Spares left by a crash may be half written; they are never WALs, so they simply go.
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(directory_, ec)) {
    if (entry.path().filename().string().starts_with(spare_prefix)) std::filesystem::remove(entry.path(), ec);
  }
  maker_ = std::thread([this] { make_spares(); });
}

prewritten_wal_file_system::~prewritten_wal_file_system() { shut_down(); }

void prewritten_wal_file_system::shut_down() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (maker_.joinable()) maker_.join();
  std::lock_guard lock(mutex_);
  for (const auto& path : ready_) ::unlink(path.c_str());
  ready_.clear();
}

bool prewritten_wal_file_system::is_wal(const std::string& fname) const {
  // RocksDB names WALs "<number>.log" in the DB directory (wal_dir is not set). Both sides end in
  // a separator before comparing, so "data/events" and "data/events/" name the same directory.
  const std::filesystem::path path(fname);
  return path.extension() == ".log" && all_digits(path.stem().string()) &&
         (path.parent_path() / "").lexically_normal() == (directory_ / "").lexically_normal();
}

rocksdb::IOStatus prewritten_wal_file_system::NewWritableFile(const std::string& fname,
                                                              const rocksdb::FileOptions& file_opts,
                                                              std::unique_ptr<rocksdb::FSWritableFile>* result,
                                                              rocksdb::IODebugContext* dbg) {
  if (!is_wal(fname)) return target()->NewWritableFile(fname, file_opts, result, dbg);
  std::string spare;
  {
    std::lock_guard lock(mutex_);
    if (!ready_.empty()) {
      spare = std::move(ready_.front());
      ready_.pop_front();
    }
  }
  cv_.notify_all();  // one fewer ready: the maker refills
  rocksdb::IOStatus status;
  if (!spare.empty()) {
    // Renamed into place and opened without truncation: RocksDB writes from offset 0 over zeros.
    status = target()->ReuseWritableFile(fname, spare, file_opts, result, dbg);
    if (!status.ok()) {
      log().warn("cannot use the WAL spare {} ({}); creating {} instead", spare, status.ToString(), fname);
      ::unlink(spare.c_str());
    }
  }
  if (spare.empty() || !status.ok()) status = target()->NewWritableFile(fname, file_opts, result, dbg);
  if (status.ok()) *result = std::make_unique<counting_file>(std::move(*result), *this);
  return status;
}

void prewritten_wal_file_system::wal_write_failed(std::string what) {
  std::lock_guard lock(mutex_);
  if (wal_failure_.empty()) wal_failure_ = std::move(what);
  wal_failed_.store(true, std::memory_order_release);
}

std::optional<std::string> prewritten_wal_file_system::wal_write_failure() const {
  if (!wal_failed_.load(std::memory_order_acquire)) return std::nullopt;
  std::lock_guard lock(mutex_);
  return wal_failure_;
}

void prewritten_wal_file_system::wanted() {
  {
    std::lock_guard lock(mutex_);
    if (want_) return;
    want_ = true;
  }
  cv_.notify_all();
}

void prewritten_wal_file_system::make_spares() {
  pthread_setname_np(pthread_self(), "es-wal-spares");
  // The idle I/O class: the block layer (mq-deadline here) serves this thread's zeros only when
  // no other I/O waits, so the WAL's own writes and fsyncs go first. Best effort: a scheduler
  // without priorities ignores it.
  constexpr int ioprio_who_process = 1, ioprio_class_idle = 3, ioprio_class_shift = 13;
  (void)::syscall(SYS_ioprio_set, ioprio_who_process, 0, ioprio_class_idle << ioprio_class_shift);
  std::unique_lock lock(mutex_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || (want_ && ready_.size() < max_spares_); });
    if (stopping_) return;
    const std::string path = (directory_ / (std::string(spare_prefix) + std::to_string(next_id_++))).string();
    lock.unlock();
    const bool made = write_zeros(path, spare_bytes_, stopping_, mutex_);
    lock.lock();
    if (!made) {
      if (!stopping_) want_ = false;  // a disk problem: go on without spares until asked again
      continue;
    }
    if (stopping_) {
      ::unlink(path.c_str());
      return;
    }
    ready_.push_back(path);
  }
}

}  // namespace gongjian::eventstore
