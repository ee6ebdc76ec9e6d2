#include "gongjian/domain/codec.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include <cereal/archives/portable_binary.hpp>
#include <cereal/cereal.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>

namespace gongjian::domain {
namespace {

// Reads a payload where it lies, as cereal's PortableBinaryInputArchive would (little-endian
// flag byte, then the values), without copying it into a string stream first: the projections
// decode every event of the log, so the copy and the stream's set-up were paid millions of times.
// A size field larger than the bytes left is refused before any container grows, so a damaged or
// crafted payload cannot make a string or vector allocate gigabytes before its short read shows.
class payload_archive : public cereal::InputArchive<payload_archive, cereal::AllowEmptyClassElision> {
 public:
  explicit payload_archive(std::string_view bytes)
      : InputArchive(this), at_(bytes.data()), end_(bytes.data() + bytes.size()) {
    std::uint8_t little = 0;
    (*this)(little);
    swap_ = (little != 0) != (std::endian::native == std::endian::little);
  }

  template <std::streamsize DataSize>
  void loadBinary(void* data, std::streamsize size) {
    if (size < 0 || static_cast<std::size_t>(size) > remaining()) {
      throw cereal::Exception("Failed to read " + std::to_string(size) + " bytes from input stream! Read " +
                              std::to_string(remaining()));
    }
    std::memcpy(data, at_, static_cast<std::size_t>(size));
    at_ += size;
    if (swap_) {
      auto* p = static_cast<std::uint8_t*>(data);
      for (std::streamsize i = 0; i < size; i += DataSize) std::reverse(p + i, p + i + DataSize);
    }
  }

  std::size_t remaining() const { return static_cast<std::size_t>(end_ - at_); }

 private:
  const char* at_;
  const char* end_;
  bool swap_ = false;
};

template <class T>
std::enable_if_t<std::is_arithmetic_v<T>> CEREAL_LOAD_FUNCTION_NAME(payload_archive& ar, T& t) {
  ar.template loadBinary<sizeof(T)>(std::addressof(t), sizeof(t));
}

template <class T>
void CEREAL_SERIALIZE_FUNCTION_NAME(payload_archive& ar, cereal::NameValuePair<T>& t) {
  ar(t.value);
}

// Every element of every container in our payloads takes at least one byte.
template <class T>
void CEREAL_SERIALIZE_FUNCTION_NAME(payload_archive& ar, cereal::SizeTag<T>& t) {
  ar(t.size);
  if (static_cast<std::uint64_t>(t.size) > ar.remaining()) {
    throw cereal::Exception("a size of " + std::to_string(t.size) + " with " + std::to_string(ar.remaining()) +
                            " bytes left");
  }
}

template <class T>
void CEREAL_LOAD_FUNCTION_NAME(payload_archive& ar, cereal::BinaryData<T>& bd) {
  using element = std::remove_pointer_t<T>;
  ar.template loadBinary<sizeof(element)>(bd.data, static_cast<std::streamsize>(bd.size));
}

}  // namespace
}  // namespace gongjian::domain

CEREAL_REGISTER_ARCHIVE(gongjian::domain::payload_archive)
// The input half of CEREAL_SETUP_ARCHIVE_TRAITS only: the output archive already names
// PortableBinaryInputArchive as its partner. cereal uses this to check each load has its save.
namespace cereal::traits::detail {
template <>
struct get_output_from_input<gongjian::domain::payload_archive> {
  using type = cereal::PortableBinaryOutputArchive;
};
}  // namespace cereal::traits::detail

// Class versions: cereal writes a struct's version before its first occurrence in a payload and
// hands the written version back to `serialize` on load. An event's class version is its
// schema_version; the nested value structs start at 1 and grow the same way.
CEREAL_CLASS_VERSION(gongjian::domain::plan_target, 1)
CEREAL_CLASS_VERSION(gongjian::domain::interview_rules, 1)
CEREAL_CLASS_VERSION(gongjian::domain::indicator_value, 1)
CEREAL_CLASS_VERSION(gongjian::domain::ranking_line, 1)
CEREAL_CLASS_VERSION(gongjian::domain::ranking, 1)
CEREAL_CLASS_VERSION(gongjian::domain::rectification_item, 1)
CEREAL_CLASS_VERSION(gongjian::domain::events::jurisdiction_registered, gongjian::domain::events::jurisdiction_registered::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::jurisdiction_leader_assigned, gongjian::domain::events::jurisdiction_leader_assigned::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::action_plan_set, gongjian::domain::events::action_plan_set::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::campaign_opened, gongjian::domain::events::campaign_opened::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::campaign_closed, gongjian::domain::events::campaign_closed::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::bulletin_issued, gongjian::domain::events::bulletin_issued::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::host_registered, gongjian::domain::events::host_registered::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::organization_registered, gongjian::domain::events::organization_registered::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::survey_step_completed, gongjian::domain::events::survey_step_completed::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::organization_details_corrected, gongjian::domain::events::organization_details_corrected::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::organization_removed, gongjian::domain::events::organization_removed::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::member_recorded, gongjian::domain::events::member_recorded::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::member_identity_disclosed, gongjian::domain::events::member_identity_disclosed::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::member_developed, gongjian::domain::events::member_developed::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::member_made_formal, gongjian::domain::events::member_made_formal::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::member_left, gongjian::domain::events::member_left::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::member_attached_nearby, gongjian::domain::events::member_attached_nearby::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::member_detached, gongjian::domain::events::member_detached::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::transfer_letter_issued, gongjian::domain::events::transfer_letter_issued::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::transfer_letter_received, gongjian::domain::events::transfer_letter_received::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::transfer_letter_rejected, gongjian::domain::events::transfer_letter_rejected::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::transfer_letter_revoked, gongjian::domain::events::transfer_letter_revoked::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::transfer_letter_expired, gongjian::domain::events::transfer_letter_expired::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::member_listed_as_pocket, gongjian::domain::events::member_listed_as_pocket::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::transfer_letter_reissued, gongjian::domain::events::transfer_letter_reissued::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::transfer_completed_by_certificate, gongjian::domain::events::transfer_completed_by_certificate::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::instructor_assigned, gongjian::domain::events::instructor_assigned::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::instructor_released, gongjian::domain::events::instructor_released::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::organization_formed, gongjian::domain::events::organization_formed::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::organization_orgs_added, gongjian::domain::events::organization_orgs_added::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::organization_orgs_removed, gongjian::domain::events::organization_orgs_removed::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::organization_dissolved, gongjian::domain::events::organization_dissolved::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::formation_target_designated, gongjian::domain::events::formation_target_designated::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::formation_target_struck_off, gongjian::domain::events::formation_target_struck_off::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::formation_target_reason_recorded, gongjian::domain::events::formation_target_reason_recorded::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::formation_target_withdrawn, gongjian::domain::events::formation_target_withdrawn::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::interview_scheduled, gongjian::domain::events::interview_scheduled::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::interview_held, gongjian::domain::events::interview_held::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::rectification_items_set, gongjian::domain::events::rectification_items_set::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::rectification_item_done, gongjian::domain::events::rectification_item_done::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::interview_closed, gongjian::domain::events::interview_closed::schema_version)
CEREAL_CLASS_VERSION(gongjian::domain::events::interview_escalated, gongjian::domain::events::interview_escalated::schema_version)

namespace gongjian::domain {
namespace {

template <class T>
struct is_vector : std::false_type {};
template <class T, class A>
struct is_vector<std::vector<T, A>> : std::true_type {};
template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

// Writes a payload byte for byte as cereal's PortableBinaryOutputArchive with
// Options::LittleEndian() does (codec.h draws the layout; the golden bytes pin it), without going
// through cereal's OutputArchive: that one keeps a hash set of the versioned types it has written
// and looks each class version up in cereal's global map (a node allocated and freed per lookup),
// per event on the command path. Here a payload's versioned types are a short inline list and the
// versions are the CEREAL_CLASS_VERSION constants above. The `serialize` members are cereal's.
class payload_writer {
 public:
  explicit payload_writer(std::string& out) : out_(out) { out_.push_back(1); }  // little-endian flag

  template <class... T>
  void operator()(const T&... values) {
    (write(values), ...);
  }

 private:
  template <class T>
  void raw(const T& value) {
    if constexpr (std::endian::native == std::endian::little || sizeof(T) == 1) {
      out_.append(reinterpret_cast<const char*>(&value), sizeof(T));
    } else {
      const auto* p = reinterpret_cast<const char*>(&value);
      for (std::size_t i = sizeof(T); i > 0; --i) out_.push_back(p[i - 1]);
    }
  }

  template <class T>
  void write(const T& value) {
    if constexpr (std::is_arithmetic_v<T>) {
      raw(value);
    } else if constexpr (std::is_enum_v<T>) {
      raw(static_cast<std::underlying_type_t<T>>(value));
    } else if constexpr (std::is_same_v<T, std::string>) {
      raw(static_cast<std::uint64_t>(value.size()));
      out_.append(value);
    } else if constexpr (is_vector<T>::value) {
      raw(static_cast<std::uint64_t>(value.size()));
      for (const auto& element : value) write(element);
    } else if constexpr (is_optional<T>::value) {
      const bool nullopt = !value.has_value();  // cereal writes "nullopt", then the value if engaged
      raw(nullopt);
      if (value) write(*value);
    } else if constexpr (requires(T& x) { x.serialize(*this, std::uint32_t{1}); }) {
      // A versioned struct: its class version before its first occurrence in the payload.
      const void* tag = &type_tag<T>;
      if (std::find(seen_.begin(), seen_.begin() + seen_count_, tag) == seen_.begin() + seen_count_) {
        if (seen_count_ == seen_.size()) throw std::logic_error("payload_writer: too many versioned types");
        seen_[seen_count_++] = tag;
        raw(static_cast<std::uint32_t>(cereal::detail::Version<T>::version));
      }
      const_cast<T&>(value).serialize(*this, cereal::detail::Version<T>::version);
    } else {
      const_cast<T&>(value).serialize(*this);
    }
  }

  template <class T>
  static constexpr char type_tag = 0;

  std::string& out_;
  std::array<const void*, 16> seen_{};
  std::size_t seen_count_ = 0;
};

// Walks an event with the same `serialize` functions cereal uses and checks that every enum read
// from a payload names an enumerator: a corrupt or hostile payload must not smuggle a value the
// rules have never seen into the state.
struct enum_checker {
  bool ok = true;
  template <class... T>
  void operator()(T&... fields) { (check(fields), ...); }

  template <class T>
  void check(T& x) {
    if constexpr (named_enum<T>) {
      ok = ok && is_known(x);
    } else if constexpr (std::is_arithmetic_v<T> || std::is_same_v<T, std::string>) {
      // Any value is well-formed.
    } else if constexpr (is_vector<T>::value) {
      for (auto& element : x) check(element);
    } else if constexpr (is_optional<T>::value) {
      if (x) check(*x);
    } else if constexpr (requires { x.serialize(*this, 1u); }) {
      // Every field of the newest version: an older payload's later fields hold their defaults,
      // and version 1 would skip the enums added since.
      x.serialize(*this, cereal::detail::Version<T>::version);
    } else {
      x.serialize(*this);
    }
  }
};

rejection malformed(std::string message) {
  return rejection{rejection_kind::invalid_input, "malformed_payload", "payload",
                   "an event payload is the cereal portable binary encoding of its type's schema version",
                   std::move(message)};
}

template <class T>
result<event, rejection> decode_as(std::uint16_t schema_version, std::string_view payload) {
  if (schema_version == 0 || schema_version > T::schema_version) {
    return failure{rejection{rejection_kind::invalid_input, "unsupported_schema_version", "schema_version",
                             "an event is read by a build that knows its schema version",
                             std::string(T::type) + " version " + std::to_string(schema_version) +
                                 " is not known (this build reads 1.." + std::to_string(T::schema_version) + ")"}};
  }
  T value{};
  try {
    payload_archive archive(payload);
    archive(value);
    if (archive.remaining() != 0) return failure{malformed(std::string(T::type) + ": trailing bytes after the event")};
  } catch (const std::exception& e) {
    // cereal reports a short read by exception; it stops here, at the module boundary.
    return failure{malformed(std::string(T::type) + ": " + e.what())};
  }
  enum_checker checker;
  checker.check(value);
  if (!checker.ok) return failure{malformed(std::string(T::type) + ": an enum value is out of range")};
  return event{std::move(value)};
}

using decoder = result<event, rejection> (*)(std::uint16_t, std::string_view);

struct decoder_entry {
  std::string_view type;
  decoder decode;
};

template <std::size_t... I>
constexpr std::array<decoder_entry, sizeof...(I)> make_decoders(std::index_sequence<I...>) {
  return {decoder_entry{std::variant_alternative_t<I, event>::type, &decode_as<std::variant_alternative_t<I, event>>}...};
}

constexpr auto decoders = make_decoders(std::make_index_sequence<std::variant_size_v<event>>{});

std::string stream(std::string_view prefix, std::uint64_t id) {
  std::string s(prefix);
  s += '-';
  s += std::to_string(id);
  return s;
}
std::string stream(std::string_view prefix, const std::string& id) {
  std::string s(prefix);
  s += '-';
  s += id;
  return s;
}

}  // namespace

encoded_event encode(const event& e) {
  return std::visit(
      [](const auto& value) {
        using T = std::decay_t<decltype(value)>;
        // Written into a buffer this thread reuses, then copied once at its final size: one
        // allocation for the payload, none for the buffer once it has grown to the largest event.
        thread_local std::string scratch;
        scratch.clear();
        {
          payload_writer archive(scratch);
          archive(value);
        }
        return encoded_event{T::type, T::schema_version, std::string(scratch)};
      },
      e);
}

result<event, rejection> decode(std::string_view type, std::uint16_t schema_version, std::string_view payload) {
  for (const auto& entry : decoders) {
    if (entry.type == type) return entry.decode(schema_version, payload);
  }
  return failure{rejection{rejection_kind::invalid_input, "unknown_event_type", "type",
                           "an event's type is one of the catalogue in events.h",
                           "no event type named '" + std::string(type) + "'"}};
}

std::string stream_of(const event& e) {
  using namespace events;
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, jurisdiction_registered> || std::is_same_v<T, jurisdiction_leader_assigned> ||
                      std::is_same_v<T, action_plan_set>) {
          return stream("jurisdiction", x.code.value);
        } else if constexpr (std::is_same_v<T, campaign_opened> || std::is_same_v<T, campaign_closed> ||
                             std::is_same_v<T, bulletin_issued>) {
          return stream("campaign", x.campaign.value);
        } else if constexpr (std::is_same_v<T, host_registered>) {
          return stream("host", x.host.value);
        } else if constexpr (std::is_same_v<T, organization_registered> || std::is_same_v<T, survey_step_completed> ||
                             std::is_same_v<T, organization_details_corrected> ||
                             std::is_same_v<T, organization_removed>) {
          return stream("org", x.org.value);
        } else if constexpr (std::is_same_v<T, member_recorded> || std::is_same_v<T, member_identity_disclosed> ||
                             std::is_same_v<T, member_developed> || std::is_same_v<T, member_made_formal> ||
                             std::is_same_v<T, member_left> || std::is_same_v<T, member_attached_nearby> ||
                             std::is_same_v<T, member_detached> || std::is_same_v<T, member_listed_as_pocket>) {
          return stream("member", x.member.value);
        } else if constexpr (std::is_same_v<T, transfer_letter_issued> || std::is_same_v<T, transfer_letter_received> ||
                             std::is_same_v<T, transfer_letter_rejected> || std::is_same_v<T, transfer_letter_revoked> ||
                             std::is_same_v<T, transfer_letter_expired> || std::is_same_v<T, transfer_letter_reissued> ||
                             std::is_same_v<T, transfer_completed_by_certificate>) {
          return stream("transfer", x.transfer.value);
        } else if constexpr (std::is_same_v<T, instructor_assigned> || std::is_same_v<T, instructor_released>) {
          return stream("instructor", x.instructor.value);
        } else if constexpr (std::is_same_v<T, organization_formed> || std::is_same_v<T, organization_orgs_added> ||
                             std::is_same_v<T, organization_orgs_removed> || std::is_same_v<T, organization_dissolved>) {
          return stream("branch", x.branch.value);
        } else if constexpr (std::is_same_v<T, formation_target_designated> ||
                             std::is_same_v<T, formation_target_struck_off> ||
                             std::is_same_v<T, formation_target_reason_recorded> ||
                             std::is_same_v<T, formation_target_withdrawn>) {
          return stream("target", x.target.value);
        } else {
          static_assert(std::is_same_v<T, interview_scheduled> || std::is_same_v<T, interview_held> ||
                            std::is_same_v<T, rectification_items_set> || std::is_same_v<T, rectification_item_done> ||
                            std::is_same_v<T, interview_closed> || std::is_same_v<T, interview_escalated>,
                        "every event names its stream");
          return stream("interview", x.interview.value);
        }
      },
      e);
}

std::string stream_of(const command& c) {
  using namespace commands;
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, register_jurisdiction> || std::is_same_v<T, assign_jurisdiction_leader> ||
                      std::is_same_v<T, set_action_plan>) {
          return stream("jurisdiction", x.code.value);
        } else if constexpr (std::is_same_v<T, open_campaign> || std::is_same_v<T, close_campaign> ||
                             std::is_same_v<T, issue_bulletin>) {
          return stream("campaign", x.campaign.value);
        } else if constexpr (std::is_same_v<T, register_host>) {
          return stream("host", x.host.value);
        } else if constexpr (std::is_same_v<T, register_organization> || std::is_same_v<T, complete_survey_step> ||
                             std::is_same_v<T, correct_organization_details> || std::is_same_v<T, remove_organization>) {
          return stream("org", x.org.value);
        } else if constexpr (std::is_same_v<T, record_member> || std::is_same_v<T, disclose_member_identity> ||
                             std::is_same_v<T, develop_member> || std::is_same_v<T, make_member_formal> ||
                             std::is_same_v<T, record_member_left> || std::is_same_v<T, attach_member_nearby> ||
                             std::is_same_v<T, detach_member_nearby>) {
          return stream("member", x.member.value);
        } else if constexpr (std::is_same_v<T, issue_transfer_letter> || std::is_same_v<T, receive_transfer_letter> ||
                             std::is_same_v<T, reject_transfer_letter> || std::is_same_v<T, revoke_transfer_letter> ||
                             std::is_same_v<T, expire_transfer_letter> || std::is_same_v<T, reissue_transfer_letter> ||
                             std::is_same_v<T, complete_transfer_by_certificate>) {
          return stream("transfer", x.transfer.value);
        } else if constexpr (std::is_same_v<T, assign_instructor> || std::is_same_v<T, release_instructor>) {
          return stream("instructor", x.instructor.value);
        } else if constexpr (std::is_same_v<T, form_organization> || std::is_same_v<T, add_orgs_to_organization> ||
                             std::is_same_v<T, remove_orgs_from_organization> || std::is_same_v<T, dissolve_organization>) {
          return stream("branch", x.branch.value);
        } else if constexpr (std::is_same_v<T, designate_formation_target> || std::is_same_v<T, record_target_reason>) {
          return stream("target", x.target.value);
        } else {
          static_assert(std::is_same_v<T, schedule_interview> || std::is_same_v<T, hold_interview> ||
                            std::is_same_v<T, set_rectification_items> || std::is_same_v<T, complete_rectification_item> ||
                            std::is_same_v<T, close_interview> || std::is_same_v<T, escalate_interview>,
                        "every command names its stream");
          return stream("interview", x.interview.value);
        }
      },
      c);
}

}  // namespace gongjian::domain
