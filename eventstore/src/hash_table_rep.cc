#include "hash_table_rep.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
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

class hash_table_rep final : public rocksdb::MemTableRep {
 public:
  hash_table_rep(const KeyComparator& compare, rocksdb::Allocator* allocator)
      : MemTableRep(allocator), compare_(compare), slots_(initial_slots) {}

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

  Iterator* GetIterator(rocksdb::Arena* arena) override {
    std::vector<const char*> sorted;
    {
      std::lock_guard lock(mutex_);
      sorted.reserve(entries_);
      for (const slot& s : slots_) {
        for (const char* e = s.head; e != nullptr; e = next_of(e)) sorted.push_back(e);
      }
    }
    std::sort(sorted.begin(), sorted.end(), [this](const char* a, const char* b) { return compare_(a, b) < 0; });
    auto it = std::make_unique<sorted_iterator>(compare_, std::move(sorted));
    if (arena == nullptr) return it.release();
    // The caller (MemTableIterator in arena mode) only runs the destructor, which frees the
    // sorted array; the object itself stays with this memtable until it is destroyed, since
    // rocksdb::Arena is not part of RocksDB's installed headers.
    Iterator* raw = it.get();
    std::lock_guard lock(mutex_);
    arena_iterators_.push_back(std::move(it));
    return raw;
  }

  ~hash_table_rep() override {
    // Arena-mode iterators were already destroyed by their user: release the storage only.
    for (auto& it : arena_iterators_) ::operator delete(static_cast<void*>(it.release()));
  }

 private:
  static constexpr std::size_t initial_slots = 1024;  // a power of two

  struct slot {
    std::uint64_t hash = 0;
    const char* head = nullptr;  // newest entry of the key; nullptr: empty slot
  };

  class sorted_iterator final : public Iterator {
   public:
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

  std::string_view user_key(const char* entry) const {
    const rocksdb::Slice internal = compare_.decode_key(entry);
    return {internal.data(), internal.size() - 8};
  }

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

  const KeyComparator& compare_;
  mutable std::mutex mutex_;
  std::vector<slot> slots_;
  std::size_t used_ = 0;
  std::size_t entries_ = 0;
  std::vector<std::unique_ptr<Iterator>> arena_iterators_;
};

thread_local rocksdb::MemTableRep::Iterator* hash_table_rep::lookup_iterator = nullptr;

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

}  // namespace gongjian::eventstore
