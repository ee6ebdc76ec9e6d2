#pragma once
// A small expected-style result (C++20 has no std::expected): errors are values on hot paths
// (STYLE.md habit 5). Every module returns result<T> or result<void>; the error type is the
// module's own (std::error_code for the event store, domain::rejection for decide).

#include <cassert>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

namespace gongjian {

template <class E>
struct failure {
  E error;
};
template <class E>
failure(E) -> failure<E>;

template <class T, class E = std::error_code>
class [[nodiscard]] result {
 public:
  result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  template <class F>
    requires std::is_constructible_v<E, F>
  result(failure<F> f) : state_(std::in_place_index<1>, E(std::move(f.error))) {}  // NOLINT

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { assert(has_value()); return std::get<0>(state_); }
  const T& value() const& { assert(has_value()); return std::get<0>(state_); }
  T&& value() && { assert(has_value()); return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const E& error() const { assert(!has_value()); return std::get<1>(state_); }

 private:
  std::variant<T, E> state_;
};

template <class E>
class [[nodiscard]] result<void, E> {
 public:
  result() = default;
  template <class F>
    requires std::is_constructible_v<E, F>
  result(failure<F> f) : error_(E(std::move(f.error))), failed_(true) {}  // NOLINT

  bool has_value() const { return !failed_; }
  explicit operator bool() const { return has_value(); }
  void value() const { assert(has_value()); }
  const E& error() const { assert(failed_); return error_; }

 private:
  E error_{};
  bool failed_ = false;
};

}  // namespace gongjian
