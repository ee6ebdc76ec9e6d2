#include "json_text.h"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <cmath>
#include <string_view>

namespace gongjian::server {

namespace json = boost::json;

namespace {

// Writes into a std::string through a pointer, growing it ahead, and trims it at the end: a
// push_back per character (bounds check, no inlining) cost this writer half again Boost's time.
class text_buffer {
 public:
  explicit text_buffer(std::string& out) : out_(out), size_(out.size()) {}
  text_buffer(const text_buffer&) = delete;
  text_buffer& operator=(const text_buffer&) = delete;
  ~text_buffer() { out_.resize(size_); }

  char* room(std::size_t n) {
    if (size_ + n > out_.size()) out_.resize(std::max(out_.size() * 2, size_ + n + 64));
    return out_.data() + size_;
  }
  void wrote(std::size_t n) { size_ += n; }
  void put(char c) {
    *room(1) = c;
    ++size_;
  }
  void put(std::string_view s) {
    std::memcpy(room(s.size()), s.data(), s.size());
    size_ += s.size();
  }

 private:
  std::string& out_;
  std::size_t size_;
};

constexpr auto escape_table = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 0x20; ++c) table[c] = true;
  table['"'] = table['\\'] = true;
  return table;
}();
bool needs_escape(unsigned char c) { return escape_table[c]; }

// As Boost writes strings: UTF-8 passes through, '"' and '\' are escaped, and so are the control
// characters, by their short names where JSON has one.
void put_string(text_buffer& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  // Names, codes and ids need no escape: one copy, quotes included.
  if (std::none_of(s.begin(), s.end(), [](char c) { return needs_escape(static_cast<unsigned char>(c)); })) {
    char* at = out.room(s.size() + 2);
    at[0] = '"';
    std::memcpy(at + 1, s.data(), s.size());
    at[s.size() + 1] = '"';
    out.wrote(s.size() + 2);
    return;
  }
  out.put('"');
  std::size_t run = 0;  // start of the characters not yet copied
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (!needs_escape(c)) continue;
    out.put(s.substr(run, i - run));
    run = i + 1;
    out.put('\\');
    switch (c) {
      case '"': out.put('"'); break;
      case '\\': out.put('\\'); break;
      case '\b': out.put('b'); break;
      case '\f': out.put('f'); break;
      case '\n': out.put('n'); break;
      case '\r': out.put('r'); break;
      case '\t': out.put('t'); break;
      default:
        out.put("u00");
        out.put(hex[c >> 4]);
        out.put(hex[c & 0xf]);
    }
  }
  out.put(s.substr(run));
  out.put('"');
}

template <class Number>
void put_number(text_buffer& out, Number n) {
  constexpr std::size_t most = 32;  // "-1.7976931348623157e+308" is 24
  char* at = out.room(most);
  out.wrote(static_cast<std::size_t>(std::to_chars(at, at + most, n).ptr - at));
}

void put_object(text_buffer& out, const json::object& object);
void put_array(text_buffer& out, const json::array& array);

void put_value(text_buffer& out, const json::value& value) {
  switch (value.kind()) {
    case json::kind::object: return put_object(out, value.get_object());
    case json::kind::array: return put_array(out, value.get_array());
    case json::kind::string: return put_string(out, value.get_string());
    case json::kind::int64: return put_number(out, value.get_int64());
    case json::kind::uint64: return put_number(out, value.get_uint64());
    case json::kind::double_: {
      const double d = value.get_double();
      if (!std::isfinite(d)) return out.put("null");
      // std::to_chars without a format: the shortest text that reads back as d, fixed or
      // scientific, whichever is shorter (fixed on a tie).
      return put_number(out, d);
    }
    case json::kind::bool_: return out.put(value.get_bool() ? "true" : "false");
    case json::kind::null: return out.put("null");
  }
}

void put_object(text_buffer& out, const json::object& object) {
  out.put('{');
  bool first = true;
  for (const auto& [key, element] : object) {
    if (!first) out.put(',');
    first = false;
    put_string(out, key);
    out.put(':');
    put_value(out, element);
  }
  out.put('}');
}

void put_array(text_buffer& out, const json::array& array) {
  out.put('[');
  bool first = true;
  for (const auto& element : array) {
    if (!first) out.put(',');
    first = false;
    put_value(out, element);
  }
  out.put(']');
}

template <class Json>
std::string text_of(const Json& json, void (*put)(text_buffer&, const Json&)) {
  std::string out;
  {
    text_buffer buffer(out);
    put(buffer, json);
  }
  return out;
}

}  // namespace

void append_json_text(std::string& out, const json::value& value) {
  text_buffer buffer(out);
  put_value(buffer, value);
}

void append_json_string(std::string& out, std::string_view s) {
  text_buffer buffer(out);
  put_string(buffer, s);
}

std::string json_text(const json::value& value) { return text_of(value, put_value); }
std::string json_text(const json::object& object) { return text_of(object, put_object); }
std::string json_text(const json::array& array) { return text_of(array, put_array); }

}  // namespace gongjian::server
