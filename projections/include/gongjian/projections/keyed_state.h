#pragma once
// Keyed projection state that lives in the event store's consumer state (RocksDB), not in
// memory: the ledger and the audit index, which grow with the log. Writes are buffered here until
// the runner's next checkpoint, which hands them to commit_consumer in the same atomic batch as
// the checkpoint; reads see the buffered writes over what the store holds.
//
// Threading: used by the runner's thread only.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
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
  // A write that is never read back before the next checkpoint and whose key is unique (audit
  // index lines carry their position): kept in a plain list, which is far cheaper than the
  // ordered buffer at a million events a second. Invisible to get/scan until committed.
  void append_only(std::string key, std::string value) { appends_.emplace_back(std::move(key), std::move(value)); }
  // Visits keys starting with `prefix`, from `start` (>= prefix) on, in key order, merging the
  // buffer over the store, until `visit` returns false.
  void scan(std::string_view prefix, std::string_view start,
            const std::function<bool(std::string_view key, std::string_view value)>& visit) const;

  std::size_t pending_size() const { return pending_.size() + appends_.size(); }
  // Moves the buffered writes into a commit (puts and deletes), leaving the buffer empty.
  void drain_into(eventstore::consumer_commit& commit);
  void clear() {
    pending_.clear();
    appends_.clear();
  }
  const eventstore::event_store* store() const { return store_; }
  const std::string& consumer() const { return consumer_; }

 private:
  const eventstore::event_store* store_;
  std::string consumer_;
  std::map<std::string, std::optional<std::string>, std::less<>> pending_;
  std::vector<std::pair<std::string, std::string>> appends_;
};

}  // namespace gongjian::projections
