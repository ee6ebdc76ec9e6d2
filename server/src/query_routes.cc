#include "query_routes.h"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <iterator>
#include <map>

#include "event_json.h"
#include "gongjian/domain/codec.h"
#include "gongjian/projections/as_of.h"
#include "gongjian/projections/audit.h"
#include "gongjian/projections/errc.h"
#include "gongjian/projections/member_transfers.h"
#include "query_json.h"
#include "store_routes.h"
#include "json_text.h"

namespace gongjian::server {

namespace json = boost::json;
namespace proj = gongjian::projections;
namespace ev = gongjian::domain::events;

namespace {

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

// Entity streams are short (an organization's survey steps and corrections, a member's life);
// reading one is bounded all the same.
constexpr std::size_t kMaxEntityEvents = 20000;
// A member's transfer letters shown with the member (a member has a handful at most).
constexpr std::size_t kMaxMemberTransfers = 64;
// Incoming letters shown with a formed organization or an org; the rest page by page through
// /transfers (a branch of an industry association may receive thousands).
constexpr std::size_t kEmbeddedLetters = 20;

api_error invalid(std::string message, std::string field, std::string rule = "query_parameter") {
  return api_error{error_kind::invalid_input, std::move(message), std::move(field), std::move(rule)};
}

api_error forbidden_scope(const principal& p, const std::string& what) {
  return api_error{error_kind::forbidden,
                   "role " + std::string(role_name(p.who)) + " with scope " + p.scope + " may not read " + what, "",
                   "role_scope"};
}

api_error not_found(std::string what) { return api_error{error_kind::not_found, std::move(what), "", ""}; }

// Leaders (and operators) read their own scope; auditors, admins and national scopes read all.
bool may_see(const principal& p, std::string_view code) {
  return may_read_all_history(p) || scope_covers(p.scope, code);
}

struct as_of_spec {
  std::optional<std::uint64_t> position;
  std::optional<std::int64_t> time_ms;
  bool given() const { return position || time_ms; }
};

result<as_of_spec, api_error> parse_as_of(const api_request& r) {
  as_of_spec spec;
  if (auto it = r.query.find("as_of"); it != r.query.end() && !it->second.empty()) {
    auto p = query_uint(r, "as_of", 0);
    if (!p) return failure(p.error());
    spec.position = *p;
  }
  if (auto it = r.query.find("as_of_time"); it != r.query.end() && !it->second.empty()) {
    if (spec.position) return failure(invalid("give either 'as_of' or 'as_of_time', not both", "as_of_time"));
    auto t = parse_iso_time(it->second);
    if (!t) return failure(invalid("'as_of_time' must be ISO-8601, e.g. 2016-08-01T12:00:00+08:00", "as_of_time", "iso_8601"));
    spec.time_ms = *t;
  }
  return spec;
}

result<proj::twin, api_error> parse_affiliation(const api_request& r) {
  auto it = r.query.find("affiliation");
  if (it == r.query.end() || it->second.empty()) return proj::twin::party;
  if (auto t = domain::from_string<domain::member_affiliation>(it->second)) return *t;
  return failure(invalid("'affiliation' must be party or league", "affiliation", "one_of"));
}

result<std::optional<proj::indicator>, api_error> parse_indicator(const api_request& r) {
  auto it = r.query.find("indicator");
  if (it == r.query.end() || it->second.empty()) return std::optional<proj::indicator>{};
  if (auto i = proj::indicator_from_string(it->second)) return std::optional<proj::indicator>{*i};
  std::string names;
  for (std::size_t k = 0; k < proj::indicator_count; ++k) {
    if (k != 0) names += ", ";
    names += proj::to_string(static_cast<proj::indicator>(k));
  }
  return failure(invalid("unknown indicator '" + it->second + "' (one of: " + names + ")", "indicator", "one_of"));
}

result<std::size_t, api_error> parse_limit(const shared_state& state, const api_request& r) {
  auto limit = query_uint(r, "limit", 100);
  if (!limit) return failure(limit.error());
  if (*limit == 0) return failure(invalid("'limit' must be at least 1", "limit", "positive"));
  return static_cast<std::size_t>(std::min<std::uint64_t>(*limit, state.config.limits.max_page));
}

result<std::optional<bool>, api_error> parse_bool(const api_request& r, const std::string& name) {
  auto it = r.query.find(name);
  if (it == r.query.end() || it->second.empty()) return std::optional<bool>{};
  if (it->second == "true" || it->second == "1") return std::optional<bool>{true};
  if (it->second == "false" || it->second == "0") return std::optional<bool>{false};
  return failure(invalid("'" + name + "' must be true or false", name, "boolean"));
}

result<std::uint64_t, api_error> path_id(const api_request& r, const std::string& name) {
  const std::string& text = r.path_params.at(name);
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || v == 0)
    return failure(invalid("'" + name + "' must be a positive integer id", name, "id"));
  return v;
}

std::string hex_of(std::string_view bytes) {
  return hex_encode(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

std::optional<std::string> unhex(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 2);
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < text.size(); i += 2) {
    int hi = nibble(text[i]), lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

// One query's consistent picture: the projections at `position` (now, or as of a past position)
// and the keyed state (ledger, audit index), which is always the current one; the ledger and
// audit readers filter it to `position`.
struct view {
  const proj::projection_state& s;
  const proj::keyed_state& keyed;
  std::uint64_t position;
  bool past;
};

api_error from_projection_error(const std::error_code& ec) {
  if (ec == proj::errc::position_not_in_log)
    return invalid("'as_of' is beyond the head of the log", "as_of", "position_in_log");
  return from_store_error(ec);
}

// Store pool: resolves the as-of position (if any) and the state for it.
result<std::optional<std::pair<std::uint64_t, std::shared_ptr<const proj::projection_state>>>, api_error> resolve(
    read_side& reads, const as_of_spec& spec) {
  using out = std::optional<std::pair<std::uint64_t, std::shared_ptr<const proj::projection_state>>>;
  if (!reads.ready()) return failure(api_error{error_kind::unavailable, "the projections are not ready", "", ""});
  if (!spec.given()) return out{};
  std::uint64_t p = 0;
  if (spec.time_ms) {
    auto at = reads.position_at_time(*spec.time_ms);
    if (!at) return failure(from_store_error(at.error()));
    p = *at;
  } else {
    p = *spec.position;
  }
  auto s = reads.state_at(p);
  if (!s) return failure(from_projection_error(s.error()));
  return out{std::pair{p, *s}};
}

// Store pool: calls f with the view under the runner's shared lock.
api_response with_view(read_side& reads, const as_of_spec& spec, const std::function<api_response(const view&)>& f) {
  auto past = resolve(reads, spec);
  if (!past) return error_response(past.error());
  return reads.runner().read([&](const proj::projection_state& now, const proj::keyed_state& keyed) {
    if (*past) return f(view{*(*past)->second, keyed, (*past)->first, true});
    return f(view{now, keyed, now.last_applied().value, false});
  });
}

// The view a request asks for and the key its answer is to be cached under (empty: not cached, as
// an answer as of the past is not) — or nothing, when the request is answered already: a bad
// `as_of`, or a live answer cached at the projections' position.
struct prepared_answer {
  as_of_spec spec;
  std::string cache_key;
};
std::optional<prepared_answer> prepare_answer(read_side& reads, const api_request& request, responder& respond,
                                              std::string cache_key) {
  auto spec = parse_as_of(request);
  if (!spec) {
    respond(error_response(spec.error()));
    return std::nullopt;
  }
  if (spec->given() || cache_key.empty()) return prepared_answer{*spec, {}};
  if (reads.ready()) {
    if (auto body = reads.cached_body(cache_key, reads.published_position())) {
      respond(json_response(std::move(*body)));
      return std::nullopt;
    }
  }
  return prepared_answer{*spec, std::move(cache_key)};
}

// Runs `f` on the store pool against the view the request's as_of asks for. A live answer with a
// `cache_key` (one naming the route and every parameter the body depends on, for a body that
// depends on nothing but the projections at its position: not the caller, once authorized, nor
// the clock) is remembered, and given on the network thread while the projections have not moved
// (read_side::cached_body).
void answer(shared_state& state, const std::shared_ptr<read_side>& reads, const api_request& request,
            responder respond, std::function<api_response(const view&)> f, std::string cache_key = {}) {
  auto prepared = prepare_answer(*reads, request, respond, std::move(cache_key));
  if (!prepared) return;
  run_on_store_pool(
      state,
      [reads, spec = prepared->spec, f = std::move(f), key = std::move(prepared->cache_key)] {
        if (key.empty()) return with_view(*reads, spec, f);
        std::uint64_t at = 0;
        auto response = with_view(*reads, spec, [&](const view& v) {
          at = v.position;
          return f(v);
        });
        if (response.status == 200) reads->cache_body(key, at, response.body);
        return response;
      },
      std::move(respond));
}

api_response json_body(json::object body, const view& v) {
  body["position"] = v.position;
  body["as_of"] = v.past ? json::value(v.position) : json::value(nullptr);
  return json_response(json_text(body));
}

std::optional<proj::node_index> find_node(const view& v, const std::string& code) { return v.s.model().tree().find(code); }

// Store pool: the events of one stream up to log position `up_to`, in stream order (bounded).
result<std::vector<eventstore::recorded_event>, api_error> read_entity(eventstore::event_store& store, const std::string& stream,
                                                                       std::uint64_t up_to) {
  std::vector<eventstore::recorded_event> out;
  std::uint64_t from = 1;
  while (out.size() < kMaxEntityEvents) {
    auto page = store.read_stream(stream, eventstore::stream_version{from}, eventstore::read_direction::forward, 1000);
    if (!page) return failure(from_store_error(page.error()));
    for (auto& e : *page) {
      if (e.pos.value > up_to) return out;
      out.push_back(std::move(e));
    }
    if (page->size() < 1000) break;
    from = out.back().version.value + 1;
  }
  return out;
}

// What a jurisdiction's own stream (jurisdiction-<code>) says that the projections do not keep:
// its leader's lead department (领导包片, 牵头部门; the projections keep the leader's name) and its
// action plans (行动计划, one per campaign, the latest replacing the earlier).
struct leader_line {
  ev::jurisdiction_leader_assigned event;
  std::uint64_t position = 0;
};
struct plan_line {
  ev::action_plan_set event;
  std::uint64_t position = 0;
  std::string actor;
};
struct jurisdiction_stream {
  std::optional<leader_line> leader;  // the latest assigned
  std::vector<plan_line> plans;       // every plan set, in log order
};

// The domain names the stream (codec.h, stream_of); the server does not spell it again.
std::string jurisdiction_stream_name(const std::string& code) {
  return domain::stream_of(domain::event{ev::jurisdiction_registered{domain::jurisdiction_code{code}, {}, {}, {}}});
}

// Store pool, outside the runner's lock: folds the stream up to `up_to` (the view's position, so
// the stream and the projections tell of the same moment).
result<jurisdiction_stream, api_error> read_jurisdiction_stream(eventstore::event_store& store, const std::string& code,
                                                                std::uint64_t up_to) {
  auto events = read_entity(store, jurisdiction_stream_name(code), up_to);
  if (!events) return failure(events.error());
  jurisdiction_stream out;
  for (const auto& rec : *events) {
    auto decoded = domain::decode(rec.type, rec.schema_version, rec.payload);
    if (!decoded) continue;
    if (const auto* e = std::get_if<ev::jurisdiction_leader_assigned>(&decoded.value())) {
      out.leader = leader_line{*e, rec.pos.value};
    } else if (const auto* p = std::get_if<ev::action_plan_set>(&decoded.value())) {
      out.plans.push_back(plan_line{*p, rec.pos.value, rec.metadata.by.user});
    }
  }
  return out;
}

// As `answer`, for a body that needs the jurisdiction's own stream too: `read(view)` takes what
// the projections say under the runner's shared lock (a result<T, api_error>); the stream is then
// read outside the lock (RocksDB reads must not hold up the applier), up to the view's position,
// and `complete(T, stream)` makes the body. A `cache_key` is as for `answer`: the body depends on
// the log up to its position alone.
template <class Read, class Complete>
void answer_with_stream(shared_state& state, const std::shared_ptr<read_side>& reads, const api_request& request,
                        responder respond, std::string code, Read read, Complete complete, std::string cache_key = {}) {
  auto prepared = prepare_answer(*reads, request, respond, std::move(cache_key));
  if (!prepared) return;
  run_on_store_pool(
      state,
      [reads, spec = prepared->spec, code = std::move(code), read = std::move(read), complete = std::move(complete),
       key = std::move(prepared->cache_key)]() -> api_response {
        auto past = resolve(*reads, spec);
        if (!past) return error_response(past.error());
        std::uint64_t position = 0;
        auto taken = reads->runner().read([&](const proj::projection_state& now, const proj::keyed_state& keyed) {
          const view v = *past ? view{*(*past)->second, keyed, (*past)->first, true}
                               : view{now, keyed, now.last_applied().value, false};
          position = v.position;
          return read(v);
        });
        if (!taken) return error_response(taken.error());
        auto stream = read_jurisdiction_stream(reads->store(), code, position);
        if (!stream) return error_response(stream.error());
        json::object body = complete(std::move(*taken), *stream);
        body["position"] = position;
        body["as_of"] = *past ? json::value(position) : json::value(nullptr);
        auto response = json_response(json_text(body));
        if (!key.empty()) reads->cache_body(key, position, response.body);
        return response;
      },
      std::move(respond));
}

// ---- jurisdictions, indicators, rankings ----

// The campaign asked for when none is named: the open one, else the latest opened.
std::optional<std::uint64_t> default_campaign(const proj::projection_state& s) {
  if (const auto* c = s.active_campaign()) return c->id;
  if (!s.campaigns().empty()) return s.campaigns().rbegin()->first;
  return std::nullopt;
}


api_error no_jurisdiction(const std::string& code, std::uint64_t position) {
  return api_error{error_kind::not_found, "no jurisdiction " + code + " at position " + std::to_string(position), "code", ""};
}

void jurisdiction_route(shared_state& state, const std::shared_ptr<read_side>& reads, api_request request, responder respond) {
  const std::string code = request.path_params.at("code");
  if (!may_see(*request.caller, code)) return respond(error_response(forbidden_scope(*request.caller, "jurisdiction " + code)));
  answer_with_stream(
      state, reads, request, std::move(respond), code,
      [code](const view& v) -> result<json::object, api_error> {
        auto node = find_node(v, code);
        if (!node) return failure(no_jurisdiction(code, v.position));
        const auto& tree = v.s.model().tree();
        json::object body = jurisdiction_json(tree, *node);
        json::array children;
        for (auto c : tree.at(*node).children) {
          const auto& n = tree.at(c);
          children.push_back(json::object{{"code", n.code}, {"name", n.name}, {"level", domain::to_string(n.lvl)},
                                          {"children", n.children.size()}});
        }
        body["children"] = std::move(children);
        return body;
      },
      [](json::object body, const jurisdiction_stream& stream) {
        // The projections keep the leader's name (responsible_leader), not the lead department.
        body["lead_department"] = stream.leader ? json::value(stream.leader->event.lead_department) : json::value(nullptr);
        return body;
      },
      "jurisdiction|" + code);
}

void indicators_route(shared_state& state, const std::shared_ptr<read_side>& reads, api_request request, responder respond) {
  const std::string code = request.path_params.at("code");
  if (!may_see(*request.caller, code)) return respond(error_response(forbidden_scope(*request.caller, "indicators of " + code)));
  auto affiliation = parse_affiliation(request);
  if (!affiliation) return respond(error_response(affiliation.error()));
  answer(state, reads, request, std::move(respond), [code, t = *affiliation](const view& v) {
    auto node = find_node(v, code);
    if (!node) return error_response(not_found("no jurisdiction " + code + " at position " + std::to_string(v.position)));
    return json_body(indicators_json(v.s, *node, t), v);
  }, "indicators|" + code + "|" + std::string(domain::to_string(*affiliation)));
}

json::object indicator_values(const proj::projection_state& s, proj::node_index node, proj::twin t) {
  json::object values;
  for (std::size_t k = 0; k < proj::indicator_count; ++k) {
    const auto which = static_cast<proj::indicator>(k);
    values[proj::to_string(which)] = value_json(proj::evaluate(s.model().counters(node), which, t));
  }
  return values;
}

// Values at each bulletin of a campaign (the dashboard's chart): the projections as of each
// bulletin's log position, then now.
void history_route(shared_state& state, const std::shared_ptr<read_side>& reads, api_request request, responder respond) {
  const std::string code = request.path_params.at("code");
  if (!may_see(*request.caller, code)) return respond(error_response(forbidden_scope(*request.caller, "indicators of " + code)));
  auto affiliation = parse_affiliation(request);
  if (!affiliation) return respond(error_response(affiliation.error()));
  auto campaign = query_uint(request, "campaign", 0);
  if (!campaign) return respond(error_response(campaign.error()));
  if (request.query.count("as_of") || request.query.count("as_of_time"))
    return respond(error_response(invalid("history covers every bulletin; use 'as_of' on /indicators/{code} for one point", "as_of")));
  run_on_store_pool(
      state,
      [reads, code, t = *affiliation, wanted = *campaign]() -> api_response {
        if (!reads->ready()) return error_response(api_error{error_kind::unavailable, "the projections are not ready", "", ""});
        struct point {
          std::uint32_t round;
          std::string as_of;
          std::uint64_t log_position;
        };
        std::vector<point> points;
        std::optional<std::uint64_t> campaign_id;
        json::object current;
        std::uint64_t now = 0;
        auto found = reads->runner().read([&](const proj::projection_state& s, const proj::keyed_state&) {
          auto node = s.model().tree().find(code);
          if (!node) return false;
          campaign_id = wanted != 0 ? std::optional<std::uint64_t>(wanted) : default_campaign(s);
          for (const auto& b : s.bulletins())
            if (campaign_id && b.campaign == *campaign_id)
              points.push_back({b.round, domain::to_string(b.as_of), b.log_position});
          now = s.last_applied().value;
          current = json::object{{"position", now}, {"indicators", indicator_values(s, *node, t)}};
          for (auto& kv : breakdown_values(s.model().counters(*node))) current[kv.key()] = std::move(kv.value());
          return true;
        });
        if (!found) return error_response(not_found("no jurisdiction " + code));
        std::sort(points.begin(), points.end(), [](const point& a, const point& b) { return a.round < b.round; });
        json::array series;
        for (const auto& p : points) {
          auto s = reads->state_at(p.log_position);
          if (!s) return error_response(from_projection_error(s.error()));
          auto node = (*s)->model().tree().find(code);
          json::object point{
              {"round", p.round},
              {"as_of", p.as_of},
              {"log_position", p.log_position},
              {"indicators", node ? json::value(indicator_values(**s, *node, t)) : json::value(nullptr)}};
          if (node) {
            for (auto& kv : breakdown_values((*s)->model().counters(*node))) point[kv.key()] = std::move(kv.value());
          } else {
            for (const char* key : {"orgs_in_scope_by_kind", "orgs_surveyed_by_step"}) point[key] = nullptr;
          }
          series.push_back(std::move(point));
        }
        json::object body{{"code", code},
                          {"affiliation", domain::to_string(t)},
                          {"campaign", campaign_id ? json::value(*campaign_id) : json::value(nullptr)},
                          {"bulletins", std::move(series)},
                          {"current", std::move(current)},
                          {"position", now}};
        return json_response(json_text(body));
      },
      std::move(respond));
}

void rankings_route(shared_state& state, const std::shared_ptr<read_side>& reads, api_request request, responder respond) {
  const std::string code = request.path_params.at("code");
  if (!may_see(*request.caller, code)) return respond(error_response(forbidden_scope(*request.caller, "rankings under " + code)));
  auto affiliation = parse_affiliation(request);
  if (!affiliation) return respond(error_response(affiliation.error()));
  auto by = parse_indicator(request);
  if (!by) return respond(error_response(by.error()));
  auto top_n = query_uint(request, "top", 5);
  if (!top_n) return respond(error_response(top_n.error()));
  auto bottom_n = query_uint(request, "bottom", 5);
  if (!bottom_n) return respond(error_response(bottom_n.error()));
  answer(state, reads, request, std::move(respond),
         [code, t = *affiliation, by = *by, top = *top_n, bottom = *bottom_n](const view& v) {
           auto node = find_node(v, code);
           if (!node) return error_response(not_found("no jurisdiction " + code + " at position " + std::to_string(v.position)));
           auto options = ranking_options_for(v.s, by, t);
           return json_body(ranking_json(v.s, *node, options, static_cast<std::size_t>(top), static_cast<std::size_t>(bottom)), v);
         },
         "rankings|" + code + "|" + std::string(domain::to_string(*affiliation)) + "|" +
             (*by ? std::string(proj::to_string(**by)) : std::string("-")) + "|" + std::to_string(*top_n) + "|" +
             std::to_string(*bottom_n));
}

// ---- ledger and targets ----

// Undoes on a ledger entry what happened after position p (as read_ledger_as_of does).
std::optional<proj::ledger_entry> entry_as_of(proj::ledger_entry e, std::uint64_t p) {
  if (e.designated_at > p) return std::nullopt;
  const bool withdrawn = e.withdrawn_at != 0 && e.withdrawn_at <= p;
  const bool struck = e.struck_off_at != 0 && e.struck_off_at <= p;
  if (!withdrawn) {
    e.withdrawn_at = 0;
    e.withdrawn_on = {};
  }
  if (!struck) {
    e.struck_off_at = 0;
    e.struck_off_on = {};
    e.struck_off_branch = 0;
    e.struck_off_by = {};
  }
  e.status = withdrawn ? domain::target_status::withdrawn
                       : (struck ? domain::target_status::struck_off : domain::target_status::open);
  return e;
}

result<domain::date, api_error> parse_today(const api_request& r) {
  auto it = r.query.find("today");
  if (it == r.query.end() || it->second.empty()) {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    return domain::china_date_of(now);
  }
  if (auto d = domain::parse_date(it->second)) return *d;
  return failure(invalid("'today' must be a date YYYY-MM-DD", "today", "date"));
}

void ledger_route(shared_state& state, const std::shared_ptr<read_side>& reads, api_request request, responder respond) {
  const std::string code = request.path_params.at("code");
  if (!may_see(*request.caller, code)) return respond(error_response(forbidden_scope(*request.caller, "the ledger of " + code)));
  std::optional<domain::target_status> status;
  if (auto it = request.query.find("status"); it != request.query.end() && !it->second.empty()) {
    status = domain::from_string<domain::target_status>(it->second);
    if (!status) return respond(error_response(invalid("'status' must be open, struck_off or withdrawn", "status", "one_of")));
  }
  auto overdue = parse_bool(request, "overdue");
  if (!overdue) return respond(error_response(overdue.error()));
  auto limit = parse_limit(state, request);
  if (!limit) return respond(error_response(limit.error()));
  auto today = parse_today(request);
  if (!today) return respond(error_response(today.error()));
  std::string after;
  if (auto it = request.query.find("cursor"); it != request.query.end() && !it->second.empty()) {
    auto key = unhex(it->second);
    if (!key) return respond(error_response(invalid("'cursor' must be the 'next' of a previous page", "cursor", "cursor")));
    after = *key;
  }
  answer(state, reads, request, std::move(respond),
         [code, status, overdue = *overdue, limit = *limit, today = *today, after](const view& v) {
           auto node = find_node(v, code);
           if (!node) return error_response(not_found("no jurisdiction " + code + " at position " + std::to_string(v.position)));
           proj::ledger_query q;
           q.jurisdiction_path = v.s.model().tree().path(*node);
           q.after = after;
           q.limit = limit;
           q.only_open = status == domain::target_status::open;
           q.only_overdue = overdue == true;
           q.today = today;
           json::array lines;
           std::string next = after;
           // Statuses other than open and "overdue=false" are filtered here, page by page, until
           // the page is full or the subtree ends.
           for (;;) {
             auto page = proj::read_ledger_as_of(v.keyed, q, eventstore::position{v.position});
             for (auto& line : page.lines) {
               if (lines.size() == limit) break;
               if (status && line.entry.status != *status) continue;
               if (overdue == false && line.overdue) continue;
               lines.push_back(ledger_json(line.entry, line.overdue));
             }
             next = page.next;
             if (page.next.empty() || lines.size() == limit) break;
             q.after = page.next;
           }
           json::object body{{"jurisdiction", code},
                             {"today", domain::to_string(today)},
                             {"targets", std::move(lines)},
                             {"next", next.empty() ? json::value(nullptr) : json::value(hex_of(next))}};
           return json_body(std::move(body), v);
         });
}

void target_route(shared_state& state, const std::shared_ptr<read_side>& reads, api_request request, responder respond) {
  auto id = path_id(request, "id");
  if (!id) return respond(error_response(id.error()));
  auto today = parse_today(request);
  if (!today) return respond(error_response(today.error()));
  answer(state, reads, request, std::move(respond), [id = *id, caller = *request.caller, today = *today](const view& v) {
    auto bytes = v.keyed.get(proj::ledger_target_key(domain::target_id{id}));
    std::optional<proj::ledger_entry> entry;
    if (bytes) entry = proj::decode_ledger_entry(*bytes);
    if (entry) entry = entry_as_of(std::move(*entry), v.position);
    if (!entry) return error_response(not_found("no formation target " + std::to_string(id) + " at position " + std::to_string(v.position)));
    if (!may_see(caller, entry->jurisdiction))
      return error_response(forbidden_scope(caller, "targets in " + entry->jurisdiction));
    return json_body(ledger_json(*entry, entry->overdue(today)), v);
  });
}

// ---- action plans (行动计划, 倒排工期) ----

// What the projections say for a plan: the node, the campaign, and the node's counters now and at
// the campaign's baseline (kept for the open campaign only, as /indicators has it).
struct plan_reading {
  json::object body;
  std::optional<std::uint64_t> campaign;
  proj::counter_block now;
  std::optional<proj::counter_block> baseline;
};

// Progress the read model counts for an organization type, over the jurisdiction's subtree. It
// counts by type, not by formation mode (there is no counter of formations by mode): every line of
// the plan of one type is measured by the same numbers.
json::object type_progress(domain::organization_type type, std::uint32_t planned, const plan_reading& r) {
  const auto k = static_cast<std::size_t>(type);
  auto measure = [&](std::size_t index) {
    const std::int64_t now = r.now[index];
    return json::object{{"value", now},
                        {"since_baseline", r.baseline ? json::value(now - (*r.baseline)[index]) : json::value(nullptr)}};
  };
  json::object out{{"type", domain::to_string(type)},
                   {"planned", planned},
                   {"formation_targets", measure(proj::counter::targets_by_branch + k)},
                   {"struck_off", measure(proj::counter::targets_struck_off_by_branch + k)}};
  switch (type) {
    case domain::organization_type::party:
    case domain::organization_type::league: {
      const auto t = type == domain::organization_type::party ? proj::twin::party : proj::twin::league;
      out["organization_covered"] = measure(proj::counter::of(t, proj::counter::organization_covered));
      out["standalone"] = measure(proj::counter::of(t, proj::counter::eligible_with_standalone));
      break;
    }
    case domain::organization_type::trade_union:
      out["organization_covered"] = measure(proj::counter::union_covered);
      out["standalone"] = nullptr;
      break;
    case domain::organization_type::womens_federation:
      out["organization_covered"] = measure(proj::counter::womens_federation_covered);
      out["standalone"] = nullptr;
      break;
  }
  return out;
}

// The latest plan set for the campaign read, with its revisions; null when none was set.
json::value plan_json(const plan_reading& r, const jurisdiction_stream& stream, domain::date today) {
  const plan_line* latest = nullptr;
  json::array revisions;
  for (const auto& p : stream.plans) {
    if (!r.campaign || p.event.campaign.value != *r.campaign) continue;
    latest = &p;
    revisions.push_back(json::object{{"set_on", domain::to_string(p.event.set_on)}, {"position", p.position}, {"actor", p.actor}});
  }
  if (latest == nullptr) return nullptr;
  json::object plan{{"set_on", domain::to_string(latest->event.set_on)},
                    {"position", latest->position},
                    {"actor", latest->actor}};
  json::array targets;
  std::array<std::uint32_t, proj::branch_type_count> planned{};
  std::array<bool, proj::branch_type_count> named{};
  for (const auto& t : latest->event.targets) {
    targets.push_back(json::object{{"type", domain::to_string(t.type)},
                                   {"mode", domain::to_string(t.mode)},
                                   {"count", t.count},
                                   {"deadline", domain::to_string(t.deadline)},
                                   {"days_left", domain::days_between(today, t.deadline)}});
    const auto k = static_cast<std::size_t>(t.type);
    if (k < proj::branch_type_count) {
      planned[k] += t.count;
      named[k] = true;
    }
  }
  json::array progress;
  for (std::size_t k = 0; k < proj::branch_type_count; ++k)
    if (named[k]) progress.push_back(type_progress(static_cast<domain::organization_type>(k), planned[k], r));
  plan["targets"] = std::move(targets);
  plan["progress"] = std::move(progress);
  plan["revisions"] = std::move(revisions);
  return plan;
}

void plan_route(shared_state& state, const std::shared_ptr<read_side>& reads, api_request request, responder respond) {
  const std::string code = request.path_params.at("code");
  if (!may_see(*request.caller, code))
    return respond(error_response(forbidden_scope(*request.caller, "the action plan of " + code)));
  std::optional<std::uint64_t> wanted;
  if (auto it = request.query.find("campaign"); it != request.query.end()) {
    auto id = query_uint(request, "campaign", 0);
    if (!id) return respond(error_response(id.error()));
    if (*id == 0) return respond(error_response(invalid("'campaign' must be a campaign id (1 or more)", "campaign", "id")));
    wanted = *id;
  }
  auto today = parse_today(request);
  if (!today) return respond(error_response(today.error()));
  answer_with_stream(
      state, reads, request, std::move(respond), code,
      [code, wanted](const view& v) -> result<plan_reading, api_error> {
        auto node = find_node(v, code);
        if (!node) return failure(no_jurisdiction(code, v.position));
        plan_reading r;
        const auto& n = v.s.model().tree().at(*node);
        r.body = json::object{{"code", n.code}, {"name", n.name}, {"level", domain::to_string(n.lvl)}};
        r.campaign = wanted ? wanted : default_campaign(v.s);
        json::value campaign = nullptr;
        if (r.campaign) {
          auto it = v.s.campaigns().find(*r.campaign);
          if (it == v.s.campaigns().end())
            return failure(invalid("no campaign " + std::to_string(*r.campaign) + " at position " + std::to_string(v.position),
                                   "campaign", "campaign_exists"));
          const auto& c = it->second;
          campaign = json::object{{"id", c.id},
                                  {"name", c.name},
                                  {"starts_on", domain::to_string(c.starts_on)},
                                  {"ends_on", domain::to_string(c.ends_on)},
                                  {"closed", c.closed}};
          // The read model freezes one baseline, the open campaign's (indicators_json).
          if (const auto* open = v.s.active_campaign(); open && open->id == c.id) r.baseline = v.s.model().baseline(*node);
        }
        r.body["campaign"] = std::move(campaign);
        r.now = v.s.model().counters(*node);
        return r;
      },
      [today = *today](plan_reading r, const jurisdiction_stream& stream) {
        json::object body = std::move(r.body);
        body["leader"] = stream.leader ? json::value(json::object{{"name", stream.leader->event.leader_name},
                                                                   {"lead_department", stream.leader->event.lead_department},
                                                                   {"assigned_on", domain::to_string(stream.leader->event.assigned_on)},
                                                                   {"position", stream.leader->position}})
                                       : json::value(nullptr);
        body["today"] = domain::to_string(today);
        body["plan"] = plan_json(r, stream, today);
        return body;
      });
}

// ---- entities folded from their streams ----

json::array history_json(const std::vector<eventstore::recorded_event>& events) {
  json::array h;
  for (const auto& e : events) {
    h.push_back(json::object{{"position", e.pos.value},
                             {"stream", e.stream},
                             {"type", e.type},
                             {"time", iso_time(e.metadata.timestamp_ms)},
                             {"actor", e.metadata.by.user},
                             {"hash", hex_encode(e.hash.data(), e.hash.size())}});
  }
  return h;
}


// Folds an entity's events into `details` (descriptive fields only the events carry).
json::object fold_entity(const std::vector<eventstore::recorded_event>& events) {
  json::object d;
  json::array steps, corrections, orgs;
  // A member's transfer letters (events of transfer-<id> streams, merged in by position), in
  // the order they were issued.
  json::array transfers;
  auto letter = [&](std::uint64_t id) -> json::object* {
    for (auto& t : transfers)
      if (t.as_object().at("id").to_number<std::uint64_t>() == id) return &t.as_object();
    return nullptr;
  };
  auto new_letter = [&](std::uint64_t id, json::value to_branch, json::value standing, std::uint64_t at) {
    transfers.push_back(json::object{{"id", id},
                                     {"status", "issued"},
                                     {"to_branch", std::move(to_branch)},
                                     {"standing", std::move(standing)},
                                     {"from_organization", nullptr},
                                     {"dues_paid_until", nullptr},
                                     {"issued_on", nullptr},
                                     {"valid_until", nullptr},
                                     {"issued_at", at},
                                     {"replaces", nullptr},
                                     {"replaced_by", nullptr},
                                     {"reason", nullptr},
                                     {"certificate", nullptr},
                                     {"settled_on", nullptr},
                                     {"settled_at", nullptr}});
    return &transfers.back().as_object();
  };
  // A letter whose issue the log does not hold is shown from its settling event alone, with what
  // that event says.
  auto settle = [&](std::uint64_t id, std::string_view status, domain::date on, std::uint64_t at,
                    json::value to_branch = nullptr) -> json::object* {
    json::object* t = letter(id);
    if (!t) {
      t = new_letter(id, std::move(to_branch), nullptr, at);
      (*t)["issued_at"] = nullptr;
    }
    (*t)["status"] = status;
    (*t)["settled_on"] = domain::to_string(on);
    (*t)["settled_at"] = at;
    return t;
  };
  // A member recorded (or developed) again after leaving starts afresh, as domain::apply's
  // put_member does: what described the former stay goes (it stays in `history`, and the letters
  // in `transfers`).
  auto new_incarnation = [&] {
    for (const char* k : {"disclosed", "made_formal_on", "listed_as_pocket", "developed", "admitted_by",
                          "relationship_held_at", "recorded_on", "attached_to", "detached", "relationship_branch"})
      d.erase(k);
  };
  for (const auto& rec : events) {
    auto decoded = domain::decode(rec.type, rec.schema_version, rec.payload);
    if (!decoded) continue;
    const std::uint64_t at = rec.pos.value;
    std::visit(
        overloaded{
            [&](const ev::organization_registered& e) {
              d["id"] = e.org.value;
              d["name"] = e.org_name;
              d["kind"] = domain::to_string(e.kind);
              d["social_credit_code"] = e.social_credit_code;
              d["registration_number"] = e.registration_number;
              d["trade"] = e.trade;
              d["office"] = e.office.value;
              d["address"] = e.address;
              d["employees"] = e.employees;
              d["owner"] = domain::to_string(e.owner);
              d["management_relationship"] = e.management_relationship;
              d["operating_status"] = domain::to_string(e.status);
              d["focus"] = domain::to_string(e.focus);
              d["has_activity_venue"] = e.has_activity_venue;
              d["registered_on"] = domain::to_string(e.registered_on);
              d["removed"] = nullptr;
            },
            [&](const ev::survey_step_completed& e) {
              steps.push_back(json::object{{"step", domain::to_string(e.step)},
                                           {"completed_on", domain::to_string(e.completed_on)},
                                           {"position", at}});
            },
            [&](const ev::organization_details_corrected& e) {
              json::object changed;
              auto set = [&](const char* k, json::value v) {
                d[k] = v;
                changed[k] = std::move(v);
              };
              if (e.org_name) set("name", json::value(*e.org_name));
              if (e.social_credit_code) set("social_credit_code", json::value(*e.social_credit_code));
              if (e.registration_number) set("registration_number", json::value(*e.registration_number));
              if (e.trade) set("trade", json::value(*e.trade));
              if (e.office) set("office", json::value(e.office->value));
              if (e.address) set("address", json::value(*e.address));
              if (e.employees) set("employees", json::value(*e.employees));
              if (e.owner) set("owner", json::value(domain::to_string(*e.owner)));
              if (e.management_relationship) set("management_relationship", json::value(*e.management_relationship));
              if (e.status) set("operating_status", json::value(domain::to_string(*e.status)));
              if (e.focus) set("focus", json::value(domain::to_string(*e.focus)));
              if (e.has_activity_venue) set("has_activity_venue", json::value(*e.has_activity_venue));
              corrections.push_back(json::object{{"changed", std::move(changed)},
                                                 {"note", e.note},
                                                 {"corrected_on", domain::to_string(e.corrected_on)},
                                                 {"position", at}});
            },
            [&](const ev::organization_removed& e) {
              d["removed"] = json::object{{"reason", domain::to_string(e.reason)},
                                          {"note", e.note},
                                          {"removed_on", domain::to_string(e.removed_on)},
                                          {"position", at}};
            },
            [&](const ev::member_recorded& e) {
              new_incarnation();
              d["id"] = e.member.value;
              d["org"] = e.org.value;
              d["name"] = e.member_name;
              d["affiliation"] = domain::to_string(e.affiliation);
              d["standing"] = domain::to_string(e.standing);
              d["status"] = domain::to_string(e.status);
              d["relationship_held_at"] = e.relationship_held_at;
              d["admitted_on"] = domain::to_string(e.admitted_on);
              d["recorded_on"] = domain::to_string(e.recorded_on);
              d["left"] = nullptr;
            },
            [&](const ev::member_developed& e) {
              new_incarnation();
              d["id"] = e.member.value;
              d["org"] = e.org.value;
              d["name"] = e.member_name;
              d["affiliation"] = domain::to_string(e.affiliation);
              d["standing"] = domain::to_string(e.standing);
              d["status"] = "active";
              d["developed"] = true;
              const json::value admitted_by = e.admitted_by ? json::value(e.admitted_by->value) : json::value(nullptr);
              d["admitted_by"] = admitted_by;
              // The admitting branch holds a developed member's relationship (domain::apply).
              d["relationship_branch"] = admitted_by;
              d["admitted_on"] = domain::to_string(e.admitted_on);
              d["left"] = nullptr;
            },
            [&](const ev::member_identity_disclosed& e) {
              d["status"] = "disclosed";
              d["disclosed"] = json::object{{"previous_status", domain::to_string(e.previous_status)},
                                            {"disclosed_on", domain::to_string(e.disclosed_on)},
                                            {"position", at}};
            },
            [&](const ev::member_made_formal& e) {
              d["standing"] = "formal";
              d["made_formal_on"] = domain::to_string(e.made_formal_on);
            },
            // Gone from the org, as domain::apply has it: no org, no attachment, no organization
            // here holding the relationship. Where the member was and in which status is in `left`.
            [&](const ev::member_left& e) {
              const auto* now = d.if_contains("status");
              const json::value status = now ? *now : json::value(nullptr);  // copied before d grows
              d["left"] = json::object{{"org", e.org.value},
                                       {"status", status},
                                       {"reason", domain::to_string(e.reason)},
                                       {"left_on", domain::to_string(e.left_on)},
                                       {"position", at}};
              d["org"] = nullptr;
              d["status"] = "left";
              d["attached_to"] = nullptr;
              d["relationship_branch"] = nullptr;
            },
            [&](const ev::member_attached_nearby& e) {
              d["attached_to"] = json::object{{"branch", e.branch.value}, {"attached_on", domain::to_string(e.attached_on)}};
            },
            // The last time the member stopped taking part nearby (or its organization was dissolved).
            [&](const ev::member_detached& e) {
              d["attached_to"] = nullptr;
              d["detached"] = json::object{{"branch", e.branch.value},
                                           {"reason", e.reason},
                                           {"detached_on", domain::to_string(e.detached_on)},
                                           {"position", at}};
            },
            [&](const ev::member_listed_as_pocket& e) {
              d["status"] = "pocket";
              d["listed_as_pocket"] = json::object{{"transfer", e.transfer.value}, {"listed_on", domain::to_string(e.listed_on)}};
            },
            // The member's transfer letters, as domain::apply settles them: receipt (回执) or an
            // identity certificate (身份证明) makes the member active, held by the letter's branch.
            [&](const ev::transfer_letter_issued& e) {
              auto* t =
                  new_letter(e.transfer.value, e.to_branch.value, json::string(domain::to_string(e.standing)), at);
              (*t)["from_organization"] = e.from_organization;
              (*t)["dues_paid_until"] = domain::to_string(e.dues_paid_until);
              (*t)["issued_on"] = domain::to_string(e.issued_on);
              (*t)["valid_until"] = domain::to_string(e.valid_until);
            },
            [&](const ev::transfer_letter_reissued& e) {
              json::value from = nullptr, dues = nullptr;
              if (auto* lost = settle(e.lost.value, "voided", e.issued_on, at)) {
                (*lost)["replaced_by"] = e.transfer.value;
                from = lost->at("from_organization");
                dues = lost->at("dues_paid_until");
              }
              auto* t =
                  new_letter(e.transfer.value, e.to_branch.value, json::string(domain::to_string(e.standing)), at);
              (*t)["from_organization"] = std::move(from);
              (*t)["dues_paid_until"] = std::move(dues);
              (*t)["issued_on"] = domain::to_string(e.issued_on);
              (*t)["valid_until"] = domain::to_string(e.valid_until);
              (*t)["replaces"] = e.lost.value;
            },
            [&](const ev::transfer_letter_received& e) {
              settle(e.transfer.value, "received", e.received_on, at, e.to_branch.value);
              d["status"] = "active";
              d["relationship_branch"] = e.to_branch.value;
            },
            [&](const ev::transfer_letter_rejected& e) {
              if (auto* t = settle(e.transfer.value, "rejected", e.rejected_on, at)) (*t)["reason"] = e.reason;
            },
            [&](const ev::transfer_letter_revoked& e) {
              if (auto* t = settle(e.transfer.value, "revoked", e.revoked_on, at)) (*t)["reason"] = e.reason;
            },
            [&](const ev::transfer_letter_expired& e) { settle(e.transfer.value, "expired", e.expired_on, at); },
            [&](const ev::transfer_completed_by_certificate& e) {
              // The letter takes the member's standing at the time (domain::apply does the same).
              const auto* standing = d.if_contains("standing");
              auto* t =
                  new_letter(e.transfer.value, e.to_branch.value, standing ? *standing : json::value(nullptr), at);
              (*t)["status"] = "completed_by_certificate";
              (*t)["certificate"] = json::object{{"issuer", domain::to_string(e.issuer)},
                                                 {"issuer_name", e.issuer_name},
                                                 {"certificate_number", e.certificate_number}};
              (*t)["settled_on"] = domain::to_string(e.completed_on);
              (*t)["settled_at"] = at;
              d["status"] = "active";
              d["relationship_branch"] = e.to_branch.value;
            },
            [&](const ev::organization_formed& e) {
              d["id"] = e.branch.value;
              d["type"] = domain::to_string(e.branch_type);
              d["mode"] = domain::to_string(e.mode);
              d["scale"] = domain::to_string(e.scale);
              d["name"] = e.branch_name;
              for (auto o : e.orgs) orgs.push_back(o.value);
              d["host"] = e.host ? json::value(e.host->value) : json::value(nullptr);
              d["channel"] = e.channel ? json::value(domain::to_string(*e.channel)) : json::value(nullptr);
              d["channel_name"] = e.channel_name;
              d["channel_market"] = e.channel_market ? json::value(e.channel_market->value) : json::value(nullptr);
              d["formal_members_at_formation"] = e.formal_members;
              d["formed_on"] = domain::to_string(e.formed_on);
              d["dissolved"] = nullptr;
            },
            [&](const ev::organization_orgs_added& e) {
              for (auto o : e.orgs) orgs.push_back(o.value);
            },
            [&](const ev::organization_orgs_removed& e) {
              for (auto o : e.orgs) {
                for (auto it = orgs.begin(); it != orgs.end(); ++it) {
                  if (it->to_number<std::uint64_t>() == o.value) {
                    orgs.erase(it);
                    break;
                  }
                }
              }
            },
            [&](const ev::organization_dissolved& e) {
              d["dissolved"] = json::object{{"reason", e.reason}, {"dissolved_on", domain::to_string(e.dissolved_on)}, {"position", at}};
            },
            [&](const auto&) {}},
        decoded.value());
  }
  if (!events.empty() && events.front().stream.rfind("org-", 0) == 0) {
    d["survey_steps"] = std::move(steps);
    d["corrections"] = std::move(corrections);
  }
  if (!events.empty() && events.front().stream.rfind("branch-", 0) == 0) d["orgs"] = std::move(orgs);
  if (!events.empty() && events.front().stream.rfind("member-", 0) == 0) {
    if (!d.contains("relationship_branch")) d["relationship_branch"] = nullptr;
    if (!d.contains("attached_to")) d["attached_to"] = nullptr;
    d["transfer"] = transfers.empty() ? json::value(nullptr) : transfers.back();
    d["transfers"] = std::move(transfers);
  }
  return d;
}

enum class entity_kind { org, member, branch };

// Store pool: adds to a member's events those of its transfer letters (their own streams,
// transfer-<id>, found through the projections' index by member), in log order, up to `up_to`:
// what a member's view folds. `also`, when not 0, is read too if the index's first
// kMaxMemberTransfers letters leave it out.
result<void, api_error> add_member_letters(read_side& reads, std::uint64_t member, std::uint64_t up_to,
                                           std::vector<eventstore::recorded_event>& events, std::uint64_t also = 0) {
  auto letters = reads.runner().read([&](const proj::projection_state& now, const proj::keyed_state& keyed) {
    return proj::member_transfers(keyed, now.pending_letter_lines(), domain::member_id{member}, kMaxMemberTransfers);
  });
  if (also != 0 && std::find(letters.begin(), letters.end(), domain::transfer_id{also}) == letters.end())
    letters.push_back(domain::transfer_id{also});
  for (auto t : letters) {
    auto more = read_entity(reads.store(), "transfer-" + std::to_string(t.value), up_to);
    if (!more) return failure(more.error());
    std::move(more->begin(), more->end(), std::back_inserter(events));
  }
  std::sort(events.begin(), events.end(), [](const auto& a, const auto& b) { return a.pos.value < b.pos.value; });
  return {};
}

// A page of a branch's or an org's incoming letters (the projections' postings,
// member_transfers.h), each folded from its member's events and its letters' as of `up_to`, as the
// member's view shows it (fold_entity: a reissue sits in the new letter's stream, so one letter's
// own stream does not say it was voided), plus its `member` and `org` (the member's org when it
// was opened). Letters after `after` in id order, of `status` when given; `next` is set when
// another letter matches after the page.
struct incoming_page {
  json::array letters;
  std::optional<std::uint64_t> next;
};
result<incoming_page, api_error> fold_incoming_letters(read_side& reads, const std::vector<proj::incoming_letter>& index,
                                                       std::uint64_t after, std::size_t limit,
                                                       std::optional<std::string_view> status, std::uint64_t up_to) {
  incoming_page page;
  // A member's letters fold together: a page holding two of them (a lost letter and its
  // reissue) reads them once.
  std::map<std::uint64_t, json::array> folded;
  for (const auto& l : index) {
    if (l.transfer.value <= after) continue;
    auto it = folded.find(l.member.value);
    if (it == folded.end()) {
      auto events = read_entity(reads.store(), "member-" + std::to_string(l.member.value), up_to);
      if (!events) return failure(events.error());
      json::array transfers;
      // A letter's member is recorded before the letter is opened: a log the domain wrote always
      // has its stream. (fold_entity shows letters only with their member.)
      if (!events->empty()) {
        if (auto added = add_member_letters(reads, l.member.value, up_to, *events, l.transfer.value); !added)
          return failure(added.error());
        json::object member = fold_entity(*events);
        if (auto* t = member.if_contains("transfers"); t && t->is_array()) transfers = std::move(t->as_array());
      }
      it = folded.emplace(l.member.value, std::move(transfers)).first;
    }
    const json::object* letter = nullptr;
    for (const auto& t : it->second)
      if (t.as_object().at("id").to_number<std::uint64_t>() == l.transfer.value) letter = &t.as_object();
    if (!letter) continue;
    if (status && letter->at("status").as_string() != *status) continue;
    if (page.letters.size() == limit) {
      page.next = page.letters.back().as_object().at("id").to_number<std::uint64_t>();
      break;
    }
    json::object out{{"id", l.transfer.value},
                     {"member", l.member.value},
                     {"org", l.org.value == 0 ? json::value(nullptr) : json::value(l.org.value)}};
    for (const auto& [k, v] : *letter)
      if (k != "id") out[k] = v;
    page.letters.push_back(std::move(out));
  }
  return page;
}

// The read side's packed record of an organization (counts behind the indicators).
json::object org_read_json(const proj::projection_state& s, proj::org_index i) {
  const auto& r = s.model().org(i);
  json::object o{{"in_scope", r.in_scope()},
                 {"office", r.node == proj::no_node ? json::value(nullptr) : json::value(s.model().tree().at(r.node).code)},
                 {"survey_steps_done", r.survey_steps_done}};
  json::object formal, attached, instructors, standalone, covering, targets, struck;
  for (auto t : proj::all_twins) {
    const auto k = static_cast<std::size_t>(t);
    const std::string name(domain::to_string(t));
    formal[name] = r.formal_members[k];
    attached[name] = r.attached_members[k];
    instructors[name] = r.instructors[k];
    standalone[name] = r.standalone[k] != 0;
  }
  for (std::size_t k = 0; k < proj::branch_type_count; ++k) {
    const std::string name(domain::to_string(static_cast<domain::organization_type>(k)));
    covering[name] = r.covering[k] != 0;
    targets[name] = r.targets[k];
    struck[name] = r.struck_off[k];
  }
  o["formal_members"] = std::move(formal);
  o["eligible"] = json::object{{"party", r.formal_members[0] >= domain::min_formal_members_to_form},
                               {"league", r.formal_members[1] >= domain::min_formal_members_to_form}};
  o["attached_members"] = std::move(attached);
  o["instructors"] = std::move(instructors);
  o["own_organization"] = std::move(standalone);
  o["covered_by"] = std::move(covering);
  o["targets"] = std::move(targets);
  o["targets_struck_off"] = std::move(struck);
  return o;
}

// The jurisdiction an entity lies in, for the scope check: a member's org (the one it left, once
// gone), a formed organization's first covered org; "" when unknown (read-all callers only).
std::string entity_jurisdiction(entity_kind kind, std::uint64_t id, const json::object& details,
                                const proj::projection_state& s) {
  std::optional<std::uint64_t> org;
  if (kind == entity_kind::org) org = id;
  if (kind == entity_kind::member) {
    if (const auto* left = details.if_contains("left"); left && left->is_object()) {
      org = left->at("org").to_number<std::uint64_t>();
    } else if (const auto* o = details.if_contains("org"); o && o->is_number()) {
      org = o->to_number<std::uint64_t>();
    }
  }
  if (kind == entity_kind::branch) {
    if (const auto* o = details.if_contains("orgs"); o && !o->as_array().empty())
      org = o->as_array().front().to_number<std::uint64_t>();
  }
  if (!org) return {};
  const auto index = s.model().find_org(domain::organization_id{*org});
  if (!index || s.model().org(*index).node == proj::no_node) return {};
  return s.model().tree().at(s.model().org(*index).node).code;
}

constexpr const char* stream_prefix(entity_kind kind) {
  return kind == entity_kind::org ? "org-" : kind == entity_kind::member ? "member-" : "branch-";
}
constexpr const char* noun_of(entity_kind kind) {
  return kind == entity_kind::org ? "organization" : kind == entity_kind::member ? "member" : "branch";
}

// Store pool: an entity's own stream as the request's `as_of` sees it, read before the runner's
// lock is taken (RocksDB reads must not hold up the runner's writer); 404 when it has no event there.
struct entity_at {
  std::optional<std::pair<std::uint64_t, std::shared_ptr<const proj::projection_state>>> past;  // none: live
  std::uint64_t up_to = UINT64_MAX;
  std::vector<eventstore::recorded_event> events;
};
result<entity_at, api_error> read_entity_at(read_side& reads, const as_of_spec& spec, entity_kind kind, std::uint64_t id) {
  auto past = resolve(reads, spec);
  if (!past) return failure(past.error());
  entity_at out;
  out.past = std::move(*past);
  out.up_to = out.past ? out.past->first : UINT64_MAX;
  auto events = read_entity(reads.store(), stream_prefix(kind) + std::to_string(id), out.up_to);
  if (!events) return failure(events.error());
  if (events->empty()) return failure(not_found(std::string("no ") + noun_of(kind) + " " + std::to_string(id)));
  out.events = std::move(*events);
  return out;
}

template <entity_kind kind>
void entity_route(shared_state& state, const std::shared_ptr<read_side>& reads, api_request request, responder respond) {
  auto id = path_id(request, "id");
  if (!id) return respond(error_response(id.error()));
  auto spec = parse_as_of(request);
  if (!spec) return respond(error_response(spec.error()));
  run_on_store_pool(
      state,
      [reads, id = *id, spec = *spec, caller = *request.caller]() -> api_response {
        auto read = read_entity_at(*reads, spec, kind, id);
        if (!read) return error_response(read.error());
        auto& [past, up_to, events] = *read;
        if (kind == entity_kind::member) {
          // A member's transfer letters live in streams of their own (transfer-<id>): the
          // projections index them by member; their events join the member's, in log order.
          if (auto added = add_member_letters(*reads, id, up_to, events); !added) return error_response(added.error());
        }
        json::object details = fold_entity(events);
        details["stream"] = stream_prefix(kind) + std::to_string(id);
        details["history"] = history_json(events);
        std::optional<api_response> refused;
        std::vector<proj::incoming_letter> incoming;
        std::uint64_t letters_at = 0;
        reads->runner().read([&](const proj::projection_state& now, const proj::keyed_state& keyed) {
          const auto& s = past ? *past->second : now;
          const std::uint64_t position = past ? past->first : now.last_applied().value;
          const std::string code = entity_jurisdiction(kind, id, details, s);
          if (code.empty() ? !may_read_all_history(caller) : !may_see(caller, code)) {
            refused = error_response(forbidden_scope(caller, std::string(noun_of(kind)) + " " + std::to_string(id)));
            return;
          }
          details["jurisdiction"] = code.empty() ? json::value(nullptr) : json::value(code);
          if (kind != entity_kind::member) {
            // The letters coming in: to the branch, or bringing the org's members' relationships
            // here (the index of the live state; `position` cuts it for an as-of view).
            letters_at = position;
            incoming = kind == entity_kind::branch
                           ? proj::letters_to_branch(keyed, now.pending_letter_lines(), domain::branch_id{id}, position)
                           : proj::letters_of_org(keyed, now.pending_letter_lines(), domain::organization_id{id}, position);
          }
          const auto index = s.model().find_org(domain::organization_id{id});
          if (kind == entity_kind::org && index) {
            details["read_model"] = org_read_json(s, *index);
            // The organization's formation targets (ledger items), as of the view's position.
            std::string x = proj::ledger_org_key(domain::organization_id{id}, domain::target_id{0});
            x.resize(x.size() - 8);
            json::array targets;
            keyed.scan(x, x, [&](std::string_view key, std::string_view) {
              auto t = proj::ledger_target_key(domain::target_id{0});
              t.resize(t.size() - 8);
              t.append(key.substr(key.size() - 8));
              if (auto bytes = keyed.get(t)) {
                if (auto e = proj::decode_ledger_entry(*bytes)) {
                  if (auto then = entry_as_of(std::move(*e), position)) targets.push_back(ledger_json(*then, false));
                }
              }
              return targets.size() < 100;
            });
            details["formation_targets"] = std::move(targets);
          }
          details["position"] = position;
          details["as_of"] = past ? json::value(position) : json::value(nullptr);
        });
        if (refused) return std::move(*refused);
        if (kind != entity_kind::member) {
          // Folded outside the runner's lock, as the entity's own stream was read.
          auto page = fold_incoming_letters(*reads, incoming, 0, kEmbeddedLetters, std::nullopt, letters_at);
          if (!page) return error_response(page.error());
          details["incoming_transfers"] = std::move(page->letters);
          details["incoming_transfers_next"] = page->next ? json::value(*page->next) : json::value(nullptr);
          details["incoming_transfers_count"] = incoming.size();
        }
        return json_response(json_text(details));
      },
      std::move(respond));
}

// GET /api/v1/branches/{id}/transfers, /api/v1/organizations/{id}/transfers: the incoming
// letters of the entity's view, page by page, optionally of one status, as of `as_of`.
template <entity_kind kind>
void incoming_transfers_route(shared_state& state, const std::shared_ptr<read_side>& reads, api_request request,
                              responder respond) {
  auto id = path_id(request, "id");
  if (!id) return respond(error_response(id.error()));
  std::optional<std::string> status;
  if (auto it = request.query.find("status"); it != request.query.end() && !it->second.empty()) {
    if (!domain::from_string<domain::transfer_status>(it->second))
      return respond(error_response(
          invalid("'status' must be issued, received, rejected, revoked, expired, voided or completed_by_certificate",
                  "status", "one_of")));
    status = it->second;
  }
  auto limit = parse_limit(state, request);
  if (!limit) return respond(error_response(limit.error()));
  auto cursor = query_uint(request, "cursor", 0);
  if (!cursor) return respond(error_response(cursor.error()));
  auto spec = parse_as_of(request);
  if (!spec) return respond(error_response(spec.error()));
  run_on_store_pool(
      state,
      [reads, id = *id, status, limit = *limit, after = *cursor, spec = *spec,
       caller = *request.caller]() -> api_response {
        // The entity's own (short) stream says whether it exists and where it lies, as for its view.
        auto read = read_entity_at(*reads, spec, kind, id);
        if (!read) return error_response(read.error());
        auto& [past, up_to, events] = *read;
        const json::object details = fold_entity(events);
        std::optional<api_response> refused;
        std::string code;
        std::vector<proj::incoming_letter> incoming;
        std::uint64_t letters_at = 0;
        reads->runner().read([&](const proj::projection_state& now, const proj::keyed_state& keyed) {
          const auto& s = past ? *past->second : now;
          const std::uint64_t position = past ? past->first : now.last_applied().value;
          code = entity_jurisdiction(kind, id, details, s);
          if (code.empty() ? !may_read_all_history(caller) : !may_see(caller, code)) {
            refused = error_response(forbidden_scope(caller, std::string(noun_of(kind)) + " " + std::to_string(id)));
            return;
          }
          letters_at = position;
          incoming = kind == entity_kind::branch
                         ? proj::letters_to_branch(keyed, now.pending_letter_lines(), domain::branch_id{id}, position)
                         : proj::letters_of_org(keyed, now.pending_letter_lines(), domain::organization_id{id}, position);
        });
        if (refused) return std::move(*refused);
        std::optional<std::string_view> wanted;
        if (status) wanted = *status;
        auto page = fold_incoming_letters(*reads, incoming, after, limit, wanted, letters_at);
        if (!page) return error_response(page.error());
        json::object body{{kind == entity_kind::org ? "org" : "branch", id},
                          {"jurisdiction", code.empty() ? json::value(nullptr) : json::value(code)},
                          {"transfers", std::move(page->letters)},
                          {"next", page->next ? json::value(*page->next) : json::value(nullptr)},
                          {"count", incoming.size()},
                          {"position", letters_at},
                          {"as_of", past ? json::value(letters_at) : json::value(nullptr)}};
        return json_response(json_text(body));
      },
      std::move(respond));
}

void organizations_route(shared_state& state, const std::shared_ptr<read_side>& reads, api_request request, responder respond) {
  std::string code = request.caller->scope;
  if (auto it = request.query.find("jurisdiction"); it != request.query.end() && !it->second.empty()) code = it->second;
  if (!may_see(*request.caller, code)) return respond(error_response(forbidden_scope(*request.caller, "organizations in " + code)));
  auto limit = parse_limit(state, request);
  if (!limit) return respond(error_response(limit.error()));
  auto cursor = query_uint(request, "cursor", 0);
  if (!cursor) return respond(error_response(cursor.error()));
  auto spec = parse_as_of(request);
  if (!spec) return respond(error_response(spec.error()));
  run_on_store_pool(
      state,
      [reads, code, limit = std::min<std::size_t>(*limit, 1000), start = *cursor, spec = *spec]() -> api_response {
        auto past = resolve(*reads, spec);
        if (!past) return error_response(past.error());
        json::array items;
        std::optional<std::uint64_t> next;
        std::uint64_t position = 0;
        bool known = reads->runner().read([&](const proj::projection_state& now, const proj::keyed_state&) {
          const auto& s = *past ? *(*past)->second : now;
          position = *past ? (*past)->first : now.last_applied().value;
          auto node = s.model().tree().find(code);
          if (!node) return false;
          // Organizations are kept in registration order; the cursor is an index into it.
          for (std::uint64_t i = start; i < s.model().org_count(); ++i) {
            const auto& r = s.model().org(static_cast<proj::org_index>(i));
            if (!(r.flags & proj::org_record::flag_registered) || r.node == proj::no_node ||
                !s.model().tree().within(r.node, *node))
              continue;
            if (items.size() == limit) {
              next = i;
              break;
            }
            json::object item = org_read_json(s, static_cast<proj::org_index>(i));
            item["id"] = s.model().org_id(static_cast<proj::org_index>(i)).value;
            item["kind"] = domain::to_string(static_cast<domain::org_kind>(r.kind));
            items.push_back(std::move(item));
          }
          return true;
        });
        if (!known) return error_response(not_found("no jurisdiction " + code));
        // Names live only in the events: the first event of each organization's stream.
        for (auto& item : items) {
          auto& o = item.as_object();
          auto first = reads->store().read_stream("org-" + std::to_string(o.at("id").to_number<std::uint64_t>()),
                                                  eventstore::stream_version{1}, eventstore::read_direction::forward, 1);
          o["name"] = nullptr;
          if (first && !first->empty()) {
            auto decoded = domain::decode(first->front().type, first->front().schema_version, first->front().payload);
            if (decoded)
              if (const auto* reg = std::get_if<ev::organization_registered>(&decoded.value())) o["name"] = reg->org_name;
          }
        }
        json::object body{{"jurisdiction", code},
                          {"organizations", std::move(items)},
                          {"next", next ? json::value(*next) : json::value(nullptr)},
                          {"position", position},
                          {"as_of", *past ? json::value(position) : json::value(nullptr)}};
        return json_response(json_text(body));
      },
      std::move(respond));
}

// ---- workflow: interviews, bulletins, campaigns ----

void interviews_route(shared_state& state, const std::shared_ptr<read_side>& reads, api_request request, responder respond) {
  std::string code;
  if (auto it = request.query.find("jurisdiction"); it != request.query.end()) code = it->second;
  if (!code.empty() && !may_see(*request.caller, code))
    return respond(error_response(forbidden_scope(*request.caller, "interviews in " + code)));
  std::optional<domain::interview_status> status;
  if (auto it = request.query.find("status"); it != request.query.end() && !it->second.empty()) {
    status = domain::from_string<domain::interview_status>(it->second);
    if (!status)
      return respond(error_response(invalid("'status' must be scheduled, held, rectifying, escalated or closed", "status", "one_of")));
  }
  auto campaign = query_uint(request, "campaign", 0);
  if (!campaign) return respond(error_response(campaign.error()));
  auto limit = parse_limit(state, request);
  if (!limit) return respond(error_response(limit.error()));
  auto cursor = query_uint(request, "cursor", 0);
  if (!cursor) return respond(error_response(cursor.error()));
  // Absent: both twins' interviews.
  std::optional<proj::twin> affiliation;
  if (auto it = request.query.find("affiliation"); it != request.query.end() && !it->second.empty()) {
    auto t = parse_affiliation(request);
    if (!t) return respond(error_response(t.error()));
    affiliation = *t;
  }
  answer(state, reads, request, std::move(respond),
         [code, status, affiliation, campaign = *campaign, limit = *limit, after = *cursor,
          caller = *request.caller](const view& v) {
           // A mistyped code is not an empty list (the interviews topic refuses it the same way).
           if (!code.empty() && !find_node(v, code))
             return error_response(not_found("no jurisdiction " + code + " at position " + std::to_string(v.position)));
           json::array items;
           std::optional<std::uint64_t> next;
           for (auto it = v.s.interviews().upper_bound(after); it != v.s.interviews().end(); ++it) {
             const auto& r = it->second;
             if (!may_see(caller, r.jurisdiction)) continue;
             if (!code.empty() && !scope_covers(code, r.jurisdiction)) continue;
             if (status && r.status != *status) continue;
             if (affiliation && r.affiliation != *affiliation) continue;
             if (campaign != 0 && r.campaign != campaign) continue;
             if (items.size() == limit) {
               next = items.back().at("id").to_number<std::uint64_t>();
               break;
             }
             items.push_back(interview_json(r));
           }
           json::object body{{"interviews", std::move(items)}, {"next", next ? json::value(*next) : json::value(nullptr)}};
           return json_body(std::move(body), v);
         });
}

void interview_route(shared_state& state, const std::shared_ptr<read_side>& reads, api_request request, responder respond) {
  auto id = path_id(request, "id");
  if (!id) return respond(error_response(id.error()));
  answer(state, reads, request, std::move(respond), [id = *id, caller = *request.caller](const view& v) {
    auto it = v.s.interviews().find(id);
    if (it == v.s.interviews().end()) return error_response(not_found("no interview " + std::to_string(id)));
    if (!may_see(caller, it->second.jurisdiction))
      return error_response(forbidden_scope(caller, "interviews in " + it->second.jurisdiction));
    return json_body(interview_json(it->second), v);
  });
}

void bulletins_route(shared_state& state, const std::shared_ptr<read_side>& reads, api_request request, responder respond) {
  auto campaign = query_uint(request, "campaign", 0);
  if (!campaign) return respond(error_response(campaign.error()));
  answer(state, reads, request, std::move(respond), [campaign = *campaign](const view& v) {
    json::array items;
    for (const auto& b : v.s.bulletins())
      if (campaign == 0 || b.campaign == campaign) items.push_back(bulletin_json(b, false));
    return json_body(json::object{{"bulletins", std::move(items)}}, v);
  });
}

void bulletin_route(shared_state& state, const std::shared_ptr<read_side>& reads, api_request request, responder respond) {
  auto campaign = path_id(request, "campaign");
  if (!campaign) return respond(error_response(campaign.error()));
  auto round = path_id(request, "round");
  if (!round) return respond(error_response(round.error()));
  std::string parent;
  if (auto it = request.query.find("parent"); it != request.query.end()) parent = it->second;
  if (!parent.empty() && !may_see(*request.caller, parent))
    return respond(error_response(forbidden_scope(*request.caller, "rankings under " + parent)));
  auto affiliation = parse_affiliation(request);
  if (!affiliation) return respond(error_response(affiliation.error()));
  answer(state, reads, request, std::move(respond),
         [campaign = *campaign, round = *round, parent, t = *affiliation, caller = *request.caller](const view& v) {
           const auto* b = v.s.bulletin(campaign, static_cast<std::uint32_t>(round));
           if (b == nullptr)
             return error_response(not_found("no bulletin round " + std::to_string(round) + " of campaign " + std::to_string(campaign)));
           // A leader sees the rankings of the parents in their scope (their own children).
           auto show = [&](const std::string& p) { return may_see(caller, p) && (parent.empty() || p == parent); };
           return json_body(bulletin_json(*b, true, show, t), v);
         });
}

void campaign_route(shared_state& state, const std::shared_ptr<read_side>& reads, api_request request, responder respond) {
  auto id = path_id(request, "id");
  if (!id) return respond(error_response(id.error()));
  answer(state, reads, request, std::move(respond), [id = *id](const view& v) {
    auto it = v.s.campaigns().find(id);
    if (it == v.s.campaigns().end()) return error_response(not_found("no campaign " + std::to_string(id)));
    json::object body = campaign_json(it->second);
    json::array bulletins;
    for (const auto& b : v.s.bulletins())
      if (b.campaign == id) bulletins.push_back(bulletin_json(b, false));
    body["bulletins"] = std::move(bulletins);
    std::size_t interviews = 0;
    for (const auto& [iid, r] : v.s.interviews())
      if (r.campaign == id) ++interviews;
    body["interviews"] = interviews;
    return json_body(std::move(body), v);
  });
}

void campaigns_route(shared_state& state, const std::shared_ptr<read_side>& reads, api_request request, responder respond) {
  answer(state, reads, request, std::move(respond), [](const view& v) {
    json::array items;
    for (const auto& [id, c] : v.s.campaigns()) items.push_back(campaign_json(c));
    return json_body(json::object{{"campaigns", std::move(items)}}, v);
  });
}

// ---- audit trail ----

void audit_route(shared_state& state, const std::shared_ptr<read_side>& reads, api_request request, responder respond) {
  const principal& caller = *request.caller;
  std::optional<proj::audit_axis> axis;
  std::string value;
  int given = 0;
  for (auto [name, a] : {std::pair{"entity", proj::audit_axis::stream}, std::pair{"actor", proj::audit_axis::actor},
                         std::pair{"jurisdiction", proj::audit_axis::jurisdiction}, std::pair{"type", proj::audit_axis::event_type}}) {
    if (auto it = request.query.find(name); it != request.query.end() && !it->second.empty()) {
      ++given;
      axis = a;
      value = it->second;
    }
  }
  if (given > 1) return respond(error_response(invalid("give one of 'entity', 'actor', 'jurisdiction', 'type'", "entity")));
  std::optional<std::int64_t> from_ms, to_ms;
  for (auto [name, out] : {std::pair{"from_time", &from_ms}, std::pair{"to_time", &to_ms}}) {
    if (auto it = request.query.find(name); it != request.query.end() && !it->second.empty()) {
      auto t = parse_iso_time(it->second);
      if (!t) return respond(error_response(invalid(std::string("'") + name + "' must be ISO-8601", name, "iso_8601")));
      *out = *t;
    }
  }
  if (!axis && !from_ms && !to_ms)
    return respond(error_response(invalid("give 'entity', 'actor', 'jurisdiction', 'type' or a time range ('from_time', 'to_time')", "entity")));
  if (axis == proj::audit_axis::jurisdiction) {
    if (!may_see(caller, value)) return respond(error_response(forbidden_scope(caller, "the audit trail of " + value)));
  } else if (!may_read_all_history(caller)) {
    return respond(error_response(forbidden_scope(caller, "the audit trail beyond a jurisdiction in scope (use jurisdiction=)")));
  }
  auto limit = parse_limit(state, request);
  if (!limit) return respond(error_response(limit.error()));
  // The cursor is the position of the last line of the previous page (by time: "<ms>:<position>").
  std::uint64_t after = 0;
  std::optional<proj::audit_line> after_line;
  if (auto it = request.query.find("cursor"); it != request.query.end() && !it->second.empty()) {
    const std::string& c = it->second;
    const auto colon = c.find(':');
    std::uint64_t a = 0, b = 0;
    const bool ok = colon == std::string::npos
                        ? std::from_chars(c.data(), c.data() + c.size(), a).ec == std::errc{}
                        : std::from_chars(c.data(), c.data() + colon, a).ec == std::errc{} &&
                              std::from_chars(c.data() + colon + 1, c.data() + c.size(), b).ec == std::errc{};
    if (!ok) return respond(error_response(invalid("'cursor' must be the 'next' of a previous page", "cursor", "cursor")));
    if (colon == std::string::npos) {
      after = a;
    } else {
      after_line = proj::audit_line{eventstore::position{b}, static_cast<std::int64_t>(a)};
    }
  } else if (auto from = query_uint(request, "from", 0); from && *from > 0) {
    after = *from - 1;
  } else if (!from) {
    return respond(error_response(from.error()));
  }
  auto spec = parse_as_of(request);
  if (!spec) return respond(error_response(spec.error()));
  run_on_store_pool(
      state,
      [reads, axis, value, from_ms, to_ms, limit = *limit, after, after_line, spec = *spec]() -> api_response {
        if (!reads->ready()) return error_response(api_error{error_kind::unavailable, "the projections are not ready", "", ""});
        std::uint64_t up_to = UINT64_MAX;
        if (spec.given()) {
          if (spec.time_ms) {
            auto p = reads->position_at_time(*spec.time_ms);
            if (!p) return error_response(from_store_error(p.error()));
            up_to = *p;
          } else {
            up_to = *spec.position;
          }
        }
        proj::audit_page page;
        std::uint64_t position = 0;
        bool unknown_jurisdiction = false;
        reads->runner().read([&](const proj::projection_state& s, const proj::keyed_state& keyed) {
          // The postings hold what the last checkpoint wrote; the applier checkpoints less often
          // than it applies (read_side_options::checkpoint_interval).
          position = std::min(s.last_applied().value, reads->runner().checkpointed().value);
          // A mistyped code is not an empty trail (GET /interviews refuses it the same way).
          if (axis == proj::audit_axis::jurisdiction && !s.model().tree().find(value)) {
            unknown_jurisdiction = true;
            position = s.last_applied().value;
            return;
          }
          if (axis) {
            proj::audit_query q;
            q.axis = *axis;
            q.value = value;
            q.after = eventstore::position{after};
            q.limit = limit;
            q.from_ms = from_ms;
            q.to_ms = to_ms;
            page = proj::read_audit(keyed, q);
          } else {
            page = proj::read_audit_by_time(keyed, from_ms.value_or(0), to_ms.value_or(INT64_MAX), after_line, limit);
          }
        });
        if (unknown_jurisdiction) {
          return error_response(not_found("no jurisdiction " + value + " at position " + std::to_string(position)));
        }
        // As of a past position the trail ends there.
        bool cut = false;
        if (up_to != UINT64_MAX) {
          std::erase_if(page.lines, [&](const proj::audit_line& l) {
            const bool later = l.pos.value > up_to;
            cut = cut || later;
            return later;
          });
        }
        json::array lines;
        for (const auto& l : page.lines) {
          // The event itself, with its hash in the chain (the index keeps positions and times
          // only), so an auditor sees what it was without a second call.
          auto e = reads->store().read_all(l.pos, 1);
          if (!e) return error_response(from_store_error(e.error()));
          if (e->empty() || e->front().pos != l.pos) {
            return error_response(api_error{error_kind::internal,
                                            "the audit index names position " + std::to_string(l.pos.value) +
                                                ", which the event log does not hold",
                                            "", ""});
          }
          const auto& r = e->front();
          lines.push_back(json::object{
              {"position", l.pos.value},
              {"time", iso_time(l.timestamp_ms)},
              {"timestamp_ms", l.timestamp_ms},
              {"hash", hex_encode(r.hash.data(), r.hash.size())},
              {"stream", r.stream},
              {"type", r.type},
              {"actor", json::object{{"user", r.metadata.by.user}, {"role", r.metadata.by.role}, {"jurisdiction", r.metadata.by.jurisdiction}}},
              {"command_id", r.command_id}});
        }
        json::value next = nullptr;
        if (!cut && page.next.value != 0 && !page.lines.empty()) {
          if (axis) {
            next = std::to_string(page.lines.back().pos.value);
          } else {
            next = std::to_string(page.lines.back().timestamp_ms) + ":" + std::to_string(page.lines.back().pos.value);
          }
        }
        json::object body{{"lines", std::move(lines)},
                          {"next", next},
                          {"position", up_to == UINT64_MAX ? position : up_to},
                          {"as_of", up_to == UINT64_MAX ? json::value(nullptr) : json::value(up_to)}};
        return json_response(json_text(body));
      },
      std::move(respond));
}

}  // namespace

void add_query_routes(shared_state& state, const std::shared_ptr<read_side>& reads) {
  router& r = state.routes;
  using fn = void (*)(shared_state&, const std::shared_ptr<read_side>&, api_request, responder);
  struct entry {
    const char* pattern;
    const char* name;
    fn handler;
  };
  static constexpr entry table[] = {
      {"/api/v1/jurisdictions/{code}", "query.jurisdiction", jurisdiction_route},
      {"/api/v1/jurisdictions/{code}/plan", "query.jurisdiction_plan", plan_route},
      {"/api/v1/indicators/{code}", "query.indicators", indicators_route},
      {"/api/v1/indicators/{code}/history", "query.indicators_history", history_route},
      {"/api/v1/rankings/{code}", "query.rankings", rankings_route},
      {"/api/v1/ledger/{code}", "query.ledger", ledger_route},
      {"/api/v1/targets/{id}", "query.target", target_route},
      {"/api/v1/organizations", "query.organizations", organizations_route},
      {"/api/v1/organizations/{id}", "query.organization", entity_route<entity_kind::org>},
      {"/api/v1/organizations/{id}/transfers", "query.organization_transfers",
       incoming_transfers_route<entity_kind::org>},
      {"/api/v1/members/{id}", "query.member", entity_route<entity_kind::member>},
      {"/api/v1/branches/{id}", "query.branch", entity_route<entity_kind::branch>},
      {"/api/v1/branches/{id}/transfers", "query.branch_transfers", incoming_transfers_route<entity_kind::branch>},
      {"/api/v1/interviews", "query.interviews", interviews_route},
      {"/api/v1/interviews/{id}", "query.interview", interview_route},
      {"/api/v1/bulletins", "query.bulletins", bulletins_route},
      {"/api/v1/bulletins/{campaign}/{round}", "query.bulletin", bulletin_route},
      {"/api/v1/campaigns", "query.campaigns", campaigns_route},
      {"/api/v1/campaigns/{id}", "query.campaign", campaign_route},
      {"/api/v1/audit", "query.audit", audit_route},
  };
  for (const auto& e : table) {
    r.add({"GET", e.pattern, e.name, access::authenticated,
           [&state, reads, f = e.handler](api_request request, responder respond) {
             f(state, reads, std::move(request), std::move(respond));
           }});
  }
}

}  // namespace gongjian::server
