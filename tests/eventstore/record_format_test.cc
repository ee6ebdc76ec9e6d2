// The record format: CRC-32C against published vectors, and golden bytes that pin format version 1
// forever (a change that breaks them breaks every log already written).

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "crc32c.h"
#include "record_format.h"
#include "sha256.h"

namespace gongjian::eventstore {
namespace {

std::string from_hex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  for (unsigned char c : bytes) {
    s.push_back(digits[c >> 4]);
    s.push_back(digits[c & 0xF]);
  }
  return s;
}

TEST(crc32c, matches_published_check_values) {
  // RFC 3720 B.4 and the common "123456789" check value of CRC-32C.
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(crc32c(std::string(32, '\xFF')), 0x62A8AB43u);
  EXPECT_EQ(crc32c(""), 0u);
}

TEST(crc32c, hardware_and_table_implementations_agree) {
  std::mt19937_64 rng(7);
  for (std::size_t size : {0u, 1u, 7u, 8u, 9u, 63u, 64u, 65u, 1000u, 4099u}) {
    std::string data(size, '\0');
    for (auto& c : data) c = static_cast<char>(rng());
    EXPECT_EQ(crc32c_extend(0, data.data(), data.size()), crc32c_extend_portable(0, data.data(), data.size()))
        << size;
    // Extending in two pieces equals one pass.
    const std::size_t half = size / 2;
    EXPECT_EQ(crc32c_extend(crc32c_extend(0, data.data(), half), data.data() + half, size - half),
              crc32c_extend_portable(0, data.data(), size));
  }
}

}  // namespace
}  // namespace gongjian::eventstore

// RocksDB's CRC-32C, as its objects call it (the link redirects them to ours, src/crc32c.cc),
// and its own implementation, reachable under the name --wrap gives it.
namespace rocksdb::crc32c {
std::uint32_t Extend(std::uint32_t init_crc, const char* data, std::size_t n);
}
extern "C" std::uint32_t __real__ZN7rocksdb6crc32c6ExtendEjPKcm(std::uint32_t, const char*, std::size_t);
extern "C" std::uint32_t __wrap__ZN7rocksdb6crc32c6ExtendEjPKcm(std::uint32_t, const char*, std::size_t);

namespace gongjian::eventstore {
namespace {

TEST(crc32c, rocksdb_calls_reach_ours_and_ours_equals_rocksdb_s_own) {
  // A call through RocksDB's name lands in our function: the link option is in effect for this
  // executable, as it is for RocksDB's archive members linked into it.
  EXPECT_EQ(reinterpret_cast<void*>(&rocksdb::crc32c::Extend),
            reinterpret_cast<void*>(&__wrap__ZN7rocksdb6crc32c6ExtendEjPKcm));
  std::mt19937_64 rng(11);
  for (std::size_t size : {0u, 1u, 3u, 7u, 8u, 31u, 32u, 33u, 255u, 4096u, 32768u, 100003u}) {
    std::string data(size, '\0');
    for (auto& c : data) c = static_cast<char>(rng());
    const auto init = static_cast<std::uint32_t>(rng());
    EXPECT_EQ(rocksdb::crc32c::Extend(init, data.data(), data.size()),
              __real__ZN7rocksdb6crc32c6ExtendEjPKcm(init, data.data(), data.size()))
        << size;
  }
}

struct golden {
  event_data event{"organization_formed", 2, std::string("\x01\x02payload", 9)};
  event_metadata metadata{1'767'225'600'000, actor{"u-1", "operator", "CN-11"}, "corr-1", "cause-1"};
  sha256_digest previous{};
  golden() {
    for (std::size_t i = 0; i < previous.size(); ++i) previous[i] = static_cast<std::uint8_t>(i);
  }
};

std::string encode_golden() {
  golden g;
  std::string record;
  const auto body_start =
      append_record_body(record, position{42}, "org-7", stream_version{3}, g.event, g.metadata, "cmd-1");
  chain_hasher hasher;
  append_record_hash(record, hasher.next(g.previous, std::string_view(record).substr(body_start)));
  return record;
}

// Format version 1 of the record in `golden`, previous hash 00 01 02 ... 1f. Never edit this
// literal: add a new golden test for a new format version instead.
// Checked independently of this code base (Python: hashlib.sha256 and a bitwise CRC-32C).
constexpr std::string_view golden_v1_hex =
    "01"                                        // format version 1
    "2a00000000000000"                          // position 42
    "0300000000000000"                          // stream version 3
    "00a8da769b010000"                          // timestamp 1767225600000 ms
    "0200"                                      // schema version 2
    "056f72672d37"                              // "org-7"
    "136f7267616e697a6174696f6e5f666f726d6564"  // "organization_formed"
    "03752d31"                                  // "u-1"
    "086f70657261746f72"                        // "operator"
    "05434e2d3131"                              // "CN-11"
    "05636d642d31"                              // "cmd-1"
    "06636f72722d31"                            // "corr-1"
    "0763617573652d31"                          // "cause-1"
    "0901027061796c6f6164"                      // payload 01 02 "payload"
    "baffb097";                                 // CRC-32C 0x97b0ffba
constexpr std::string_view golden_v1_tail_hex =  // SHA-256(00 01 .. 1f || bytes above)
    "60fe225b220627aa296f5263d38ab53285878473d07d6bd18dbb47e68b59e3db";

TEST(record_format, encodes_golden_record_v1) {
  const std::string encoded = encode_golden();
  EXPECT_EQ(to_hex(encoded), std::string(golden_v1_hex) + std::string(golden_v1_tail_hex));
}

TEST(record_format, decodes_golden_record_v1) {
  const std::string bytes = from_hex(std::string(golden_v1_hex) + std::string(golden_v1_tail_hex));
  record_view view;
  ASSERT_EQ(parse_record(bytes, view), record_problem::none);
  recorded_event event;
  to_recorded_event(view, event);
  golden g;
  EXPECT_EQ(event.pos, position{42});
  EXPECT_EQ(event.stream, "org-7");
  EXPECT_EQ(event.version, stream_version{3});
  EXPECT_EQ(event.type, "organization_formed");
  EXPECT_EQ(event.schema_version, 2);
  EXPECT_EQ(event.metadata, g.metadata);
  EXPECT_EQ(event.command_id, "cmd-1");
  EXPECT_EQ(event.payload, g.event.payload);
  chain_hasher hasher;
  EXPECT_EQ(event.hash, hasher.next(g.previous, view.body));
  EXPECT_EQ(stored_size(event), bytes.size());
}

TEST(record_format, every_flipped_byte_is_detected) {
  const std::string good = encode_golden();
  const std::size_t body_size = good.size() - record_hash_size;
  for (std::size_t i = 0; i < body_size; ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x10);
    record_view view;
    EXPECT_NE(parse_record(bad, view), record_problem::none) << "byte " << i;
  }
}

TEST(record_format, rejects_truncated_and_unknown_versions) {
  const std::string good = encode_golden();
  record_view view;
  EXPECT_EQ(parse_record("", view), record_problem::truncated);
  EXPECT_EQ(parse_record(good.substr(0, 20), view), record_problem::truncated);
  std::string future = good;
  future[0] = 2;
  EXPECT_EQ(parse_record(future, view), record_problem::unknown_format);
}

}  // namespace
}  // namespace gongjian::eventstore
