#include "gongjian/projections/org_table.h"

#include "gongjian/domain/dense_table.h"

namespace gongjian::projections {

static_assert(sizeof(org_record) <= 40, "per-organization state must stay a few dozen bytes");

std::optional<org_index> org_key_index::find(std::uint64_t key) const {
  if (keys_.empty()) return std::nullopt;
  std::size_t mask = keys_.size() - 1;
  for (std::size_t i = domain::spread_id(key) & mask;; i = (i + 1) & mask) {
    if (keys_[i] == key) return values_[i];
    if (keys_[i] == 0) return std::nullopt;
  }
}

void org_key_index::insert(std::uint64_t key, org_index value) {
  if ((size_ + 1) * 4 > keys_.size() * 3) grow();
  std::size_t mask = keys_.size() - 1;
  std::size_t i = domain::spread_id(key) & mask;
  while (keys_[i] != 0) i = (i + 1) & mask;
  keys_[i] = key;
  values_[i] = value;
  ++size_;
}

void org_key_index::grow() {
  std::vector<std::uint64_t> old_keys = std::move(keys_);
  std::vector<org_index> old_values = std::move(values_);
  std::size_t capacity = old_keys.empty() ? 1024 : old_keys.size() * 2;
  keys_.assign(capacity, 0);
  values_.assign(capacity, 0);
  std::size_t mask = capacity - 1;
  for (std::size_t j = 0; j < old_keys.size(); ++j) {
    if (old_keys[j] == 0) continue;
    std::size_t i = domain::spread_id(old_keys[j]) & mask;
    while (keys_[i] != 0) i = (i + 1) & mask;
    keys_[i] = old_keys[j];
    values_[i] = old_values[j];
  }
}

void org_key_index::clear() {
  keys_.clear();
  values_.clear();
  size_ = 0;
}

}  // namespace gongjian::projections
