#include "keys.h"

namespace gongjian::eventstore::keys {

std::string encode_command_result(const append_result& r) {
  std::string out;
  encode_command_result(out, r);
  return out;
}

void encode_command_result(std::string& out, const append_result& r) {
  out.push_back('\1');
  encoding::put_fixed64(out, r.first.value);
  encoding::put_fixed64(out, r.last.value);
  encoding::put_varint32(out, static_cast<std::uint32_t>(r.streams.size()));
  for (const auto& s : r.streams) {
    encoding::put_length_prefixed(out, s.stream);
    encoding::put_fixed64(out, s.last_version.value);
  }
}

std::optional<append_result> decode_command_result(std::string_view bytes) {
  encoding::reader r(bytes);
  std::uint8_t version = 0;
  append_result out;
  std::uint32_t count = 0;
  if (!r.get_u8(version) || version != 1 || !r.get_fixed64(out.first.value) || !r.get_fixed64(out.last.value) ||
      !r.get_varint32(count)) {
    return std::nullopt;
  }
  for (std::uint32_t i = 0; i < count; ++i) {
    std::string_view name;
    stream_outcome s;
    if (!r.get_length_prefixed(name) || !r.get_fixed64(s.last_version.value)) return std::nullopt;
    s.stream.assign(name);
    out.streams.push_back(std::move(s));
  }
  if (r.remaining() != 0) return std::nullopt;
  return out;
}

}  // namespace gongjian::eventstore::keys
