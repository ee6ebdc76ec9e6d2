#include "gongjian/projections/member_transfers.h"

#include <algorithm>

#include "gongjian/projections/binary.h"

namespace gongjian::projections {

namespace {

constexpr std::array<char, 3> index_letters = {'r', 'd', 'g'};

incoming_letter letter_of(const letter_line& l) {
  return incoming_letter{domain::transfer_id{l.transfer}, domain::member_id{l.member}, domain::organization_id{l.org},
                         l.pos};
}

}  // namespace

std::string letter_postings_prefix(letter_index index, std::uint64_t id) {
  std::string k{index_letters[static_cast<std::size_t>(index)], '/'};
  binary::key_u64(k, id);
  return k;
}

// Sorted as (key, index into the lines) pairs: the index keeps each key's lines in log order, and
// 16-byte pairs sort faster than 40-byte lines. Values are sized once and written in place.
void letter_lines::drain(letter_index index, std::vector<std::pair<std::string, std::string>>& puts) {
  auto& lines = lines_[static_cast<std::size_t>(index)];
  if (lines.empty()) return;
  order_.resize(lines.size());
  for (std::uint32_t i = 0; i < lines.size(); ++i) order_[i] = {lines[i].key, i};
  std::sort(order_.begin(), order_.end());
  for (std::size_t first = 0; first < order_.size();) {
    std::size_t end = first + 1;
    while (end < order_.size() && order_[end].first == order_[first].first) ++end;
    std::string key = letter_postings_prefix(index, order_[first].first);
    binary::key_u64(key, lines[order_[end - 1].second].pos);
    const std::size_t size = letter_line_size(index);
    std::string value((end - first) * size, '\0');
    char* out = value.data();
    for (std::size_t i = first; i < end; ++i, out += size) {
      const auto& l = lines[order_[i].second];
      binary::put_key_u64(out, l.pos);
      binary::put_key_u64(out + 8, l.transfer);
      if (size > 16) binary::put_key_u64(out + 16, l.member);
      if (size > 24) binary::put_key_u64(out + 24, l.org);
    }
    puts.emplace_back(std::move(key), std::move(value));
    first = end;
  }
  lines.clear();
}

std::vector<incoming_letter> indexed_letters(const keyed_state& state, const letter_lines& pending, letter_index index,
                                             std::uint64_t id, std::uint64_t position) {
  const std::size_t size = letter_line_size(index);
  const std::string prefix = letter_postings_prefix(index, id);
  std::vector<incoming_letter> out;
  state.scan(prefix, prefix, [&](std::string_view key, std::string_view value) {
    if (key.size() != prefix.size() + 8 || value.size() % size != 0) return true;  // not a posting
    for (std::size_t at = 0; at < value.size(); at += size) {
      const std::string_view l = value.substr(at, size);
      const std::uint64_t pos = binary::parse_key_u64(l.substr(0, 8));
      if (pos > position) break;  // a posting's lines are in log order: the rest are later still
      // What the key says is not in the line: the member of r/, the org of g/ (r/ says no org).
      letter_line line{id, pos, binary::parse_key_u64(l.substr(8, 8)), id, index == letter_index::org ? id : 0};
      if (size > 16) line.member = binary::parse_key_u64(l.substr(16, 8));
      if (size > 24) line.org = binary::parse_key_u64(l.substr(24, 8));
      out.push_back(letter_of(line));
    }
    return true;
  });
  for (const auto& l : pending.of(index)) {
    if (l.key != id || l.pos > position) continue;
    out.push_back(letter_of(l));
  }
  // Each letter keeps its first line.
  std::sort(out.begin(), out.end(), [](const incoming_letter& a, const incoming_letter& b) {
    return a.transfer.value != b.transfer.value ? a.transfer.value < b.transfer.value : a.opened_at < b.opened_at;
  });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const incoming_letter& a, const incoming_letter& b) { return a.transfer == b.transfer; }),
            out.end());
  return out;
}

std::vector<domain::transfer_id> member_transfers(const keyed_state& state, const letter_lines& pending,
                                                  domain::member_id member, std::size_t limit) {
  std::vector<domain::transfer_id> out;
  for (const auto& l : indexed_letters(state, pending, letter_index::member, member.value)) {
    if (out.size() == limit) break;
    out.push_back(l.transfer);
  }
  return out;
}

}  // namespace gongjian::projections
