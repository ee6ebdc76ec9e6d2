#pragma once
// The "events" topic: the global log from a position, catch-up then live, every message carrying
// its position. Protocol (docs/api.md):
//
//   -> {"op":"subscribe","topic":"events","after":N}
//   <- {"type":"subscribed","topic":"events","after":N,"head":H}
//   <- {"type":"event","topic":"events","position":N+1,"event":{...}}   (catch-up, then live)
//   <- {"type":"live","topic":"events","position":P}       (caught up; what follows is live)
//   <- {"type":"lagging","topic":"events","position":P,...}  (queue full: resuming from P)
//
// Delivery is strictly consecutive: an event is sent only if its position is last_sent + 1, so a
// client that reconnects with "after" = the last position it received misses nothing and gets
// nothing twice.
//
// Threads: lives on the session's strand. on_live is called on the store's subscription thread
// (under the feed's lock) and only posts to the strand. Disk reads run on the store pool and post
// their results back to the strand.
//
// States: catching_up (reading the ring of recent events or the disk, never more than the queue
// has room for) and live (fed by the event_feed). A live event that would overflow the queue
// turns the topic back to catching_up after a "lagging" notice; catch-up resumes from the last
// position sent once the queue has drained to half, so a slow client costs only its own queue.

#include <boost/asio/any_io_executor.hpp>

#include <cstdint>
#include <memory>

#include "event_feed.h"
#include "topic.h"

namespace gongjian::server {

class shared_state;

class events_topic final : public topic_subscription,
                           public feed_listener,
                           public std::enable_shared_from_this<events_topic> {
 public:
  events_topic(std::weak_ptr<message_sink> sink, boost::asio::any_io_executor strand,
               std::shared_ptr<shared_state> state, std::uint64_t after);
  ~events_topic() override;

  void start() override;
  void on_room() override;
  void stop() override;
  void on_live(const feed_batch& batch) override;

 private:
  void deliver_live(const feed_batch& batch);
  void catch_up();
  void on_disk_read(std::vector<feed_message> messages, bool failed);
  void become_lagging(message_sink& sink);

  std::weak_ptr<message_sink> sink_;
  boost::asio::any_io_executor strand_;
  std::shared_ptr<shared_state> state_;
  std::uint64_t last_sent_;
  bool live_ = false;
  bool reading_ = false;
  bool stopped_ = false;
  bool registered_ = false;
};

}  // namespace gongjian::server
