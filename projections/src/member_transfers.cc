#include "gongjian/projections/member_transfers.h"

#include "gongjian/projections/binary.h"

namespace gongjian::projections {

namespace {

std::string id_key(std::string_view prefix, std::uint64_t first) {
  std::string k(prefix);
  binary::key_u64(k, first);
  return k;
}

std::string pair_key(std::string_view prefix, std::uint64_t first, domain::transfer_id transfer) {
  std::string k = id_key(prefix, first);
  binary::key_u64(k, transfer.value);
  return k;
}

// 0: absent, else the value + 1; so that "not said" survives a round trip.
template <class E>
void write_enum(binary::writer& w, const std::optional<E>& v) {
  w.u(v ? static_cast<std::uint64_t>(*v) + 1 : 0);
}
template <class E>
std::optional<E> read_enum(binary::reader& r) {
  const auto v = r.u();
  if (v == 0) return std::nullopt;
  return static_cast<E>(v - 1);
}
void write_date(binary::writer& w, const std::optional<domain::date>& d) {
  w.u(d ? 1 : 0);
  if (d) w.i(d->days_since_epoch);
}
std::optional<domain::date> read_date(binary::reader& r) {
  if (r.u() == 0) return std::nullopt;
  return domain::date{static_cast<std::int32_t>(r.i())};
}

transfer_letter_page letters_under(const keyed_state& state, const std::string& prefix,
                                   const transfer_letter_query& q) {
  transfer_letter_page page;
  if (q.limit == 0 || q.after.value == UINT64_MAX) return page;
  std::string from = prefix;
  if (q.after.value != 0) binary::key_u64(from, q.after.value + 1);
  state.scan(prefix, from, [&](std::string_view key, std::string_view) {
    const domain::transfer_id id{binary::parse_key_u64(key.substr(key.size() - 8))};
    auto letter = read_transfer_letter(state, id);
    if (letter) letter = transfer_letter_as_of(std::move(*letter), q.position);
    if (!letter || (q.status && letter->status != *q.status)) return true;
    if (page.letters.size() == q.limit) {
      // One more matches: there is a next page, and it starts after this page's last letter.
      page.next = page.letters.back().transfer;
      return false;
    }
    page.letters.push_back(std::move(*letter));
    return true;
  });
  return page;
}

}  // namespace

std::string member_transfer_key(domain::member_id member, domain::transfer_id transfer) {
  return pair_key("r/", member.value, transfer);
}

std::vector<domain::transfer_id> member_transfers(const keyed_state& state, domain::member_id member,
                                                  std::size_t limit) {
  const std::string prefix = id_key("r/", member.value);
  std::vector<domain::transfer_id> out;
  if (limit == 0) return out;
  state.scan(prefix, prefix, [&](std::string_view key, std::string_view) {
    out.push_back(domain::transfer_id{binary::parse_key_u64(key.substr(key.size() - 8))});
    return out.size() < limit;
  });
  return out;
}

// Field order is the format: append new fields at the end only.
std::string encode(const transfer_letter& l) {
  binary::writer w;
  w.u(l.transfer.value);
  w.u(l.member.value);
  w.u(l.to_branch.value);
  w.u(l.org.value);
  w.u(static_cast<std::uint64_t>(l.status));
  write_enum(w, l.standing);
  w.str(l.from_organization);
  write_date(w, l.dues_paid_until);
  write_date(w, l.issued_on);
  write_date(w, l.valid_until);
  w.u(l.issued_at);
  w.u(l.replaces.value);
  w.u(l.replaced_by.value);
  w.str(l.reason);
  write_enum(w, l.certificate_issuer);
  w.str(l.certificate_issuer_name);
  w.str(l.certificate_number);
  write_date(w, l.settled_on);
  w.u(l.settled_at);
  return w.take();
}

std::optional<transfer_letter> decode_transfer_letter(std::string_view bytes) {
  binary::reader r(bytes);
  transfer_letter l;
  l.transfer = domain::transfer_id{r.u()};
  l.member = domain::member_id{r.u()};
  l.to_branch = domain::branch_id{r.u()};
  l.org = domain::organization_id{r.u()};
  l.status = static_cast<domain::transfer_status>(r.u());
  l.standing = read_enum<domain::member_standing>(r);
  l.from_organization = r.str();
  l.dues_paid_until = read_date(r);
  l.issued_on = read_date(r);
  l.valid_until = read_date(r);
  l.issued_at = r.u();
  l.replaces = domain::transfer_id{r.u()};
  l.replaced_by = domain::transfer_id{r.u()};
  l.reason = r.str();
  l.certificate_issuer = read_enum<domain::certificate_issuer>(r);
  l.certificate_issuer_name = r.str();
  l.certificate_number = r.str();
  l.settled_on = read_date(r);
  l.settled_at = r.u();
  if (!r.ok()) return std::nullopt;
  return l;
}

std::string transfer_letter_key(domain::transfer_id transfer) { return id_key("e/", transfer.value); }
std::string branch_transfer_key(domain::branch_id branch, domain::transfer_id transfer) {
  return pair_key("d/", branch.value, transfer);
}
std::string org_transfer_key(domain::organization_id org, domain::transfer_id transfer) {
  return pair_key("g/", org.value, transfer);
}

std::optional<transfer_letter> transfer_letter_as_of(transfer_letter l, std::uint64_t position) {
  // A letter known only from its settling event exists from that event on.
  const std::uint64_t written = l.issued_at != 0 ? l.issued_at : l.settled_at;
  if (written > position) return std::nullopt;
  if (l.settled_at > position) {
    l.status = domain::transfer_status::issued;
    l.settled_on.reset();
    l.settled_at = 0;
    l.replaced_by = domain::transfer_id{};
    l.reason.clear();
  }
  return l;
}

std::optional<transfer_letter> read_transfer_letter(const keyed_state& state, domain::transfer_id transfer) {
  auto bytes = state.get(transfer_letter_key(transfer));
  if (!bytes) return std::nullopt;
  return decode_transfer_letter(*bytes);
}

transfer_letter_page letters_to_branch(const keyed_state& state, domain::branch_id branch,
                                       const transfer_letter_query& q) {
  return letters_under(state, id_key("d/", branch.value), q);
}

transfer_letter_page letters_of_org(const keyed_state& state, domain::organization_id org,
                                    const transfer_letter_query& q) {
  return letters_under(state, id_key("g/", org.value), q);
}

}  // namespace gongjian::projections
