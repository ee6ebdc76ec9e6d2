#include "gongjian/projections/ledger.h"

#include "gongjian/projections/binary.h"

namespace gongjian::projections {

namespace {
void write_actor(binary::writer& w, const eventstore::actor& a) {
  w.str(a.user);
  w.str(a.role);
  w.str(a.jurisdiction);
}
eventstore::actor read_actor(binary::reader& r) {
  eventstore::actor a;
  a.user = r.str();
  a.role = r.str();
  a.jurisdiction = r.str();
  return a;
}
}  // namespace

// Field order is the format: append new fields at the end only.
std::string encode(const ledger_entry& e) {
  binary::writer w;
  w.u(e.target.value);
  w.u(e.org.value);
  w.str(e.jurisdiction);
  w.u(static_cast<std::uint64_t>(e.type));
  w.u(static_cast<std::uint64_t>(e.planned_mode));
  w.i(e.deadline.days_since_epoch);
  w.str(e.person_responsible);
  w.i(e.designated_on.days_since_epoch);
  w.u(e.designated_at);
  write_actor(w, e.designated_by);
  w.u(static_cast<std::uint64_t>(e.status));
  w.u(e.reason ? static_cast<std::uint64_t>(*e.reason) + 1 : 0);
  w.str(e.reason_note);
  w.u(e.struck_off_branch);
  w.i(e.struck_off_on.days_since_epoch);
  w.u(e.struck_off_at);
  write_actor(w, e.struck_off_by);
  w.i(e.withdrawn_on.days_since_epoch);
  w.u(e.withdrawn_at);
  return w.take();
}

std::optional<ledger_entry> decode_ledger_entry(std::string_view bytes) {
  binary::reader r(bytes);
  ledger_entry e;
  e.target = domain::target_id{r.u()};
  e.org = domain::organization_id{r.u()};
  e.jurisdiction = r.str();
  e.type = static_cast<domain::organization_type>(r.u());
  e.planned_mode = static_cast<domain::formation_mode>(r.u());
  e.deadline.days_since_epoch = static_cast<std::int32_t>(r.i());
  e.person_responsible = r.str();
  e.designated_on.days_since_epoch = static_cast<std::int32_t>(r.i());
  e.designated_at = r.u();
  e.designated_by = read_actor(r);
  e.status = static_cast<domain::target_status>(r.u());
  if (auto reason = r.u(); reason != 0) e.reason = static_cast<domain::no_organization_reason>(reason - 1);
  e.reason_note = r.str();
  e.struck_off_branch = r.u();
  e.struck_off_on.days_since_epoch = static_cast<std::int32_t>(r.i());
  e.struck_off_at = r.u();
  e.struck_off_by = read_actor(r);
  e.withdrawn_on.days_since_epoch = static_cast<std::int32_t>(r.i());
  e.withdrawn_at = r.u();
  if (!r.ok()) return std::nullopt;
  return e;
}

std::string ledger_target_key(domain::target_id t) {
  std::string k = "t/";
  binary::key_u64(k, t.value);
  return k;
}

std::string ledger_listing_key(std::string_view jurisdiction_path, domain::target_id t) {
  std::string k = "l/";
  k.append(jurisdiction_path);
  binary::key_u64(k, t.value);
  return k;
}

std::string ledger_org_key(domain::organization_id org, domain::target_id t) {
  std::string k = "x/";
  binary::key_u64(k, org.value);
  binary::key_u64(k, t.value);
  return k;
}

void add_to_ledger_page(ledger_page& page, ledger_entry entry, const ledger_query& q, std::string_view key) {
  const bool overdue = entry.overdue(q.today);
  if (q.only_open && entry.status != domain::target_status::open) return;
  if (q.only_overdue && !overdue) return;
  page.lines.push_back(ledger_line{std::move(entry), overdue});
  page.next = std::string(key);
}

ledger_page read_ledger(const keyed_state& state, const ledger_query& q) {
  ledger_page page;
  const std::string prefix = "l/" + q.jurisdiction_path;
  std::string start = q.after.empty() ? prefix : q.after;
  state.scan(prefix, start, [&](std::string_view key, std::string_view) {
    if (key == q.after) return true;
    if (page.lines.size() == q.limit) {
      return false;
    }
    auto target = binary::parse_key_u64(key.substr(key.size() - 8));
    auto bytes = state.get(ledger_target_key(domain::target_id{target}));
    if (!bytes) return true;
    auto entry = decode_ledger_entry(*bytes);
    if (!entry) return true;
    add_to_ledger_page(page, std::move(*entry), q, key);
    return true;
  });
  if (page.lines.size() < q.limit) page.next.clear();
  return page;
}

}  // namespace gongjian::projections
