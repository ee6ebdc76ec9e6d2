// The dense tables behind the write model's orgs and members: ids of any size below 2^62 (the
// high halves kept aside), growth of the hash index, insertion order, copies, and a state whose
// members were recorded in another order (or with ids above 2^32) is still equal / still right.

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "builders.h"
#include "gongjian/domain/dense_table.h"

namespace gongjian::domain {
namespace {

using namespace testing;

TEST(id_slots, slots_follow_insertion_and_find_every_id_through_growth) {
  id_slots slots;
  std::vector<std::uint64_t> ids;
  // Consecutive ids, ids that differ only in their high half, and the largest ids allowed.
  for (std::uint64_t i = 1; i <= 5000; ++i) ids.push_back(i);
  for (std::uint64_t i = 1; i <= 3000; ++i) ids.push_back((i << 32) | 7);
  for (std::uint64_t i = 0; i < 100; ++i) ids.push_back((std::uint64_t{1} << 62) - 1 - i);
  for (std::size_t k = 0; k < ids.size(); ++k) {
    ASSERT_EQ(slots.find(ids[k]), id_slots::none) << ids[k];
    ASSERT_EQ(slots.insert(ids[k]), k);
  }
  ASSERT_EQ(slots.size(), ids.size());
  for (std::size_t k = 0; k < ids.size(); ++k) {
    EXPECT_EQ(slots.find(ids[k]), k) << ids[k];
    EXPECT_EQ(slots.id_at(static_cast<std::uint32_t>(k)), ids[k]);
  }
  // Same low half as a present id, other high half: absent.
  EXPECT_EQ(slots.find((std::uint64_t{3001} << 32) | 7), id_slots::none);
  EXPECT_EQ(slots.find(std::uint64_t{1} << 32 | 1), id_slots::none);
  EXPECT_EQ(slots.find(5001), id_slots::none);
}

TEST(chunked_array, grows_across_chunks_keeps_references_and_copies_deeply) {
  chunked_array<std::uint32_t> a;
  const std::size_t n = 3 * chunked_array<std::uint32_t>::chunk_size + 5;
  for (std::size_t i = 0; i < n; ++i) a.push_back(static_cast<std::uint32_t>(i * 3));
  const std::uint32_t* first = &a[0];
  for (std::size_t i = 0; i < 1000; ++i) a.push_back(1);
  EXPECT_EQ(first, &a[0]);
  chunked_array<std::uint32_t> copy = a;
  copy[n - 1] = 42;
  EXPECT_EQ(a[n - 1], static_cast<std::uint32_t>((n - 1) * 3));
  EXPECT_EQ(copy.size(), a.size());
  EXPECT_EQ(copy[n - 2], a[n - 2]);
}

TEST(dense_table, equality_ignores_insertion_order) {
  dense_table<organization_id, int> a, b;
  a.try_emplace(organization_id{1}, 10);
  a.try_emplace(organization_id{2}, 20);
  b.try_emplace(organization_id{2}, 20);
  b.try_emplace(organization_id{1}, 10);
  EXPECT_TRUE(a == b);
  EXPECT_FALSE(b.try_emplace(organization_id{1}, 11).second);
  *b.find(organization_id{1}) = 11;
  EXPECT_FALSE(a == b);
  std::vector<std::uint64_t> order;
  for (const auto& [id, value] : b) order.push_back(id.value);
  EXPECT_EQ(order, (std::vector<std::uint64_t>{2, 1}));
}

// Members are stored packed (their org as a slot, letters and attachments aside); what decide
// reads back is the member as recorded, whatever the ids.
TEST(packed_members, read_back_as_recorded_with_large_ids_and_equal_whatever_the_order) {
  const std::uint64_t big = (std::uint64_t{1} << 40) + 3;
  scenario one, two;
  for (auto* t : {&one, &two}) {
    t->jurisdictions();
    t->org(1);
    t->org(big);
  }
  one.ok(record(7, 1));
  one.ok(record(big + 1, big, member_affiliation::league));
  two.ok(record(big + 1, big, member_affiliation::league));
  two.ok(record(7, 1));
  EXPECT_TRUE(one.s == two.s);

  const auto m = one.s.find_member(member_id{big + 1});
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->org, organization_id{big});
  EXPECT_EQ(m->affiliation, member_affiliation::league);
  EXPECT_FALSE(one.s.find_member(member_id{(std::uint64_t{2} << 40) + 4}).has_value());
  EXPECT_EQ(one.s.members().size(), 2u);

  one.ok(commands::record_member_left{member_id{big + 1}, leaving_reason::changed_job, day("2016-07-20")});
  EXPECT_FALSE(one.s == two.s);
  EXPECT_EQ(one.s.find_member(member_id{big + 1})->org, organization_id{});
  EXPECT_EQ(one.s.find_org(organization_id{big})->members[1], 0u);
}

}  // namespace
}  // namespace gongjian::domain
