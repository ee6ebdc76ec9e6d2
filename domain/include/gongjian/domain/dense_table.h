#pragma once
// Storage for the aggregates that come by the tens of millions (orgs and their members): records
// in insertion order in fixed-size chunks, found through an index from id to slot. Node-based
// maps cost 40-70 bytes of overhead per entry (a heap node, a bucket pointer, malloc's header);
// here an entry costs its record, 4 bytes for the id's low half and 5 to 7.5 bytes of hash table. Entries are never erased (orgs and members stay on record after they are
// removed or leave), which is what keeps the slots dense.

#include <algorithm>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <unordered_map>
#include <utility>
#include <vector>

namespace gongjian::domain {

// Ids are mostly consecutive: an avalanche (splitmix64's finalizer) spreads them over a hash table.
inline std::size_t spread_id(std::uint64_t id) {
  id ^= id >> 30;
  id *= 0xbf58476d1ce4e5b9ULL;
  id ^= id >> 27;
  id *= 0x94d049bb133111ebULL;
  id ^= id >> 31;
  return static_cast<std::size_t>(id);
}

// A growable array made of fixed chunks: growing never copies what is already there (a doubling
// vector of tens of millions of entries briefly holds three times its size while it moves), and
// references to elements stay valid as the array grows.
template <class T>
class chunked_array {
 public:
  // 4096 entries: small enough that a small state (a demo, a test, a copy for a reader) does not
  // carry mostly empty chunks, large enough that the chunk pointers are nothing at 10^7 entries.
  static constexpr std::size_t chunk_bits = 12;
  static constexpr std::size_t chunk_size = std::size_t{1} << chunk_bits;

  chunked_array() = default;
  chunked_array(const chunked_array& other) : size_(other.size_) {
    chunks_.reserve(other.chunks_.size());
    for (const auto& chunk : other.chunks_) {
      chunks_.push_back(std::make_unique<T[]>(chunk_size));
      std::copy(chunk.get(), chunk.get() + chunk_size, chunks_.back().get());
    }
  }
  chunked_array(chunked_array&&) noexcept = default;
  chunked_array& operator=(chunked_array other) noexcept {
    chunks_.swap(other.chunks_);
    std::swap(size_, other.size_);
    return *this;
  }

  T& operator[](std::size_t i) { return chunks_[i >> chunk_bits][i & (chunk_size - 1)]; }
  const T& operator[](std::size_t i) const { return chunks_[i >> chunk_bits][i & (chunk_size - 1)]; }
  std::size_t size() const { return size_; }
  T& push_back(const T& value) {
    if ((size_ >> chunk_bits) == chunks_.size()) chunks_.push_back(std::make_unique<T[]>(chunk_size));
    T& slot = (*this)[size_++];
    slot = value;
    return slot;
  }

 private:
  std::vector<std::unique_ptr<T[]>> chunks_;
  std::size_t size_ = 0;
};

// Ids (positive, below 2^62, assigned by callers and usually consecutive) to dense slots 0, 1, 2 …
// in insertion order. The low 32 bits of each id are kept per slot; the high half, zero for ids
// below 2^32, is kept aside for the rare slot whose id is larger.
class id_slots {
 public:
  static constexpr std::uint32_t none = 0xFFFFFFFFu;

  // The slot of `id`, or `none`.
  std::uint32_t find(std::uint64_t id) const;
  // Adds an id that is not present; returns its slot (the previous size).
  std::uint32_t insert(std::uint64_t id);
  std::uint64_t id_at(std::uint32_t slot) const;
  std::size_t size() const { return low_.size(); }

 private:
  bool matches(std::uint32_t slot, std::uint64_t id) const;
  void place(std::uint64_t id, std::uint32_t slot);
  void grow();

  chunked_array<std::uint32_t> low_;
  std::unordered_map<std::uint32_t, std::uint32_t> high_;  // slot -> id >> 32, when not zero
  std::vector<std::uint32_t> table_;                       // slot + 1; 0 = empty; linear probing
};

// Records kept in place (pointers to them stay valid while the table grows), keyed by a strong id.
// Iterates in insertion order as (id, const record&) pairs.
template <class Id, class Record>
class dense_table {
 public:
  using key_type = Id;
  using mapped_type = Record;

  const Record* find(Id id) const {
    const auto slot = slots_.find(id.value);
    return slot == id_slots::none ? nullptr : &records_[slot];
  }
  Record* find(Id id) {
    const auto slot = slots_.find(id.value);
    return slot == id_slots::none ? nullptr : &records_[slot];
  }
  // Inserts when absent; returns the record and whether it was inserted.
  std::pair<Record*, bool> try_emplace(Id id, const Record& record) {
    if (auto* found = find(id)) return {found, false};
    slots_.insert(id.value);
    return {&records_.push_back(record), true};
  }
  std::uint32_t slot_of(Id id) const { return slots_.find(id.value); }
  Id id_at(std::uint32_t slot) const { return Id{slots_.id_at(slot)}; }
  const Record& at_slot(std::uint32_t slot) const { return records_[slot]; }
  Record& at_slot(std::uint32_t slot) { return records_[slot]; }
  std::size_t size() const { return records_.size(); }
  bool empty() const { return size() == 0; }

  class iterator {
   public:
    using value_type = std::pair<Id, const Record&>;
    iterator(const dense_table* table, std::uint32_t slot) : table_(table), slot_(slot) {}
    value_type operator*() const { return {table_->id_at(slot_), table_->at_slot(slot_)}; }
    iterator& operator++() {
      ++slot_;
      return *this;
    }
    bool operator==(const iterator& other) const { return slot_ == other.slot_; }

   private:
    const dense_table* table_;
    std::uint32_t slot_;
  };
  iterator begin() const { return {this, 0}; }
  iterator end() const { return {this, static_cast<std::uint32_t>(size())}; }

  // The same ids with equal records, whatever the order they were inserted in.
  bool operator==(const dense_table& other) const {
    if (size() != other.size()) return false;
    for (const auto& [id, record] : *this) {
      const auto* theirs = other.find(id);
      if (!theirs || !(*theirs == record)) return false;
    }
    return true;
  }

 private:
  id_slots slots_;
  chunked_array<Record> records_;
};

}  // namespace gongjian::domain
