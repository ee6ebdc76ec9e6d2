#include "store_routes.h"

#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include <charconv>
#include <limits>

#include "event_json.h"
#include "json_text.h"

namespace gongjian::server {

namespace json = boost::json;

api_error from_store_error(const std::error_code& ec) {
  using eventstore::errc;
  if (ec == errc::wrong_expected_version) return {error_kind::conflict, ec.message(), "expected_version", "expected_version"};
  if (ec == errc::invalid_argument) return {error_kind::invalid_input, ec.message(), "", ""};
  if (ec == errc::not_found) return {error_kind::not_found, ec.message(), "", ""};
  if (ec == errc::closed) return {error_kind::unavailable, "the event store is closed", "", ""};
  // The disk failed (or did earlier: the store then refuses every write): not the caller's fault,
  // not a bug, and nothing of the request was acknowledged.
  if (ec == errc::io_error) return {error_kind::unavailable, "the event store could not read or write its disk", "", ""};
  return {error_kind::internal, "event store failure: " + ec.message(), "", ""};
}

void run_on_store_pool(shared_state& state, std::function<api_response()> work, responder respond) {
  ++state.stats.store_reads_queued;
  boost::asio::post(state.store_pool, [&state, work = std::move(work), respond = std::move(respond)] {
    api_response response;
    try {
      response = work();
    } catch (const std::exception& e) {
      state.log->error("store pool task threw: {}", e.what());
      response = error_response(api_error{error_kind::internal, "internal error", "", ""});
    }
    --state.stats.store_reads_queued;
    respond(std::move(response));
  });
}

result<std::uint64_t, api_error> query_uint(const api_request& request, const std::string& name,
                                            std::uint64_t fallback) {
  auto it = request.query.find(name);
  if (it == request.query.end() || it->second.empty()) return fallback;
  std::uint64_t value = 0;
  const auto& text = it->second;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size())
    return failure(api_error{error_kind::invalid_input, "'" + name + "' must be a non-negative integer", name,
                             "non_negative_integer"});
  return value;
}

namespace {

api_error forbidden(const principal& p, const std::string& what) {
  return api_error{error_kind::forbidden,
                   "role " + std::string(role_name(p.who)) + " with scope " + p.scope + " may not " + what, "",
                   "role_scope"};
}

// A requested page size: default 100, at most limits.max_page, at least 1.
result<std::size_t, api_error> page_limit(const shared_state& state, const api_request& request) {
  auto limit = query_uint(request, "limit", 100);
  if (!limit) return failure(limit.error());
  if (*limit == 0)
    return failure(api_error{error_kind::invalid_input, "'limit' must be at least 1", "limit", "positive"});
  return static_cast<std::size_t>(std::min<std::uint64_t>(*limit, state.config.limits.max_page));
}

void log_route(shared_state& state, const api_request& request, responder respond) {
  if (!may_read_all_history(*request.caller)) return respond(error_response(forbidden(*request.caller, "read the raw log")));
  auto from = query_uint(request, "from", 1);
  if (!from) return respond(error_response(from.error()));
  auto limit = page_limit(state, request);
  if (!limit) return respond(error_response(limit.error()));
  const std::uint64_t start = std::max<std::uint64_t>(*from, 1);
  run_on_store_pool(
      state,
      [&state, start, count = *limit] {
        auto events = state.store.read_all(eventstore::position{start}, count);
        if (!events) return error_response(from_store_error(events.error()));
        json::array items;
        items.reserve(events->size());
        for (const auto& e : *events) items.push_back(event_to_json(e));
        const std::uint64_t next = events->empty() ? start : events->back().pos.value + 1;
        json::object body{{"from", start}, {"next", next}, {"head", state.store.head().value}, {"events", std::move(items)}};
        return json_response(json_text(body));
      },
      std::move(respond));
}

// jurisdiction-<code> streams are readable by anyone whose scope covers the code; other streams
// only by those who may read all history (their jurisdiction is not in the stream's name).
bool may_read_stream(const principal& p, const std::string& stream) {
  if (may_read_all_history(p)) return true;
  constexpr std::string_view prefix = "jurisdiction-";
  return stream.rfind(prefix, 0) == 0 && scope_covers(p.scope, std::string_view(stream).substr(prefix.size()));
}

void stream_route(shared_state& state, const api_request& request, responder respond) {
  const std::string stream = request.path_params.at("stream");
  if (!may_read_stream(*request.caller, stream))
    return respond(error_response(forbidden(*request.caller, "read stream " + stream)));
  eventstore::read_direction direction = eventstore::read_direction::forward;
  if (auto it = request.query.find("direction"); it != request.query.end()) {
    if (it->second == "backward") {
      direction = eventstore::read_direction::backward;
    } else if (it->second != "forward") {
      return respond(error_response(
          api_error{error_kind::invalid_input, "'direction' must be forward or backward", "direction", "one_of"}));
    }
  }
  const bool backward = direction == eventstore::read_direction::backward;
  auto from = query_uint(request, "from", backward ? std::numeric_limits<std::uint64_t>::max() : 1);
  if (!from) return respond(error_response(from.error()));
  auto limit = page_limit(state, request);
  if (!limit) return respond(error_response(limit.error()));
  run_on_store_pool(
      state,
      [&state, stream, direction, backward, start = *from, count = *limit] {
        auto head = state.store.stream_head(stream);
        if (!head) return error_response(from_store_error(head.error()));
        auto events = state.store.read_stream(stream, eventstore::stream_version{start}, direction, count);
        if (!events) return error_response(from_store_error(events.error()));
        json::array items;
        items.reserve(events->size());
        for (const auto& e : *events) items.push_back(event_to_json(e));
        json::value next = nullptr;
        if (!events->empty()) {
          const std::uint64_t last = events->back().version.value;
          if (!backward && last < head->value) next = last + 1;
          if (backward && last > 1) next = last - 1;
        }
        json::object body{{"stream", stream},
                          {"version", head->value},
                          {"direction", backward ? "backward" : "forward"},
                          {"next", next},
                          {"events", std::move(items)}};
        return json_response(json_text(body));
      },
      std::move(respond));
}

void verify_route(shared_state& state, const api_request& request, responder respond) {
  if (!may_verify(*request.caller))
    return respond(error_response(forbidden(*request.caller, "verify the hash chain (auditor or admin only)")));
  auto from = query_uint(request, "from", 1);
  if (!from) return respond(error_response(from.error()));
  auto to = query_uint(request, "to", 0);
  if (!to) return respond(error_response(to.error()));
  if (*to != 0 && *to < *from)
    return respond(error_response(api_error{error_kind::invalid_input, "'to' must be 0 (the head) or >= 'from'", "to", "range"}));
  // A range past the head is refused, as the queries refuse 'as_of' beyond it: checked there, the
  // record "before the range" is absent and the chain would read as broken when it is not. The
  // head only grows, so a range within it here is within it for the store's verify below.
  // from = head + 1 (with 'to' absent) is the empty range after the head: intact, nothing checked,
  // head_hash the hash at the head (how an auditor asks "anything new since my last check?").
  const std::uint64_t head = state.store.head().value;
  if (*from > head + 1)
    return respond(error_response(api_error{error_kind::invalid_input,
                                            "'from' " + std::to_string(*from) + " is beyond the head of the log (" +
                                                std::to_string(head) + "); at most head + 1",
                                            "from", "position_in_log"}));
  if (*to > head)
    return respond(error_response(
        api_error{error_kind::invalid_input,
                  "'to' " + std::to_string(*to) + " is beyond the head of the log (" + std::to_string(head) + ")", "to",
                  "position_in_log"}));
  run_on_store_pool(
      state,
      [&state, start = std::max<std::uint64_t>(*from, 1), end = *to] {
        auto report = state.store.verify(eventstore::position{start}, eventstore::position{end});
        if (!report) return error_response(from_store_error(report.error()));
        json::object body{{"from", start},
                          {"to", end},
                          {"intact", report->intact()},
                          {"checked", report->checked},
                          {"last_checked", report->last_checked.value},
                          {"first_bad", report->first_bad ? json::value(report->first_bad->value) : json::value(nullptr)},
                          {"problem", report->problem},
                          {"head_hash", hex_encode(report->head_hash.data(), report->head_hash.size())}};
        return json_response(json_text(body));
      },
      std::move(respond));
}

}  // namespace

void add_store_routes(shared_state& state, std::function<bool()> ready) {
  router& r = state.routes;
  r.add({"GET", "/healthz", "healthz", access::open,
         [](api_request, responder respond) { respond(json_response(R"({"status":"ok"})")); }});
  r.add({"GET", "/readyz", "readyz", access::open, [&state, ready](api_request, responder respond) {
           // A store that stopped writing (a full disk) needs the cause fixed and a restart: say so,
           // so that a probe takes the server out of rotation and an operator sees why.
           if (auto why = state.store.write_failure())
             return respond(json_response(json_text(json::object{{"status", "failed"}, {"reason", *why}}),
                                          http_status(error_kind::unavailable)));
           if (state.stopping || !ready())
             return respond(json_response(R"({"status":"not_ready"})", http_status(error_kind::unavailable)));
           respond(json_response(json_text(json::object{{"status", "ready"}, {"head", state.store.head().value}})));
         }});
  r.add({"GET", "/metrics", "metrics", access::open, [&state](api_request, responder respond) {
           const auto head = state.store.head().value;
           std::string extra =
               "# HELP gongjian_store_head_position Highest committed log position.\n"
               "# TYPE gongjian_store_head_position gauge\n"
               "gongjian_store_head_position " + std::to_string(head) + "\n" +
               "# HELP gongjian_feed_position Newest position the live event feed has delivered.\n"
               "# TYPE gongjian_feed_position gauge\n"
               "gongjian_feed_position " + std::to_string(state.feed.last_position()) + "\n" +
               "# HELP gongjian_feed_lag_events Events committed but not yet fanned out to subscribers.\n"
               "# TYPE gongjian_feed_lag_events gauge\n"
               "gongjian_feed_lag_events " +
               std::to_string(head > state.feed.last_position() ? head - state.feed.last_position() : 0) + "\n" +
               "# HELP gongjian_store_write_failed 1 once a write to the disk failed: the store then writes nothing until restarted.\n"
               "# TYPE gongjian_store_write_failed gauge\n"
               "gongjian_store_write_failed " + (state.store.write_failure() ? "1" : "0") + "\n";
           if (state.extra_metrics) extra += state.extra_metrics();
           api_response response;
           response.content_type = "text/plain; version=0.0.4; charset=utf-8";
           response.body = state.stats.render(extra);
           respond(std::move(response));
         }});
  r.add({"GET", "/api/v1/whoami", "whoami", access::authenticated, [](api_request request, responder respond) {
           const auto& p = *request.caller;
           respond(json_response(json_text(
               json::object{{"name", p.name}, {"role", role_name(p.who)}, {"scope", p.scope}})));
         }});
  r.add({"GET", "/api/v1/log", "log.read", access::authenticated,
         [&state](api_request request, responder respond) { log_route(state, request, std::move(respond)); }});
  r.add({"GET", "/api/v1/streams/{stream}", "streams.read", access::authenticated,
         [&state](api_request request, responder respond) { stream_route(state, request, std::move(respond)); }});
  r.add({"GET", "/api/v1/verify", "verify", access::authenticated,
         [&state](api_request request, responder respond) { verify_route(state, request, std::move(respond)); }});
  r.add({"POST", "/api/v1/verify", "verify", access::authenticated,
         [&state](api_request request, responder respond) { verify_route(state, request, std::move(respond)); }});
}

}  // namespace gongjian::server
