#include "events_topic.h"

#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include "shared_state.h"
#include "json_text.h"

namespace gongjian::server {

namespace net = boost::asio;

events_topic::events_topic(std::weak_ptr<message_sink> sink, net::any_io_executor strand,
                           std::shared_ptr<shared_state> state, std::uint64_t after)
    : sink_(std::move(sink)), strand_(std::move(strand)), state_(std::move(state)), last_sent_(after) {}

events_topic::~events_topic() {
  if (registered_) {
    state_->feed.remove(this);
    --state_->stats.websocket_subscribers;
  }
}

void events_topic::start() {
  auto sink = sink_.lock();
  if (!sink) return;
  boost::json::object hello{{"type", "subscribed"},
                            {"topic", "events"},
                            {"after", last_sent_},
                            {"head", state_->feed.last_position()}};
  sink->send_control(json_text(hello));
  state_->feed.add(shared_from_this());
  registered_ = true;
  ++state_->stats.websocket_subscribers;
  catch_up();
}

void events_topic::stop() {
  stopped_ = true;
  if (registered_) {
    state_->feed.remove(this);
    registered_ = false;
    --state_->stats.websocket_subscribers;
  }
}

void events_topic::on_live(const feed_batch& batch) {
  // Store subscription thread, feed lock held: only post.
  net::post(strand_, [self = shared_from_this(), batch] { self->deliver_live(batch); });
}

void events_topic::deliver_live(const feed_batch& batch) {
  if (stopped_ || !live_) return;  // while catching up, the reads cover these events
  auto sink = sink_.lock();
  if (!sink) return;
  for (const auto& m : *batch) {
    if (m.position <= last_sent_) continue;  // already sent during catch-up
    if (m.position != last_sent_ + 1) {
      // Batches that arrived while catching up were skipped: fill the hole from the ring or disk.
      live_ = false;
      return catch_up();
    }
    if (sink->room() == 0) return become_lagging(*sink);
    sink->send_data(m.text);
    last_sent_ = m.position;
  }
}

void events_topic::become_lagging(message_sink& sink) {
  live_ = false;
  ++state_->stats.websocket_lagging;
  boost::json::object notice{{"type", "lagging"},
                             {"topic", "events"},
                             {"position", last_sent_},
                             {"message", "send queue full; resuming from the last position sent when it drains"}};
  sink.send_control(json_text(notice));
}

void events_topic::on_room() {
  if (!stopped_ && !live_ && !reading_) catch_up();
}

void events_topic::catch_up() {
  if (stopped_ || reading_ || live_) return;
  auto sink = sink_.lock();
  if (!sink) return;
  // Resume only when the queue has drained to half, so catch-up moves in large steps.
  const std::size_t room = sink->room();
  if (room == 0 || room < sink->capacity() / 2) return;

  // Recent events come from the feed's ring, synchronously on this strand: if this reaches the
  // feed's newest event, switching to live here is gapless (see event_feed.h).
  std::vector<feed_message> recent;
  bool reached_end = false;
  if (state_->feed.take_recent(last_sent_, room, recent, &reached_end)) {
    for (auto& m : recent) {
      sink->send_data(std::move(m.text));
      last_sent_ = m.position;
    }
    if (reached_end) {
      live_ = true;
      boost::json::object notice{{"type", "live"}, {"topic", "events"}, {"position", last_sent_}};
      sink->send_control(json_text(notice));
    }
    return;  // not at the end: the queue is full; on_room continues
  }

  // Older than the ring: read from disk on the store pool, never on this network thread.
  reading_ = true;
  const std::size_t requested = std::min<std::size_t>(room, state_->config.limits.max_page);
  ++state_->stats.store_reads_queued;
  net::post(state_->store_pool, [self = shared_from_this(), from = last_sent_ + 1, requested] {
    auto events = self->state_->store.read_all(eventstore::position{from}, requested);
    std::vector<feed_message> messages;
    bool failed = !events;
    if (events) {
      messages.reserve(events->size());
      for (const auto& e : *events) messages.push_back(make_event_message(e));
    } else {
      self->state_->log->error("events topic: read_all from {} failed: {}", from, events.error().message());
    }
    --self->state_->stats.store_reads_queued;
    net::post(self->strand_, [self, messages = std::move(messages), failed]() mutable {
      self->on_disk_read(std::move(messages), failed);
    });
  });
}

void events_topic::on_disk_read(std::vector<feed_message> messages, bool failed) {
  reading_ = false;
  if (stopped_) return;
  auto sink = sink_.lock();
  if (!sink) return;
  // Nothing read although the ring could not serve this position would mean the log and the feed
  // disagree; reported rather than retried in a loop.
  if (failed || messages.empty() || messages.front().position != last_sent_ + 1) {
    boost::json::object error{{"type", "error"},
                              {"topic", "events"},
                              {"error", {{"code", "unavailable"}, {"message", "reading the event log failed"}}}};
    sink->send_control(json_text(error));
    stop();
    sink->topic_ended(this);
    return;
  }
  for (auto& m : messages) {
    if (m.position != last_sent_ + 1) break;  // the log is gapless; anything else is not sent
    sink->send_data(std::move(m.text));
    last_sent_ = m.position;
  }
  catch_up();
}

}  // namespace gongjian::server
