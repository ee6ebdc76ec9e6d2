#include "gongjian/domain/dense_table.h"

namespace gongjian::domain {

namespace {
__extension__ using wide = unsigned __int128;

// The table's capacity grows by half (not doubling) so that its load stays between 8/15 and 4/5
// whatever the final count: 4 bytes a slot come to 5 to 7.5 bytes an id. A multiply-shift maps the
// hash onto a capacity that is not a power of two.
std::size_t home(std::uint64_t id, std::size_t capacity) {
  return static_cast<std::size_t>((static_cast<wide>(spread_id(id)) * capacity) >> 64);
}
}  // namespace

bool id_slots::matches(std::uint32_t slot, std::uint64_t id) const {
  if (low_[slot] != static_cast<std::uint32_t>(id)) return false;
  const auto high = static_cast<std::uint32_t>(id >> 32);
  if (high_.empty()) return high == 0;
  auto it = high_.find(slot);
  return (it == high_.end() ? 0u : it->second) == high;
}

std::uint32_t id_slots::find(std::uint64_t id) const {
  if (table_.empty()) return none;
  for (std::size_t i = home(id, table_.size());;) {
    const std::uint32_t entry = table_[i];
    if (entry == 0) return none;
    if (matches(entry - 1, id)) return entry - 1;
    if (++i == table_.size()) i = 0;
  }
}

std::uint32_t id_slots::insert(std::uint64_t id) {
  // Slot `none` is the "absent" answer, so the last usable slot is one below it.
  if (low_.size() >= none - 1) throw std::length_error("id_slots: more than 2^32 - 2 ids");
  if ((low_.size() + 1) * 5 > table_.size() * 4) grow();
  const auto slot = static_cast<std::uint32_t>(low_.size());
  low_.push_back(static_cast<std::uint32_t>(id));
  if (id >> 32) high_.emplace(slot, static_cast<std::uint32_t>(id >> 32));
  place(id, slot);
  return slot;
}

std::uint64_t id_slots::id_at(std::uint32_t slot) const {
  std::uint64_t high = 0;
  if (!high_.empty()) {
    auto it = high_.find(slot);
    if (it != high_.end()) high = it->second;
  }
  return (high << 32) | low_[slot];
}

void id_slots::place(std::uint64_t id, std::uint32_t slot) {
  std::size_t i = home(id, table_.size());
  while (table_[i] != 0) {
    if (++i == table_.size()) i = 0;
  }
  table_[i] = slot + 1;
}

void id_slots::grow() {
  const std::size_t capacity = table_.empty() ? 1024 : table_.size() + table_.size() / 2;
  // The old table is freed before the new one is taken: everything is placed again from the ids,
  // so the two never need to live together (at tens of millions of ids that is a peak saved).
  table_ = {};
  table_.assign(capacity, 0);
  for (std::uint32_t slot = 0; slot < low_.size(); ++slot) place(id_at(slot), slot);
}

}  // namespace gongjian::domain
