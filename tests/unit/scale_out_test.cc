#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "pgtide/cli/scale_options.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/job/range_split.h"
#include "pgtide/job/shard_assignment.h"

namespace pgtide::job {
namespace {

TEST(ShardAssignment, EveryUnitToOneShardBalancedBySize) {
  std::vector<ShardUnit> units = {{"public.big", 800 << 20}};
  for (int i = 0; i < 40; ++i)
    units.push_back({"public.t" + std::to_string(i), 10 << 20});
  auto shards = AssignShards(units, 4);
  ASSERT_EQ(shards.size(), units.size());
  std::map<int, int64_t> load;
  for (size_t i = 0; i < units.size(); ++i) {
    ASSERT_GE(shards[i], 0);
    ASSERT_LT(shards[i], 4);
    load[shards[i]] += ShardWeight(units[i].bytes);
  }
  // The big table has a shard of its own; the small ones share the other three.
  for (size_t i = 1; i < units.size(); ++i) EXPECT_NE(shards[i], shards[0]);
  EXPECT_EQ(load.size(), 4u);
}

TEST(ShardAssignment, SameUnitsInAnyOrderSameAssignment) {
  std::vector<ShardUnit> a = {
      {"s.a", 5000000}, {"s.b", 5000000}, {"s.c", 1}, {"s.d", 9000000}};
  std::vector<ShardUnit> b = {a[3], a[1], a[2], a[0]};
  auto sa = AssignShards(a, 3), sb = AssignShards(b, 3);
  std::map<std::string, int> ma, mb;
  for (size_t i = 0; i < a.size(); ++i) ma[a[i].key] = sa[i];
  for (size_t i = 0; i < b.size(); ++i) mb[b[i].key] = sb[i];
  EXPECT_EQ(ma, mb);
}

TEST(ShardAssignment, SmallGrowthKeepsTheWeight) {
  // 1.25 GiB and 1.3 GiB weigh the same: a retry after a few writes assigns alike.
  EXPECT_EQ(ShardWeight((5LL << 30) / 4), ShardWeight((5LL << 30) / 4 + (50LL << 20)));
  EXPECT_EQ(ShardWeight(0), 8192);
  EXPECT_LE(ShardWeight(1000000), 1000000);
  EXPECT_GE(ShardWeight(1000000), 800000);
}

TEST(RangeSplit, ConditionsCoverEverything) {
  auto r = RangeConditions("\"id\"", {"10", "20"});
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0], "\"id\" < 10");
  EXPECT_EQ(r[1], "\"id\" >= 10 AND \"id\" < 20");
  EXPECT_EQ(r[2], "\"id\" >= 20");
  EXPECT_TRUE(RangeConditions("ctid", {}).empty());
}

TEST(RangeSplit, EvenBoundaries) {
  EXPECT_EQ(EvenBoundaries(0, 100, 4), (std::vector<int64_t>{25, 50, 75}));
  EXPECT_EQ(EvenBoundaries(1, 2, 4), (std::vector<int64_t>{}));
  EXPECT_TRUE(EvenBoundaries(5, 5, 4).empty());
  auto wide = EvenBoundaries(INT64_MIN, INT64_MAX, 2);
  ASSERT_EQ(wide.size(), 1u);
  EXPECT_NEAR(static_cast<double>(wide[0]), 0.0, 2.0);
}

}  // namespace
}  // namespace pgtide::job

namespace pgtide::cli {
namespace {

TEST(ScaleOptions, Sizes) {
  EXPECT_EQ(*ParseSize("f", "2GB"), 2000000000);
  EXPECT_EQ(*ParseSize("f", "512MiB"), 512LL << 20);
  EXPECT_EQ(*ParseSize("f", "1000"), 1000);
  EXPECT_EQ(ExitCodeOf(ParseSize("f", "lots").status()), ExitCode::kUsage);
  EXPECT_EQ(ExitCodeOf(ParseSize("f", "2 GB").status()), ExitCode::kUsage);
}

TEST(ScaleOptions, ShardFlag) {
  ScaleValues v;
  job::RunOptions r;
  v.shard = "2/4";
  ASSERT_TRUE(ResolveScaleOptions(v, &r).ok());
  EXPECT_EQ(r.shard_index, 2);
  EXPECT_EQ(r.shard_count, 4);
  for (const char* bad : {"4/4", "1", "a/2", "1/0", "-1/3"}) {
    v.shard = bad;
    EXPECT_EQ(ExitCodeOf(ResolveScaleOptions(v, &r)), ExitCode::kUsage) << bad;
  }
}

}  // namespace
}  // namespace pgtide::cli
