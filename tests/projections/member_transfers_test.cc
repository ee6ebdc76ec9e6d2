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

std::vector<std::uint64_t> ids_of(const transfer_letter_page& page) {
  std::vector<std::uint64_t> ids;
  for (const auto& l : page.letters) ids.push_back(l.transfer.value);
  return ids;
}

// A branch secretary's incoming letters (letters addressed to the branch) and an org's members'
// letters, each in the state the domain settled it in, as of any position, page by page.
TEST(member_transfers, letters_are_found_by_the_branch_they_are_addressed_to_and_by_the_members_org) {
  scenario s;
  s.org(1, "110101001");
  s.org(2, "110101001");
  s.form(21, domain::organization_type::party, domain::formation_mode::standalone, {1});
  s.form(22, domain::organization_type::party, domain::formation_mode::standalone, {2});
  s.member(101, 1, member_affiliation::party, member_standing::formal, member_status::pocket);
  s.member(102, 2, member_affiliation::party, member_standing::formal, member_status::pocket);
  s.member(103, 2, member_affiliation::party, member_standing::probationary, member_status::pocket);

  s.add(letter(7, 101, 21));
  const std::uint64_t issued = s.head();
  s.add(ev::transfer_letter_reissued{transfer_id{7}, transfer_id{8}, member_id{101}, branch_id{21},
                                     member_standing::formal, day(2016, 7, 20), day(2016, 10, 18)});
  const std::uint64_t reissued = s.head();
  s.add(ev::transfer_letter_received{transfer_id{8}, member_id{101}, branch_id{21}, day(2016, 8, 1)});
  const std::uint64_t received = s.head();
  // 102 goes to branch 21 too, from org 2; 103 by certificate to branch 22.
  s.add(letter(9, 102, 21));
  s.add(ev::transfer_letter_rejected{transfer_id{9}, member_id{102}, "材料不全", day(2016, 8, 2)});
  s.add(letter(10, 102, 21));
  s.add(ev::transfer_completed_by_certificate{transfer_id{11}, member_id{103}, branch_id{22},
                                              domain::certificate_issuer::village_committee, "某村党支部", "证-1",
                                              day(2016, 8, 3)});
  auto& k = s.keyed();

  EXPECT_EQ(ids_of(letters_to_branch(k, branch_id{21}, {})), (std::vector<std::uint64_t>{7, 8, 9, 10}));
  EXPECT_EQ(ids_of(letters_to_branch(k, branch_id{22}, {})), (std::vector<std::uint64_t>{11}));
  EXPECT_TRUE(letters_to_branch(k, branch_id{23}, {}).letters.empty());
  EXPECT_EQ(ids_of(letters_of_org(k, organization_id{1}, {})), (std::vector<std::uint64_t>{7, 8}));
  EXPECT_EQ(ids_of(letters_of_org(k, organization_id{2}, {})), (std::vector<std::uint64_t>{9, 10, 11}));

  const auto lost = read_transfer_letter(k, transfer_id{7}).value();
  EXPECT_EQ(lost.status, domain::transfer_status::voided);
  EXPECT_EQ(lost.replaced_by, transfer_id{8});
  EXPECT_EQ(lost.settled_at, reissued);
  const auto reissue = read_transfer_letter(k, transfer_id{8}).value();
  EXPECT_EQ(reissue.status, domain::transfer_status::received);
  EXPECT_EQ(reissue.replaces, transfer_id{7});
  EXPECT_EQ(reissue.from_organization, "外省某村党支部");  // kept from the lost letter
  EXPECT_EQ(reissue.dues_paid_until, day(2016, 6, 30));
  EXPECT_EQ(reissue.org, organization_id{1});
  EXPECT_EQ(reissue.settled_on, day(2016, 8, 1));
  EXPECT_EQ(reissue.settled_at, received);
  const auto rejected = read_transfer_letter(k, transfer_id{9}).value();
  EXPECT_EQ(rejected.status, domain::transfer_status::rejected);
  EXPECT_EQ(rejected.reason, "材料不全");
  EXPECT_EQ(read_transfer_letter(k, transfer_id{10})->status, domain::transfer_status::issued);
  const auto certificate = read_transfer_letter(k, transfer_id{11}).value();
  EXPECT_EQ(certificate.status, domain::transfer_status::completed_by_certificate);
  EXPECT_EQ(certificate.standing, member_standing::probationary);
  EXPECT_EQ(certificate.certificate_number, "证-1");
  EXPECT_FALSE(certificate.issued_on.has_value());
  EXPECT_EQ(decode_transfer_letter(encode(certificate)), certificate);

  // Open letters only; then pages of one.
  transfer_letter_query open;
  open.status = domain::transfer_status::issued;
  EXPECT_EQ(ids_of(letters_to_branch(k, branch_id{21}, open)), (std::vector<std::uint64_t>{10}));
  transfer_letter_query q;
  q.limit = 1;
  std::vector<std::uint64_t> paged;
  for (int guard = 0; guard < 10; ++guard) {
    auto page = letters_to_branch(k, branch_id{21}, q);
    for (auto id : ids_of(page)) paged.push_back(id);
    if (!page.next) break;
    q.after = *page.next;
  }
  EXPECT_EQ(paged, (std::vector<std::uint64_t>{7, 8, 9, 10}));
  q.after = transfer_id{10};
  auto last = letters_to_branch(k, branch_id{21}, q);
  EXPECT_TRUE(last.letters.empty());
  EXPECT_FALSE(last.next.has_value());

  // As of the first issue: one letter, open; as of the reissue: the lost one voided, the new one open.
  transfer_letter_query then;
  then.position = issued;
  auto at_issue = letters_to_branch(k, branch_id{21}, then);
  ASSERT_EQ(ids_of(at_issue), (std::vector<std::uint64_t>{7}));
  EXPECT_EQ(at_issue.letters[0].status, domain::transfer_status::issued);
  EXPECT_EQ(at_issue.letters[0].replaced_by, transfer_id{});
  EXPECT_FALSE(at_issue.letters[0].settled_on.has_value());
  then.position = reissued;
  auto at_reissue = letters_to_branch(k, branch_id{21}, then);
  ASSERT_EQ(ids_of(at_reissue), (std::vector<std::uint64_t>{7, 8}));
  EXPECT_EQ(at_reissue.letters[0].status, domain::transfer_status::voided);
  EXPECT_EQ(at_reissue.letters[1].status, domain::transfer_status::issued);
  then.position = issued - 1;
  EXPECT_TRUE(letters_to_branch(k, branch_id{21}, then).letters.empty());
}

}  // namespace
}  // namespace gongjian::projections::testing
