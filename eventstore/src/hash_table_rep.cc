#include "hash_table_rep.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <new>
#include <mutex>
#include <string_view>
#include <utility>
#include <vector>

namespace gongjian::eventstore {
namespace {

// Each entry is allocated with a link in front of it:
//
//   +-------------------------+----------------------------------------------------+
//   | next (8 bytes, older    | the entry as MemTable encodes it: varint32 length, |
//   | entry of the same key)  | internal key (user key, 8 bytes seq/type), value   |
//   +-------------------------+----------------------------------------------------+
//                             ^ the KeyHandle MemTable writes to and inserts
constexpr std::size_t link_bytes = sizeof(const char*);

const char* next_of(const char* entry) {
  const char* next = nullptr;
  std::memcpy(&next, entry - link_bytes, link_bytes);
  return next;
}

void set_next(const char* entry, const char* next) {
  std::memcpy(const_cast<char*>(entry) - link_bytes, &next, link_bytes);
}

// The entries in internal key order, from a copy of their pointers: a total-order iterator.
class sorted_iterator final : public rocksdb::MemTableRep::Iterator {
 public:
  using KeyComparator = rocksdb::MemTableRep::KeyComparator;

  sorted_iterator(const KeyComparator& compare, std::vector<const char*> sorted)
      : compare_(compare), sorted_(std::move(sorted)), at_(sorted_.size()) {}
  bool Valid() const override { return at_ < sorted_.size(); }
  const char* key() const override { return sorted_[at_]; }
  void Next() override { ++at_; }
  void Prev() override { at_ = at_ == 0 ? sorted_.size() : at_ - 1; }
  void Seek(const rocksdb::Slice& internal_key, const char* memtable_key) override {
    at_ = lower_bound(internal_key, memtable_key);
  }
  void SeekForPrev(const rocksdb::Slice& internal_key, const char* memtable_key) override {
    // The last entry <= the target.
    std::size_t first_greater = lower_bound(internal_key, memtable_key);
    while (first_greater < sorted_.size() && compare_at(first_greater, internal_key, memtable_key) == 0) {
      ++first_greater;
    }
    at_ = first_greater == 0 ? sorted_.size() : first_greater - 1;
  }
  void SeekToFirst() override { at_ = 0; }
  void SeekToLast() override { at_ = sorted_.empty() ? 0 : sorted_.size() - 1; }

 private:
  int compare_at(std::size_t i, const rocksdb::Slice& internal_key, const char* memtable_key) const {
    return memtable_key != nullptr ? compare_(sorted_[i], memtable_key) : compare_(sorted_[i], internal_key);
  }
  std::size_t lower_bound(const rocksdb::Slice& internal_key, const char* memtable_key) const {
    std::size_t low = 0;
    std::size_t high = sorted_.size();
    while (low < high) {
      const std::size_t mid = low + (high - low) / 2;
      if (compare_at(mid, internal_key, memtable_key) < 0) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    return low;
  }

  const KeyComparator& compare_;
  std::vector<const char*> sorted_;
  std::size_t at_;
};

// What both memtables below share: a total order (a flush, a total-order scan) is a sorted copy of
// the entry pointers, taken under the memtable's lock when the iterator is created.
class sorted_copy_rep : public rocksdb::MemTableRep {
 public:
  sorted_copy_rep(const KeyComparator& compare, rocksdb::Allocator* allocator)
      : MemTableRep(allocator), compare_(compare) {}

  Iterator* GetIterator(rocksdb::Arena* arena) override {
    auto it = std::make_unique<sorted_iterator>(compare_, sorted_entries());
    if (arena == nullptr) return it.release();
    // The caller (MemTableIterator in arena mode) only runs the destructor, which frees the
    // sorted array; the object itself stays with this memtable until it is destroyed, since
    // rocksdb::Arena is not part of RocksDB's installed headers.
    Iterator* raw = it.get();
    std::lock_guard lock(mutex_);
    arena_iterators_.push_back(std::move(it));
    return raw;
  }

  ~sorted_copy_rep() override {
    // Arena-mode iterators were already destroyed by their user: release the storage only.
    for (auto& it : arena_iterators_) ::operator delete(static_cast<void*>(it.release()));
  }

 protected:
  // Every entry, in internal key order.
  virtual std::vector<const char*> sorted_entries() = 0;

  std::string_view user_key(const char* entry) const {
    const rocksdb::Slice internal = compare_.decode_key(entry);
    return {internal.data(), internal.size() - 8};
  }

  const KeyComparator& compare_;
  mutable std::mutex mutex_;  // one inserter (the writer; bulk mode: the syncer), any readers

 private:
  std::vector<std::unique_ptr<Iterator>> arena_iterators_;
};

class hash_table_rep final : public sorted_copy_rep {
 public:
  hash_table_rep(const KeyComparator& compare, rocksdb::Allocator* allocator)
      : sorted_copy_rep(compare, allocator), slots_(initial_slots) {}

  rocksdb::KeyHandle Allocate(const std::size_t len, char** buf) override {
    char* raw = nullptr;
    MemTableRep::Allocate(len + link_bytes, &raw);
    *buf = raw + link_bytes;
    set_next(*buf, nullptr);
    return *buf;
  }

  void Insert(rocksdb::KeyHandle handle) override {
    const char* entry = static_cast<const char*>(handle);
    const std::string_view key = user_key(entry);
    const std::uint64_t hash = hash_of(key);
    std::lock_guard lock(mutex_);
    if ((used_ + 1) * 2 > slots_.size()) grow();
    slot& s = find(key, hash);
    if (s.head == nullptr) {
      s = {hash, entry};
      ++used_;
    } else if (compare_(entry, s.head) < 0) {  // the usual case: a newer sequence number
      set_next(entry, s.head);
      s.head = entry;
    } else {
      const char* before = s.head;
      while (next_of(before) != nullptr && compare_(next_of(before), entry) < 0) before = next_of(before);
      set_next(entry, next_of(before));
      set_next(before, entry);
    }
    ++entries_;
  }

  bool Contains(const char* encoded) const override {
    const std::string_view key = user_key(encoded);
    std::lock_guard lock(mutex_);
    const slot& s = const_cast<hash_table_rep*>(this)->find(key, hash_of(key));
    for (const char* e = s.head; e != nullptr; e = next_of(e)) {
      const int c = compare_(e, encoded);
      if (c == 0) return true;
      if (c > 0) break;
    }
    return false;
  }

  // MemTableRep::Get (RocksDB's) seeks GetDynamicPrefixIterator() and follows it while its
  // callback asks for more: with the whole key as the prefix, that iterator is the key's chain.
  // (rocksdb::LookupKey, which an own lookup would take apart, is not in the installed headers.)
  // That Get never deletes the iterator, so it gets one on this Get's stack, handed over through
  // a thread-local pointer: no allocation per lookup, and nothing left behind.
  void Get(const rocksdb::LookupKey& k, void* callback_args, bool (*callback_func)(void*, const char*)) override {
    chain_iterator on_stack(*this);
    lookup_iterator = &on_stack;
    MemTableRep::Get(k, callback_args, callback_func);
    lookup_iterator = nullptr;
  }

  Iterator* GetDynamicPrefixIterator(rocksdb::Arena* arena) override {
    if (arena != nullptr) return GetIterator(arena);
    if (lookup_iterator != nullptr) return std::exchange(lookup_iterator, nullptr);
    return new chain_iterator(*this);  // any other caller owns (deletes) what it asked for
  }

  std::size_t ApproximateMemoryUsage() override {
    std::lock_guard lock(mutex_);
    return slots_.capacity() * sizeof(slot);
  }

  std::vector<const char*> sorted_entries() override {
    std::vector<const char*> sorted;
    {
      std::lock_guard lock(mutex_);
      sorted.reserve(entries_);
      for (const slot& s : slots_) {
        for (const char* e = s.head; e != nullptr; e = next_of(e)) sorted.push_back(e);
      }
    }
    std::sort(sorted.begin(), sorted.end(), [this](const char* a, const char* b) { return compare_(a, b) < 0; });
    return sorted;
  }

 private:
  static constexpr std::size_t initial_slots = 1024;  // a power of two

  struct slot {
    std::uint64_t hash = 0;
    const char* head = nullptr;  // newest entry of the key; nullptr: empty slot
  };

  // The entries of one key, newest first: what a lookup (or a prefix-mode iterator, the prefix
  // being the whole key) needs. Each step takes the mutex, since the writer may be linking a new
  // entry into the same chain; entries themselves never move. Asked for a total order
  // (SeekToFirst, SeekToLast), it switches to a sorted copy of everything, a superset of what a
  // prefix-mode iterator owes.
  class chain_iterator final : public Iterator {
   public:
    explicit chain_iterator(hash_table_rep& rep) : rep_(rep) {}
    bool Valid() const override { return all_ ? all_->Valid() : at_ != nullptr; }
    const char* key() const override { return all_ ? all_->key() : at_; }
    void Next() override {
      if (all_) return all_->Next();
      std::lock_guard lock(rep_.mutex_);
      at_ = next_of(at_);
    }
    void Prev() override {
      if (all_) return all_->Prev();
      std::lock_guard lock(rep_.mutex_);
      const char* before = nullptr;
      for (const char* e = head_; e != nullptr && e != at_; e = next_of(e)) before = e;
      at_ = before;
    }
    void Seek(const rocksdb::Slice& internal_key, const char* memtable_key) override {
      if (all_) return all_->Seek(internal_key, memtable_key);
      const std::string_view key(internal_key.data(), internal_key.size() - 8);
      std::lock_guard lock(rep_.mutex_);
      head_ = rep_.find(key, hash_of(key)).head;
      at_ = head_;
      while (at_ != nullptr && rep_.compare_(at_, internal_key) < 0) at_ = next_of(at_);
    }
    void SeekForPrev(const rocksdb::Slice& internal_key, const char* memtable_key) override {
      if (all_) return all_->SeekForPrev(internal_key, memtable_key);
      const std::string_view key(internal_key.data(), internal_key.size() - 8);
      std::lock_guard lock(rep_.mutex_);
      head_ = rep_.find(key, hash_of(key)).head;
      at_ = nullptr;  // the last entry <= the target
      for (const char* e = head_; e != nullptr && rep_.compare_(e, internal_key) <= 0; e = next_of(e)) at_ = e;
    }
    void SeekToFirst() override { total_order().SeekToFirst(); }
    void SeekToLast() override { total_order().SeekToLast(); }

   private:
    Iterator& total_order() {
      if (!all_) all_.reset(rep_.GetIterator(nullptr));
      return *all_;
    }

    hash_table_rep& rep_;
    const char* head_ = nullptr;
    const char* at_ = nullptr;
    std::unique_ptr<Iterator> all_;
  };

  static thread_local Iterator* lookup_iterator;

  static std::uint64_t hash_of(std::string_view key) { return std::hash<std::string_view>{}(key); }

  // The key's slot, or the empty slot where it would go (linear probing; never full).
  slot& find(std::string_view key, std::uint64_t hash) {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      slot& s = slots_[i];
      if (s.head == nullptr || (s.hash == hash && user_key(s.head) == key)) return s;
    }
  }
  const slot& find(std::string_view key, std::uint64_t hash) const {
    return const_cast<hash_table_rep*>(this)->find(key, hash);
  }

  void grow() {
    std::vector<slot> old(slots_.size() * 2);
    old.swap(slots_);
    const std::size_t mask = slots_.size() - 1;
    for (const slot& s : old) {
      if (s.head == nullptr) continue;
      std::size_t i = s.hash & mask;
      while (slots_[i].head != nullptr) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }

  std::vector<slot> slots_;
  std::size_t used_ = 0;
  std::size_t entries_ = 0;
};

thread_local rocksdb::MemTableRep::Iterator* hash_table_rep::lookup_iterator = nullptr;

// Storage for iterators that their user destroys in place without freeing it (arena mode), one
// pool per thread. A destructor hands its storage back while it is still running (its base class
// is destroyed after it), so that storage is only reused by a later call on the same thread, when
// that destructor has surely returned; any other thread never sees it.
template <typename T>
class iterator_pool {
 public:
  static void* take() {
    auto& free = instance().free_;
    if (free.empty()) return ::operator new(sizeof(T));
    void* storage = free.back();
    free.pop_back();
    return storage;
  }
  static void give_back(void* storage) {
    auto& free = instance().free_;
    // Bounded: an iterator destroyed on a thread other than its own adds to this one's pool. The
    // oldest block, handed back by an earlier call on this thread, is done with.
    if (free.size() == max_kept) {
      ::operator delete(free.front());
      free.erase(free.begin());
    }
    free.push_back(storage);
  }

 private:
  static constexpr std::size_t max_kept = 64;
  static iterator_pool& instance() {
    static thread_local iterator_pool pool;
    return pool;
  }
  ~iterator_pool() {
    for (void* storage : free_) ::operator delete(storage);
  }
  std::vector<void*> free_;
};

// The stream index's memtable: an open-addressing hash table of key prefixes (a stream's name; the
// column family's prefix extractor), each slot owning a vector of that stream's entries in internal
// key order. A stream's versions arrive in ascending order, so an insert is one hash and one
// push_back (a skiplist searched ~20 levels from the top for each was the largest cost of writing
// derived data at 256 writers); a lookup or a prefix-mode seek is one hash and a binary search
// within one stream; a flush sorts the streams by name, not every entry.
class stream_index_rep final : public sorted_copy_rep {
 public:
  stream_index_rep(const KeyComparator& compare, rocksdb::Allocator* allocator, const rocksdb::SliceTransform* prefix)
      : sorted_copy_rep(compare, allocator), prefix_(prefix), slots_(initial_slots, no_group) {}

  void Insert(rocksdb::KeyHandle handle) override {
    const char* entry = static_cast<const char*>(handle);
    const std::string_view stream = prefix_of(user_key(entry));
    const std::uint64_t hash = hash_of(stream);
    std::lock_guard lock(mutex_);
    if ((groups_.size() + 1) * 2 > slots_.size()) grow();
    std::uint32_t& slot = find(stream, hash);
    if (slot == no_group) {
      slot = static_cast<std::uint32_t>(groups_.size());
      groups_.push_back(group{hash, {}});
    }
    auto& entries = groups_[slot].entries;
    const std::size_t capacity = entries.capacity();
    if (entries.empty() || compare_(entry, entries.back()) > 0) {  // the usual case: the stream's next version
      entries.push_back(entry);
    } else {
      entries.insert(std::upper_bound(entries.begin(), entries.end(), entry,
                                      [this](const char* a, const char* b) { return compare_(a, b) < 0; }),
                     entry);
    }
    vector_bytes_ += (entries.capacity() - capacity) * sizeof(const char*);
    ++entries_;
  }

  bool Contains(const char* encoded) const override {
    const std::string_view stream = prefix_of(user_key(encoded));
    std::lock_guard lock(mutex_);
    const std::uint32_t g = const_cast<stream_index_rep*>(this)->find(stream, hash_of(stream));
    if (g == no_group) return false;
    const auto& entries = groups_[g].entries;
    auto it = std::lower_bound(entries.begin(), entries.end(), encoded,
                               [this](const char* a, const char* b) { return compare_(a, b) < 0; });
    return it != entries.end() && compare_(*it, encoded) == 0;
  }

  // As hash_table_rep::Get: RocksDB's Get follows GetDynamicPrefixIterator() and never deletes it.
  void Get(const rocksdb::LookupKey& k, void* callback_args, bool (*callback_func)(void*, const char*)) override {
    stream_iterator on_stack(*this);
    lookup_iterator = &on_stack;
    MemTableRep::Get(k, callback_args, callback_func);
    lookup_iterator = nullptr;
  }

  // Arena mode (a DB iterator's MemTableIterator) destroys the iterator in place and never frees
  // its storage, which would belong to RocksDB's arena (not in the installed headers): the storage
  // comes from a pool of this thread's instead (iterator_pool).
  Iterator* GetDynamicPrefixIterator(rocksdb::Arena* arena) override {
    if (lookup_iterator != nullptr) return std::exchange(lookup_iterator, nullptr);
    if (arena == nullptr) return new stream_iterator(*this);  // the caller deletes it
    return new (iterator_pool<stream_iterator>::take()) stream_iterator(*this, /*pooled=*/true);
  }

  std::size_t ApproximateMemoryUsage() override {
    std::lock_guard lock(mutex_);
    return slots_.capacity() * sizeof(std::uint32_t) + groups_.capacity() * sizeof(group) + vector_bytes_;
  }

  std::vector<const char*> sorted_entries() override {
    std::vector<const char*> sorted;
    std::lock_guard lock(mutex_);
    sorted.reserve(entries_);
    // Streams in name order, each already in order: every key of one stream sorts before every
    // key of a greater one, as the extractor's prefixes end at the name's '\0' terminator. Checked
    // at each boundary all the same: a full sort if the prefixes ever do not partition the order.
    std::vector<std::uint32_t> order(groups_.size());
    for (std::uint32_t g = 0; g < order.size(); ++g) order[g] = g;
    std::sort(order.begin(), order.end(), [this](std::uint32_t a, std::uint32_t b) {
      return compare_(groups_[a].entries.front(), groups_[b].entries.front()) < 0;
    });
    bool ordered = true;
    for (auto g : order) {
      const auto& entries = groups_[g].entries;
      if (!sorted.empty() && compare_(sorted.back(), entries.front()) >= 0) ordered = false;
      sorted.insert(sorted.end(), entries.begin(), entries.end());
    }
    if (!ordered) {
      std::sort(sorted.begin(), sorted.end(), [this](const char* a, const char* b) { return compare_(a, b) < 0; });
    }
    return sorted;
  }

 private:
  static constexpr std::size_t initial_slots = 1024;  // a power of two
  static constexpr std::uint32_t no_group = std::numeric_limits<std::uint32_t>::max();

  struct group {
    std::uint64_t hash;
    std::vector<const char*> entries;  // in internal key order; never empty
  };

  // The entries of one stream: what a lookup, or a prefix-mode iterator, needs. Each step takes
  // the mutex, since the writer may grow the same vector meanwhile; a position is an index.
  // Asked for a total order (SeekToFirst, SeekToLast), it switches to a sorted copy of everything,
  // a superset of what a prefix-mode iterator owes.
  class stream_iterator final : public Iterator {
   public:
    explicit stream_iterator(stream_index_rep& rep, bool pooled = false) : rep_(rep), pooled_(pooled) {}
    ~stream_iterator() override {
      if (pooled_) iterator_pool<stream_iterator>::give_back(this);
    }
    bool Valid() const override { return all_ ? all_->Valid() : group_ != no_group && at_ < size(); }
    const char* key() const override {
      if (all_) return all_->key();
      std::lock_guard lock(rep_.mutex_);
      return rep_.groups_[group_].entries[at_];
    }
    void Next() override {
      if (all_) return all_->Next();
      ++at_;
    }
    void Prev() override {
      if (all_) return all_->Prev();
      at_ = at_ == 0 ? std::numeric_limits<std::size_t>::max() : at_ - 1;
    }
    void Seek(const rocksdb::Slice& internal_key, const char* memtable_key) override {
      if (all_) return all_->Seek(internal_key, memtable_key);
      at_ = lower_bound(internal_key, memtable_key, false);
    }
    void SeekForPrev(const rocksdb::Slice& internal_key, const char* memtable_key) override {
      if (all_) return all_->SeekForPrev(internal_key, memtable_key);
      const std::size_t first_greater = lower_bound(internal_key, memtable_key, true);
      at_ = first_greater == 0 ? std::numeric_limits<std::size_t>::max() : first_greater - 1;
    }
    void SeekToFirst() override { total_order().SeekToFirst(); }
    void SeekToLast() override { total_order().SeekToLast(); }

   private:
    std::size_t size() const {
      std::lock_guard lock(rep_.mutex_);
      return rep_.groups_[group_].entries.size();
    }
    // The first entry of the target's stream not less than (or, `past_equal`, greater than) it.
    std::size_t lower_bound(const rocksdb::Slice& internal_key, const char* memtable_key, bool past_equal) {
      const std::string_view stream =
          rep_.prefix_of(std::string_view(internal_key.data(), internal_key.size() - 8));
      std::lock_guard lock(rep_.mutex_);
      group_ = rep_.find(stream, hash_of(stream));
      if (group_ == no_group) return 0;
      const auto& entries = rep_.groups_[group_].entries;
      std::size_t low = 0;
      std::size_t high = entries.size();
      while (low < high) {
        const std::size_t mid = low + (high - low) / 2;
        const int c = memtable_key != nullptr ? rep_.compare_(entries[mid], memtable_key)
                                              : rep_.compare_(entries[mid], internal_key);
        if (c < 0 || (past_equal && c == 0)) {
          low = mid + 1;
        } else {
          high = mid;
        }
      }
      return low;
    }
    Iterator& total_order() {
      if (!all_) all_.reset(rep_.GetIterator(nullptr));
      return *all_;
    }

    stream_index_rep& rep_;
    const bool pooled_;
    std::uint32_t group_ = no_group;
    std::size_t at_ = 0;
    std::unique_ptr<Iterator> all_;
  };

  static thread_local Iterator* lookup_iterator;

  std::string_view prefix_of(std::string_view key) const {
    if (prefix_ == nullptr || !prefix_->InDomain(rocksdb::Slice(key.data(), key.size()))) return key;
    const rocksdb::Slice p = prefix_->Transform(rocksdb::Slice(key.data(), key.size()));
    return {p.data(), p.size()};
  }

  static std::uint64_t hash_of(std::string_view key) { return std::hash<std::string_view>{}(key); }

  // The stream's group, or the empty slot where it would go (linear probing; never full).
  std::uint32_t& find(std::string_view stream, std::uint64_t hash) {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      std::uint32_t& s = slots_[i];
      if (s == no_group) return s;
      const group& g = groups_[s];
      if (g.hash == hash && prefix_of(user_key(g.entries.front())) == stream) return s;
    }
  }

  void grow() {
    std::vector<std::uint32_t> bigger(slots_.size() * 2, no_group);
    const std::size_t mask = bigger.size() - 1;
    for (std::uint32_t g = 0; g < groups_.size(); ++g) {
      std::size_t i = groups_[g].hash & mask;
      while (bigger[i] != no_group) i = (i + 1) & mask;
      bigger[i] = g;
    }
    slots_.swap(bigger);
  }

  const rocksdb::SliceTransform* prefix_;  // the column family's; null: the whole key
  std::vector<std::uint32_t> slots_;       // indexes into groups_
  std::vector<group> groups_;
  std::size_t entries_ = 0;
  std::size_t vector_bytes_ = 0;
};

thread_local rocksdb::MemTableRep::Iterator* stream_index_rep::lookup_iterator = nullptr;

class stream_index_rep_factory final : public rocksdb::MemTableRepFactory {
 public:
  using MemTableRepFactory::CreateMemTableRep;
  rocksdb::MemTableRep* CreateMemTableRep(const rocksdb::MemTableRep::KeyComparator& compare,
                                          rocksdb::Allocator* allocator, const rocksdb::SliceTransform* prefix,
                                          rocksdb::Logger*) override {
    return new stream_index_rep(compare, allocator, prefix);
  }
  const char* Name() const override { return "gongjian.stream_index_rep"; }
};

class hash_table_rep_factory final : public rocksdb::MemTableRepFactory {
 public:
  using MemTableRepFactory::CreateMemTableRep;
  rocksdb::MemTableRep* CreateMemTableRep(const rocksdb::MemTableRep::KeyComparator& compare,
                                          rocksdb::Allocator* allocator, const rocksdb::SliceTransform*,
                                          rocksdb::Logger*) override {
    return new hash_table_rep(compare, allocator);
  }
  const char* Name() const override { return "gongjian.hash_table_rep"; }
};

}  // namespace

std::shared_ptr<rocksdb::MemTableRepFactory> new_hash_table_rep_factory() {
  return std::make_shared<hash_table_rep_factory>();
}

std::shared_ptr<rocksdb::MemTableRepFactory> new_stream_index_rep_factory() {
  return std::make_shared<stream_index_rep_factory>();
}

namespace {

// The stream's name and its '\0' terminator: a stream index key less its 8-byte version.
class stream_prefix_transform final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "gongjian.stream_prefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override { return {key.data(), key.size() - 8}; }
  bool InDomain(const rocksdb::Slice& key) const override { return key.size() > 8; }
};

}  // namespace

std::shared_ptr<const rocksdb::SliceTransform> new_stream_prefix_transform() {
  return std::make_shared<stream_prefix_transform>();
}

}  // namespace gongjian::eventstore
