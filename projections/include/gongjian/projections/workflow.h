#pragma once
// The campaign workflow (DESIGN.md "Read side", issue 4 "Workflow"): a campaign clock; every
// cadence days from the campaign's start a bulletin (通报) freezing the Party and the League
// rankings of every level; interview rules (约谈) applied to each of those rankings; escalation,
// at a later bulletin, of interviews not followed up (never held, no rectification list, an item
// overdue; escalation_reason below). Every decision goes through the domain's `decide` (commands
// issue_bulletin, schedule_interview, escalate_interview) and is appended with a deterministic
// command id:
//
//   bulletin:<campaign>:<round>
//   interview:<campaign>:<round>:<jurisdiction code>           (Party)
//   interview:<campaign>:<round>:<jurisdiction code>:league    (League)
//   escalate:<campaign>:<round>:<interview id>
//
// so that a restart, a replay or two servers racing never issue one twice: the event store
// returns the first result for a repeated command id and writes nothing.
//
// Threading: tick() runs on whichever thread calls it (a timer in the server, the test or demo
// thread); one workflow object must not tick on two threads at once. Two workflow objects (two
// servers) may race: the command ids settle it.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gongjian/domain/commands.h"
#include "gongjian/domain/state.h"
#include "gongjian/domain/result.h"
#include "gongjian/eventstore/event_store.h"
#include "gongjian/projections/runner.h"

namespace gongjian::projections {

// What time it is for the campaign. Wall clock when serving; a virtual clock in tests and in the
// demo, so that a 100-day campaign runs in seconds.
class campaign_clock {
 public:
  virtual ~campaign_clock() = default;
  virtual std::int64_t now_ms() const = 0;  // Unix milliseconds
};

class wall_clock final : public campaign_clock {
 public:
  std::int64_t now_ms() const override;
};

// Thread-safe: tests advance it from one thread while the workflow reads it on another.
class virtual_clock final : public campaign_clock {
 public:
  explicit virtual_clock(std::int64_t start_ms) : now_(start_ms) {}
  std::int64_t now_ms() const override { return now_.load(); }
  void set(std::int64_t ms) { now_.store(ms); }
  void advance(std::chrono::milliseconds by) { now_.fetch_add(by.count()); }
  void advance_days(int days) { advance(std::chrono::hours(24) * days); }

 private:
  std::atomic<std::int64_t> now_;
};

struct workflow_options {
  eventstore::actor actor{"workflow", "system", "000000"};
  std::string interview_place = "上级市场监管部门约谈室";
  // Interviews are scheduled this many days after their bulletin, at 09:00 China Standard Time.
  int interview_after_days = 3;
  // Waiting for the runner to apply what the workflow appended.
  std::chrono::milliseconds apply_timeout{10000};
};

struct tick_report {
  std::uint32_t bulletins = 0;     // issued by this tick (not counting duplicates)
  std::uint32_t interviews = 0;    // scheduled by this tick
  std::uint32_t escalations = 0;   // escalated by this tick
  std::uint32_t duplicates = 0;    // decisions someone had already appended (restart, racer)
};

// The interview command id and the interview id derived from it (stable across processes). A
// Party interview's id is the one it had before League interviews were scheduled.
std::string interview_command_id(std::uint64_t campaign, std::uint32_t round, std::string_view jurisdiction,
                                 twin affiliation = twin::party);
domain::interview_id interview_id_for(std::string_view command_id);

// The interview rules on one ranking line (docs/api.md, projections/README.md):
//
// How many of `measured` siblings (those with a ranking value) are called as ranked last
// (排在末位) by the rule `bottom_n`: the bottom N, but never more than half of them, as the black
// list shrinks to half where the red and black lists would overlap. So a call for rank is always
// in the bottom half and on the black list, and with few siblings the last is still called.
std::size_t ranked_last_by_count(std::size_t measured, std::uint32_t bottom_n);
// The same for `bottom_percent`: at least one, never all.
std::size_t ranked_last_by_percent(std::size_t measured, std::uint32_t bottom_percent);
// No progress since the last bulletin (行动迟缓): the value did not move the way the indicator
// counts as better (a rate or a count of what was done up, the orgs that should form and have not
// down), unless it is as good as it gets (a rate at 100%, nothing left to form). `before` is the
// previous bulletin's value (round 1: the campaign's baseline); unknown (0/0) counts as no progress.
bool made_no_progress(indicator which, const indicator_value& now, const indicator_value& before);
// Below the target rate (成效不明显): a rate below the campaign's permille. A count has no rate.
bool below_target_rate(indicator which, const indicator_value& now, std::uint32_t permille);
// Why an interview of an earlier round is escalated at a bulletin due `due`, or empty when it is
// not: each follow-up step that should have happened by then and did not ("followed up", domain
// README). Never held though its day has passed (约谈未按期举行); held but no rectification list
// set (未制定整改清单); an item not done past its deadline (整改事项逾期未完成). Escalated and
// closed interviews are settled.
std::string_view escalation_reason(const interview_record& interview, domain::date due);

class workflow {
 public:
  workflow(eventstore::event_store& store, projection_runner& runner, const campaign_clock& clock,
           workflow_options options = {});

  // Issues, in order, every bulletin due by the clock's current day (up to the campaign's end)
  // with the interviews and escalations each implies. Safe to call any number of times.
  result<tick_report> tick();

 private:
  result<void> fold_domain_state();
  result<void> wait_for_runner();
  // decide + append. Returns true when written now, false when it had already been done.
  result<bool> submit(const domain::command& command, std::string command_id);
  // The same for decisions that do not depend on one another (a round's interviews, its
  // escalations): each is decided against the same write model, all are appended at once (the
  // store groups them into one batch, in this order) and the runner is waited for once. Adds
  // each one's outcome to `written` / `duplicates`.
  struct submission {
    domain::command command;
    std::string command_id;
  };
  result<void> submit_all(std::vector<submission> batch, std::uint32_t& written, std::uint32_t& duplicates);
  // `compare_with`: the round whose bulletin "no progress" is measured against (0: the campaign's
  // baseline); none for a round issued while a later one is due too, which calls no one.
  result<void> issue_round(const campaign_record& campaign, std::uint32_t round, domain::date due,
                           std::optional<std::uint32_t> compare_with, tick_report& report);
  result<void> interviews_for(const campaign_record& campaign, std::uint32_t round, domain::date due,
                              std::uint32_t compare_with, tick_report& report);
  result<void> escalations_for(const campaign_record& campaign, std::uint32_t round, domain::date due, tick_report& report);

  eventstore::event_store& store_;
  projection_runner& runner_;
  const campaign_clock& clock_;
  workflow_options options_;
  // The part of the write model the workflow's commands are decided against: jurisdictions,
  // campaigns, bulletins and interviews (other events are skipped while folding).
  domain::state domain_state_;
  eventstore::position folded_;
};

}  // namespace gongjian::projections
