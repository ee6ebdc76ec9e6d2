// Resident memory with N organizations (issue 4: 10 million orgs in at most 2 GiB). Registers the
// real GB/T 2260 tree (provinces, cities, counties, one market-regulation office per real town,
// as the demo does), then N organizations spread over those offices with members (on average
// --members-per-org, Party and League, mixed standing and status), each through the domain's
// decide and apply (the write model) and the projections' fold (the read model), as the server
// holds them. The ledger and audit writes the projections buffer for RocksDB are handed off at
// every checkpoint-sized batch, as the runner does, so what stays is what lives in memory.
// Prints RSS (VmRSS and getrusage's peak) at milestones and at the end. Never asserts.
//
// usage: projections_memory_bench [--orgs N] [--members-per-org M] [--write-model-only yes] [--geo DIR]
#include <sys/resource.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include "gongjian/domain/apply.h"
#include "gongjian/domain/codec.h"
#include "gongjian/domain/decide.h"
#include "gongjian/domain/ids.h"
#include "gongjian/domain/state.h"
#include "gongjian/eventstore/event_store.h"
#include "gongjian/projections/keyed_state.h"
#include "gongjian/projections/projection_state.h"
#include "gongjian/server/demo.h"

namespace {

using namespace gongjian;
namespace cmd = domain::commands;

long vm_rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

long max_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// splitmix64: a deterministic, fast source of plausible variety.
struct rng {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }
};

struct fold {
  domain::state write_model;
  projections::projection_state read_model;
  projections::keyed_state keyed{nullptr, "projections"};
  domain::decision_context ctx;
  std::uint64_t position = 0;
  std::uint64_t since_checkpoint = 0;
  std::uint64_t rejected = 0;
  bool with_read_model = true;

  fold() {
    read_model.set_audit_indexing(false);  // the audit index lives in RocksDB, not in memory
    ctx.now_ms = 1467331200000;            // 2016-07-01
  }

  void send(const domain::command& c) {
    auto decided = domain::decide(write_model, c, ctx);
    if (!decided) {
      if (++rejected <= 5) {
        std::fprintf(stderr, "rejected: %s: %s\n", decided.error().field.c_str(), decided.error().message.c_str());
      }
      return;
    }
    for (const auto& e : *decided) {
      domain::apply(write_model, e);
      eventstore::recorded_event rec;
      rec.pos = eventstore::position{++position};
      rec.type = std::string(domain::type_of(e));
      rec.metadata.timestamp_ms = ctx.now_ms;
      if (with_read_model) read_model.apply(rec, e, keyed);
    }
    // A checkpoint: what the runner would hand to commit_consumer leaves memory.
    if (++since_checkpoint >= 100000) {
      eventstore::consumer_commit commit;
      read_model.persist_into(commit);
      keyed.drain_into(commit);
      since_checkpoint = 0;
    }
  }
};

void report(const char* what, std::uint64_t orgs, std::uint64_t members, double seconds) {
  std::printf("%-10s orgs %10llu  members %10llu  VmRSS %8.1f MiB  peak %8.1f MiB  %.1f s\n", what,
              static_cast<unsigned long long>(orgs), static_cast<unsigned long long>(members), vm_rss_kib() / 1024.0,
              max_rss_kib() / 1024.0, seconds);
  std::fflush(stdout);
}

// A valid GB 32100 code: registration authority 9, category 1 (enterprise), the county, an
// old-style 8-digit GB 11714 organization code with its check character, and the final check.
std::string credit_code(std::string_view county, std::uint64_t serial) {
  std::string org = std::to_string(10000000 + serial % 90000000);
  static constexpr int weights[8] = {3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 8; ++i) sum += (org[static_cast<std::size_t>(i)] - '0') * weights[i];
  const int check = 11 - sum % 11;
  org += check == 10 ? 'X' : check == 11 ? '0' : static_cast<char>('0' + check);
  std::string code = "91";
  code.append(county);
  code += org;
  code += domain::social_credit_check_character(code);
  return code;
}

bool parse(std::string_view text, std::uint64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size() && !text.empty();
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t orgs = 10'000'000, members_per_org = 3;
  std::string geo_dir;
  bool write_model_only = false;  // to split the figure: the domain's write model alone
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i];
    if (flag == "--orgs" && parse(argv[i + 1], orgs)) continue;
    if (flag == "--members-per-org" && parse(argv[i + 1], members_per_org)) continue;
    if (flag == "--write-model-only" && std::string_view(argv[i + 1]) == "yes") {
      write_model_only = true;
      continue;
    }
    if (flag == "--geo") {
      geo_dir = argv[i + 1];
      continue;
    }
    std::fprintf(stderr, "usage: projections_memory_bench [--orgs N] [--members-per-org M] [--write-model-only yes] [--geo DIR]\n");
    return 2;
  }
  if (argc % 2 == 0) {
    std::fprintf(stderr, "usage: projections_memory_bench [--orgs N] [--members-per-org M] [--write-model-only yes] [--geo DIR]\n");
    return 2;
  }
  if (geo_dir.empty()) {
    const char* source = std::getenv("GONGJIAN_SOURCE_DIR");
    geo_dir = server::demo::default_geography_dir(source && *source ? source : ".").string();
  }
  auto geo = server::demo::load_geography(geo_dir);
  if (!geo) {
    std::fprintf(stderr, "projections_memory_bench: %s (set GONGJIAN_SOURCE_DIR or --geo)\n", geo.error().c_str());
    return 1;
  }
  const auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(); };
  report("start", 0, 0, 0);

  auto f = std::make_unique<fold>();
  f->with_read_model = !write_model_only;
  std::vector<std::string> offices;
  f->send(cmd::register_jurisdiction{domain::jurisdiction_code{"000000"}, "全国"});
  for (const auto& p : geo->provinces) {
    f->send(cmd::register_jurisdiction{domain::jurisdiction_code{p.code}, p.name});
    for (const auto& c : p.cities) {
      f->send(cmd::register_jurisdiction{domain::jurisdiction_code{c.code}, c.name});
      for (const auto& k : c.counties) {
        f->send(cmd::register_jurisdiction{domain::jurisdiction_code{k.code}, k.name});
        if (k.towns.empty()) {
          offices.push_back(k.code + "001");
          f->send(cmd::register_jurisdiction{domain::jurisdiction_code{offices.back()}, k.name + "市场监管所"});
        }
        for (const auto& t : k.towns) {
          offices.push_back(k.code + t.number);
          f->send(cmd::register_jurisdiction{domain::jurisdiction_code{offices.back()}, t.name + "市场监管所"});
        }
      }
    }
  }
  report("tree", 0, 0, elapsed());
  std::printf("           %zu offices\n", offices.size());

  rng r{20160701};
  std::uint64_t next_id = 1, members = 0;
  const std::uint64_t milestone = orgs >= 10 ? orgs / 10 : 1;
  for (std::uint64_t i = 0; i < orgs; ++i) {
    cmd::register_organization o;
    o.org = domain::organization_id{next_id++};
    const auto kind = r.below(10);
    o.kind = kind < 6 ? domain::org_kind::small_micro_enterprise
                      : (kind < 9 ? domain::org_kind::individual_business : domain::org_kind::specialized_market);
    const std::string& office = offices[r.below(offices.size())];
    o.office = domain::jurisdiction_code{office};
    o.org_name = "企业" + std::to_string(o.org.value);
    o.social_credit_code = credit_code(std::string_view(office).substr(0, 6), o.org.value);
    o.employees = static_cast<std::uint32_t>(3 + r.below(60));
    f->send(o);
    const std::uint64_t n = members_per_org == 0 ? 0 : r.below(2 * members_per_org + 1);
    for (std::uint64_t m = 0; m < n; ++m) {
      cmd::record_member c;
      c.member = domain::member_id{next_id++};
      c.org = o.org;
      c.affiliation = r.below(3) == 0 ? domain::member_affiliation::league : domain::member_affiliation::party;
      // Only Party membership has a probationary period.
      c.standing = c.affiliation == domain::member_affiliation::party && r.below(5) == 0
                       ? domain::member_standing::probationary
                       : domain::member_standing::formal;
      const auto status = r.below(4);
      c.status = status == 0 ? domain::member_status::hidden
                             : (status == 1 ? domain::member_status::pocket
                                            : (status == 2 ? domain::member_status::disclosed : domain::member_status::active));
      c.member_name = "成员" + std::to_string(c.member.value);
      c.admitted_on = domain::date_from_ymd(2010, 1, 1);
      c.recorded_on = domain::date_from_ymd(2016, 7, 1);
      f->send(c);
      ++members;
    }
    if ((i + 1) % milestone == 0) report("orgs", i + 1, members, elapsed());
  }
  report("end", orgs, members, elapsed());
  std::printf("RESULT orgs=%llu members=%llu events=%llu rejected=%llu vmrss_mib=%.1f peak_rss_mib=%.1f seconds=%.1f\n",
              static_cast<unsigned long long>(orgs), static_cast<unsigned long long>(members),
              static_cast<unsigned long long>(f->position), static_cast<unsigned long long>(f->rejected),
              vm_rss_kib() / 1024.0, max_rss_kib() / 1024.0, elapsed());
  return f->rejected == 0 ? 0 : 1;
}
