#pragma once
// Distinct types for identifiers and counters (Redpanda's model/fundamental.h habit): a member id
// can never be passed where an organization id is expected.

#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>

namespace gongjian {

// An integer with a tag: positions, versions, counts.
template <class Tag, class Rep = std::uint64_t>
struct strong_int {
  Rep value{};
  constexpr strong_int() = default;
  constexpr explicit strong_int(Rep v) : value(v) {}
  constexpr auto operator<=>(const strong_int&) const = default;
  constexpr strong_int next() const { return strong_int(value + 1); }
  template <class Archive>
  void serialize(Archive& ar) { ar(value); }
};

// A string identifier with a tag: organization, member, branch, jurisdiction codes.
template <class Tag>
struct strong_string {
  std::string value;
  strong_string() = default;
  explicit strong_string(std::string v) : value(std::move(v)) {}
  auto operator<=>(const strong_string&) const = default;
  bool empty() const { return value.empty(); }
  template <class Archive>
  void serialize(Archive& ar) { ar(value); }
};

}  // namespace gongjian

template <class Tag, class Rep>
struct std::hash<gongjian::strong_int<Tag, Rep>> {
  std::size_t operator()(const gongjian::strong_int<Tag, Rep>& v) const noexcept { return std::hash<Rep>{}(v.value); }
};
template <class Tag>
struct std::hash<gongjian::strong_string<Tag>> {
  std::size_t operator()(const gongjian::strong_string<Tag>& v) const noexcept { return std::hash<std::string>{}(v.value); }
};
