// SqlCatalog's compare-and-swap on a real SQLite file and a local lake: of two writers on
// the same base exactly one wins, the loser's metadata file is deleted, and the row holds
// what pyiceberg's SqlCatalog reads (metadata_location, previous_metadata_location).

#include "pgtide/lake/sql_catalog.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "iceberg_test_util.h"
#include "pgtide/common/error_catalogue.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/iceberg/metadata_update.h"
#include "pgtide/iceberg/table_metadata.h"
#include "pgtide/sink/lake_names.h"

namespace pgtide::lake {
namespace {

namespace fs = std::filesystem;

iceberg::TableMetadata Metadata(const std::string& uuid) {
  iceberg::Schema s;
  s.fields = {{1, "id", true, iceberg::Type::Primitive(iceberg::TypeId::kLong)}};
  return iceberg::NewTableMetadata(uuid, "/lake/public/t", s, 1,
                                   iceberg::PartitionSpec::Unpartitioned(), {}, 1000);
}

size_t MetadataFiles(const fs::path& dir) {
  if (!fs::exists(dir)) return 0;
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.is_regular_file();
  return n;
}

TEST(SqlCatalog, OneOfTwoWritersOnTheSameBaseWins) {
  const fs::path dir = fs::temp_directory_path() / ("pgtide-sqlcat-" + sink::NewRunId());
  fs::create_directories(dir / "lake");
  ICE_ASSIGN_OR_FAIL(auto store, storage::ObjectStore::Open((dir / "lake").string(), {}));
  CatalogOptions options;
  const std::string uri = "sqlite://" + (dir / "c.db").string();
  ICE_ASSIGN_OR_FAIL(auto a, SqlCatalog::Open(uri, options, store));
  ICE_ASSIGN_OR_FAIL(auto b, SqlCatalog::Open(uri, options, store));
  const TableIdent t{"public", "t", "public/t"};
  const fs::path meta = dir / "lake/_iceberg/public/t/metadata";

  ICE_ASSIGN_OR_FAIL(auto none, a->Load(t));
  EXPECT_FALSE(none.has_value());
  // Both create the table: the second INSERT hits the primary key.
  ICE_ASSIGN_OR_FAIL(auto first, a->Swap(t, std::nullopt, Metadata("u-1")));
  ICE_ASSIGN_OR_FAIL(auto second, b->Swap(t, std::nullopt, Metadata("u-2")));
  EXPECT_EQ(first, SwapOutcome::kSwapped);
  EXPECT_EQ(second, SwapOutcome::kConflict);
  EXPECT_EQ(MetadataFiles(meta), 1u) << "the loser's metadata file was not deleted";

  ICE_ASSIGN_OR_FAIL(auto base, b->Load(t));
  ASSERT_TRUE(base.has_value());
  EXPECT_EQ(base->metadata.table_uuid, "u-1");
  EXPECT_NE(base->metadata_location.find("/00001-"), std::string::npos);
  // Both update from the same base: the second UPDATE matches no row.
  ICE_ASSIGN_OR_FAIL(auto up1, b->Swap(t, base, Metadata("u-3")));
  ICE_ASSIGN_OR_FAIL(auto up2, a->Swap(t, base, Metadata("u-4")));
  EXPECT_EQ(up1, SwapOutcome::kSwapped);
  EXPECT_EQ(up2, SwapOutcome::kConflict);
  EXPECT_EQ(MetadataFiles(meta), 2u);
  ICE_ASSIGN_OR_FAIL(auto now, a->Load(t));
  EXPECT_EQ(now->metadata.table_uuid, "u-3");
  EXPECT_NE(now->metadata_location.find("/00002-"), std::string::npos);

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "c.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT previous_metadata_location, iceberg_type FROM "
                               "iceberg_tables WHERE catalog_name = 'pgtide'",
                               -1, &st, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))),
            base->metadata_location);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 1))),
            "TABLE");
  sqlite3_finalize(st);
  sqlite3_close(db);
  fs::remove_all(dir);
}

TEST(SqlCatalog, AMissingFolderIsACatalogError) {
  CatalogOptions options;
  ICE_ASSIGN_OR_FAIL(auto store,
                     storage::ObjectStore::Open(fs::temp_directory_path().string(), {}));
  auto r = SqlCatalog::Open("sqlite:///nonexistent-pgtide-dir/x/c.db", options, store);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(ErrorClassOf(r.status()), ErrorClass::kCatalogUnavailable);
  EXPECT_EQ(ExitCodeOf(r.status()), ExitCode::kCatalogUnavailable);
  auto bad = SqlCatalog::Open("mysql://x", options, store);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(ExitCodeOf(bad.status()), ExitCode::kUsage);
}

}  // namespace
}  // namespace pgtide::lake
