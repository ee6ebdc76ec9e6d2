#include "store_lock.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

namespace gongjian::cli {
namespace {

struct flock whole_file(short type) {
  struct flock l {};
  l.l_type = type;
  l.l_whence = SEEK_SET;  // start 0, length 0: the whole file, as RocksDB locks it
  return l;
}

store_holder holder_of(int fd) {
  struct flock probe = whole_file(F_WRLCK);
  store_holder h;
  if (::fcntl(fd, F_GETLK, &probe) != 0 || probe.l_type == F_UNLCK) return h;
  h.pid = probe.l_pid;
  std::ifstream in("/proc/" + std::to_string(h.pid) + "/cmdline", std::ios::binary);
  h.command_line.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  while (!h.command_line.empty() && h.command_line.back() == '\0') h.command_line.pop_back();
  for (char& c : h.command_line) {
    if (c == '\0') c = ' ';
  }
  return h;
}

}  // namespace

std::string store_holder::describe() const {
  if (pid <= 0) return "another process";
  std::string s = "process " + std::to_string(pid);
  if (!command_line.empty()) s += " (" + command_line + ")";
  return s;
}

store_holder find_store_holder(const std::filesystem::path& dir) {
  const int fd = ::open((dir / "LOCK").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  store_holder h = holder_of(fd);
  ::close(fd);
  return h;
}

store_holder while_holding_store_lock(const std::filesystem::path& dir, const std::function<void()>& job) {
  const int fd = ::open((dir / "LOCK").c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    job();
    return {};
  }
  struct flock lock = whole_file(F_WRLCK);
  store_holder h;
  // A holder that lets go between F_SETLK and F_GETLK leaves nobody to name: try again.
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (::fcntl(fd, F_SETLK, &lock) == 0) {
      job();
      ::close(fd);  // releases the lock
      return {};
    }
    h = holder_of(fd);
    if (h) break;
  }
  ::close(fd);
  if (!h) h.pid = -1;  // refused all three times, holder unknown
  return h;
}

}  // namespace gongjian::cli
