#pragma once
// The event store as the campaign workflow (projections/workflow.h) sees it inside `serve`:
// everything is forwarded to the real store, and every append the workflow makes (bulletins,
// interviews, escalations, with their deterministic command ids) is also handed to the command
// service once it is durable, so the write model that decides HTTP commands knows about them
// (an operator can hold an interview the workflow scheduled a moment ago).
//
// Threads: append runs on the workflow thread (read_side.h) and blocks it until durable, like the
// workflow expects; the command service folds the events on its own strand.

#include <memory>

#include "command_service.h"
#include "gongjian/eventstore/event_store.h"

namespace gongjian::server {

class workflow_store final : public eventstore::event_store {
 public:
  workflow_store(eventstore::event_store& inner, std::shared_ptr<command_service> commands)
      : inner_(inner), commands_(std::move(commands)) {}

  result<eventstore::append_result> append(eventstore::append_request request) override;
  void append_async(eventstore::append_request request,
                    std::function<void(result<eventstore::append_result>)> done) override;

  result<eventstore::stream_version> stream_head(std::string_view stream) const override {
    return inner_.stream_head(stream);
  }
  result<std::vector<eventstore::recorded_event>> read_stream(std::string_view stream, eventstore::stream_version from,
                                                              eventstore::read_direction direction,
                                                              std::size_t max_count) const override {
    return inner_.read_stream(stream, from, direction, max_count);
  }
  result<std::vector<eventstore::recorded_event>> read_all(eventstore::position from,
                                                           std::size_t max_count) const override {
    return inner_.read_all(from, max_count);
  }
  eventstore::position head() const override { return inner_.head(); }
  eventstore::sha256_digest head_hash() const override { return inner_.head_hash(); }
  std::unique_ptr<eventstore::subscription> subscribe(eventstore::subscribe_options opts,
                                                      eventstore::batch_handler on_batch) override {
    return inner_.subscribe(opts, std::move(on_batch));
  }
  result<eventstore::verify_report> verify(eventstore::position from, eventstore::position to) const override {
    return inner_.verify(from, to);
  }
  result<void> commit_consumer(const eventstore::consumer_commit& commit) override {
    return inner_.commit_consumer(commit);
  }
  result<std::optional<eventstore::position>> consumer_checkpoint(std::string_view consumer) const override {
    return inner_.consumer_checkpoint(consumer);
  }
  result<std::optional<std::string>> consumer_get(std::string_view consumer, std::string_view key) const override {
    return inner_.consumer_get(consumer, key);
  }
  result<void> consumer_scan(std::string_view consumer, std::string_view start, eventstore::read_direction direction,
                             const std::function<bool(std::string_view, std::string_view)>& visit) const override {
    return inner_.consumer_scan(consumer, start, direction, visit);
  }
  result<void> consumer_reset(std::string_view consumer) override { return inner_.consumer_reset(consumer); }
  result<void> sync() override { return inner_.sync(); }
  // The workflow never closes the server's store.
  void close() override {}

 private:
  // Decodes what was written and hands it to the command service (any thread).
  void absorb(const eventstore::append_request& request, const eventstore::append_result& written);

  eventstore::event_store& inner_;
  std::shared_ptr<command_service> commands_;
};

}  // namespace gongjian::server
