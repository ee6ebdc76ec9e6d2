#pragma once
// A tiny, explicit binary encoding for the projections' persisted state and for the canonical
// serialization that rebuild-equals-live compares byte for byte. Integers are LEB128 varints
// (signed ones zigzag), strings are length-prefixed; no padding, no platform dependence.
//
//   value  := varint | zigzag-varint | string
//   string := varint(length) bytes
//
// Keys use fixed-width big-endian integers instead (key_u32/key_u64) so that RocksDB's
// bytewise order is numeric order.

#include <cstdint>
#include <string>
#include <string_view>

namespace gongjian::projections::binary {

class writer {
 public:
  void u(std::uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void i(std::int64_t v) { u((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63)); }
  void str(std::string_view s) {
    u(s.size());
    out_.append(s);
  }
  std::string& bytes() { return out_; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// Reads what writer wrote; a short or malformed input sets ok() to false and yields zeros.
class reader {
 public:
  explicit reader(std::string_view in) : in_(in) {}
  std::uint64_t u() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) {
        ok_ = false;
        return 0;
      }
      auto b = static_cast<unsigned char>(in_[pos_++]);
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    ok_ = false;
    return 0;
  }
  std::int64_t i() {
    std::uint64_t z = u();
    return static_cast<std::int64_t>((z >> 1) ^ (~(z & 1) + 1));
  }
  std::string str() {
    std::uint64_t n = u();
    if (!ok_ || n > in_.size() - pos_) {
      ok_ = false;
      return {};
    }
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == in_.size(); }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

inline void key_u32(std::string& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((v >> s) & 0xff));
}
inline void key_u64(std::string& out, std::uint64_t v) {
  for (int s = 56; s >= 0; s -= 8) out.push_back(static_cast<char>((v >> s) & 0xff));
}
// The same 8 bytes written in place (a line of a posting, sized once).
inline void put_key_u64(char* out, std::uint64_t v) {
  for (int k = 7; k >= 0; --k, v >>= 8) out[k] = static_cast<char>(v & 0xff);
}
inline std::uint64_t parse_key_u64(std::string_view in) {
  std::uint64_t v = 0;
  for (std::size_t k = 0; k < 8 && k < in.size(); ++k) v = (v << 8) | static_cast<unsigned char>(in[k]);
  return v;
}
inline std::uint32_t parse_key_u32(std::string_view in) {
  std::uint32_t v = 0;
  for (std::size_t k = 0; k < 4 && k < in.size(); ++k) v = (v << 8) | static_cast<unsigned char>(in[k]);
  return v;
}

}  // namespace gongjian::projections::binary
