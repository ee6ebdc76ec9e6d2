#pragma once
// The demo's random numbers. The standard distributions are implementation-defined (libstdc++ and
// libc++ give different sequences for one seed), so the generator uses its own: xoshiro256**
// seeded through splitmix64, with Lemire's multiply-shift for bounded integers. The same seed
// gives the same campaign on every platform and compiler.

#include <cmath>
#include <cstdint>
#include <span>
#include <string_view>

namespace gongjian::server::demo {

inline std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// A stable 64-bit hash of text (FNV-1a), to derive independent streams from names.
inline std::uint64_t stable_hash(std::string_view text) {
  std::uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : text) h = (h ^ c) * 0x100000001B3ull;
  return h;
}

class rng {
 public:
  explicit rng(std::uint64_t seed) {
    for (auto& word : s_) word = splitmix64(seed);
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n); n > 0. The slight bias of plain multiply-shift (< n / 2^64) is irrelevant
  // for a demo and keeps one draw per call, which keeps sequences easy to reason about.
  std::uint64_t below(std::uint64_t n) {
    __extension__ typedef unsigned __int128 wide;  // GCC/Clang; __extension__ keeps -Wpedantic quiet
    return static_cast<std::uint64_t>((static_cast<wide>(next()) * n) >> 64);
  }
  // Uniform in [lo, hi], inclusive.
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }
  // Uniform in [0, 1), 53 bits.
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return unit() < p; }
  // Log-normal with the given median and shape; for skewed sizes (most orgs are tiny).
  double lognormal(double median, double sigma) {
    // Box-Muller on our own uniforms; std::normal_distribution is implementation-defined.
    const double u1 = 1.0 - unit();
    const double u2 = unit();
    const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    return median * std::exp(sigma * z);
  }
  // An index drawn with the given non-negative weights (at least one positive).
  template <class T>
  std::size_t weighted(std::span<const T> weights) {
    double total = 0;
    for (const auto& w : weights) total += static_cast<double>(w);
    double x = unit() * total;
    for (std::size_t i = 0; i < weights.size(); ++i) {
      x -= static_cast<double>(weights[i]);
      if (x < 0) return i;
    }
    return weights.size() - 1;
  }
  template <class Range>
  const auto& pick(const Range& items) {
    return items[below(std::size(items))];
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

}  // namespace gongjian::server::demo
