#include "gongjian/projections/workflow.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>

#include "gongjian/domain/apply.h"
#include "gongjian/domain/codec.h"
#include "gongjian/domain/decide.h"
#include "gongjian/projections/errc.h"
#include "gongjian/projections/rankings.h"

namespace gongjian::projections {

std::int64_t wall_clock::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string interview_command_id(std::uint64_t campaign, std::uint32_t round, std::string_view jurisdiction,
                                 twin affiliation) {
  std::string id =
      "interview:" + std::to_string(campaign) + ":" + std::to_string(round) + ":" + std::string(jurisdiction);
  // Party interviews keep the id they had before League interviews existed: logs hold them.
  if (affiliation == twin::league) id += ":league";
  return id;
}

domain::interview_id interview_id_for(std::string_view command_id) {
  // FNV-1a over the command id, kept within the domain's id range (positive, below 2^62).
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : command_id) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  h &= (1ULL << 62) - 1;
  return domain::interview_id{h == 0 ? 1 : h};
}

std::size_t ranked_last_by_count(std::size_t measured, std::uint32_t bottom_n) {
  return std::min<std::size_t>(bottom_n, measured / 2);
}

std::size_t ranked_last_by_percent(std::size_t measured, std::uint32_t bottom_percent) {
  if (bottom_percent == 0 || measured < 2) return 0;
  return std::min<std::size_t>((measured * bottom_percent + 99) / 100, measured - 1);
}

bool made_no_progress(indicator which, const indicator_value& now, const indicator_value& before) {
  if (!now.defined()) return false;
  const bool better_is_higher = higher_is_better(which);
  const bool as_good_as_it_gets =
      is_rate(which) ? now.numerator >= now.denominator : !better_is_higher && now.numerator == 0;
  if (as_good_as_it_gets) return false;
  if (!before.defined()) return true;
  const int change = compare(now, before);
  return better_is_higher ? change <= 0 : change >= 0;
}

bool below_target_rate(indicator which, const indicator_value& now, std::uint32_t permille) {
  return permille > 0 && is_rate(which) && now.defined() &&
         now.numerator * 1000 < static_cast<std::int64_t>(permille) * now.denominator;
}

std::string_view escalation_reason(const interview_record& interview, domain::date due) {
  switch (interview.status) {
    case domain::interview_status::scheduled:
      return domain::china_date_of(interview.scheduled_at_ms) < due ? "约谈未按期举行 (interview not held as scheduled)"
                                                                     : "";
    case domain::interview_status::held:
      return domain::china_date_of(interview.held_at_ms) < due ? "约谈后未制定整改清单 (no rectification list set)" : "";
    case domain::interview_status::rectifying:
      for (std::size_t k = 0; k < interview.items.size(); ++k)
        if (!interview.items_done[k] && interview.items[k].deadline < due) return "整改事项逾期未完成 (rectification items overdue)";
      return "";
    case domain::interview_status::escalated:
    case domain::interview_status::closed:
      return "";
  }
  return "";
}

namespace {

bool workflow_relevant(std::string_view type) {
  return type.starts_with("jurisdiction_") || type.starts_with("campaign_") || type == "bulletin_issued" ||
         type.starts_with("interview_") || type.starts_with("rectification_");
}

// 09:00 China Standard Time (UTC+8) of a calendar date, in Unix ms.
std::int64_t nine_am_china(domain::date d) {
  return (static_cast<std::int64_t>(d.days_since_epoch) * 86400 + 1 * 3600) * 1000;
}

const domain::ranking* ranking_of(const bulletin_record* b, std::string_view parent, twin affiliation) {
  return b == nullptr ? nullptr : b->ranking_of(parent, affiliation);
}

// Who answers for a jurisdiction's progress. The model records one responsible leader per
// jurisdiction (领导包片, the bureau's); a League interview calls the League committee's head,
// whom it does not name.
std::string interviewee(const read_model& model, std::string_view code, twin affiliation) {
  if (affiliation == twin::league) return "团委主要负责人";
  if (auto node = model.tree().find(code)) {
    const std::string& leader = model.tree().at(*node).responsible_leader;
    return leader.empty() ? "主要负责人" : leader;
  }
  return "";
}

const domain::ranking_line* line_of(const domain::ranking* r, std::string_view jurisdiction) {
  if (r == nullptr) return nullptr;
  for (const auto& l : r->lines)
    if (l.jurisdiction.value == jurisdiction) return &l;
  return nullptr;
}

}  // namespace

namespace {

bool already_decided(const std::string& code) {
  return code == "interview_exists" || code == "interview_already_scheduled" || code == "bulletin_round_out_of_order" ||
         code == "interview_settled";
}

eventstore::append_request request_for(const std::vector<domain::event>& decided, std::string command_id,
                                       std::int64_t now_ms, const eventstore::actor& by) {
  eventstore::append_request request;
  request.command_id = std::move(command_id);
  request.metadata.timestamp_ms = now_ms;
  request.metadata.by = by;
  request.metadata.correlation_id = request.command_id;
  for (const auto& e : decided) {
    auto encoded = domain::encode(e);
    std::string stream = domain::stream_of(e);
    eventstore::stream_write* write = nullptr;
    for (auto& w : request.writes)
      if (w.stream == stream) write = &w;
    if (write == nullptr) {
      request.writes.push_back(eventstore::stream_write{stream, eventstore::expected_version::any(), {}});
      write = &request.writes.back();
    }
    write->events.push_back(eventstore::event_data{std::string(encoded.type), encoded.schema_version, std::move(encoded.payload)});
  }
  return request;
}

}  // namespace

workflow::workflow(eventstore::event_store& store, projection_runner& runner, const campaign_clock& clock,
                   workflow_options options)
    : store_(store), runner_(runner), clock_(clock), options_(std::move(options)) {}

result<void> workflow::fold_domain_state() {
  for (;;) {
    auto page = store_.read_all(folded_.next(), 4096);
    if (!page) return failure(page.error());
    if (page->empty()) return {};
    for (const auto& rec : *page) {
      folded_ = rec.pos;
      if (!workflow_relevant(rec.type)) continue;
      auto e = domain::decode(rec.type, rec.schema_version, rec.payload);
      if (!e) {
        spdlog::error("workflow: cannot decode {} at {}: {}", rec.type, rec.pos.value, e.error().message);
        continue;
      }
      domain::apply(domain_state_, *e);
    }
  }
}

result<void> workflow::wait_for_runner() {
  if (!runner_.sync(options_.apply_timeout)) return failure(make_error_code(errc::not_caught_up));
  return {};
}

result<bool> workflow::submit(const domain::command& command, std::string command_id) {
  if (auto folded = fold_domain_state(); !folded) return failure(folded.error());
  domain::decision_context ctx;
  ctx.now_ms = clock_.now_ms();
  auto decided = domain::decide(domain_state_, command, ctx);
  if (!decided) {
    // Someone (a restart of this server, another server) already made this decision and the
    // domain says so; the command id would have told the store the same.
    if (already_decided(decided.error().code)) {
      // The projections must see that decision too before the workflow looks at them again.
      if (auto waited = wait_for_runner(); !waited) return failure(waited.error());
      return false;
    }
    spdlog::error("workflow: {} rejected: {} ({})", command_id, decided.error().message, decided.error().code);
    return failure(make_error_code(errc::rejected));
  }
  auto appended = store_.append(request_for(*decided, std::move(command_id), ctx.now_ms, options_.actor));
  if (!appended) return failure(appended.error());
  if (auto folded = fold_domain_state(); !folded) return failure(folded.error());
  if (auto waited = wait_for_runner(); !waited) return failure(waited.error());
  return !appended->duplicate;
}

// Appending one decision at a time made the demo wait for a write and a projection catch-up per
// interview (6,372 of them in the default run); the decisions of one round are independent, so
// they are decided together and the store groups their appends. Idempotency is unchanged: each
// keeps its own deterministic command id, so a restart or a racing server still writes nothing
// twice.
result<void> workflow::submit_all(std::vector<submission> batch, std::uint32_t& written, std::uint32_t& duplicates) {
  if (batch.empty()) return {};
  if (auto folded = fold_domain_state(); !folded) return failure(folded.error());
  domain::decision_context ctx;
  ctx.now_ms = clock_.now_ms();
  std::vector<eventstore::append_request> requests;
  requests.reserve(batch.size());
  for (auto& s : batch) {
    auto decided = domain::decide(domain_state_, s.command, ctx);
    if (!decided) {
      if (already_decided(decided.error().code)) {
        ++duplicates;
        continue;
      }
      spdlog::error("workflow: {} rejected: {} ({})", s.command_id, decided.error().message, decided.error().code);
      return failure(make_error_code(errc::rejected));
    }
    requests.push_back(request_for(*decided, std::move(s.command_id), ctx.now_ms, options_.actor));
  }
  struct outcome {
    std::mutex mutex;
    std::condition_variable done;
    std::size_t pending = 0;
    std::uint32_t written = 0, duplicates = 0;
    std::error_code error;
  };
  auto shared = std::make_shared<outcome>();
  shared->pending = requests.size();
  for (auto& request : requests) {
    // append_async's queue is first in, first out: the log keeps this order.
    store_.append_async(std::move(request), [shared](result<eventstore::append_result> r) {
      std::lock_guard lock(shared->mutex);
      if (!r) {
        if (!shared->error) shared->error = r.error();
      } else if (r->duplicate) {
        ++shared->duplicates;
      } else {
        ++shared->written;
      }
      if (--shared->pending == 0) shared->done.notify_all();
    });
  }
  {
    std::unique_lock lock(shared->mutex);
    shared->done.wait(lock, [&] { return shared->pending == 0; });
    written += shared->written;
    duplicates += shared->duplicates;
    if (shared->error) return failure(shared->error);
  }
  if (auto folded = fold_domain_state(); !folded) return failure(folded.error());
  return wait_for_runner();
}

result<tick_report> workflow::tick() {
  tick_report report;
  if (auto waited = wait_for_runner(); !waited) return failure(waited.error());
  const domain::date today = domain::china_date_of(clock_.now_ms());
  // The last round issued before this tick: what a round issued now is compared with. When several
  // rounds are due at once (a campaign recorded after its start, a server down over a due day),
  // they are all issued now, from the same state: only the last calls anyone, and it measures
  // progress since the round before them all, not since a bulletin of the same state, which would
  // call every laggard for no progress.
  std::optional<std::uint32_t> before_this_tick;
  for (;;) {
    std::optional<campaign_record> campaign;
    std::uint32_t last_round = 0;
    runner_.read([&](const projection_state& s, const keyed_state&) {
      if (const auto* c = s.active_campaign()) {
        campaign = *c;
        if (const auto* b = s.last_bulletin(c->id)) last_round = b->round;
      }
    });
    if (!campaign) return report;
    const std::uint32_t round = last_round + 1;
    const auto due_of = [&](std::uint32_t r) {
      return domain::add_days(campaign->starts_on, static_cast<std::int32_t>(r * campaign->cadence_days));
    };
    const domain::date due = due_of(round);
    if (due > today || due > campaign->ends_on) return report;
    if (!before_this_tick) before_this_tick = last_round;
    const domain::date next_due = due_of(round + 1);
    const bool caught_up_by_the_next = next_due <= today && next_due <= campaign->ends_on;
    const std::optional<std::uint32_t> compare_with =
        caught_up_by_the_next ? std::nullopt : std::optional<std::uint32_t>(*before_this_tick);
    if (auto done = issue_round(*campaign, round, due, compare_with, report); !done) return failure(done.error());
    bool issued = false;
    runner_.read([&](const projection_state& s, const keyed_state&) {
      issued = s.bulletin(campaign->id, round) != nullptr;
    });
    // Never loop on a round the projections do not show as issued (a store or runner failure).
    if (!issued) return failure(make_error_code(errc::rejected));
  }
}

result<void> workflow::issue_round(const campaign_record& campaign, std::uint32_t round, domain::date due,
                                   std::optional<std::uint32_t> compare_with, tick_report& report) {
  domain::commands::issue_bulletin command;
  command.campaign = domain::campaign_id{campaign.id};
  command.round = domain::bulletin_round{round};
  command.as_of = due;
  runner_.read([&](const projection_state& s, const keyed_state&) {
    command.log_position = s.last_applied().value;
    const auto* previous = s.last_bulletin(campaign.id);
    const auto& tree = s.model().tree();
    // Both twins (bureaus and League committees publish Party and League progress, §13), Party
    // first: a bulletin's Party rankings come in the order they did before League ones were added.
    // Every level: each jurisdiction with children ranks them.
    for (twin affiliation : {twin::party, twin::league}) {
      ranking_options o;
      o.by = from_domain(campaign.ranking_indicator);
      o.tie_break = from_domain(campaign.tie_break_indicator);
      o.affiliation = affiliation;
      o.has_last_bulletin = previous != nullptr;
      for (node_index n = 0; n < tree.size(); ++n) {
        if (tree.at(n).children.empty()) continue;
        auto ranked = rank_children(s.model(), n, o);
        command.rankings.push_back(
            to_bulletin_ranking(s.model(), n, ranked, o, ranking_of(previous, tree.at(n).code, affiliation)));
      }
    }
  });
  auto written = submit(command, "bulletin:" + std::to_string(campaign.id) + ":" + std::to_string(round));
  if (!written) return failure(written.error());
  if (*written) {
    ++report.bulletins;
  } else {
    ++report.duplicates;
  }
  if (!compare_with) return {};  // a later round is due too: that one calls and escalates
  if (auto done = interviews_for(campaign, round, due, *compare_with, report); !done) return done;
  return escalations_for(campaign, round, due, report);
}

// The rules, applied to each ranking the bulletin recorded, Party and League alike (not
// recomputed: a replay or another server sees the same lines); a League laggard is called to its
// own interview, distinct from a Party one of the same jurisdiction:
//   bottom N among measured siblings (排在末位), never more than half of them;
//   bottom X% among measured siblings (at least one, never all);
//   no progress since the last bulletin (行动迟缓): the ranking value did not get better since the
//     bulletin `compare_with` (0: the campaign's baseline), unless it is as good as it gets;
//   below the target rate (成效不明显): a rate below the campaign's permille.
// (ranked_last_by_count, ranked_last_by_percent, made_no_progress, below_target_rate in workflow.h.)
result<void> workflow::interviews_for(const campaign_record& campaign, std::uint32_t round, domain::date due,
                                      std::uint32_t compare_with, tick_report& report) {
  struct pending {
    std::string code;
    twin affiliation = twin::party;
    std::string leader;
    std::vector<domain::interview_reason> reasons;
  };
  std::vector<pending> calls;
  runner_.read([&](const projection_state& s, const keyed_state&) {
    const auto* bulletin = s.bulletin(campaign.id, round);
    if (bulletin == nullptr) return;
    const auto* previous = compare_with > 0 ? s.bulletin(campaign.id, compare_with) : nullptr;
    const auto& rules = campaign.rules;
    const auto& model = s.model();
    for (const auto& ranking : bulletin->rankings) {
      // Looked up once per ranking: a bulletin holds one per parent and twin (6,432 in the demo).
      const auto* previous_ranking = ranking_of(previous, ranking.parent.value, ranking.affiliation);
      // Ranked last among the measured lines only, as the black list is: a line without a value
      // (0/0, e.g. no formation targets of the twin) ranks below every value but was not measured
      // last, and would otherwise be called for sorting last by its code.
      const std::size_t n = std::count_if(ranking.lines.begin(), ranking.lines.end(), [&](const auto& line) {
        return recorded_value(line, ranking.by).defined();
      });
      const std::size_t last_n = std::max(ranked_last_by_count(n, rules.bottom_n),
                                          ranked_last_by_percent(n, rules.bottom_percent));
      const indicator which = from_domain(ranking.by);
      for (const auto& line : ranking.lines) {
        std::vector<domain::interview_reason> reasons;
        const indicator_value now = recorded_value(line, ranking.by);
        if (now.defined() && line.rank > n - last_n) reasons.push_back(domain::interview_reason::ranked_last);
        if (rules.no_progress_since_last_bulletin) {
          indicator_value before{0, 0};
          if (const auto* prev_line = line_of(previous_ranking, line.jurisdiction.value)) {
            before = recorded_value(*prev_line, ranking.by);
          } else if (auto node = model.tree().find(line.jurisdiction.value); node && compare_with == 0) {
            before = evaluate(model.baseline(*node), which, ranking.affiliation);
          }
          if (made_no_progress(which, now, before))
            reasons.push_back(domain::interview_reason::no_progress_since_last_bulletin);
        }
        if (below_target_rate(which, now, rules.below_target_rate_permille))
          reasons.push_back(domain::interview_reason::below_target_rate);
        if (reasons.empty()) continue;
        pending p;
        p.code = line.jurisdiction.value;
        p.affiliation = ranking.affiliation;
        p.leader = interviewee(model, p.code, ranking.affiliation);
        p.reasons = std::move(reasons);
        calls.push_back(std::move(p));
      }
    }
  });
  std::vector<submission> batch;
  batch.reserve(calls.size());
  for (auto& call : calls) {
    domain::commands::schedule_interview command;
    std::string id = interview_command_id(campaign.id, round, call.code, call.affiliation);
    command.interview = interview_id_for(id);
    command.affiliation = call.affiliation;
    command.campaign = domain::campaign_id{campaign.id};
    command.jurisdiction = domain::jurisdiction_code{call.code};
    command.responsible_person = call.leader;
    command.reasons = call.reasons;
    command.round = domain::bulletin_round{round};
    command.scheduled_at_ms = nine_am_china(domain::add_days(due, options_.interview_after_days));
    command.place = options_.interview_place;
    batch.push_back(submission{std::move(command), std::move(id)});
  }
  if (auto done = submit_all(std::move(batch), report.interviews, report.duplicates); !done) return done;
  return {};
}

// An interview of an earlier round not followed up by this bulletin (escalation_reason: never
// held, no list, an item overdue) is escalated one level up: "each item is struck off when done or
// escalated when not" (domain README, "Practice"). Whether the jurisdiction's rank improved
// meanwhile does not excuse it (an earlier rule that skipped those let an interview's list lapse
// with no follow-up at all).
result<void> workflow::escalations_for(const campaign_record& campaign, std::uint32_t round, domain::date due,
                                       tick_report& report) {
  std::vector<std::pair<std::uint64_t, std::string_view>> to_escalate;  // interview, reason
  runner_.read([&](const projection_state& s, const keyed_state&) {
    for (const auto& [id, iv] : s.interviews()) {
      if (iv.campaign != campaign.id || iv.round >= round) continue;
      const std::string_view reason = escalation_reason(iv, due);
      if (reason.empty()) continue;
      // Nowhere to go from the top (decide: no_level_above), and one refusal would stop the tick.
      auto node = s.model().tree().find(iv.jurisdiction);
      if (!node || s.model().tree().at(*node).parent == no_node) continue;
      to_escalate.emplace_back(id, reason);
    }
  });
  std::vector<submission> batch;
  batch.reserve(to_escalate.size());
  for (const auto& [id, reason] : to_escalate) {
    domain::commands::escalate_interview command;
    command.interview = domain::interview_id{id};
    command.reason = std::string(reason);
    command.escalated_on = due;
    batch.push_back(submission{std::move(command), "escalate:" + std::to_string(campaign.id) + ":" +
                                                       std::to_string(round) + ":" + std::to_string(id)});
  }
  return submit_all(std::move(batch), report.escalations, report.duplicates);
}

}  // namespace gongjian::projections
