// gongjian verify: opens the event store in DIR read-only, recomputes every record's CRC and the
// hash chain over [from, to], and names the first altered or missing position. Read-only, so that
// checking the evidence changes nothing in it; a store a running server holds is checked through
// that server's API instead.
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

#include "commands.h"
#include "gongjian/eventstore/event_store.h"
#include "store_lock.h"

namespace gongjian::cli {
namespace {

void print_verify_usage(std::FILE* out) {
  std::fputs(
      "usage: gongjian verify --data DIR [--from N] [--to N]\n"
      "\n"
      "Recomputes the CRC of every stored event and the hash chain\n"
      "hash = SHA-256(previous hash || record) over positions [N, M] of the log\n"
      "(default: the whole log).\n"
      "\n"
      "Exits 0 if intact; 1 if it is not, naming the first altered or missing\n"
      "position (or the damage RocksDB found); 2 on a usage error (a range past the\n"
      "head of the log among them) or where there is no event store; 3 if the store\n"
      "could not be checked: another process (a running server) holds it, or it\n"
      "could not be read.\n"
      "\n"
      "The store is opened read-only and nothing in DIR changes. A running server's\n"
      "log is verified through its API: GET /api/v1/verify.\n"
      "\n"
      "  --data DIR   the event store directory\n"
      "  --from N     first position to check (default 1; at most the head + 1,\n"
      "               an empty range)\n"
      "  --to M       last position to check (default: the head; not past it)\n",
      out);
}

bool parse_position(std::string_view text, std::uint64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size() && !text.empty();
}

std::string hex(const eventstore::sha256_digest& d) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  s.reserve(d.size() * 2);
  for (auto b : d) {
    s.push_back(digits[b >> 4]);
    s.push_back(digits[b & 0xF]);
  }
  return s;
}

int usage_error(const char* why) {
  std::fprintf(stderr, "gongjian verify: %s\n\n", why);
  print_verify_usage(stderr);
  return 2;
}

}  // namespace

int verify_command(int argc, char** argv) {
  std::string data;
  std::uint64_t from = 1;
  std::uint64_t to = 0;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      print_verify_usage(stdout);
      return 0;
    }
    if (flag != "--data" && flag != "--from" && flag != "--to") return usage_error("unknown option");
    if (i + 1 >= argc) return usage_error("option needs a value");
    std::string_view value = argv[++i];
    if (flag == "--data") {
      data = value;
    } else if (!parse_position(value, flag == "--from" ? from : to)) {
      return usage_error("positions are non-negative integers");
    }
  }
  if (data.empty()) return usage_error("--data DIR is required");
  if (to != 0 && from > to) return usage_error("--from is after --to");

  // A read-only open beside a writer could read the WAL it is appending to half written and
  // report positions as missing that are not: a running server's log is verified through its API.
  if (const auto holder = find_store_holder(data)) {
    std::fprintf(stderr,
                 "gongjian verify: the event store in %s is open in %s.\n"
                 "Verify a running server with GET /api/v1/verify (auditor or admin token), or stop it first.\n",
                 data.c_str(), holder.describe().c_str());
    return 3;
  }

  eventstore::options opts;
  opts.directory = data;
  opts.read_only = true;
  // verify reads sequentially and fills no cache; a small one keeps the tool light.
  opts.block_cache_bytes = 8u << 20;
  auto store = eventstore::event_store::open(opts);
  if (!store && store.error() == eventstore::errc::not_found) {
    std::fprintf(stderr, "gongjian verify: no event store in %s\n", data.c_str());
    return 2;
  }
  // RocksDB's own checksums failing is damage found (1); anything else left the log unchecked (3).
  const auto unchecked = [&](const std::error_code& ec) {
    std::fprintf(stderr, "gongjian verify: the event store in %s %s: %s\n", data.c_str(),
                 ec == eventstore::errc::corruption ? "is damaged" : "could not be read", ec.message().c_str());
    return ec == eventstore::errc::corruption ? 1 : 3;
  };
  if (!store) return unchecked(store.error());
  // A range past the head is a usage error, not damage: checked there, the record before the
  // range is absent and the chain would read as broken (as GET /api/v1/verify refuses it).
  const std::uint64_t head = (*store)->head().value;
  if (from > head + 1 || to > head) {
    (*store)->close();
    std::fprintf(stderr, "gongjian verify: %s %llu is beyond the head of the log in %s (%llu)%s\n",
                 from > head + 1 ? "--from" : "--to", static_cast<unsigned long long>(from > head + 1 ? from : to),
                 data.c_str(), static_cast<unsigned long long>(head),
                 from > head + 1 ? "; --from is at most head + 1" : "");
    return 2;
  }
  auto report = (*store)->verify(eventstore::position{from}, eventstore::position{to});
  (*store)->close();
  if (!report) return unchecked(report.error());
  std::printf("checked %llu events (positions %llu..%llu)\n", static_cast<unsigned long long>(report->checked),
              static_cast<unsigned long long>(report->checked == 0 ? 0 : report->last_checked.value - report->checked + 1),
              static_cast<unsigned long long>(report->last_checked.value));
  std::printf("head hash %s\n", hex(report->head_hash).c_str());
  if (report->intact()) {
    std::printf("intact\n");
    return 0;
  }
  std::printf("FIRST BAD POSITION %llu: %s\n", static_cast<unsigned long long>(report->first_bad->value),
              report->problem.c_str());
  return 1;
}

}  // namespace gongjian::cli
