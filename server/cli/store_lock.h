#pragma once
// Who holds an event store directory open, seen from outside. An open store keeps RocksDB's
// fcntl lock on DIR/LOCK; the subcommands that must not work beside a running server ask it.
//
// Only for a process that does not hold the store open itself: closing any descriptor of a file
// drops every fcntl lock the calling process has on it, including the store's own.

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <string>

namespace gongjian::cli {

struct store_holder {
  pid_t pid = 0;             // 0: nobody holds the directory's store open; -1: someone, unknown
  std::string command_line;  // the holder's, as /proc shows it ("" if unreadable)

  explicit operator bool() const { return pid != 0; }
  // "process 7716 (gongjian serve --data ./data)"
  std::string describe() const;
};

store_holder find_store_holder(const std::filesystem::path& dir);

// Runs `job` holding DIR's store lock, so that no store opens DIR while it runs (RocksDB's own
// open would wait for nothing: it fails). Returns the holder, without running `job`, if another
// process holds the store. Creates nothing: without DIR/LOCK no store was ever open there.
store_holder while_holding_store_lock(const std::filesystem::path& dir, const std::function<void()>& job);

}  // namespace gongjian::cli
