// A member's transfer letters, found by member (member_transfers.h): the letters' events sit in
// transfer-<id> streams, so the member's read view finds them only through this index.
#include <gtest/gtest.h>

#include "gongjian/projections/member_transfers.h"
#include "projections/builders.h"

namespace gongjian::projections::testing {
namespace {

using domain::branch_id;
using domain::member_id;
using domain::transfer_id;

ev::transfer_letter_issued letter(std::uint64_t transfer, std::uint64_t member, std::uint64_t branch) {
  return ev::transfer_letter_issued{transfer_id{transfer},   member_id{member}, "外省某村党支部", branch_id{branch},
                                    member_standing::formal, day(2016, 6, 30),  day(2016, 7, 5),  day(2016, 10, 3)};
}

std::vector<std::uint64_t> letters_of(scenario& s, std::uint64_t member, std::size_t limit = 64) {
  std::vector<std::uint64_t> ids;
  for (auto t : member_transfers(s.keyed(), member_id{member}, limit)) ids.push_back(t.value);
  return ids;
}

TEST(member_transfers, every_letter_is_found_by_its_member_whatever_became_of_it) {
  scenario s;
  s.org(1, "110101001");
  s.form(21, domain::organization_type::party, domain::formation_mode::standalone, {1});
  for (std::uint64_t m = 101; m <= 105; ++m)
    s.member(m, 1, member_affiliation::party, member_standing::formal, member_status::pocket);

  // 101: issued, lost and reissued, the new letter received.
  s.add(letter(7, 101, 21));
  s.add(ev::transfer_letter_reissued{transfer_id{7}, transfer_id{8}, member_id{101}, branch_id{21},
                                     member_standing::formal, day(2016, 7, 20), day(2016, 10, 18)});
  s.add(ev::transfer_letter_received{transfer_id{8}, member_id{101}, branch_id{21}, day(2016, 8, 1)});
  // 102: completed by an identity certificate, no letter issued.
  s.add(ev::transfer_completed_by_certificate{transfer_id{9}, member_id{102}, branch_id{21},
                                              domain::certificate_issuer::village_committee, "某村党支部", "证-1",
                                              day(2016, 8, 2)});
  // 103: one letter rejected, one revoked, one expired (listed as pocket), one still open.
  s.add(letter(30, 103, 21));
  s.add(ev::transfer_letter_rejected{transfer_id{30}, member_id{103}, "材料不全", day(2016, 7, 10)});
  s.add(letter(31, 103, 21));
  s.add(ev::transfer_letter_revoked{transfer_id{31}, member_id{103}, "开错", day(2016, 7, 11)});
  s.add(letter(32, 103, 21));
  s.add(ev::transfer_letter_expired{transfer_id{32}, member_id{103}, day(2016, 10, 4)});
  s.add(ev::member_listed_as_pocket{member_id{103}, transfer_id{32}, day(2016, 10, 4)});
  s.add(letter(33, 103, 21));
  // 104: a receipt whose issue the log does not hold (an import of settled letters).
  s.add(ev::transfer_letter_received{transfer_id{40}, member_id{104}, branch_id{21}, day(2016, 8, 1)});

  EXPECT_EQ(letters_of(s, 101), (std::vector<std::uint64_t>{7, 8}));
  EXPECT_EQ(letters_of(s, 102), (std::vector<std::uint64_t>{9}));
  EXPECT_EQ(letters_of(s, 103), (std::vector<std::uint64_t>{30, 31, 32, 33}));
  EXPECT_EQ(letters_of(s, 103, 2), (std::vector<std::uint64_t>{30, 31}));
  EXPECT_EQ(letters_of(s, 104), (std::vector<std::uint64_t>{40}));
  EXPECT_TRUE(letters_of(s, 105).empty());
  EXPECT_TRUE(letters_of(s, 999).empty());

  // The counts the member view must agree with: 101, 102 and 104 are active now, formal members
  // who count; 103 and 105 are still pocket members.
  EXPECT_EQ(s.model().org(*s.model().find_org(organization_id{1})).formal_members[0], 3);
  EXPECT_EQ(s.count("110101001", indicator::transfers_completed), 3);
}

}  // namespace
}  // namespace gongjian::projections::testing
