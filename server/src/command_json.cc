#include "command_json.h"

#include <boost/container/small_vector.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <charconv>

#include <limits>
#include <set>
#include <type_traits>

namespace gongjian::server {

namespace json = boost::json;
namespace cmd = domain::commands;

namespace {

// ---- the field lists: one per command and nested struct, in declaration order ------------------

template <class V> void fields(V& v, domain::plan_target& x) {
  v("type", x.type); v("mode", x.mode); v("count", x.count); v("deadline", x.deadline);
}
template <class V> void fields(V& v, domain::interview_rules& x) {
  v("bottom_n", x.bottom_n); v("bottom_percent", x.bottom_percent);
  v("no_progress_since_last_bulletin", x.no_progress_since_last_bulletin);
  v("below_target_rate_permille", x.below_target_rate_permille);
}
template <class V> void fields(V& v, domain::indicator_value& x) {
  v("which", x.which); v("affiliation", x.affiliation); v("numerator", x.numerator); v("denominator", x.denominator);
}
template <class V> void fields(V& v, domain::ranking_line& x) {
  v("jurisdiction", x.jurisdiction); v("values", x.values); v("rank", x.rank); v("previous_rank", x.previous_rank);
}
template <class V> void fields(V& v, domain::ranking& x) {
  v("parent", x.parent); v("by", x.by); v("affiliation", x.affiliation); v("lines", x.lines);
}
template <class V> void fields(V& v, domain::rectification_item& x) {
  v("problem", x.problem); v("requirement", x.requirement); v("deadline", x.deadline);
}

template <class V> void fields(V& v, cmd::register_jurisdiction& x) { v("code", x.code); v("jurisdiction_name", x.jurisdiction_name); }
template <class V> void fields(V& v, cmd::assign_jurisdiction_leader& x) {
  v("code", x.code); v("leader_name", x.leader_name); v("lead_department", x.lead_department); v("assigned_on", x.assigned_on);
}
template <class V> void fields(V& v, cmd::set_action_plan& x) {
  v("code", x.code); v("campaign", x.campaign); v("targets", x.targets); v("set_on", x.set_on);
}
template <class V> void fields(V& v, cmd::open_campaign& x) {
  v("campaign", x.campaign); v("campaign_name", x.campaign_name); v("starts_on", x.starts_on); v("ends_on", x.ends_on);
  v("bulletin_cadence_days", x.bulletin_cadence_days); v("ranking_indicator", x.ranking_indicator);
  v("tie_break_indicator", x.tie_break_indicator); v("interviews", x.interviews);
}
template <class V> void fields(V& v, cmd::close_campaign& x) { v("campaign", x.campaign); v("closed_on", x.closed_on); }
template <class V> void fields(V& v, cmd::issue_bulletin& x) {
  v("campaign", x.campaign); v("round", x.round); v("as_of", x.as_of); v("log_position", x.log_position); v("rankings", x.rankings);
}
template <class V> void fields(V& v, cmd::register_host& x) {
  v("host", x.host); v("kind", x.kind); v("host_name", x.host_name); v("jurisdiction", x.jurisdiction); v("org", x.org);
  v("existing_organizations", x.existing_organizations);
}
template <class V> void fields(V& v, cmd::register_organization& x) {
  v("org", x.org); v("kind", x.kind); v("org_name", x.org_name); v("social_credit_code", x.social_credit_code);
  v("registration_number", x.registration_number); v("trade", x.trade); v("office", x.office); v("address", x.address);
  v("employees", x.employees); v("owner", x.owner); v("management_relationship", x.management_relationship);
  v("status", x.status); v("focus", x.focus); v("has_activity_venue", x.has_activity_venue); v("registered_on", x.registered_on);
}
template <class V> void fields(V& v, cmd::complete_survey_step& x) { v("org", x.org); v("step", x.step); v("completed_on", x.completed_on); }
template <class V> void fields(V& v, cmd::correct_organization_details& x) {
  v("org", x.org); v("org_name", x.org_name); v("social_credit_code", x.social_credit_code);
  v("registration_number", x.registration_number); v("trade", x.trade); v("office", x.office); v("address", x.address);
  v("employees", x.employees); v("owner", x.owner); v("management_relationship", x.management_relationship);
  v("status", x.status); v("focus", x.focus); v("has_activity_venue", x.has_activity_venue); v("note", x.note);
  v("corrected_on", x.corrected_on);
}
template <class V> void fields(V& v, cmd::remove_organization& x) { v("org", x.org); v("reason", x.reason); v("note", x.note); v("removed_on", x.removed_on); }
template <class V> void fields(V& v, cmd::record_member& x) {
  v("member", x.member); v("org", x.org); v("affiliation", x.affiliation); v("standing", x.standing); v("status", x.status);
  v("member_name", x.member_name); v("relationship_held_at", x.relationship_held_at); v("admitted_on", x.admitted_on);
  v("recorded_on", x.recorded_on);
}
template <class V> void fields(V& v, cmd::disclose_member_identity& x) { v("member", x.member); v("disclosed_on", x.disclosed_on); }
template <class V> void fields(V& v, cmd::develop_member& x) {
  v("member", x.member); v("org", x.org); v("affiliation", x.affiliation); v("member_name", x.member_name);
  v("admitted_by", x.admitted_by); v("admitted_on", x.admitted_on);
}
template <class V> void fields(V& v, cmd::make_member_formal& x) { v("member", x.member); v("made_formal_on", x.made_formal_on); }
template <class V> void fields(V& v, cmd::record_member_left& x) { v("member", x.member); v("reason", x.reason); v("left_on", x.left_on); }
template <class V> void fields(V& v, cmd::attach_member_nearby& x) { v("member", x.member); v("branch", x.branch); v("attached_on", x.attached_on); }
template <class V> void fields(V& v, cmd::detach_member_nearby& x) { v("member", x.member); v("reason", x.reason); v("detached_on", x.detached_on); }
template <class V> void fields(V& v, cmd::issue_transfer_letter& x) {
  v("transfer", x.transfer); v("member", x.member); v("from_organization", x.from_organization); v("to_branch", x.to_branch);
  v("standing", x.standing); v("dues_paid_until", x.dues_paid_until); v("issued_on", x.issued_on); v("valid_until", x.valid_until);
}
template <class V> void fields(V& v, cmd::receive_transfer_letter& x) { v("transfer", x.transfer); v("received_on", x.received_on); }
template <class V> void fields(V& v, cmd::reject_transfer_letter& x) { v("transfer", x.transfer); v("reason", x.reason); v("rejected_on", x.rejected_on); }
template <class V> void fields(V& v, cmd::revoke_transfer_letter& x) { v("transfer", x.transfer); v("reason", x.reason); v("revoked_on", x.revoked_on); }
template <class V> void fields(V& v, cmd::expire_transfer_letter& x) { v("transfer", x.transfer); }
template <class V> void fields(V& v, cmd::reissue_transfer_letter& x) {
  v("lost", x.lost); v("transfer", x.transfer); v("issued_on", x.issued_on); v("valid_until", x.valid_until);
}
template <class V> void fields(V& v, cmd::complete_transfer_by_certificate& x) {
  v("transfer", x.transfer); v("member", x.member); v("to_branch", x.to_branch); v("issuer", x.issuer);
  v("issuer_name", x.issuer_name); v("certificate_number", x.certificate_number); v("completed_on", x.completed_on);
}
template <class V> void fields(V& v, cmd::assign_instructor& x) {
  v("instructor", x.instructor); v("instructor_name", x.instructor_name); v("affiliation", x.affiliation);
  v("source", x.source); v("orgs", x.orgs); v("assigned_on", x.assigned_on);
}
template <class V> void fields(V& v, cmd::release_instructor& x) { v("instructor", x.instructor); v("reason", x.reason); v("released_on", x.released_on); }
template <class V> void fields(V& v, cmd::form_organization& x) {
  v("branch", x.branch); v("branch_type", x.branch_type); v("mode", x.mode); v("branch_name", x.branch_name);
  v("orgs", x.orgs); v("host", x.host); v("channel", x.channel); v("channel_name", x.channel_name);
  v("channel_market", x.channel_market); v("formed_on", x.formed_on);
}
template <class V> void fields(V& v, cmd::add_orgs_to_organization& x) { v("branch", x.branch); v("orgs", x.orgs); v("added_on", x.added_on); }
template <class V> void fields(V& v, cmd::remove_orgs_from_organization& x) {
  v("branch", x.branch); v("orgs", x.orgs); v("reason", x.reason); v("removed_on", x.removed_on);
}
template <class V> void fields(V& v, cmd::dissolve_organization& x) { v("branch", x.branch); v("reason", x.reason); v("dissolved_on", x.dissolved_on); }
template <class V> void fields(V& v, cmd::designate_formation_target& x) {
  v("target", x.target); v("org", x.org); v("branch_type", x.branch_type); v("planned_mode", x.planned_mode);
  v("deadline", x.deadline); v("person_responsible", x.person_responsible); v("designated_on", x.designated_on);
}
template <class V> void fields(V& v, cmd::record_target_reason& x) { v("target", x.target); v("reason", x.reason); v("note", x.note); v("recorded_on", x.recorded_on); }
template <class V> void fields(V& v, cmd::schedule_interview& x) {
  v("interview", x.interview); v("campaign", x.campaign); v("jurisdiction", x.jurisdiction);
  v("responsible_person", x.responsible_person); v("reasons", x.reasons); v("round", x.round);
  v("scheduled_at_ms", x.scheduled_at_ms); v("place", x.place); v("affiliation", x.affiliation);
}
template <class V> void fields(V& v, cmd::hold_interview& x) {
  v("interview", x.interview); v("held_at_ms", x.held_at_ms); v("answer", x.answer); v("pledge", x.pledge);
}
template <class V> void fields(V& v, cmd::set_rectification_items& x) { v("interview", x.interview); v("items", x.items); }
template <class V> void fields(V& v, cmd::complete_rectification_item& x) { v("interview", x.interview); v("item", x.item); v("done_on", x.done_on); }
template <class V> void fields(V& v, cmd::close_interview& x) { v("interview", x.interview); v("conclusion", x.conclusion); v("closed_on", x.closed_on); }
template <class V> void fields(V& v, cmd::escalate_interview& x) { v("interview", x.interview); v("reason", x.reason); v("escalated_on", x.escalated_on); }

// ---- the reader ------------------------------------------------------------------------------

template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};
template <class T> struct is_vector : std::false_type {};
template <class T> struct is_vector<std::vector<T>> : std::true_type {};
template <class T> struct is_strong_int : std::false_type {};
template <class Tag, class Rep> struct is_strong_int<strong_int<Tag, Rep>> : std::true_type {};
template <class T> struct is_strong_string : std::false_type {};
template <class Tag> struct is_strong_string<strong_string<Tag>> : std::true_type {};

// Fields a client may leave out: they keep their default.
template <class T>
constexpr bool may_be_absent() {
  return is_optional<T>::value || is_vector<T>::value || std::is_same_v<T, std::string> ||
         std::is_same_v<T, domain::interview_rules>;
}

class reader {
 public:
  explicit reader(std::string prefix) : prefix_(std::move(prefix)) {}

  std::optional<api_error> error;

  // Reads every field of `target` from `object`, then refuses keys no field claimed.
  template <class T>
  void read_object(const json::object& object, T& target, const std::vector<std::string_view>& reserved) {
    object_ = &object;
    known_.clear();
    fields(*this, target);
    if (error) return;
    for (const auto& [key, value] : object) {
      if (std::find(known_.begin(), known_.end(), key) != known_.end() ||
          std::find(reserved.begin(), reserved.end(), key) != reserved.end())
        continue;
      fail(std::string(key), "unknown_field", "unknown field");
      return;
    }
  }

  template <class T>
  void operator()(std::string_view name, T& field) {
    known_.push_back(name);
    if (error) return;
    const json::value* value = object_->if_contains(name);
    if (value == nullptr || (value->is_null() && is_optional<T>::value)) {
      if constexpr (!may_be_absent<T>()) fail(name, "required", "is required");
      return;
    }
    // At the top level a field's path is its name: no string is built unless it is needed.
    if (prefix_.empty()) {
      read(*value, field, name);
    } else {
      const std::string where = path(name);
      read(*value, field, where);
    }
  }

 private:
  std::string path(std::string_view name) const { return prefix_.empty() ? std::string(name) : prefix_ + "." + std::string(name); }

  void fail(std::string_view field, const char* rule, const std::string& what) {
    if (error) return;
    const std::string full = field.find('.') != std::string::npos || field.find('[') != std::string::npos || prefix_.empty()
                                 ? std::string(field)
                                 : prefix_ + "." + std::string(field);
    error = api_error{error_kind::invalid_input, "'" + full + "' " + what, full, rule};
  }

  template <class Int>
  void read_integer(const json::value& v, Int& out, std::string_view where) {
    if (v.is_uint64()) {
      const auto x = v.get_uint64();
      if (x > static_cast<std::uint64_t>(std::numeric_limits<Int>::max()))
        return fail(where, "range", "is out of range");
      out = static_cast<Int>(x);
    } else if (v.is_int64()) {
      const auto x = v.get_int64();
      if constexpr (std::is_signed_v<Int>) {
        if (x < std::numeric_limits<Int>::min() || x > std::numeric_limits<Int>::max())
          return fail(where, "range", "is out of range");
      } else {
        if (x < 0 || static_cast<std::uint64_t>(x) > static_cast<std::uint64_t>(std::numeric_limits<Int>::max()))
          return fail(where, "range", "must be a non-negative integer in range");
      }
      out = static_cast<Int>(x);
    } else {
      fail(where, "type", "must be an integer");
    }
  }

  template <class T>
  void read(const json::value& v, T& out, std::string_view where) {
    if constexpr (std::is_same_v<T, bool>) {
      if (!v.is_bool()) return fail(where, "type", "must be true or false");
      out = v.get_bool();
    } else if constexpr (std::is_integral_v<T>) {
      read_integer(v, out, where);
    } else if constexpr (is_strong_int<T>::value) {
      read_integer(v, out.value, where);
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!v.is_string()) return fail(where, "type", "must be a string");
      out = std::string(v.get_string());
    } else if constexpr (is_strong_string<T>::value) {
      if (!v.is_string()) return fail(where, "type", "must be a string");
      out.value = std::string(v.get_string());
    } else if constexpr (std::is_same_v<T, domain::date>) {
      if (!v.is_string()) return fail(where, "type", "must be a date string YYYY-MM-DD");
      auto d = domain::parse_date(v.get_string());
      if (!d) return fail(where, "date", "must be a real date YYYY-MM-DD");
      out = *d;
    } else if constexpr (domain::named_enum<T>) {
      if (!v.is_string()) return fail(where, "type", "must be a string naming a value");
      auto e = domain::from_string<T>(v.get_string());
      if (!e) {
        std::string allowed;
        for (auto n : domain::enum_names<T>::names) allowed += (allowed.empty() ? "" : ", ") + std::string(n);
        return fail(where, "enum", "must be one of: " + allowed);
      }
      out = *e;
    } else if constexpr (is_optional<T>::value) {
      typename T::value_type inner{};
      read(v, inner, where);
      if (!error) out = std::move(inner);
    } else if constexpr (is_vector<T>::value) {
      if (!v.is_array()) return fail(where, "type", "must be a list");
      const auto& array = v.get_array();
      out.clear();
      out.reserve(array.size());
      for (std::size_t i = 0; i < array.size() && !error; ++i) {
        typename T::value_type item{};
        read(array[i], item, std::string(where) + "[" + std::to_string(i) + "]");
        out.push_back(std::move(item));
      }
    } else {
      // A nested struct with its own field list.
      if (!v.is_object()) return fail(where, "type", "must be an object");
      reader nested{std::string(where)};
      nested.read_object(v.get_object(), out, {});
      if (nested.error) error = std::move(nested.error);
    }
  }

  std::string prefix_;
  const json::object* object_ = nullptr;
  // The field names read_object's field list visited (a command has at most a few dozen).
  boost::container::small_vector<std::string_view, 24> known_;
};

// Fields whose absence means a value: the value is filled in, so that the command (and its
// fingerprint, what a retry must repeat) is the same whether a client left the field out or gave it.
template <class T> void fill_defaults(T&) {}
void fill_defaults(cmd::schedule_interview& c) {
  if (!c.affiliation) c.affiliation = domain::member_affiliation::party;
}

template <std::size_t I = 0>
result<domain::command, api_error> build(std::string_view name, const json::object& body,
                                         const std::vector<std::string_view>& reserved) {
  if constexpr (I == std::variant_size_v<domain::command>) {
    return failure(api_error{error_kind::not_found, "unknown command '" + std::string(name) + "'", "command", "known_command"});
  } else {
    using T = std::variant_alternative_t<I, domain::command>;
    if (T::name != name) return build<I + 1>(name, body, reserved);
    T command{};
    reader r("");
    r.read_object(body, command, reserved);
    if (r.error) return failure(std::move(*r.error));
    fill_defaults(command);
    return domain::command(std::move(command));
  }
}

}  // namespace

result<domain::command, api_error> command_from_json(std::string_view name, const json::object& body,
                                                     const std::vector<std::string_view>& reserved) {
  return build(name, body, reserved);
}

namespace {

// Mixes every field of a command (through the same field lists the reader fills) into one hash:
// each name, then its value with its kind and, for strings and lists, its length, so that no two
// different commands give the same input. Hashing what was read rather than the JSON makes a field
// left out and the same field given its default ("affiliation":"party", "note":"", null) one command,
// as they are. std::hash (murmur in libstdc++) is only stable within a process, which is all a
// retry window needs.
class fingerprinter {
 public:
  template <class T>
  void operator()(std::string_view name, const T& field) {
    text(name);
    value(field);
  }
  template <class T>
  void value(const T& v) {
    if constexpr (std::is_same_v<T, bool> || std::is_integral_v<T>) {
      tagged('i', static_cast<std::uint64_t>(v));
    } else if constexpr (is_strong_int<T>::value) {
      tagged('i', static_cast<std::uint64_t>(v.value));
    } else if constexpr (std::is_same_v<T, std::string>) {
      string(v);
    } else if constexpr (is_strong_string<T>::value) {
      string(v.value);
    } else if constexpr (std::is_same_v<T, domain::date>) {
      tagged('d', static_cast<std::uint64_t>(static_cast<std::int64_t>(v.days_since_epoch)));
    } else if constexpr (std::is_enum_v<T>) {
      tagged('e', static_cast<std::uint64_t>(v));
    } else if constexpr (is_optional<T>::value) {
      tagged('o', v.has_value());
      if (v) value(*v);
    } else if constexpr (is_vector<T>::value) {
      tagged('[', v.size());
      for (const auto& element : v) value(element);
    } else {
      tagged('{', 0);
      fields(*this, const_cast<T&>(v));  // the field lists take mutable references; nothing is written
      tagged('}', 0);
    }
  }
  std::uint64_t result() const { return hash_; }

 private:
  void mix(std::uint64_t x) { hash_ ^= x + 0x9e3779b97f4a7c15ull + (hash_ << 6) + (hash_ >> 2); }
  void tagged(char kind, std::uint64_t x) {
    mix(static_cast<std::uint64_t>(static_cast<unsigned char>(kind)) << 56);
    mix(x);
  }
  void text(std::string_view s) { mix(std::hash<std::string_view>{}(s)); }
  void string(std::string_view s) {
    tagged('s', s.size());
    text(s);
  }

  std::uint64_t hash_ = 0;
};

}  // namespace

std::uint64_t command_fingerprint(const domain::command& command) {
  fingerprinter f;
  f.value(static_cast<std::uint64_t>(command.index()));
  std::visit([&](const auto& c) { f.value(c); }, command);
  return f.result();
}

const std::vector<std::string_view>& command_names() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (out.push_back(std::variant_alternative_t<I, domain::command>::name), ...);
    }(std::make_index_sequence<std::variant_size_v<domain::command>>{});
    return out;
  }();
  return names;
}

}  // namespace gongjian::server
