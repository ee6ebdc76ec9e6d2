// The JSON -> domain command mapping and the static file reader (server/src internals).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <random>

#include "command_json.h"
#include "static_files.h"

namespace gongjian::server {
namespace {

namespace json = boost::json;
namespace cmd = domain::commands;

result<domain::command, api_error> from(std::string_view name, std::string_view text) {
  return command_from_json(name, json::parse(text).as_object(), {"command_id"});
}

TEST(CommandJson, EveryCommandHasAName) {
  EXPECT_EQ(command_names().size(), std::variant_size_v<domain::command>);
  EXPECT_EQ(command_names().front(), "register_jurisdiction");
}

// What a retry must repeat (command_service's reused ids): the command and its values, not their
// order, the command id, an absent field spelled null, or a default spelled out.
TEST(CommandJson, FingerprintsTheCommandNotItsSpelling) {
  const auto fp = [](std::string_view name, std::string_view text) {
    auto c = command_from_json(name, json::parse(text).as_object(), {"command_id", "type"});
    EXPECT_TRUE(c) << name << " " << text << ": " << (c ? "" : c.error().message);
    return c ? command_fingerprint(*c) : 0;
  };
  const auto base = fp("form_organization", R"({"command_id":"a","branch":7,"branch_type":"league","mode":"joint",
      "branch_name":"联合团支部","orgs":[1,2],"formed_on":"2026-03-01"})");
  EXPECT_EQ(base, fp("form_organization", R"({"formed_on":"2026-03-01","orgs":[1,2],"branch_name":"联合团支部",
      "mode":"joint","branch_type":"league","branch":7,"command_id":"b"})"));
  EXPECT_EQ(base, fp("form_organization", R"({"branch":7,"branch_type":"league","mode":"joint","branch_name":"联合团支部",
      "orgs":[1,2],"formed_on":"2026-03-01","host":null,"channel_name":"","type":"t"})"));
  EXPECT_NE(base, fp("form_organization", R"({"branch":7,"branch_type":"league","mode":"joint","branch_name":"联合团支部",
      "orgs":[2,1],"formed_on":"2026-03-01"})"));
  EXPECT_NE(base, fp("form_organization", R"({"branch":7,"branch_type":"league","mode":"joint","branch_name":"联合团支部",
      "orgs":[12],"formed_on":"2026-03-01"})"));
  EXPECT_NE(base, fp("form_organization", R"({"branch":7,"branch_type":"league","mode":"joint","branch_name":"联合团支部 ",
      "orgs":[1,2],"formed_on":"2026-03-01"})"));
  EXPECT_NE(base, fp("form_organization", R"({"branch":7,"branch_type":"party","mode":"joint","branch_name":"联合团支部",
      "orgs":[1,2],"formed_on":"2026-03-01"})"));
  EXPECT_NE(base, fp("form_organization", R"({"branch":7,"branch_type":"league","mode":"joint","branch_name":"联合团支部",
      "orgs":[1,2],"formed_on":"2026-03-02"})"));
  EXPECT_NE(base, fp("form_organization", R"({"branch":7,"branch_type":"league","mode":"joint","branch_name":"联合团支部",
      "orgs":[1,2],"formed_on":"2026-03-01","host":3})"));
  // Kinds and lengths are part of what is hashed: a value cannot pass for a neighbouring one.
  EXPECT_NE(fp("register_jurisdiction", R"({"code":"110000","jurisdiction_name":"北京"})"),
            fp("register_jurisdiction", R"({"code":"11000","jurisdiction_name":"0北京"})"));
  // The same values under another command are another command.
  EXPECT_NE(fp("disclose_member_identity", R"({"member":1,"disclosed_on":"2026-03-01"})"),
            fp("make_member_formal", R"({"member":1,"made_formal_on":"2026-03-01"})"));
  // An interview's affiliation is Party when left out, so a retry may spell it out (and the reverse).
  constexpr std::string_view interview = R"({"interview":1,"campaign":1,"jurisdiction":"110000",
      "responsible_person":"张三","reasons":["ranked_last"],"round":2,"scheduled_at_ms":1,"place":"市委")";
  const auto without = fp("schedule_interview", std::string(interview) + "}");
  EXPECT_EQ(without, fp("schedule_interview", std::string(interview) + R"(,"affiliation":"party"})"));
  EXPECT_NE(without, fp("schedule_interview", std::string(interview) + R"(,"affiliation":"league"})"));
}

TEST(CommandJson, ScalarsEnumsDatesOptionalsAndLists) {
  auto c = from("form_organization", R"({"command_id":"x","branch":7,"branch_type":"league","mode":"joint",
      "branch_name":"联合团支部","orgs":[1,2,3],"host":null,"channel":"chamber_of_commerce","formed_on":"2026-03-01"})");
  ASSERT_TRUE(c) << c.error().message;
  const auto& f = std::get<cmd::form_organization>(*c);
  EXPECT_EQ(f.branch.value, 7u);
  EXPECT_EQ(f.branch_type, domain::organization_type::league);
  EXPECT_EQ(f.mode, domain::formation_mode::joint);
  EXPECT_EQ(f.branch_name, "联合团支部");
  ASSERT_EQ(f.orgs.size(), 3u);
  EXPECT_EQ(f.orgs[2].value, 3u);
  EXPECT_FALSE(f.host);
  ASSERT_TRUE(f.channel);
  EXPECT_EQ(*f.channel, domain::industry_channel::chamber_of_commerce);
  EXPECT_EQ(f.formed_on, *domain::parse_date("2026-03-01"));
  EXPECT_TRUE(f.channel_name.empty());
}

TEST(CommandJson, NestedObjectsAndDefaults) {
  auto c = from("set_action_plan", R"({"code":"110000","campaign":1,"set_on":"2026-01-02",
      "targets":[{"type":"party","mode":"standalone","count":30,"deadline":"2026-06-30"}]})");
  ASSERT_TRUE(c) << c.error().message;
  const auto& p = std::get<cmd::set_action_plan>(*c);
  ASSERT_EQ(p.targets.size(), 1u);
  EXPECT_EQ(p.targets[0].count, 30u);

  auto o = from("open_campaign", R"({"campaign":1,"campaign_name":"攻坚","starts_on":"2026-01-01","ends_on":"2026-12-31",
      "bulletin_cadence_days":15,"ranking_indicator":"ledger_progress","tie_break_indicator":"standalone_formation_rate"})");
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(std::get<cmd::open_campaign>(*o).interviews, domain::interview_rules{});
}

struct bad_case {
  const char* name;
  const char* body;
  const char* field;
  const char* rule;
};

TEST(CommandJson, ErrorsNameTheFieldAndRule) {
  const std::vector<bad_case> cases = {
      {"register_jurisdiction", R"({"jurisdiction_name":"x"})", "code", "required"},
      {"register_jurisdiction", R"({"code":110000})", "code", "type"},
      {"register_jurisdiction", R"({"code":"110000","extra":1})", "extra", "unknown_field"},
      {"close_campaign", R"({"campaign":-1,"closed_on":"2026-01-01"})", "campaign", "range"},
      {"close_campaign", R"({"campaign":1,"closed_on":"2026-13-01"})", "closed_on", "date"},
      {"close_campaign", R"({"campaign":1.5,"closed_on":"2026-01-01"})", "campaign", "type"},
      {"complete_rectification_item", R"({"interview":1,"item":4294967296,"done_on":"2026-01-01"})", "item", "range"},
      {"record_target_reason", R"({"target":1,"reason":"bad_luck","recorded_on":"2026-01-01"})", "reason", "enum"},
      {"form_organization", R"({"branch":1,"branch_type":"party","mode":"joint","orgs":[1,"two"],"formed_on":"2026-01-01"})",
       "orgs[1]", "type"},
      {"set_action_plan", R"({"code":"110000","campaign":1,"set_on":"2026-01-02","targets":[{"type":"party","mode":"standalone","count":1}]})",
       "targets[0].deadline", "required"},
      {"set_action_plan", R"({"code":"110000","campaign":1,"set_on":"2026-01-02","targets":[{"type":"party","mode":"standalone","count":1,"deadline":"2026-01-01","x":0}]})",
       "targets[0].x", "unknown_field"},
  };
  for (const auto& c : cases) {
    auto r = from(c.name, c.body);
    ASSERT_FALSE(r) << c.body;
    EXPECT_EQ(r.error().kind, error_kind::invalid_input) << c.body;
    EXPECT_EQ(r.error().field, c.field) << c.body << ": " << r.error().message;
    EXPECT_EQ(r.error().rule, c.rule) << c.body << ": " << r.error().message;
  }
  auto unknown = from("launch_rocket", "{}");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind, error_kind::not_found);
}

TEST(CommandJson, EnumErrorListsTheAllowedNames) {
  auto r = from("record_target_reason", R"({"target":1,"reason":"bad_luck","recorded_on":"2026-01-01"})");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("owner_does_not_support"), std::string::npos) << r.error().message;
}

TEST(StaticFiles, ServesInsideTheRootOnly) {
  std::random_device random;
  const auto root = std::filesystem::temp_directory_path() / ("gongjian-static-" + std::to_string(random()));
  std::filesystem::create_directories(root / "assets");
  std::ofstream(root / "index.html") << "index";
  std::ofstream(root / "assets" / "a.css") << "css";
  std::ofstream(root.parent_path() / "outside.txt") << "secret";

  EXPECT_EQ(read_static_file(root, "/").body, "index");
  auto css = read_static_file(root, "/assets/a.css");
  EXPECT_EQ(css.body, "css");
  EXPECT_EQ(css.content_type, "text/css; charset=utf-8");
  EXPECT_EQ(read_static_file(root, "/deep/client/route").body, "index");
  EXPECT_EQ(read_static_file(root, "/../outside.txt").status, 404);
  EXPECT_EQ(read_static_file(root, "/%2E%2E/outside.txt").status, 404);
  EXPECT_EQ(read_static_file(root, "/assets/..%2F..%2Foutside.txt").status, 404);
  EXPECT_EQ(read_static_file(root, "/assets/nothing.js").status, 404);
  std::filesystem::remove_all(root);
  std::filesystem::remove(root.parent_path() / "outside.txt");
}

}  // namespace
}  // namespace gongjian::server
