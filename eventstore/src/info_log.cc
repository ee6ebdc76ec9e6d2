#include "info_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <thread>

#include "logger.h"

namespace gongjian::eventstore {
namespace {

// An open logs its options (a few hundred lines) before start(); more than this is dropped.
constexpr std::size_t max_pending = 4096;
constexpr auto forward_again_after = std::chrono::minutes(10);

// RocksDB's own line prefix: "2026/12/07-04:23:04.530123 7f1640dc8 ".
std::string line_prefix() {
  const auto now = std::chrono::system_clock::now();
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(micros / 1'000'000);
  std::tm t{};
  ::localtime_r(&seconds, &t);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d/%02d/%02d-%02d:%02d:%02d.%06lld %zx ", t.tm_year + 1900, t.tm_mon + 1,
                t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, static_cast<long long>(micros % 1'000'000),
                std::hash<std::thread::id>{}(std::this_thread::get_id()) & 0xFFFFFFFFFu);
  return buffer;
}

// Warnings that tell an operator nothing to act on stay in LOG only. RocksDB 7.8 warns once per
// process when it opens a table whose manifest entry has no unique ID, and every table a bulk
// import or a consumer rebuild ingests (SstFileWriter's files) is one: every `gongjian demo`
// printed it. And a bulk import writes as fast as flushes let it, so its writes stopping or
// slowing while memtables flush are its pace, not news; a serving store's are passed on.
bool passed_on(std::string_view text, bool bulk_import) {
  if (text.find("SST file opened without unique ID to verify") != std::string_view::npos) return false;
  const bool write_stall = text.find("Stopping writes because") != std::string_view::npos ||
                           text.find("Stalling writes because") != std::string_view::npos;
  return !(bulk_import && write_stall);
}

}  // namespace

info_log_file::info_log_file(std::filesystem::path directory, std::size_t keep_old, bool bulk_import)
    : directory_(std::move(directory)), keep_old_(keep_old), bulk_import_(bulk_import) {}

info_log_file::~info_log_file() {
  if (fd_ >= 0) ::close(fd_);
}

void info_log_file::Logv(const char* format, va_list ap) {
  char message[1024];
  va_list copy;
  va_copy(copy, ap);
  const int n = std::vsnprintf(message, sizeof message, format, copy);
  va_end(copy);
  if (n < 0) return;
  std::string_view text(message, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof message - 1));
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  std::string line = line_prefix();
  line.append(text);
  line.push_back('\n');
  std::lock_guard lock(mutex_);
  // The base class puts the level first for every level but INFO and HEADER. A message that
  // comes back (RocksDB's recovery from a full disk says the same two lines every 5 s) is passed
  // on once per forward_again_after.
  const bool error = text.starts_with("[ERROR]") || text.starts_with("[FATAL]");
  if (error || (text.starts_with("[WARN]") && passed_on(text, bulk_import_))) {
    const auto now = std::chrono::steady_clock::now();
    if (forwarded_.size() > 256) forwarded_.clear();
    auto [at, fresh] = forwarded_.try_emplace(std::string(text), now);
    if (fresh || now - at->second >= forward_again_after) {
      at->second = now;
      if (error) {
        log().error("rocksdb: {}", text);
      } else {
        log().warn("rocksdb: {}", text);
      }
    }
  }
  if (!started_) {
    if (pending_.size() < max_pending) pending_.push_back(std::move(line));
    return;
  }
  write_line(line);
}

void info_log_file::start() {
  std::lock_guard lock(mutex_);
  if (started_) return;
  started_ = true;
  const auto path = directory_ / "LOG";
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    std::filesystem::rename(path, directory_ / ("LOG.old." + std::to_string(micros)), ec);
  }
  std::vector<std::filesystem::path> old;
  for (const auto& entry : std::filesystem::directory_iterator(directory_, ec)) {
    if (entry.path().filename().string().starts_with("LOG.old.")) old.push_back(entry.path());
  }
  // Same-length microsecond stamps: the name order is the age order.
  std::sort(old.begin(), old.end());
  for (std::size_t i = 0; i + keep_old_ < old.size(); ++i) std::filesystem::remove(old[i], ec);

  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    failed_ = true;
    log().warn("RocksDB's info log {} cannot be opened ({}); its lines are dropped", path.string(),
               std::strerror(errno));
  }
  for (const auto& line : pending_) write_line(line);
  pending_.clear();
  pending_.shrink_to_fit();
}

void info_log_file::write_line(const std::string& line) {
  if (failed_) return;
  for (std::size_t written = 0; written < line.size();) {
    const ssize_t n = ::write(fd_, line.data() + written, line.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      failed_ = true;
      log().warn("RocksDB's info log {} could not be written ({}); its lines are dropped from now on",
                 (directory_ / "LOG").string(), n < 0 ? std::strerror(errno) : "nothing written");
      return;
    }
    written += static_cast<std::size_t>(n);
  }
}

}  // namespace gongjian::eventstore
