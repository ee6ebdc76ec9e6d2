#pragma once
// Keyed projection state that lives in the event store's consumer state (RocksDB), not in
// memory: the ledger and the audit index, which grow with the log. Writes are buffered here until
// the runner's next checkpoint, which hands them to commit_consumer in the same atomic batch as
// the checkpoint; reads see the buffered writes over what the store holds.
//
// Threading: used by the runner's thread only.

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "gongjian/eventstore/event_store.h"

namespace gongjian::projections {

class keyed_state {
 public:
  // `store` may be null: then everything stays in the buffer (in-memory replays for as-of).
  keyed_state(const eventstore::event_store* store, std::string consumer)
      : store_(store), consumer_(std::move(consumer)) {}

  std::optional<std::string> get(std::string_view key) const;
  void put(std::string key, std::string value) { pending_[std::move(key)] = std::move(value); }
  void erase(std::string key) { pending_[std::move(key)] = std::nullopt; }
  // A posting: `line` (which starts with its log position as 8 big-endian bytes) joins the other
  // lines under `prefix` since the last checkpoint; drain_into writes them as ONE key,
  // <prefix><u64 position of the last line> -> the lines in log order. One key per prefix and
  // checkpoint instead of one per line is what lets a rebuild write the audit index at a million
  // events a second. Lines must come in log order. Invisible to get/scan until committed.
  void append_posting(std::string_view prefix, std::string_view line);
  // The same in two steps, for a caller that appends to the same prefixes again and again: the
  // posting of `prefix` (created empty), whose id stays valid while `postings_epoch()` is
  // unchanged, and the append to it.
  using posting_id = std::uint32_t;
  static constexpr posting_id no_posting = UINT32_MAX;
  posting_id posting_at(std::string_view prefix);
  // Appends go to one sequential buffer (deferred_), and reach their postings when drained: an
  // audit line is written to four postings, and appending to each one's tail at once cost a
  // cache miss or two per posting and the strings' regrowth (an eighth of a rebuild's fold). The
  // append touches nothing of the posting itself (its id is all it needs): that was a miss too.
  void append_line(posting_id p, std::string_view line);
  // Changes whenever postings may be dropped or moved (drained, cleared, this object copied or
  // moved); unique across every keyed_state of the process.
  std::uint64_t postings_epoch() const { return epoch_.value; }
  // Visits keys starting with `prefix`, from `start` (>= prefix) on, in key order, merging the
  // buffer over the store, until `visit` returns false.
  void scan(std::string_view prefix, std::string_view start,
            const std::function<bool(std::string_view key, std::string_view value)>& visit) const;

  std::size_t pending_size() const { return pending_.size() + posting_list_.size(); }
  // Lines appended to postings since the last drain.
  std::size_t deferred_lines() const { return deferred_lines_; }
  // Moves the buffered writes into a commit (puts and deletes), leaving the buffer empty.
  void drain_into(eventstore::consumer_commit& commit);
  // The same for a commit that another thread hands to the store while this one goes on: the
  // keyed writes are copied into the commit and kept here as "in flight", so that get and scan
  // still see them until the store holds them (`landed`). At most one commit may be in flight: the
  // caller waits for it, and calls `landed`, before the next drain.
  void drain_into_in_flight(eventstore::consumer_commit& commit);
  // The in-flight commit is in the store: forget its copy.
  void landed() { in_flight_.clear(); }
  void clear() {
    epoch_.value = epoch::next();
    pending_.clear();
    in_flight_.clear();
    postings_.clear();
    posting_list_.clear();
    deferred_bytes_.clear();
    deferred_.clear();
    deferred_lines_ = 0;
  }
  const eventstore::event_store* store() const { return store_; }
  const std::string& consumer() const { return consumer_; }

 private:
  const eventstore::event_store* store_;
  std::string consumer_;
  using buffer = std::map<std::string, std::optional<std::string>, std::less<>>;
  struct posting {
    std::string lines;
    std::array<char, 8> last_position{};  // big-endian, as the line starts
  };
  void drain_postings(eventstore::consumer_commit& commit);
  // Moves the deferred lines into their postings, each sized once.
  void place_deferred_lines();
  buffer pending_;
  buffer in_flight_;  // drained into a commit the store may not hold yet; pending_ wins over it
  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct epoch {
    static std::uint64_t next();
    std::uint64_t value = next();
    epoch() = default;
    epoch(const epoch&) : value(next()) {}
    epoch(epoch&& other) noexcept : value(next()) { other.value = next(); }
    epoch& operator=(const epoch&) {
      value = next();
      return *this;
    }
    epoch& operator=(epoch&& other) noexcept {
      value = next();
      other.value = next();
      return *this;
    }
  };
  epoch epoch_;
  std::unordered_map<std::string, posting_id, string_hash, std::equal_to<>> postings_;  // prefix -> id
  std::vector<posting> posting_list_;                                                  // by id
  // Each deferred line: its posting's id (4 bytes), its length (4 bytes), its bytes; in chunks
  // of deferred_chunk_bytes, so that growing never copies what is written.
  static constexpr std::size_t deferred_chunk_bytes = 1u << 20;
  struct deferred_chunk {
    std::unique_ptr<char[]> bytes;
    std::size_t used = 0;
    std::size_t capacity = 0;
  };
  std::vector<deferred_chunk> deferred_;
  std::size_t deferred_lines_ = 0;
  // Bytes of each posting's lines in deferred_, by id: dense (4 bytes a posting, in cache), where
  // a count kept in the posting itself was a cache miss per line.
  std::vector<std::uint32_t> deferred_bytes_;
};

}  // namespace gongjian::projections
