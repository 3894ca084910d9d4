// The lake's own pointer: of two writers on the same base exactly one wins, a lagging
// version hint is probed past, and a cleaned-up table keeps only what snapshots read.

#include "pgtide/lake/lake_pointer.h"

#include <gtest/gtest.h>

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

TEST_F(LakePointerTest, CleanupDeletesOnlyPgtideFilesNoSnapshotReads) {
  LakePointer p(store_);
  ASSERT_EQ(*p.Swap(table_, std::nullopt, Empty()), SwapOutcome::kSwapped);
  fs::create_directories(dir_ / "s/t/d=1");
  const auto orphan = dir_ / "s/t/d=1/part-20260101T000000Z-abc123-00000.parquet";
  const auto foreign = dir_ / "s/t/d=1/someone-elses.parquet";
  std::ofstream(orphan) << "x";
  std::ofstream(foreign) << "y";
  // No Iceberg metadata yet: nothing is deleted.
  EXPECT_EQ(*DeleteUnreferencedDataFiles(store_.get(), {"s", "u", "s/t"}, std::nullopt),
            0);
  auto current = *p.Load(table_);
  EXPECT_EQ(*DeleteUnreferencedDataFiles(store_.get(), table_, current), 1);
  EXPECT_FALSE(fs::exists(orphan));
  EXPECT_TRUE(fs::exists(foreign));
}

}  // namespace
}  // namespace pgtide::lake
