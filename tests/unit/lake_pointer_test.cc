// The lake's own pointer: of two writers on the same base exactly one wins, a lagging
// version hint is probed past, and a cleaned-up table keeps only what snapshots read
// (and, without the table lock, orphans younger than the grace period).

#include "pgtide/lake/lake_pointer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "pgtide/common/random.h"
#include "pgtide/iceberg/metadata_update.h"
#include "pgtide/lake/lake_tables.h"
#include "pgtide/lake/table_cleanup.h"

namespace pgtide::lake {
namespace {

namespace fs = std::filesystem;

class LakePointerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("pgtide-lake-" + RandomHex(8));
    store_ = *storage::ObjectStore::Open(dir_.string());
  }
  void TearDown() override { fs::remove_all(dir_); }

  iceberg::TableMetadata Empty() {
    iceberg::Schema schema;
    schema.fields.push_back(
        {1, "id", false, iceberg::Type::Primitive(iceberg::TypeId::kLong)});
    return iceberg::NewTableMetadata("9b2f0c4e-0000-4000-8000-000000000000",
                                     store_->Uri("_iceberg/s/t"), schema, 1,
                                     iceberg::PartitionSpec::Unpartitioned(), {}, 1000);
  }

  fs::path dir_;
  std::shared_ptr<storage::ObjectStore> store_;
  TableIdent table_{"s", "t", "s/t"};
};

TEST_F(LakePointerTest, OfTwoWritersOnOneBaseExactlyOneWins) {
  LakePointer a(store_), b(store_);
  ASSERT_FALSE(a.Load(table_)->has_value());
  EXPECT_EQ(*a.Swap(table_, std::nullopt, Empty()), SwapOutcome::kSwapped);
  EXPECT_EQ(*b.Swap(table_, std::nullopt, Empty()), SwapOutcome::kConflict);
  auto base = *a.Load(table_);
  ASSERT_TRUE(base.has_value());
  EXPECT_EQ(base->token, "1");
  auto next = Empty();
  next.properties["writer"] = "a";
  EXPECT_EQ(*a.Swap(table_, base, next), SwapOutcome::kSwapped);
  next.properties["writer"] = "b";
  EXPECT_EQ(*b.Swap(table_, base, next), SwapOutcome::kConflict);
  auto now = *b.Load(table_);
  EXPECT_EQ(now->token, "2");
  EXPECT_EQ(now->metadata.properties.at("writer"), "a");
}

TEST_F(LakePointerTest, ALaggingOrMissingHintIsProbedPast) {
  LakePointer p(store_);
  ASSERT_EQ(*p.Swap(table_, std::nullopt, Empty()), SwapOutcome::kSwapped);
  auto v1 = *p.Load(table_);
  ASSERT_EQ(*p.Swap(table_, v1, Empty()), SwapOutcome::kSwapped);
  // A writer killed between the version file and the hint leaves the hint at 1.
  std::ofstream(dir_ / "_iceberg/s/t/metadata/version-hint.text") << "1";
  EXPECT_EQ((*p.Load(table_))->token, "2");
  fs::remove(dir_ / "_iceberg/s/t/metadata/version-hint.text");
  EXPECT_EQ((*p.Load(table_))->token, "2");
  auto tables = *TablesInLake(store_.get());
  ASSERT_EQ(tables.size(), 1u);
  EXPECT_EQ(tables[0].table_dir, "s/t");
}

// Back-dates a file by `hours`, as an orphan left by a run that died that long ago.
void Age(const fs::path& p, int hours) {
  fs::last_write_time(p, fs::file_time_type::clock::now() - std::chrono::hours(hours));
}

TEST_F(LakePointerTest, CleanupDeletesOnlyPgtideFilesNoSnapshotReads) {
  LakePointer p(store_);
  ASSERT_EQ(*p.Swap(table_, std::nullopt, Empty()), SwapOutcome::kSwapped);
  fs::create_directories(dir_ / "s/t/d=1");
  const auto orphan = dir_ / "s/t/d=1/part-20260101T000000Z-abc123-00000.parquet";
  const auto foreign = dir_ / "s/t/d=1/someone-elses.parquet";
  std::ofstream(orphan) << "x";
  std::ofstream(foreign) << "y";
  Age(foreign, 24 * 30);
  const RetentionPolicy policy;
  // No Iceberg metadata yet: nothing is deleted.
  EXPECT_EQ(*DeleteOrphanFiles(store_.get(), {"s", "u", "s/t"}, std::nullopt, policy,
                               TableLock::kHeld),
            0);
  auto current = *p.Load(table_);
  EXPECT_EQ(*DeleteOrphanFiles(store_.get(), table_, current, policy, TableLock::kHeld),
            1);
  EXPECT_FALSE(fs::exists(orphan));
  EXPECT_TRUE(fs::exists(foreign));
}

TEST_F(LakePointerTest, WithoutTheTableLockOrphansWaitOutTheGracePeriod) {
  LakePointer p(store_);
  ASSERT_EQ(*p.Swap(table_, std::nullopt, Empty()), SwapOutcome::kSwapped);
  auto v1 = *p.Load(table_);
  auto v2 = Empty();
  v2.metadata_log.push_back({1000, v1->metadata_location});
  ASSERT_EQ(*p.Swap(table_, v1, v2), SwapOutcome::kSwapped);
  fs::create_directories(dir_ / "s/t/d=1");
  const fs::path meta = dir_ / "_iceberg/s/t/metadata";
  // Leftovers of a run and a compaction in progress (fresh) and of dead ones (old).
  const fs::path fresh_run = dir_ / "s/t/d=1/part-20260101T000000Z-abc123-00000.parquet";
  const fs::path old_compaction =
      dir_ / "s/t/d=1/compact-20260101T000000Z-abc123-00000.parquet";
  const fs::path fresh_compaction =
      dir_ / "s/t/d=1/compact-20260102T000000Z-def456-00000.parquet";
  const fs::path old_manifest = meta / "0f0f-m0.avro";
  const fs::path fresh_manifest = meta / "1f1f-m0.avro";
  const fs::path old_metadata = meta / "00007-dead.metadata.json";
  for (const auto& f : {fresh_run, old_compaction, fresh_compaction, old_manifest,
                        fresh_manifest, old_metadata})
    std::ofstream(f) << "x";
  for (const auto& f : {old_compaction, old_manifest, old_metadata}) Age(f, 48);
  // v1 is in v2's metadata log and v2 is current: both stay, whatever their age.
  Age(meta / "v1.metadata.json", 48);
  Age(meta / "v2.metadata.json", 48);
  RetentionPolicy policy;
  policy.orphan_grace_ms = 24LL * 3600 * 1000;
  auto current = *p.Load(table_);
  EXPECT_EQ(
      *DeleteOrphanFiles(store_.get(), table_, current, policy, TableLock::kNotHeld), 3);
  for (const auto& f : {old_compaction, old_manifest, old_metadata})
    EXPECT_FALSE(fs::exists(f)) << f;
  for (const auto& f : {fresh_run, fresh_compaction, fresh_manifest})
    EXPECT_TRUE(fs::exists(f)) << f;
  EXPECT_TRUE(fs::exists(meta / "v1.metadata.json"));
  EXPECT_TRUE(fs::exists(meta / "v2.metadata.json"));
  EXPECT_TRUE(fs::exists(meta / "version-hint.text"));
  // Under the lock a dead run's data file goes at once; a compaction's still waits.
  EXPECT_EQ(*DeleteOrphanFiles(store_.get(), table_, current, policy, TableLock::kHeld),
            1);
  EXPECT_FALSE(fs::exists(fresh_run));
  EXPECT_TRUE(fs::exists(fresh_compaction));
}

TEST(RetentionOf, TheTablesOwnExpiryPropertiesTakePrecedence) {
  iceberg::TableMetadata m;
  RetentionPolicy given;
  EXPECT_EQ(RetentionOf(given, m).snapshot_max_age_ms, 5 * kDayMs);
  m.properties["history.expire.max-snapshot-age-ms"] = "3600000";
  m.properties["history.expire.min-snapshots-to-keep"] = "3";
  EXPECT_EQ(RetentionOf(given, m).snapshot_max_age_ms, 3600000);
  EXPECT_EQ(RetentionOf(given, m).min_snapshots, 3);
  m.properties["history.expire.min-snapshots-to-keep"] = "many";
  EXPECT_EQ(RetentionOf(given, m).min_snapshots, 1);
}

}  // namespace
}  // namespace pgtide::lake
