#include "pgtide/job/file_sweeper.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "pgtide/sink/lake_names.h"

namespace pgtide::job {
namespace {

using sink::FilePrefix;
using sink::NewRunId;
using sink::RunIdOfFile;

TEST(FileSweeper, RunIdsSortByTimeAndParseBack) {
  std::string id = NewRunId();
  EXPECT_EQ(RunIdOfFile("s/t/d=1/" + FilePrefix(id) + "-00001.parquet"), id);
  EXPECT_EQ(RunIdOfFile("s/t/other.parquet"), "");
  EXPECT_EQ(RunIdOfFile("s/t/part-0.parquet"), "");
  EXPECT_LT(std::string("20240101T000000Z-ffffff"),
            std::string("20240101T000001Z-000000"));
}

TEST(FileSweeper, RemovesUncommittedAndSupersededFilesOnly) {
  auto dir = std::filesystem::temp_directory_path() / ("pgtide-sweep-" + NewRunId());
  std::filesystem::create_directories(dir / "s/t/d=1");
  auto touch = [&](const std::string& rel) { std::ofstream(dir / rel) << "x"; };
  touch("s/t/d=1/part-20240101T000000Z-aaaaaa-00000.parquet");  // before the full load
  touch("s/t/d=1/part-20240102T000000Z-bbbbbb-00000.parquet");  // the full load
  touch("s/t/d=1/part-20240103T000000Z-cccccc-00000.parquet");  // committed cdc
  touch("s/t/d=1/part-20240104T000000Z-dddddd-00000.parquet");  // died before commit
  touch("s/t/d=1/.part-20240104T000000Z-dddddd-00001.parquet.tmp-1234");
  touch("s/t/d=1/someone-elses.parquet");
  auto store = storage::ObjectStore::Open(dir.string());
  ASSERT_TRUE(store.ok());
  int deleted = 0;
  auto kept = SweepTableFolder(store->get(), "s/t", "20240103T000000Z-cccccc",
                               "20240102T000000Z-bbbbbb", &deleted);
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_EQ(deleted, 2);
  EXPECT_EQ(kept->size(), 2u);
  EXPECT_TRUE(std::filesystem::exists(dir / "s/t/d=1/someone-elses.parquet"));
  EXPECT_FALSE(std::filesystem::exists(
      dir / "s/t/d=1/part-20240104T000000Z-dddddd-00000.parquet"));
  EXPECT_FALSE(std::filesystem::exists(
      dir / "s/t/d=1/.part-20240104T000000Z-dddddd-00001.parquet.tmp-1234"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace pgtide::job
