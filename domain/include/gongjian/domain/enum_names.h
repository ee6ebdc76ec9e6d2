#pragma once
// Stable snake_case names for the domain's enums. The server maps JSON with them and the
// dashboard shows them, so a name, once released, never changes; new enumerators are appended
// (the numeric value is what events store).

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <type_traits>

namespace gongjian::domain {

// Specialized next to each enum: `names[i]` is the name of the enumerator with value i.
template <class E>
struct enum_names;

template <class E>
concept named_enum = std::is_enum_v<E> && requires { enum_names<E>::names; };

template <named_enum E>
constexpr std::size_t enum_count() {
  return enum_names<E>::names.size();
}

template <named_enum E>
constexpr std::string_view to_string(E value) {
  const auto index = static_cast<std::size_t>(value);
  return index < enum_names<E>::names.size() ? enum_names<E>::names[index] : std::string_view{"unknown"};
}

template <named_enum E>
constexpr std::optional<E> from_string(std::string_view text) {
  for (std::size_t i = 0; i < enum_names<E>::names.size(); ++i) {
    if (enum_names<E>::names[i] == text) return static_cast<E>(i);
  }
  return std::nullopt;
}

// True when a stored numeric value names an enumerator (decoders check every enum they read).
template <named_enum E>
constexpr bool is_known(E value) {
  return static_cast<std::size_t>(value) < enum_names<E>::names.size();
}

}  // namespace gongjian::domain
