#include "command_service.h"

#include <boost/asio/defer.hpp>
#include <boost/asio/post.hpp>

#include <chrono>
#include <stdexcept>

#include "gongjian/domain/apply.h"
#include "gongjian/domain/codec.h"
#include "gongjian/domain/decide.h"
#include "command_json.h"
#include "store_routes.h"

namespace gongjian::server {

namespace net = boost::asio;
namespace cmd = domain::commands;

struct command_service::batch {
  principal caller;
  std::string request_id;
  std::vector<command_submission> items;
  std::vector<command_outcome> outcomes;
  std::size_t remaining = 0;
  std::function<void(std::vector<command_outcome>)> done;

  // On the strand: one more outcome is final.
  void complete_one() {
    if (--remaining == 0) done(std::move(outcomes));
  }
};

namespace {

// What a client is told once the store stopped writing: the cause, that its command was not
// acknowledged, and that a retry with the same command_id is safe (the store may hold the events
// of a command whose acknowledgement failed; the retry then gets their positions back).
std::string not_written(const std::string& why) {
  return "the event log cannot be written (" + why +
         "): this command was not acknowledged; the server needs the cause fixed and a restart, then retry it "
         "with the same command_id";
}

api_error from_rejection(const domain::rejection& r) {
  error_kind kind = error_kind::rule_violation;
  switch (r.kind) {
    case domain::rejection_kind::invalid_input: kind = error_kind::invalid_input; break;
    case domain::rejection_kind::rule_violation: kind = error_kind::rule_violation; break;
    case domain::rejection_kind::not_found: kind = error_kind::rule_violation; break;
    case domain::rejection_kind::already_exists: kind = error_kind::conflict; break;
    case domain::rejection_kind::conflict: kind = error_kind::conflict; break;
  }
  return api_error{kind, r.message, r.field, r.rule, r.code};
}

struct loaded_command {
  std::string id;
  std::string by;  // the caller who recorded it (the metadata's user)
  std::uint64_t first = 0;
  std::uint64_t last = 0;
};

struct loaded_log {
  domain::state state;
  std::vector<loaded_command> commands;  // in log order
};

// Reads the whole log and folds it into a fresh state (start-up and recovery; never on a network
// thread). Keeps each command id's first and last positions for the retry window.
loaded_log load_log(eventstore::event_store& store, std::size_t keep_ids) {
  loaded_log out;
  std::uint64_t next = 1;
  constexpr std::size_t page = 4096;
  std::unordered_map<std::string, std::size_t> index;
  while (true) {
    auto events = store.read_all(eventstore::position{next}, page);
    if (!events) throw std::runtime_error("reading the log at position " + std::to_string(next) + ": " + events.error().message());
    for (const auto& e : *events) {
      auto decoded = domain::decode(e.type, e.schema_version, e.payload);
      if (!decoded)
        throw std::runtime_error("decoding the event at position " + std::to_string(e.pos.value) + " (" + e.type +
                                 "): " + decoded.error().message);
      domain::apply(out.state, decoded.value());
      if (!out.commands.empty() && out.commands.back().id == e.command_id) {
        out.commands.back().last = e.pos.value;
      } else {
        out.commands.push_back({e.command_id, e.metadata.by.user, e.pos.value, e.pos.value});
      }
    }
    if (events->size() < page) break;
    next = events->back().pos.value + 1;
    // Bound memory on long logs: only the newest ids are kept for the retry window.
    if (out.commands.size() > 2 * keep_ids) out.commands.erase(out.commands.begin(), out.commands.end() - keep_ids);
  }
  if (out.commands.size() > keep_ids) out.commands.erase(out.commands.begin(), out.commands.end() - keep_ids);
  return out;
}

// The jurisdictions a command acts in, as far as the state knows them (entities it does not know
// are refused by decide as not found).
class subject_finder {
 public:
  explicit subject_finder(const domain::state& s) : s_(s) {}
  std::vector<std::string> codes;
  // Jurisdictions the command calls to account (interviews): the caller must be above them.
  std::vector<std::string> overseen;
  bool national_only = false;
  std::optional<bool> league;  // set when the command's subject is Party (false) or League (true)
  bool unknown = false;        // an entity it names does not exist (decide answers for it)

  void code(const domain::jurisdiction_code& c) { codes.push_back(c.value); }
  void index(domain::jurisdiction_index i) {
    if (i != domain::no_jurisdiction && i < s_.jurisdictions().size()) codes.push_back(s_.jurisdiction(i).code.value);
  }
  void org(domain::organization_id id) {
    if (auto* o = s_.find_org(id)) index(o->office);
    else unknown = true;
  }
  void orgs(const std::vector<domain::organization_id>& ids) {
    for (auto id : ids) org(id);
  }
  void member(domain::member_id id) {
    if (auto m = s_.find_member(id)) {
      org(m->org);
      affiliation(m->affiliation);
    } else {
      unknown = true;
    }
  }
  void transfer(domain::transfer_id id) {
    if (auto* t = s_.find_transfer(id)) {
      member(t->member);
      branch_places(t->to_branch);
    } else {
      unknown = true;
    }
  }
  // Where an organization is: its orgs' offices and its host's jurisdiction. A command that names
  // a receiving or admitting organization acts there too.
  void branch_places(domain::branch_id id) {
    if (auto* b = s_.find_branch(id)) {
      orgs(b->orgs);
      if (auto* h = s_.find_host(b->host)) index(h->jurisdiction);
    }
  }
  void branch(domain::branch_id id) {
    branch_places(id);
    if (auto* b = s_.find_branch(id)) type(b->type);
    else unknown = true;
  }
  void affiliation(domain::member_affiliation a) { league = a == domain::member_affiliation::league; }
  void type(domain::organization_type t) {
    if (t == domain::organization_type::league) league = true;
    else if (t == domain::organization_type::party) league = false;
  }

  void operator()(const cmd::register_jurisdiction& c) { code(c.code); }
  void operator()(const cmd::assign_jurisdiction_leader& c) { code(c.code); }
  void operator()(const cmd::set_action_plan& c) { code(c.code); }
  void operator()(const cmd::open_campaign&) { national_only = true; }
  void operator()(const cmd::close_campaign&) { national_only = true; }
  void operator()(const cmd::issue_bulletin&) { national_only = true; }  // refused before (authorize)
  void operator()(const cmd::register_host& c) {
    code(c.jurisdiction);
    if (c.org) org(*c.org);
  }
  void operator()(const cmd::register_organization& c) { code(c.office); }
  void operator()(const cmd::complete_survey_step& c) { org(c.org); }
  void operator()(const cmd::correct_organization_details& c) {
    org(c.org);
    if (c.office) code(*c.office);
  }
  void operator()(const cmd::remove_organization& c) { org(c.org); }
  void operator()(const cmd::record_member& c) { org(c.org); affiliation(c.affiliation); }
  void operator()(const cmd::disclose_member_identity& c) { member(c.member); }
  void operator()(const cmd::develop_member& c) {
    org(c.org);
    affiliation(c.affiliation);
    if (c.admitted_by) branch_places(*c.admitted_by);
  }
  void operator()(const cmd::make_member_formal& c) { member(c.member); }
  void operator()(const cmd::record_member_left& c) { member(c.member); }
  void operator()(const cmd::attach_member_nearby& c) {
    member(c.member);
    branch_places(c.branch);
  }
  void operator()(const cmd::detach_member_nearby& c) { member(c.member); }
  void operator()(const cmd::issue_transfer_letter& c) {
    member(c.member);
    branch_places(c.to_branch);
  }
  void operator()(const cmd::receive_transfer_letter& c) { transfer(c.transfer); }
  void operator()(const cmd::reject_transfer_letter& c) { transfer(c.transfer); }
  void operator()(const cmd::revoke_transfer_letter& c) { transfer(c.transfer); }
  void operator()(const cmd::expire_transfer_letter& c) { transfer(c.transfer); }
  void operator()(const cmd::reissue_transfer_letter& c) { transfer(c.lost); }
  void operator()(const cmd::complete_transfer_by_certificate& c) {
    member(c.member);
    branch_places(c.to_branch);
  }
  void operator()(const cmd::assign_instructor& c) { orgs(c.orgs); affiliation(c.affiliation); }
  void operator()(const cmd::release_instructor& c) {
    if (auto* i = s_.find_instructor(c.instructor)) {
      orgs(i->orgs);
      affiliation(i->affiliation);
    } else {
      unknown = true;
    }
  }
  void operator()(const cmd::form_organization& c) {
    orgs(c.orgs);
    type(c.branch_type);
    if (c.host) {
      if (auto* h = s_.find_host(*c.host)) index(h->jurisdiction);
    }
    if (c.channel_market) org(*c.channel_market);
  }
  void operator()(const cmd::add_orgs_to_organization& c) { branch(c.branch); orgs(c.orgs); }
  void operator()(const cmd::remove_orgs_from_organization& c) { branch(c.branch); orgs(c.orgs); }
  void operator()(const cmd::dissolve_organization& c) { branch(c.branch); }
  void operator()(const cmd::designate_formation_target& c) { org(c.org); type(c.branch_type); }
  void operator()(const cmd::record_target_reason& c) {
    if (auto* t = s_.find_target(c.target)) {
      org(t->org);
      type(t->type);
    } else {
      unknown = true;
    }
  }
  // A League interview is the League committees' work (the committee above calls the League
  // laggard), so a league_operator may run it; a Party one it may not.
  void operator()(const cmd::schedule_interview& c) {
    code(c.jurisdiction);
    overseen.push_back(c.jurisdiction.value);
    affiliation(c.affiliation.value_or(domain::member_affiliation::party));
  }
  void interview(domain::interview_id id) {
    if (auto* i = s_.find_interview(id)) {
      index(i->jurisdiction);
      if (i->jurisdiction < s_.jurisdictions().size()) overseen.push_back(s_.jurisdiction(i->jurisdiction).code.value);
      affiliation(i->affiliation);
    } else {
      unknown = true;
    }
  }
  void operator()(const cmd::hold_interview& c) { interview(c.interview); }
  void operator()(const cmd::set_rectification_items& c) { interview(c.interview); }
  void operator()(const cmd::complete_rectification_item& c) { interview(c.interview); }
  void operator()(const cmd::close_interview& c) { interview(c.interview); }
  void operator()(const cmd::escalate_interview& c) { interview(c.interview); }

 private:
  const domain::state& s_;
};

}  // namespace

command_service::command_service(shared_state& state, net::io_context& ioc, std::size_t recent_ids)
    : shared_(state), strand_(net::make_strand(ioc)), recent_capacity_(recent_ids) {
  // The window's buckets for its full size up front: growing it rehashed every id so far on the
  // decision strand (at 2^18 ids and beyond, milliseconds in which no command was decided).
  recent_.reserve(recent_capacity_);
}

void command_service::rebuild_from_log() {
  auto loaded = load_log(shared_.store, recent_capacity_);
  state_ = std::move(loaded.state);
  recent_.clear();
  recent_order_.clear();
  for (const auto& c : loaded.commands) remember(c.id, {c.first, c.last, {caller_index(c.by)}});
  ready_ = true;
}

void command_service::remember(const std::string& command_id, recent_result r) {
  auto [it, inserted] = recent_.insert_or_assign(command_id, r);
  if (!inserted) return;
  recent_order_.push_back(&it->first);
  while (recent_order_.size() > recent_capacity_) {
    recent_.erase(recent_.find(*recent_order_.front()));
    recent_order_.pop_front();
  }
}

std::uint32_t command_service::caller_index(const std::string& name) {
  auto [it, inserted] = caller_indices_.try_emplace(name, static_cast<std::uint32_t>(callers_.size()));
  if (inserted) callers_.push_back(name);
  return it->second;
}

command_service::first_use command_service::use_of(const principal& caller, const command_submission& item) {
  return first_use{caller_index(caller.name), static_cast<std::uint8_t>(item.command.index()), item.fingerprint};
}

std::optional<api_error> command_service::reused(const std::string& command_id, const first_use& first,
                                                 const first_use& retry, std::uint64_t first_position,
                                                 std::uint64_t last_position) const {
  const auto refuse = [&](std::string why) {
    return api_error{error_kind::conflict,
                     "command_id '" + command_id + "' " + why +
                         ": a retry must repeat the first command exactly; a new action needs a new command_id",
                     "command_id", "command_id_reused"};
  };
  // Another caller's id: nothing about that command is told.
  if (first.caller != retry.caller) return refuse("belongs to another caller's command");
  if (first.command == no_command) return std::nullopt;  // read from the log: only the caller is known
  const std::string positions =
      first_position == 0 ? std::string(" (still being written)")
                          : " (log positions " + std::to_string(first_position) + " to " + std::to_string(last_position) + ")";
  const std::string first_name(command_names()[first.command]);
  if (first.command != retry.command) return refuse("was used for " + first_name + positions);
  if (first.fingerprint != retry.fingerprint) return refuse("was used for " + first_name + " with other values" + positions);
  return std::nullopt;
}

std::optional<api_error> command_service::authorize(const principal& caller, const domain::command& c) const {
  const std::string name(domain::name_of(c));
  if (!may_write(caller))
    return api_error{error_kind::forbidden,
                     "role " + std::string(role_name(caller.who)) + " may not record actions (" + name + ")", "",
                     "role_scope"};
  // A bulletin publishes the rankings the projections hold at its position, frozen by the campaign
  // workflow every bulletin_cadence_days; decide checks only its shape, so one sent by hand could
  // publish any ranks and values under the bureau's name.
  if (std::holds_alternative<domain::commands::issue_bulletin>(c))
    return api_error{error_kind::forbidden,
                     "bulletins are issued by the campaign workflow from the projections' rankings, not by hand", "",
                     "issued_by_the_workflow"};
  subject_finder subjects(state_);
  std::visit(subjects, c);
  if (subjects.national_only && caller.scope != "000000")
    return api_error{error_kind::forbidden, name + " is a national action; scope " + caller.scope + " may not run it",
                     "", "role_scope"};
  for (const auto& code : subjects.codes) {
    if (!scope_covers(caller.scope, code))
      return api_error{error_kind::forbidden,
                       "jurisdiction " + code + " is outside scope " + caller.scope + " of " + caller.name, "",
                       "role_scope"};
  }
  // 约谈 calls a jurisdiction's responsible person to account before the level above: staff of the
  // jurisdiction itself (or below it) may not schedule, hold or close their own interview.
  for (const auto& code : subjects.overseen) {
    if (scope_covers(code, caller.scope))
      return api_error{error_kind::forbidden,
                       name + ": an accountability interview of " + code + " is run by the level above it; scope " +
                           caller.scope + " is " + (caller.scope == code ? "that jurisdiction" : "inside it"),
                       "", "interview_by_level_above"};
  }
  // A League operator naming something that does not exist hears that from decide (422), not that
  // the command is not a League action.
  if (caller.who == role::league_operator && subjects.league != true && !(subjects.unknown && !subjects.league))
    return api_error{error_kind::forbidden, "a league_operator records League actions only; " + name + " is not one", "",
                     "role_scope"};
  return std::nullopt;
}

void command_service::submit(principal caller, std::string request_id, std::vector<command_submission> items,
                             std::function<void(std::vector<command_outcome>)> done) {
  auto b = std::make_shared<batch>();
  b->caller = std::move(caller);
  b->request_id = std::move(request_id);
  b->items = std::move(items);
  b->outcomes.resize(b->items.size());
  // 1 until every item has been decided; each append in flight adds one.
  b->remaining = 1;
  b->done = std::move(done);
  shared_.stats.commands_queued += static_cast<std::int64_t>(b->items.size());
  hand_over(arrival{std::move(b), std::nullopt});
}

void command_service::absorb(std::string command_id, std::string by, std::vector<domain::event> events,
                             std::uint64_t first, std::uint64_t last) {
  hand_over(arrival{nullptr, absorbed{std::move(command_id), std::move(by), std::move(events), first, last}});
}

void command_service::hand_over(arrival a) {
  {
    std::lock_guard lock(handover_mutex_);
    arrived_.push_back(std::move(a));
    if (arrived_posted_) return;
    arrived_posted_ = true;
  }
  // defer: from a network thread (a request's handler) the round is queued on that thread, not
  // handed to the other one with a wake-up; from any other thread (absorb) it is a post.
  net::defer(strand_, [self = shared_from_this()] { self->decide_arrived(); });
}

void command_service::decide_arrived() {
  {
    std::lock_guard lock(handover_mutex_);
    round_.swap(arrived_);  // arrived_ gets the emptied buffer of the previous round
    arrived_posted_ = false;
  }
  for (auto& a : round_) {
    if (!a.b) {
      absorb_now(std::move(*a.absorb));
      continue;
    }
    for (std::size_t i = 0; i < a.b->items.size(); ++i) {
      --shared_.stats.commands_queued;
      decide_one(a.b, i);
    }
    a.b->complete_one();
  }
  round_.clear();
}

void command_service::absorb_now(absorbed a) {
  // While rebuilding, the log (which already holds these events) is being read instead.
  if (rebuilding_ || recent_.count(a.command_id) != 0) return;
  for (const auto& e : a.events) domain::apply(state_, e);
  remember(a.command_id, {a.first, a.last, {caller_index(a.by)}});
}

void command_service::decide_one(const std::shared_ptr<batch>& b, std::size_t index) {
  auto& item = b->items[index];
  auto& out = b->outcomes[index];
  out.command_id = item.command_id;
  out.command = std::string(domain::name_of(item.command));

  // A store that stopped writing writes nothing more until the server restarts: refused here,
  // without a decision or a trip to the store.
  if (auto why = shared_.store.write_failure()) {
    out.error = api_error{error_kind::unavailable, not_written(*why), "", ""};
    return;
  }
  if (rebuilding_ || !ready_) {
    out.error = api_error{error_kind::unavailable, "the write model is being rebuilt from the log; retry shortly", "", ""};
    return;
  }
  // A retry is authorized as the first attempt was: a reused id is no way around a refusal.
  if (auto refused = authorize(b->caller, item.command)) {
    out.error = std::move(refused);
    return;
  }
  const first_use use = use_of(b->caller, item);
  if (auto it = recent_.find(item.command_id); it != recent_.end()) {
    if (auto refused = reused(item.command_id, it->second.use, use, it->second.first, it->second.last)) {
      out.error = std::move(refused);
      return;
    }
    out.duplicate = true;
    out.first_position = it->second.first;
    out.last_position = it->second.last;
    ++shared_.stats.commands_duplicate;
    return;
  }
  if (auto it = pending_.find(item.command_id); it != pending_.end()) {
    if (auto refused = reused(item.command_id, it->second.use, use, 0, 0)) {
      out.error = std::move(refused);
      return;
    }
    // A retry of a command still in flight: answer with the first one's result when it lands.
    ++b->remaining;
    it->second.waiters.push_back([b, index](const command_outcome& first) {
      auto& o = b->outcomes[index];
      o.error = first.error;
      o.duplicate = true;
      o.first_position = first.first_position;
      o.last_position = first.last_position;
      b->complete_one();
    });
    return;
  }

  const auto now = std::chrono::system_clock::now();
  domain::decision_context context;
  context.now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  auto decided = domain::decide(state_, item.command, context);
  if (!decided) {
    ++shared_.stats.commands_rejected;
    out.error = from_rejection(decided.error());
    return;
  }
  if (decided->empty()) return;  // nothing to record (the command changes nothing)

  eventstore::append_request request;
  request.command_id = item.command_id;
  request.metadata.timestamp_ms = context.now_ms;
  request.metadata.by = eventstore::actor{b->caller.name, std::string(role_name(b->caller.who)), b->caller.scope};
  request.metadata.correlation_id = b->request_id;
  // Consecutive events of one stream share a write; the order of decide's events is kept, since
  // the store assigns positions in the order of the writes.
  for (const auto& e : *decided) {
    auto encoded = domain::encode(e);
    std::string stream = domain::stream_of(e);
    if (request.writes.empty() || request.writes.back().stream != stream) {
      request.writes.push_back(eventstore::stream_write{stream, eventstore::expected_version::any(), {}});
    }
    out.events.push_back({0, stream, std::string(encoded.type)});
    request.writes.back().events.push_back(
        eventstore::event_data{std::string(encoded.type), encoded.schema_version, std::move(encoded.payload)});
    domain::apply(state_, e);
  }

  ++b->remaining;
  ++in_flight_;
  ++shared_.stats.appends_in_flight;
  pending_[item.command_id].use = use;
  const auto started = std::chrono::steady_clock::now();
  shared_.store.append_async_detailed(
      std::move(request), [self = shared_from_this(), b, index, started](result<eventstore::append_result, eventstore::append_error> r) {
        // The store's syncer thread, once the append is durable: hand the result to the strand.
        const bool ok = r.has_value();
        const bool duplicate = ok && r->duplicate;
        const std::uint64_t first = ok ? r->first.value : 0;
        const std::uint64_t last = ok ? r->last.value : 0;
        std::optional<api_error> error;
        if (!ok) {
          error = from_store_error(r.error().code);
          if (auto why = self->shared_.store.write_failure()) {
            error->message = not_written(*why);
          } else if (!r.error().message.empty()) {
            error->message = r.error().message;
          }
        } else {
          self->shared_.stats.command_appended(static_cast<std::size_t>(last - first + 1),
                                               std::chrono::steady_clock::now() - started);
        }
        {
          std::lock_guard lock(self->handover_mutex_);
          self->landed_.push_back(landed{b, index, ok, duplicate, first, last, std::move(error)});
          if (self->landed_posted_) return;
          self->landed_posted_ = true;
        }
        net::post(self->strand_, [self] { self->finish_landed(); });
      });
}

void command_service::finish_landed() {
  {
    std::lock_guard lock(handover_mutex_);
    group_.swap(landed_);
    landed_posted_ = false;
  }
  for (auto& l : group_) on_appended(std::move(l));
  group_.clear();
}

void command_service::on_appended(landed l) {
  --in_flight_;
  --shared_.stats.appends_in_flight;
  const auto& b = l.b;
  auto& out = b->outcomes[l.index];
  auto node = pending_.extract(out.command_id);
  if (l.ok) {
    out.duplicate = l.duplicate;
    out.first_position = l.first;
    out.last_position = l.last;
    if (l.duplicate) {
      // The store knew this id although the window had forgotten it: the events just applied to
      // the state were not written.
      out.events.clear();
      diverged("command id " + out.command_id + " was a duplicate older than the retry window");
    } else {
      for (std::size_t k = 0; k < out.events.size(); ++k) out.events[k].position = l.first + k;
      remember(out.command_id, {l.first, l.last, node ? node.mapped().use : first_use{}});
    }
  } else {
    out.error = std::move(l.error);
    out.events.clear();
    // A store that stopped writing refuses every later command (decide_one): no model to rebuild.
    if (!shared_.store.write_failure()) diverged("append of command " + out.command_id + " failed: " + out.error->message);
  }
  if (node) {
    for (auto& waiter : node.mapped().waiters) waiter(out);
  }
  b->complete_one();
  if (rebuild_wanted_ && in_flight_ == 0) {
    rebuild_wanted_ = false;
    net::post(shared_.store_pool, [self = shared_from_this()] {
      try {
        auto loaded = std::make_shared<loaded_log>(load_log(self->shared_.store, self->recent_capacity_));
        net::post(self->strand_, [self, loaded] {
          self->state_ = std::move(loaded->state);
          self->recent_.clear();
          self->recent_order_.clear();
          for (const auto& c : loaded->commands) self->remember(c.id, {c.first, c.last, {self->caller_index(c.by)}});
          self->rebuilding_ = false;
          self->shared_.log->warn("write model rebuilt from the log; accepting commands again");
        });
      } catch (const std::exception& e) {
        self->ready_ = false;
        self->shared_.log->critical("rebuilding the write model failed: {}; commands stay unavailable", e.what());
      }
    });
  }
}

void command_service::diverged(const std::string& why) {
  shared_.log->error("write model diverged from the log ({}); rebuilding", why);
  rebuilding_ = true;
  rebuild_wanted_ = true;
}

}  // namespace gongjian::server
