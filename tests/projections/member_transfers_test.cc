// Transfer letters found by member, by the branch they are addressed to and by their member's org
// (member_transfers.h): the letters' events sit in transfer-<id> streams, so the read views find
// them only through these indexes, postings written at checkpoints.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "gongjian/projections/binary.h"
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
  for (auto t : member_transfers(s.keyed(), s.state.pending_letter_lines(), member_id{member}, limit))
    ids.push_back(t.value);
  return ids;
}

// A checkpoint as the runner writes it, into the scenario's keyed state standing in for the
// store: the letters' lines so far become postings. Returns the letters' postings it wrote.
std::map<std::string, std::string> checkpoint(scenario& s) {
  eventstore::consumer_commit commit;
  s.state.persist_into(commit);
  std::map<std::string, std::string> postings;
  for (auto& [k, v] : commit.puts) {
    if (k.starts_with("r/") || k.starts_with("d/") || k.starts_with("g/")) postings[k] = v;
    s.keyed().put(std::move(k), std::move(v));
  }
  return postings;
}

TEST(member_transfers, every_letter_is_found_by_its_member_whatever_became_of_it) {
  scenario s;
  s.org(1, "110101001");
  s.form(21, domain::organization_type::party, domain::formation_mode::standalone, {1});
  for (std::uint64_t m = 101; m <= 105; ++m)
    s.member(m, 1, member_affiliation::party, member_standing::formal, member_status::pocket);

  // 101: issued, lost and reissued, the new letter received; a checkpoint between each, so that
  // the letters' lines lie in three postings and the lines not checkpointed yet.
  s.add(letter(7, 101, 21));
  checkpoint(s);
  s.add(ev::transfer_letter_reissued{transfer_id{7}, transfer_id{8}, member_id{101}, branch_id{21},
                                     member_standing::formal, day(2016, 7, 20), day(2016, 10, 18)});
  checkpoint(s);
  s.add(ev::transfer_letter_received{transfer_id{8}, member_id{101}, branch_id{21}, day(2016, 8, 1)});
  // Letter 7 has a line in two postings, 8 in one and among the pending lines: each comes once.
  EXPECT_EQ(letters_of(s, 101), (std::vector<std::uint64_t>{7, 8}));
  checkpoint(s);
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
  // All checkpointed: the same from the postings alone.
  checkpoint(s);
  EXPECT_TRUE(s.state.pending_letter_lines().of(letter_index::member).empty());
  EXPECT_EQ(letters_of(s, 101), (std::vector<std::uint64_t>{7, 8}));
  EXPECT_EQ(letters_of(s, 103), (std::vector<std::uint64_t>{30, 31, 32, 33}));
  EXPECT_EQ(letters_of(s, 104), (std::vector<std::uint64_t>{40}));

  // The counts the member view must agree with: 101, 102 and 104 are active now, formal members
  // who count; 103 and 105 are still pocket members.
  EXPECT_EQ(s.model().org(*s.model().find_org(organization_id{1})).formal_members[0], 3);
  EXPECT_EQ(s.count("110101001", indicator::transfers_completed), 3);
}

std::vector<std::uint64_t> ids_of(const std::vector<incoming_letter>& letters) {
  std::vector<std::uint64_t> ids;
  for (const auto& l : letters) ids.push_back(l.transfer.value);
  return ids;
}

// A branch secretary's incoming letters (addressed to the branch) and an org's members' letters:
// the letter, its member and the member's org when it was opened, as of any position, over several
// checkpoints' postings and the lines not checkpointed yet.
TEST(member_transfers, letters_are_found_by_the_branch_they_are_addressed_to_and_by_the_members_org) {
  scenario s;
  s.org(1, "110101001");
  s.org(2, "110101001");
  s.form(21, domain::organization_type::party, domain::formation_mode::standalone, {1});
  s.form(22, domain::organization_type::party, domain::formation_mode::standalone, {2});
  s.member(101, 1, member_affiliation::party, member_standing::formal, member_status::pocket);
  s.member(102, 2, member_affiliation::party, member_standing::formal, member_status::pocket);
  s.member(103, 2, member_affiliation::party, member_standing::probationary, member_status::pocket);
  const auto pending = [&]() -> const letter_lines& { return s.state.pending_letter_lines(); };
  const auto to = [&](std::uint64_t branch, std::uint64_t position = UINT64_MAX) {
    return letters_to_branch(s.keyed(), s.state.pending_letter_lines(), branch_id{branch}, position);
  };
  const auto of = [&](std::uint64_t org, std::uint64_t position = UINT64_MAX) {
    return letters_of_org(s.keyed(), s.state.pending_letter_lines(), organization_id{org}, position);
  };

  s.add(letter(7, 101, 21));
  const std::uint64_t issued = s.head();
  // One key per branch and org (and member) the checkpoint saw, each ending with its last line's
  // position: letter 7's.
  auto written = checkpoint(s);
  std::string d21 = letter_postings_prefix(letter_index::branch, 21);
  binary::key_u64(d21, issued);
  std::string g1 = letter_postings_prefix(letter_index::org, 1);
  binary::key_u64(g1, issued);
  std::string r101 = letter_postings_prefix(letter_index::member, 101);
  binary::key_u64(r101, issued);
  ASSERT_EQ(written.size(), 3u);
  ASSERT_TRUE(written.contains(d21));
  std::string line;
  for (std::uint64_t v : {issued, std::uint64_t{7}, std::uint64_t{101}, std::uint64_t{1}}) binary::key_u64(line, v);
  EXPECT_EQ(written[d21], line);                  // <pos><letter><member><org>
  EXPECT_EQ(written[g1], line.substr(0, 24));     // the org is the key's
  EXPECT_EQ(written[r101], line.substr(0, 16));   // the member is the key's

  s.add(ev::transfer_letter_reissued{transfer_id{7}, transfer_id{8}, member_id{101}, branch_id{21},
                                     member_standing::formal, day(2016, 7, 20), day(2016, 10, 18)});
  const std::uint64_t reissued = s.head();
  s.add(ev::transfer_letter_received{transfer_id{8}, member_id{101}, branch_id{21}, day(2016, 8, 1)});
  // 102 goes to branch 21 too, from org 2; 103 by certificate to branch 22.
  s.add(letter(9, 102, 21));
  s.add(ev::transfer_letter_rejected{transfer_id{9}, member_id{102}, "材料不全", day(2016, 8, 2)});
  written = checkpoint(s);
  // Two letters of one checkpoint for branch 21 (8, 9) share its one key; the receipt and the
  // rejection add no line to it.
  std::size_t d21_keys = 0, d21_lines = 0;
  for (const auto& [k, v] : written)
    if (k.starts_with(letter_postings_prefix(letter_index::branch, 21))) {
      ++d21_keys;
      d21_lines += v.size() / letter_line_size(letter_index::branch);
    }
  EXPECT_EQ(d21_keys, 1u);
  EXPECT_EQ(d21_lines, 2u);
  s.add(letter(10, 102, 21));
  s.add(ev::transfer_completed_by_certificate{transfer_id{11}, member_id{103}, branch_id{22},
                                              domain::certificate_issuer::village_committee, "某村党支部", "证-1",
                                              day(2016, 8, 3)});
  const std::uint64_t certified = s.head();
  EXPECT_EQ(pending().of(letter_index::branch).size(), 2u);  // 10 and 11, not checkpointed yet

  EXPECT_EQ(ids_of(to(21)), (std::vector<std::uint64_t>{7, 8, 9, 10}));
  EXPECT_EQ(ids_of(to(22)), (std::vector<std::uint64_t>{11}));
  EXPECT_TRUE(to(23).empty());
  EXPECT_EQ(ids_of(of(1)), (std::vector<std::uint64_t>{7, 8}));
  EXPECT_EQ(ids_of(of(2)), (std::vector<std::uint64_t>{9, 10, 11}));
  EXPECT_TRUE(of(3).empty());
  const auto in21 = to(21);
  EXPECT_EQ(in21[0], (incoming_letter{transfer_id{7}, member_id{101}, organization_id{1}, issued}));
  EXPECT_EQ(in21[1], (incoming_letter{transfer_id{8}, member_id{101}, organization_id{1}, reissued}));
  EXPECT_EQ(in21[2].member, member_id{102});
  EXPECT_EQ(in21[2].org, organization_id{2});
  EXPECT_EQ(to(22)[0], (incoming_letter{transfer_id{11}, member_id{103}, organization_id{2}, certified}));

  // As of a position: the letters opened by then.
  EXPECT_EQ(ids_of(to(21, issued)), (std::vector<std::uint64_t>{7}));
  EXPECT_EQ(ids_of(to(21, reissued)), (std::vector<std::uint64_t>{7, 8}));
  EXPECT_TRUE(to(21, issued - 1).empty());
  EXPECT_EQ(ids_of(of(2, certified - 1)), (std::vector<std::uint64_t>{9, 10}));

  // Everything checkpointed: the same from the postings alone.
  checkpoint(s);
  EXPECT_TRUE(pending().of(letter_index::branch).empty());
  EXPECT_TRUE(pending().of(letter_index::org).empty());
  EXPECT_EQ(to(21), in21);
  EXPECT_EQ(ids_of(of(2)), (std::vector<std::uint64_t>{9, 10, 11}));
  EXPECT_EQ(ids_of(to(21, reissued)), (std::vector<std::uint64_t>{7, 8}));
}

// A member who left is known to the projections no more: a letter opened for them then (only a
// hand-made log has one; the domain refuses it) names no org and goes under its branch only. And a
// letter whose lines lie in several postings of one branch (opened twice: again only a hand-made
// log) is listed once, at its first line.
TEST(member_transfers, a_letter_is_listed_once_and_without_an_org_it_cannot_place) {
  scenario s;
  s.org(1, "110101001");
  s.form(21, domain::organization_type::party, domain::formation_mode::standalone, {1});
  s.member(101, 1, member_affiliation::party, member_standing::formal, member_status::pocket);
  s.add(letter(7, 101, 21));
  const std::uint64_t first = s.head();
  checkpoint(s);
  s.add(letter(7, 101, 21));
  checkpoint(s);
  s.add(letter(7, 101, 21));  // and once more, not checkpointed
  const auto in21 = letters_to_branch(s.keyed(), s.state.pending_letter_lines(), branch_id{21});
  ASSERT_EQ(in21.size(), 1u);
  EXPECT_EQ(in21[0].opened_at, first);
  EXPECT_EQ(letters_of_org(s.keyed(), s.state.pending_letter_lines(), organization_id{1}).size(), 1u);

  s.add(ev::member_left{member_id{101}, organization_id{1}, domain::leaving_reason::changed_job, day(2016, 8, 1)});
  s.add(letter(8, 101, 21));
  const auto now = letters_to_branch(s.keyed(), s.state.pending_letter_lines(), branch_id{21});
  ASSERT_EQ(now.size(), 2u);
  EXPECT_EQ(now[1].org, organization_id{});
  EXPECT_EQ(ids_of(letters_of_org(s.keyed(), s.state.pending_letter_lines(), organization_id{1})),
            (std::vector<std::uint64_t>{7}));
}

}  // namespace
}  // namespace gongjian::projections::testing
