#pragma once
// WebSocket topics of the read side (docs/api.md "WebSocket topics"), created by
// websocket_session::subscribe through topic_factory:
//
//   rankings    {"op":"subscribe","topic":"rankings","jurisdiction":"110000",
//                "indicator":"ledger_progress","affiliation":"party"}
//               -> {"type":"ranking","topic":"rankings","position":P, ...the GET /rankings body}
//               now, then whenever the ranking changes. Coalesced: a subscription holds at most
//               one message not yet queued (the newest); older ones are replaced, never queued.
//   audit       {"op":"subscribe","topic":"audit","entity":"org-7","after":N}  (or "jurisdiction")
//               -> {"type":"audit","topic":"audit","position":P,"hash":..,"event":{..}} for every
//               event of the entity after N, in log order (catch-up, then live), then
//               {"type":"live",...} once caught up. Strictly consecutive per entity: a client that
//               resubscribes with "after" = the last position it got misses nothing and gets
//               nothing twice.
//   interviews  {"op":"subscribe","topic":"interviews","jurisdiction":"110000"}
//               -> {"type":"interview","topic":"interviews","position":P,"interview":{..}} for
//               every interview in scope now (in pages of what the send queue has room for),
//               {"type":"live"}, then each interview that changes.
//
// rankings and interviews send "subscribed" once their first read on the store pool found the
// jurisdiction (an unknown one is refused with not_found and message_sink::topic_ended).
//
// Every message carries the log position the projections had applied when it was computed.
// All three are driven by the read side's applier thread (read_side.h): after the runner applies
// events, the rankings hub recomputes each subscribed ranking once (shared by all its
// subscribers) and the audit/interview topics look for what is new for them.
//
// Threads: topic objects live on their session's strand; computations that read the projections
// or the store run on the applier thread (rankings hub) or the store pool, and post results back.

#include <boost/asio/any_io_executor.hpp>
#include <boost/json/object.hpp>

#include <memory>
#include <string>

#include "gongjian/domain/result.h"
#include "gongjian/server/auth.h"
#include "gongjian/server/error.h"
#include "read_side.h"
#include "topic.h"

namespace gongjian::server {

class shared_state;
class rankings_hub;

class topic_factory {
 public:
  // `network_threads`: the ranking fan-out is cut into as many slices, so that all of them send.
  topic_factory(std::shared_ptr<read_side> reads, std::size_t network_threads);
  ~topic_factory();

  // Session strand: the subscription for `topic` (rankings, audit, interviews), or an error to
  // send back (not_found for an unknown topic, invalid_input, forbidden outside the caller's scope).
  result<std::shared_ptr<topic_subscription>, api_error> make(const std::string& topic,
                                                               const boost::json::object& message,
                                                               const principal& caller,
                                                               std::weak_ptr<message_sink> sink,
                                                               boost::asio::any_io_executor strand,
                                                               std::shared_ptr<shared_state> state);

 private:
  std::shared_ptr<read_side> reads_;
  std::shared_ptr<rankings_hub> hub_;
};

}  // namespace gongjian::server
