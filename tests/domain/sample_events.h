#pragma once
// One fixed, fully populated instance of every event (Chinese texts, engaged optionals, nested
// lists), in the order of the `event` variant. The golden-bytes test pins their encodings; never
// change a sample once its bytes are released — add a new sample for a new schema version.

#include <vector>

#include "gongjian/domain/events.h"

namespace gongjian::domain::testing {

inline std::vector<event> sample_events() {
  using namespace events;
  const date d1{17000};  // 2016-07-18
  const date d2{17045};  // 2016-09-01
  const jurisdiction_code county{"330102"};
  std::vector<event> out;
  out.push_back(jurisdiction_registered{county, "上城区", jurisdiction_level::county, jurisdiction_code{"330100"}});
  out.push_back(jurisdiction_leader_assigned{county, "王局长", "个体私营经济监管科", d1});
  out.push_back(action_plan_set{county, campaign_id{1},
                                {plan_target{organization_type::party, formation_mode::standalone, 20, d2},
                                 plan_target{organization_type::league, formation_mode::joint, 5, d2}},
                                d1});
  out.push_back(campaign_opened{campaign_id{1}, "百日攻坚", date{16983}, date{17105}, 15, indicator::ledger_progress,
                                indicator::standalone_formation_rate, interview_rules{5, 10, true, 600}});
  out.push_back(campaign_closed{campaign_id{1}, date{17105}});
  out.push_back(bulletin_issued{
      campaign_id{1}, bulletin_round{2}, d1, 123456,
      {ranking{jurisdiction_code{"330100"}, indicator::ledger_progress, member_affiliation::party,
               {ranking_line{county,
                             {indicator_value{indicator::ledger_progress, member_affiliation::party, 3, 4},
                              indicator_value{indicator::standalone_formation_rate, member_affiliation::party, 9, 10}},
                             1, 2},
                ranking_line{jurisdiction_code{"330106"},
                             {indicator_value{indicator::ledger_progress, member_affiliation::party, 1, 4}}, 2, 1}}}}});
  out.push_back(host_registered{host_id{3}, host_kind::enterprise, "杭州龙头企业", county, organization_id{42},
                                {organization_type::party, organization_type::trade_union}});
  out.push_back(organization_registered{organization_id{42}, org_kind::individual_business, "湖滨小吃店",
                                        "92330102MA00000012", "110108000000016", "H6210 正餐服务",
                                        jurisdiction_code{"330102001"}, "延安路1号", 12, owner_identity::party_member,
                                        "属地管理", operating_status::in_real_operation, focus_area::commercial_street,
                                        true, d1});
  out.push_back(survey_step_completed{organization_id{42}, survey_step::screen, d1});
  out.push_back(organization_details_corrected{organization_id{42}, std::string("湖滨小吃"), std::nullopt, std::nullopt,
                                               std::string("H6210"), jurisdiction_code{"330102002"}, std::nullopt, 15u,
                                               owner_identity::neither, std::nullopt, operating_status::dormant,
                                               focus_area::none, false, "更正", d1});
  out.push_back(organization_removed{organization_id{42}, removal_reason::dormant, "长期歇业", d2});
  out.push_back(member_recorded{member_id{7}, organization_id{42}, member_affiliation::party, member_standing::formal,
                                member_status::pocket, "张三", "阜阳市颍州区某村党支部", date{12000}, d1});
  out.push_back(member_identity_disclosed{member_id{7}, organization_id{42}, member_status::pocket, d1});
  out.push_back(member_developed{member_id{8}, organization_id{42}, member_affiliation::party,
                                 member_standing::probationary, "李华", branch_id{10}, d1});
  out.push_back(member_made_formal{member_id{8}, organization_id{42}, d2});
  out.push_back(member_left{member_id{8}, organization_id{42}, leaving_reason::moved_away, d2});
  out.push_back(member_attached_nearby{member_id{7}, branch_id{10}, d1});
  out.push_back(member_detached{member_id{7}, branch_id{10}, "到另一个组织参加活动", d2});
  out.push_back(transfer_letter_issued{transfer_id{5}, member_id{7}, "某村党支部", branch_id{10}, member_standing::formal,
                                       date{16982}, d1, d2});
  out.push_back(transfer_letter_received{transfer_id{5}, member_id{7}, branch_id{10}, d2});
  out.push_back(transfer_letter_rejected{transfer_id{5}, member_id{7}, "党费未交清", d1});
  out.push_back(transfer_letter_revoked{transfer_id{5}, member_id{7}, "误开", d1});
  out.push_back(transfer_letter_expired{transfer_id{5}, member_id{7}, d2});
  out.push_back(member_listed_as_pocket{member_id{7}, transfer_id{5}, d2});
  out.push_back(transfer_letter_reissued{transfer_id{5}, transfer_id{6}, member_id{7}, branch_id{10},
                                         member_standing::probationary, d1, d2});
  out.push_back(transfer_completed_by_certificate{transfer_id{6}, member_id{7}, branch_id{10},
                                                  certificate_issuer::residents_committee, "某社区居委会党支部",
                                                  "证字12号", d1});
  out.push_back(instructor_assigned{instructor_id{4}, "赵老师", member_affiliation::league, instructor_source::league_cadre,
                                    {organization_id{42}, organization_id{43}}, d1});
  out.push_back(instructor_released{instructor_id{4}, "任务完成", d2});
  out.push_back(organization_formed{branch_id{10}, organization_type::party, formation_mode::industry,
                                    organization_scale::branch, "服装市场联合党支部",
                                    {organization_id{42}, organization_id{43}}, host_id{3},
                                    industry_channel::specialized_market, "四季青服装市场", organization_id{44}, 4, d1});
  out.push_back(organization_orgs_added{branch_id{10}, {organization_id{45}}, d1});
  out.push_back(organization_orgs_removed{branch_id{10}, {organization_id{45}}, "迁出", d2});
  out.push_back(organization_dissolved{branch_id{10}, "撤销", d2});
  out.push_back(formation_target_designated{target_id{9}, organization_id{42}, organization_type::league,
                                            formation_mode::joint, d2, "李四", d1});
  out.push_back(formation_target_struck_off{target_id{9}, organization_id{42}, organization_type::league, branch_id{10}, d1});
  out.push_back(formation_target_reason_recorded{target_id{9}, no_organization_reason::no_guidance_from_above, "无人指导",
                                                 d1});
  out.push_back(formation_target_withdrawn{target_id{9}, organization_id{42}, d2});
  out.push_back(interview_scheduled{interview_id{11}, campaign_id{1}, jurisdiction_code{"330106"}, "局长",
                                    {interview_reason::ranked_last, interview_reason::below_target_rate}, bulletin_round{2},
                                    1468994400000, "三楼会议室"});
  out.push_back(interview_held{interview_id{11}, 1469000000000, "底数不清", "月底前整改到位"});
  out.push_back(rectification_items_set{interview_id{11},
                                        {rectification_item{"底数不清", "完成调查摸底", d2},
                                         rectification_item{"应建未建", "单独组建", d2}}});
  out.push_back(rectification_item_done{interview_id{11}, 1, d2});
  out.push_back(interview_closed{interview_id{11}, "整改到位", d2});
  out.push_back(interview_escalated{interview_id{11}, jurisdiction_code{"330100"}, "逾期未整改", d2});
  return out;
}

// Samples of the schema versions after 1, one per (type, version): the first sample's fields with
// what the version added.
inline std::vector<event> later_version_samples() {
  using namespace events;
  std::vector<event> out;
  // interview_scheduled version 2: the League twin.
  out.push_back(interview_scheduled{interview_id{11}, campaign_id{1}, jurisdiction_code{"330106"}, "局长",
                                    {interview_reason::ranked_last, interview_reason::below_target_rate}, bulletin_round{2},
                                    1468994400000, "三楼会议室", member_affiliation::league});
  return out;
}

}  // namespace gongjian::domain::testing
