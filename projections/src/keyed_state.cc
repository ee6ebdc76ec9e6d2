#include "gongjian/projections/keyed_state.h"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstring>
#include <vector>

namespace gongjian::projections {

std::optional<std::string> keyed_state::get(std::string_view key) const {
  if (auto it = pending_.find(key); it != pending_.end()) return it->second;
  if (!in_flight_.empty())
    if (auto it = in_flight_.find(key); it != in_flight_.end()) return it->second;
  if (store_ == nullptr) return std::nullopt;
  auto got = store_->consumer_get(consumer_, key);
  if (!got) return std::nullopt;
  return *got;
}

void keyed_state::scan(std::string_view prefix, std::string_view start,
                       const std::function<bool(std::string_view, std::string_view)>& visit) const {
  std::string from(start < prefix ? prefix : start);
  // With a commit in flight, the buffer seen over the store is the in-flight writes overlaid by
  // the pending ones, within the range scanned (scans are rare and short: an org's ledger items).
  buffer overlay;
  const buffer* over = &pending_;
  if (!in_flight_.empty()) {
    for (auto it = in_flight_.lower_bound(from); it != in_flight_.end() && it->first.starts_with(prefix); ++it)
      overlay.insert_or_assign(it->first, it->second);
    for (auto it = pending_.lower_bound(from); it != pending_.end() && it->first.starts_with(prefix); ++it)
      overlay.insert_or_assign(it->first, it->second);
    over = &overlay;
  }
  auto pending = over->lower_bound(from);
  auto pending_live = [&] { return pending != over->end() && pending->first.starts_with(prefix); };
  // Merge the store's keys with the buffer's; the buffer wins on equal keys.
  bool stopped = false;
  auto emit_pending_before = [&](std::string_view bound, bool inclusive) {
    while (!stopped && pending_live() && (pending->first < bound || (inclusive && pending->first == bound))) {
      if (pending->second && !visit(pending->first, *pending->second)) stopped = true;
      ++pending;
    }
  };
  if (store_ != nullptr) {
    auto scanned = store_->consumer_scan(consumer_, from, eventstore::read_direction::forward,
                                         [&](std::string_view key, std::string_view value) {
                                           if (!key.starts_with(prefix)) return false;
                                           emit_pending_before(key, false);
                                           if (stopped) return false;
                                           if (pending_live() && pending->first == key) {
                                             const bool keep_going = !pending->second || visit(key, *pending->second);
                                             ++pending;
                                             if (!keep_going) stopped = true;
                                             return keep_going;
                                           }
                                           if (!visit(key, value)) {
                                             stopped = true;
                                             return false;
                                           }
                                           return true;
                                         });
    (void)scanned;  // a failed scan shows as fewer results; the store logs its own errors
  }
  while (!stopped && pending_live()) {
    if (pending->second && !visit(pending->first, *pending->second)) stopped = true;
    ++pending;
  }
}

// The keys are moved out of the map's nodes (extract), not copied: most of the ledger's are longer
// than std::string's inline buffer, so each copy was a malloc, a copy and a free.
void keyed_state::drain_into(eventstore::consumer_commit& commit) {
  commit.puts.reserve(commit.puts.size() + pending_.size() + postings_.size());
  while (!pending_.empty()) {
    auto node = pending_.extract(pending_.begin());
    if (node.mapped()) {
      commit.puts.emplace_back(std::move(node.key()), std::move(*node.mapped()));
    } else {
      commit.deletes.push_back(std::move(node.key()));
    }
  }
  drain_postings(commit);
}

void keyed_state::drain_into_in_flight(eventstore::consumer_commit& commit) {
  for (const auto& [key, value] : pending_) {
    if (value) {
      commit.puts.emplace_back(key, *value);
    } else {
      commit.deletes.push_back(key);
    }
  }
  in_flight_ = std::move(pending_);
  pending_.clear();
  drain_postings(commit);
}

// In key order (std::sort: the keys are distinct, as their prefixes are), so that the commit's
// puts stay a few ordered runs for the runner's merge (runner.cc, in_key_order) rather than the
// hash table's order.
void keyed_state::drain_postings(eventstore::consumer_commit& commit) {
  place_deferred_lines();
  const auto first = commit.puts.size();
  for (auto& [prefix, index] : postings_) {
    posting& p = posting_list_[index];
    std::string key;
    key.reserve(prefix.size() + 8);
    key.append(prefix);
    key.append(p.last_position.data(), p.last_position.size());
    commit.puts.emplace_back(std::move(key), std::move(p.lines));
  }
  std::sort(commit.puts.begin() + static_cast<std::ptrdiff_t>(first), commit.puts.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  postings_.clear();
  posting_list_.clear();
  deferred_bytes_.clear();
  epoch_.value = epoch::next();
}

void keyed_state::place_deferred_lines() {
  for (posting_id id = 0; id < posting_list_.size(); ++id) {
    auto& lines = posting_list_[id].lines;
    lines.reserve(lines.size() + deferred_bytes_[id]);
  }
  for (const auto& chunk : deferred_) {
    const char* at = chunk.bytes.get();
    const char* const end = at + chunk.used;
    while (at < end) {
      posting_id id = 0;
      std::uint32_t size = 0;
      std::memcpy(&id, at, 4);
      std::memcpy(&size, at + 4, 4);
      posting& p = posting_list_[id];
      p.lines.append(at + 8, size);
      if (size >= 8) std::memcpy(p.last_position.data(), at + 8, 8);
      at += 8 + size;
    }
  }
  deferred_.clear();
  deferred_lines_ = 0;
  std::fill(deferred_bytes_.begin(), deferred_bytes_.end(), 0);
}

std::uint64_t keyed_state::epoch::next() {
  static std::atomic<std::uint64_t> counter{0};
  return ++counter;
}

keyed_state::posting_id keyed_state::posting_at(std::string_view prefix) {
  auto it = postings_.find(prefix);
  if (it == postings_.end()) {
    it = postings_.emplace(std::string(prefix), static_cast<posting_id>(posting_list_.size())).first;
    posting_list_.emplace_back();
    deferred_bytes_.push_back(0);
  }
  return it->second;
}

void keyed_state::append_line(posting_id p, std::string_view line) {
  const auto size = static_cast<std::uint32_t>(line.size());
  const std::size_t needed = 8 + line.size();
  if (deferred_.empty() || deferred_.back().capacity - deferred_.back().used < needed) {
    const std::size_t capacity = std::max(deferred_chunk_bytes, needed);
    deferred_.push_back(deferred_chunk{std::make_unique_for_overwrite<char[]>(capacity), 0, capacity});
  }
  auto& chunk = deferred_.back();
  char* at = chunk.bytes.get() + chunk.used;
  std::memcpy(at, &p, 4);
  std::memcpy(at + 4, &size, 4);
  std::memcpy(at + 8, line.data(), line.size());
  chunk.used += needed;
  deferred_bytes_[p] += size;
  ++deferred_lines_;
}

void keyed_state::append_posting(std::string_view prefix, std::string_view line) {
  append_line(posting_at(prefix), line);
}

}  // namespace gongjian::projections
