#pragma once
// RocksDB's info log (LOG in the data directory), written by the store instead of RocksDB.
//
// Two reasons. RocksDB's own logger writes through a WritableFileWriter, which in Debian's build
// (assertions on) aborts the process when a line is logged after a failed write: on a full disk
// the next RocksDB message, the one reporting the full disk, killed the server. And RocksDB
// renames the previous LOG before it asks for the directory's lock, so a second server started
// by mistake rotated the running one's log. This logger keeps RocksDB's lines in memory until
// start() (the store holds the lock, or the open failed for another reason), then rotates as
// RocksDB does (LOG -> LOG.old.<microseconds>, keeping `keep_old` of them) and appends; a failed
// write stops the file, and our log says so once. Warnings and errors also go to our log, but for
// a few that call for nothing (info_log.cc, passed_on); `bulk_import` adds write stalls to those.

#include <rocksdb/env.h>

#include <chrono>
#include <cstdarg>
#include <cstddef>
#include <filesystem>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace gongjian::eventstore {

class info_log_file final : public rocksdb::Logger {
 public:
  info_log_file(std::filesystem::path directory, std::size_t keep_old, bool bulk_import);
  ~info_log_file() override;

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override;

  // Rotates the previous LOG and writes what was kept. Lines logged by an open that never calls
  // it (refused: another store holds the directory) go nowhere.
  void start();

 private:
  void write_line(const std::string& line);  // with mutex_ held

  const std::filesystem::path directory_;
  const std::size_t keep_old_;
  const bool bulk_import_;
  std::mutex mutex_;
  std::vector<std::string> pending_;  // before start(), at most max_pending lines
  // Warnings and errors passed on to our log, and when: a repeat is passed on again only later.
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> forwarded_;
  bool started_ = false;
  bool failed_ = false;
  int fd_ = -1;
};

}  // namespace gongjian::eventstore
