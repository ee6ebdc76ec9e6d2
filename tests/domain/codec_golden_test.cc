// Golden bytes: every event's schema-1 encoding is pinned here, so a change that would make old
// logs unreadable fails the build's tests. The samples are in sample_events.h. When a schema
// grows (fields added, schema_version N+1), these version-1 payloads must still decode — keep
// them and add version-N+1 goldens next to them.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <string>

#include "gongjian/domain/codec.h"
#include "sample_events.h"

namespace gongjian::domain {
namespace {

struct golden {
  const char* type;
  const char* hex;
};

// Produced by encode() when each event was released; never regenerate an existing line.
const golden goldens[] = {
    {"jurisdiction_registered",
     "010100000006000000000000003333303130320900000000000000e4b88ae59f8ee58cba030600000000000000333330"
     "313030"},
    {"jurisdiction_leader_assigned",
     "010100000006000000000000003333303130320900000000000000e78e8be5b180e995bf1b00000000000000e4b8aae4"
     "bd93e7a781e890a5e7bb8fe6b58ee79b91e7aea1e7a79168420000"},
    {"action_plan_set",
     "010100000006000000000000003333303130320100000000000000020000000000000001000000000014000000954200"
     "000101050000009542000068420000"},
    {"campaign_opened",
     "010100000001000000000000000c00000000000000e799bee697a5e694bbe59d9a57420000d14200000f000000060201"
     "000000050000000a0000000158020000"},
    {"campaign_closed",
     "01010000000100000000000000d1420000"},
    {"bulletin_issued",
     "01010000000100000000000000020000006842000040e201000000000001000000000000000100000006000000000000"
     "003333303130300600020000000000000001000000060000000000000033333031303202000000000000000100000006"
     "0003000000000000000400000000000000020009000000000000000a0000000000000001000000020000000600000000"
     "00000033333031303601000000000000000600010000000000000004000000000000000200000001000000"},
    {"host_registered",
     "01010000000300000000000000001200000000000000e69dade5b79ee9be99e5a4b4e4bc81e4b89a0600000000000000"
     "333330313032002a0000000000000002000000000000000002"},
    {"organization_registered",
     "01010000002a00000000000000010f00000000000000e6b996e6bba8e5b08fe59083e5ba971200000000000000393233"
     "33303130324d4130303030303031320f0000000000000031313031303830303030303030313612000000000000004836"
     "32313020e6ada3e9a490e69c8de58aa109000000000000003333303130323030310d00000000000000e5bbb6e5ae89e8"
     "b7af31e58fb70c000000000c00000000000000e5b19ee59cb0e7aea1e7908600020168420000"},
    {"survey_step_completed",
     "01010000002a000000000000000168420000"},
    {"organization_details_corrected",
     "01010000002a00000000000000000c00000000000000e6b996e6bba8e5b08fe590830101000500000000000000483632"
     "313000090000000000000033333031303230303201000f0000000002010002000000000600000000000000e69bb4e6ad"
     "a368420000"},
    {"organization_removed",
     "01010000002a00000000000000010c00000000000000e995bfe69c9fe6ad87e4b89a95420000"},
    {"member_recorded",
     "010100000007000000000000002a000000000000000000010600000000000000e5bca0e4b8892100000000000000e998"
     "9ce998b3e5b882e9a28de5b79ee58cbae69f90e69d91e5859ae694afe983a8e02e000068420000"},
    {"member_identity_disclosed",
     "010100000007000000000000002a000000000000000168420000"},
    {"member_developed",
     "010100000008000000000000002a0000000000000000010600000000000000e69d8ee58d8e000a000000000000006842"
     "0000"},
    {"member_made_formal",
     "010100000008000000000000002a0000000000000095420000"},
    {"member_left",
     "010100000008000000000000002a000000000000000195420000"},
    {"member_attached_nearby",
     "010100000007000000000000000a0000000000000068420000"},
    {"member_detached",
     "010100000007000000000000000a000000000000001e00000000000000e588b0e58fa6e4b880e4b8aae7bb84e7bb87e58f82"
     "e58aa0e6b4bbe58aa895420000"},
    {"transfer_letter_issued",
     "0101000000050000000000000007000000000000000f00000000000000e69f90e69d91e5859ae694afe983a80a000000"
     "0000000000564200006842000095420000"},
    {"transfer_letter_received",
     "0101000000050000000000000007000000000000000a0000000000000095420000"},
    {"transfer_letter_rejected",
     "0101000000050000000000000007000000000000000f00000000000000e5859ae8b4b9e69caae4baa4e6b88568420000"},
    {"transfer_letter_revoked",
     "0101000000050000000000000007000000000000000600000000000000e8afafe5bc8068420000"},
    {"transfer_letter_expired",
     "01010000000500000000000000070000000000000095420000"},
    {"member_listed_as_pocket",
     "01010000000700000000000000050000000000000095420000"},
    {"transfer_letter_reissued",
     "01010000000500000000000000060000000000000007000000000000000a00000000000000016842000095420000"},
    {"transfer_completed_by_certificate",
     "0101000000060000000000000007000000000000000a00000000000000011b00000000000000e69f90e7a4bee58cbae5"
     "b185e5a794e4bc9ae5859ae694afe983a80b00000000000000e8af81e5ad973132e58fb768420000"},
    {"instructor_assigned",
     "010100000004000000000000000900000000000000e8b5b5e88081e5b888010302000000000000002a00000000000000"
     "2b0000000000000068420000"},
    {"instructor_released",
     "010100000004000000000000000c00000000000000e4bbbbe58aa1e5ae8ce6889095420000"},
    {"organization_formed",
     "01010000000a000000000000000003001b00000000000000e69c8de8a385e5b882e59cbae88194e59088e5859ae694af"
     "e983a802000000000000002a000000000000002b0000000000000000030000000000000000021500000000000000e59b"
     "9be5ada3e99d92e69c8de8a385e5b882e59cba002c000000000000000400000068420000"},
    {"organization_orgs_added",
     "01010000000a0000000000000001000000000000002d0000000000000068420000"},
    {"organization_orgs_removed",
     "01010000000a0000000000000001000000000000002d000000000000000600000000000000e8bf81e587ba95420000"},
    {"organization_dissolved",
     "01010000000a000000000000000600000000000000e692a4e9948095420000"},
    {"formation_target_designated",
     "010100000009000000000000002a000000000000000101954200000600000000000000e69d8ee59b9b68420000"},
    {"formation_target_struck_off",
     "010100000009000000000000002a00000000000000010a0000000000000068420000"},
    {"formation_target_reason_recorded",
     "01010000000900000000000000020c00000000000000e697a0e4babae68c87e5afbc68420000"},
    {"formation_target_withdrawn",
     "010100000009000000000000002a0000000000000095420000"},
    {"interview_scheduled",
     "01010000000b00000000000000010000000000000006000000000000003333303130360600000000000000e5b180e995"
     "bf020000000000000003050200000000afe306560100000f00000000000000e4b889e6a5bce4bc9ae8aeaee5aea4"},
    {"interview_held",
     "01010000000b0000000000000000223907560100000c00000000000000e5ba95e695b0e4b88de6b88515000000000000"
     "00e69c88e5ba95e5898de695b4e694b9e588b0e4bd8d"},
    {"rectification_items_set",
     "01010000000b000000000000000200000000000000010000000c00000000000000e5ba95e695b0e4b88de6b885120000"
     "0000000000e5ae8ce68890e8b083e69fa5e691b8e5ba95954200000c00000000000000e5ba94e5bbbae69caae5bbba0c"
     "00000000000000e58d95e78bace7bb84e5bbba95420000"},
    {"rectification_item_done",
     "01010000000b000000000000000100000095420000"},
    {"interview_closed",
     "01010000000b000000000000000c00000000000000e695b4e694b9e588b0e4bd8d95420000"},
    {"interview_escalated",
     "01010000000b0000000000000006000000000000003333303130300f00000000000000e980bee69c9fe69caae695b4e6"
     "94b995420000"},
};

// Schema versions after 1, in the order of testing::later_version_samples().
struct later_golden {
  const char* type;
  std::uint16_t version;
  const char* hex;
};
const later_golden later_goldens[] = {
    {"interview_scheduled", 2,
     "01020000000b00000000000000010000000000000006000000000000003333303130360600000000000000e5b180e995"
     "bf020000000000000003050200000000afe306560100000f00000000000000e4b889e6a5bce4bc9ae8aeaee5aea401"},
};

std::string to_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 0xF];
  }
  return out;
}

std::string from_hex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

TEST(codec_golden, every_event_type_has_a_golden) {
  std::set<std::size_t> alternatives;
  for (const auto& e : testing::sample_events()) alternatives.insert(e.index());
  EXPECT_EQ(alternatives.size(), std::variant_size_v<event>);
  EXPECT_EQ(std::size(goldens), std::variant_size_v<event>);
}

TEST(codec_golden, encoding_matches_the_released_bytes) {
  const auto samples = testing::sample_events();
  ASSERT_EQ(samples.size(), std::size(goldens));
  std::size_t grown = 0;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const auto encoded = encode(samples[i]);
    EXPECT_EQ(encoded.type, goldens[i].type);
    // A type that has grown is written at its newest version; its version-1 bytes are proven by
    // the decoding test below, its newer ones by the later goldens.
    if (encoded.schema_version != 1) {
      ++grown;
      continue;
    }
    EXPECT_EQ(to_hex(encoded.payload), goldens[i].hex) << goldens[i].type;
  }
  EXPECT_EQ(grown, std::size(later_goldens));
  const auto later = testing::later_version_samples();
  ASSERT_EQ(later.size(), std::size(later_goldens));
  for (std::size_t i = 0; i < later.size(); ++i) {
    const auto encoded = encode(later[i]);
    EXPECT_EQ(encoded.type, later_goldens[i].type);
    EXPECT_EQ(encoded.schema_version, later_goldens[i].version);
    EXPECT_EQ(to_hex(encoded.payload), later_goldens[i].hex) << later_goldens[i].type;
  }
}

TEST(codec_golden, later_versions_decode_to_the_event) {
  const auto later = testing::later_version_samples();
  for (std::size_t i = 0; i < later.size(); ++i) {
    const auto decoded = decode(later_goldens[i].type, later_goldens[i].version, from_hex(later_goldens[i].hex));
    ASSERT_TRUE(decoded.has_value()) << later_goldens[i].type << ": " << decoded.error().message;
    EXPECT_EQ(*decoded, later[i]) << later_goldens[i].type;
  }
}

// Interviews scheduled before League interviews existed were all Party interviews.
TEST(codec_golden, a_version_1_interview_is_a_party_interview) {
  const auto* v1 = std::find_if(std::begin(goldens), std::end(goldens),
                                [](const golden& g) { return std::string_view(g.type) == "interview_scheduled"; });
  ASSERT_NE(v1, std::end(goldens));
  const auto decoded = decode("interview_scheduled", 1, from_hex(v1->hex));
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message;
  EXPECT_EQ(std::get<events::interview_scheduled>(*decoded).affiliation, member_affiliation::party);
  // The version-2 bytes with an affiliation no twin has are refused, not read into the state.
  std::string bad = from_hex(later_goldens[0].hex);
  bad.back() = 2;
  const auto refused = decode("interview_scheduled", 2, bad);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, "malformed_payload");
}

TEST(codec_golden, released_bytes_decode_to_the_event) {
  const auto samples = testing::sample_events();
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const auto decoded = decode(goldens[i].type, 1, from_hex(goldens[i].hex));
    ASSERT_TRUE(decoded.has_value()) << goldens[i].type << ": " << decoded.error().message;
    EXPECT_EQ(*decoded, samples[i]) << goldens[i].type;
  }
}

TEST(codec, chinese_names_round_trip_byte_for_byte) {
  events::organization_registered e;
  e.org = organization_id{1};
  e.org_name = "杭州市上城区湖滨街道“百日攻坚”示范点·老字号小吃（分店）🍜";
  e.address = "浙江省杭州市上城区延安路１号";
  const auto encoded = encode(e);
  EXPECT_NE(encoded.payload.find(e.org_name), std::string::npos);  // stored as its UTF-8 bytes
  const auto decoded = decode(encoded.type, encoded.schema_version, encoded.payload);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(std::get<events::organization_registered>(*decoded).org_name, e.org_name);
  EXPECT_EQ(std::get<events::organization_registered>(*decoded).address, e.address);
}

TEST(codec, decode_rejects_what_it_cannot_read) {
  const auto sample = encode(testing::sample_events()[0]);
  EXPECT_EQ(decode("no_such_event", 1, sample.payload).error().code, "unknown_event_type");
  EXPECT_EQ(decode(sample.type, 2, sample.payload).error().code, "unsupported_schema_version");
  EXPECT_EQ(decode(sample.type, 0, sample.payload).error().code, "unsupported_schema_version");
  const std::string truncated = sample.payload.substr(0, sample.payload.size() - 3);
  EXPECT_EQ(decode(sample.type, 1, truncated).error().code, "malformed_payload");
  EXPECT_EQ(decode(sample.type, 1, sample.payload + "x").error().code, "malformed_payload");
  EXPECT_EQ(decode(sample.type, 1, "").error().code, "malformed_payload");
  // jurisdiction_registered: the level byte follows code and name; 9 is no level.
  std::string bad_enum = sample.payload;
  const auto level_at = 1 + 4 + 8 + 6 + 8 + 9;
  ASSERT_EQ(static_cast<unsigned char>(bad_enum[level_at]), 3);
  bad_enum[level_at] = 9;
  const auto r = decode(sample.type, 1, bad_enum);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, "malformed_payload");
  EXPECT_EQ(r.error().field, "payload");
}

TEST(codec, a_size_larger_than_the_payload_is_refused_before_anything_grows) {
  const auto sample = encode(testing::sample_events()[0]);
  // jurisdiction_registered: endianness flag, class version (u32), then the code's size (u64).
  std::string huge = sample.payload;
  const std::uint64_t gib = 1ULL << 30;
  std::memcpy(huge.data() + 1 + 4, &gib, sizeof gib);
  const auto r = decode(sample.type, 1, huge);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, "malformed_payload");
  EXPECT_NE(r.error().message.find("a size of 1073741824 with " + std::to_string(sample.payload.size() - 13) + " bytes left"),
            std::string::npos)
      << r.error().message;
}

TEST(codec, streams_are_named_per_aggregate) {
  const std::set<std::string> prefixes{"jurisdiction", "campaign", "host",   "org",    "member",
                                       "transfer",     "instructor", "branch", "target", "interview"};
  for (const auto& e : testing::sample_events()) {
    const auto stream = stream_of(e);
    const auto dash = stream.find('-');
    ASSERT_NE(dash, std::string::npos) << stream;
    EXPECT_TRUE(prefixes.contains(stream.substr(0, dash))) << stream;
  }
  const auto samples = testing::sample_events();
  EXPECT_EQ(stream_of(samples[0]), "jurisdiction-330102");
  EXPECT_EQ(stream_of(samples[5]), "campaign-1");
  EXPECT_EQ(stream_of(samples[7]), "org-42");
  EXPECT_EQ(stream_of(samples[17]), "member-7");  // member_detached: the member's stream, not the branch's
  EXPECT_EQ(stream_of(samples[28]), "branch-10");
  EXPECT_EQ(stream_of(command{commands::register_organization{}}), "org-0");
  commands::hold_interview hold;
  hold.interview = interview_id{11};
  EXPECT_EQ(stream_of(command{hold}), "interview-11");
}

}  // namespace
}  // namespace gongjian::domain
