#pragma once
// The read side speaks the domain's vocabulary (domain/values.h): these are short names for the
// domain enums it indexes arrays with, so that per-organization state packs into a few bytes.

#include <cstddef>

#include "gongjian/domain/ids.h"
#include "gongjian/domain/values.h"

namespace gongjian::projections {

// Party (党) and its League (团) twin: every member/organization indicator is computed for both.
using twin = domain::member_affiliation;
inline constexpr std::size_t twin_count = 2;
inline constexpr twin all_twins[twin_count] = {twin::party, twin::league};

using org_kind = domain::org_kind;  // 小微企业 / 个体工商户 / 专业市场
inline constexpr std::size_t org_kind_count = 3;

using survey_step = domain::survey_step;  // 调查 / 甄别 / 登记 / 建库
inline constexpr std::size_t survey_step_count = 4;

using branch_type = domain::organization_type;  // 党 / 团 / 工会 / 妇联
inline constexpr std::size_t branch_type_count = 4;
inline constexpr branch_type branch_of(twin t) { return t == twin::party ? branch_type::party : branch_type::league; }

using formation_mode = domain::formation_mode;  // 单独 / 联合 / 挂靠 / 行业组建

// Identity disclosure (亮身份) counted by what the member was before: hidden, pocket, floating.
// Numerically equal to domain::member_status hidden (0), pocket (1), floating (2).
inline constexpr std::size_t disclosure_kind_count = 3;

using level = domain::jurisdiction_level;  // 全国 / 省 / 地市 / 县区 / 工商所

}  // namespace gongjian::projections
