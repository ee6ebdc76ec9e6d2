#pragma once
// Byte-level helpers shared by the record format and the column-family key layouts: fixed-width
// little-endian integers (record fields), big-endian integers (keys, so that RocksDB's bytewise
// order is numeric order) and LEB128 varints (string lengths).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gongjian::eventstore::encoding {

inline void put_fixed16(std::string& out, std::uint16_t v) {
  char b[2] = {static_cast<char>(v & 0xFF), static_cast<char>(v >> 8)};
  out.append(b, 2);
}

inline void put_fixed32(std::string& out, std::uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  out.append(b, 4);
}

inline void put_fixed64(std::string& out, std::uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  out.append(b, 8);
}

inline void put_big_endian64(std::string& out, std::uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (8 * (7 - i))) & 0xFF);
  out.append(b, 8);
}

inline void put_varint32(std::string& out, std::uint32_t v) {
  char b[5];
  int n = 0;
  while (v >= 0x80) {
    b[n++] = static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  b[n++] = static_cast<char>(v);
  out.append(b, static_cast<std::size_t>(n));
}

inline std::size_t varint32_size(std::uint32_t v) {
  std::size_t n = 1;
  for (; v >= 0x80; v >>= 7) ++n;
  return n;
}

inline void put_length_prefixed(std::string& out, std::string_view s) {
  put_varint32(out, static_cast<std::uint32_t>(s.size()));
  out.append(s);
}

inline std::uint64_t get_big_endian64(const char* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

inline std::string big_endian64(std::uint64_t v) {
  std::string s;
  put_big_endian64(s, v);
  return s;
}

// A cursor over bytes being decoded; every getter returns false instead of reading past the end.
class reader {
 public:
  explicit reader(std::string_view bytes) : p_(bytes.data()), end_(bytes.data() + bytes.size()) {}

  std::size_t remaining() const { return static_cast<std::size_t>(end_ - p_); }
  const char* current() const { return p_; }

  bool get_u8(std::uint8_t& v) {
    if (remaining() < 1) return false;
    v = static_cast<std::uint8_t>(*p_++);
    return true;
  }
  bool get_fixed16(std::uint16_t& v) {
    if (remaining() < 2) return false;
    v = static_cast<std::uint16_t>(static_cast<unsigned char>(p_[0]) | static_cast<unsigned char>(p_[1]) << 8);
    p_ += 2;
    return true;
  }
  bool get_fixed32(std::uint32_t& v) {
    if (remaining() < 4) return false;
    v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p_[i]);
    p_ += 4;
    return true;
  }
  bool get_fixed64(std::uint64_t& v) {
    if (remaining() < 8) return false;
    v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p_[i]);
    p_ += 8;
    return true;
  }
  bool get_varint32(std::uint32_t& v) {
    v = 0;
    for (int shift = 0; shift <= 28; shift += 7) {
      if (p_ == end_) return false;
      auto byte = static_cast<unsigned char>(*p_++);
      v |= static_cast<std::uint32_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  }
  bool get_length_prefixed(std::string_view& s) {
    std::uint32_t n = 0;
    if (!get_varint32(n) || remaining() < n) return false;
    s = std::string_view(p_, n);
    p_ += n;
    return true;
  }
  bool get_bytes(std::size_t n, std::string_view& s) {
    if (remaining() < n) return false;
    s = std::string_view(p_, n);
    p_ += n;
    return true;
  }

 private:
  const char* p_;
  const char* end_;
};

}  // namespace gongjian::eventstore::encoding
