#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "iceberg_test_util.h"
#include "pgtide/iceberg/metadata_update.h"
#include "pgtide/iceberg/table_metadata.h"

namespace pgtide::iceberg {
namespace {

Schema TwoColumns() {
  Schema s;
  s.fields = {{1, "id", true, Type::Primitive(TypeId::kLong)},
              {2, "updated_at", false, Type::Primitive(TypeId::kTimestampTz)}};
  return s;
}

TableMetadata NewTable() {
  Schema s = TwoColumns();
  PartitionSpec spec = PartitionSpec::Day(s, "updated_at").ValueOrDie();
  return NewTableMetadata("9c12d441-03fe-4693-9a96-a0705ddf69c1", "/lake/public/orders",
                          s, 2, spec, {{"write.format.default", "parquet"}}, 1000);
}

SnapshotUpdate Update(int64_t id, const std::string& op, int64_t ts) {
  SnapshotUpdate u;
  u.snapshot_id = id;
  u.operation = op;
  u.timestamp_ms = ts;
  u.manifest_list = "/lake/public/orders/metadata/snap-" + std::to_string(id) + ".avro";
  u.summary = {{"pgtide.watermark", "2026-12-01T00:00:00Z"}};
  return u;
}

TEST(TableMetadata, NewTableSerializesTheV2Fields) {
  TableMetadata m = NewTable();
  nlohmann::json j = nlohmann::json::parse(TableMetadataToJson(m));
  EXPECT_EQ(j["format-version"], 2);
  EXPECT_EQ(j["table-uuid"], "9c12d441-03fe-4693-9a96-a0705ddf69c1");
  EXPECT_EQ(j["last-sequence-number"], 0);
  EXPECT_EQ(j["last-column-id"], 2);
  EXPECT_EQ(j["current-schema-id"], 0);
  EXPECT_EQ(j["schemas"][0]["fields"][1]["type"], "timestamptz");
  EXPECT_EQ(j["default-spec-id"], 0);
  EXPECT_EQ(j["partition-specs"][0]["fields"][0]["transform"], "day");
  EXPECT_EQ(j["last-partition-id"], 1000);
  EXPECT_EQ(j["sort-orders"][0]["order-id"], 0);
  EXPECT_EQ(j["sort-orders"][0]["fields"].size(), 0u);
  EXPECT_EQ(j["default-sort-order-id"], 0);
  EXPECT_EQ(j["current-snapshot-id"], -1);
  EXPECT_TRUE(j["snapshots"].empty());
  EXPECT_EQ(j["properties"]["write.format.default"], "parquet");
}

TEST(TableMetadata, SnapshotsChainAndRoundTrip) {
  TableMetadata m0 = NewTable();
  EXPECT_EQ(NextSequenceNumber(m0), 1);
  ICE_ASSIGN_OR_FAIL(TableMetadata m1, WithSnapshot(m0, Update(11, "overwrite", 2000)));
  SnapshotUpdate second = Update(22, "append", 3000);
  second.previous_metadata_file = "/lake/public/orders/metadata/v2.metadata.json";
  second.previous_metadata_ms = 2000;
  ICE_ASSIGN_OR_FAIL(TableMetadata m2, WithSnapshot(m1, second));
  EXPECT_EQ(m2.last_sequence_number, 2);
  EXPECT_EQ(m2.last_updated_ms, 3000);
  ASSERT_NE(m2.current_snapshot(), nullptr);
  EXPECT_EQ(m2.current_snapshot()->snapshot_id, 22);
  EXPECT_EQ(m2.current_snapshot()->parent_snapshot_id, 11);
  EXPECT_EQ(m2.current_snapshot()->sequence_number, 2);
  EXPECT_EQ(m2.current_snapshot()->operation(), "append");
  EXPECT_EQ(m2.current_snapshot()->summary.at("pgtide.watermark"),
            "2026-12-01T00:00:00Z");
  EXPECT_FALSE(m2.FindSnapshot(11)->parent_snapshot_id.has_value());
  EXPECT_EQ(m2.refs.at("main").snapshot_id, 22);
  EXPECT_EQ(m2.snapshot_log.size(), 2u);
  ASSERT_EQ(m2.metadata_log.size(), 1u);
  EXPECT_EQ(m2.metadata_log[0].metadata_file, second.previous_metadata_file);
  EXPECT_FALSE(WithSnapshot(m2, Update(22, "append", 4000)).ok());  // id reused
  EXPECT_FALSE(WithSnapshot(m2, Update(33, "delete", 4000)).ok());

  std::string text = TableMetadataToJson(m2);
  ICE_ASSIGN_OR_FAIL(TableMetadata back, TableMetadataFromJson(text));
  EXPECT_EQ(TableMetadataToJson(back), text);
  nlohmann::json j = nlohmann::json::parse(text);
  EXPECT_EQ(j["refs"]["main"]["type"], "branch");
  EXPECT_EQ(j["snapshots"][1]["summary"]["operation"], "append");
  EXPECT_EQ(j["snapshots"][1]["sequence-number"], 2);
}

TEST(TableMetadata, ExpireKeepsTheNewestAndTheCurrent) {
  TableMetadata m = NewTable();
  for (int i = 1; i <= 5; ++i) {
    m = WithSnapshot(m, Update(i * 10, "append", 1000 + i)).ValueOrDie();
  }
  ExpireResult r = ExpireSnapshots(m, 2);
  ASSERT_EQ(r.metadata.snapshots.size(), 2u);
  EXPECT_EQ(r.metadata.snapshots[0].snapshot_id, 40);
  EXPECT_EQ(r.metadata.snapshots[1].snapshot_id, 50);
  EXPECT_EQ(r.expired.size(), 3u);
  EXPECT_EQ(r.metadata.snapshot_log.size(), 2u);
  EXPECT_EQ(r.metadata.current_snapshot_id, 50);
  EXPECT_EQ(ExpireSnapshots(m, 0).metadata.snapshots.size(), 1u);  // never the current
  EXPECT_EQ(ExpireSnapshots(m, 10).metadata.snapshots.size(), 5u);
}

TEST(TableMetadata, MetadataLogIsTrimmed) {
  TableMetadata m = NewTable();
  m.properties["write.metadata.previous-versions-max"] = "2";
  for (int i = 1; i <= 4; ++i) {
    SnapshotUpdate u = Update(i, "append", 1000 + i);
    u.previous_metadata_file = "v" + std::to_string(i) + ".metadata.json";
    m = WithSnapshot(m, u).ValueOrDie();
  }
  ASSERT_EQ(m.metadata_log.size(), 2u);
  EXPECT_EQ(m.metadata_log[0].metadata_file, "v3.metadata.json");
}

TEST(TableMetadata, SchemaEvolutionAddsASchema) {
  TableMetadata m = NewTable();
  Schema same = TwoColumns();
  TableMetadata unchanged = WithSchema(m, same, 2);
  EXPECT_EQ(unchanged.schemas.size(), 1u);
  Schema wider = TwoColumns();
  wider.fields.push_back({3, "note", false, Type::Primitive(TypeId::kString)});
  TableMetadata evolved = WithSchema(m, wider, 3);
  EXPECT_EQ(evolved.schemas.size(), 2u);
  EXPECT_EQ(evolved.current_schema_id, 1);
  EXPECT_EQ(evolved.last_column_id, 3);
  EXPECT_EQ(evolved.current_schema()->fields.size(), 3u);
  // Going back to a known schema reuses its id.
  EXPECT_EQ(WithSchema(evolved, TwoColumns(), 3).current_schema_id, 0);
}

TEST(TableMetadata, SummaryTotalsRunOnFromTheParent) {
  auto first = SummaryTotals({}, "overwrite", 2, 100, 5000);
  EXPECT_EQ(first.at("total-records"), "100");
  EXPECT_EQ(first.at("deleted-records"), "0");
  auto second = SummaryTotals(first, "append", 1, 50, 1000);
  EXPECT_EQ(second.at("added-records"), "50");
  EXPECT_EQ(second.at("total-records"), "150");
  EXPECT_EQ(second.at("total-data-files"), "3");
  EXPECT_EQ(second.at("total-files-size"), "6000");
  auto third = SummaryTotals(second, "overwrite", 1, 10, 10);
  EXPECT_EQ(third.at("total-records"), "10");
  EXPECT_EQ(third.at("deleted-records"), "150");
}

// A table written by another engine: unknown keys survive, v1-era "schema" and
// "partition-spec" are read, refs are implied.
TEST(TableMetadata, ParsesForeignMetadata) {
  constexpr char kForeign[] = R"json({
    "format-version": 2, "table-uuid": "u", "location": "s3://b/t",
    "last-sequence-number": 7, "last-updated-ms": 5, "last-column-id": 3,
    "current-schema-id": 1,
    "schemas": [
      {"type": "struct", "schema-id": 0, "fields": [{"id": 1, "name": "a", "required": false, "type": "int"}]},
      {"type": "struct", "schema-id": 1, "identifier-field-ids": [1], "fields": [
        {"id": 1, "name": "a", "required": true, "type": "long"},
        {"id": 3, "name": "m", "required": false, "type": {"type": "map", "key-id": 4, "key": "string",
          "value-id": 5, "value": "decimal(10, 2)", "value-required": false}}]}],
    "default-spec-id": 0, "partition-specs": [{"spec-id": 0, "fields": []}],
    "last-partition-id": 999, "default-sort-order-id": 1,
    "sort-orders": [{"order-id": 1, "fields": [{"transform": "identity", "source-id": 1,
                     "direction": "asc", "null-order": "nulls-first"}]}],
    "properties": {"owner": "spark", "commit.retry.num-retries": 4},
    "current-snapshot-id": 99,
    "snapshots": [{"snapshot-id": 99, "sequence-number": 7, "timestamp-ms": 5,
                   "manifest-list": "s3://b/t/metadata/snap-99.avro",
                   "summary": {"operation": "append", "spark.app.id": "x"}, "schema-id": 1}],
    "statistics": [{"snapshot-id": 99, "statistics-path": "s3://b/t/stats.puffin"}],
    "snapshot-log": [], "metadata-log": []
  })json";
  ICE_ASSIGN_OR_FAIL(TableMetadata m, TableMetadataFromJson(kForeign));
  EXPECT_EQ(m.current_schema()->fields[1].type.fields[1].type, Type::Decimal(10, 2));
  EXPECT_EQ(m.current_schema()->identifier_field_ids, std::vector<int32_t>{1});
  EXPECT_EQ(m.properties.at("commit.retry.num-retries"), "4");
  EXPECT_EQ(m.refs.at("main").snapshot_id, 99);
  EXPECT_EQ(m.current_snapshot()->summary.at("spark.app.id"), "x");
  nlohmann::json out = nlohmann::json::parse(TableMetadataToJson(m));
  EXPECT_EQ(out["statistics"][0]["statistics-path"], "s3://b/t/stats.puffin");
  EXPECT_EQ(out["sort-orders"][0]["fields"][0]["direction"], "asc");
  EXPECT_EQ(out["default-sort-order-id"], 1);

  constexpr char kV1[] = R"({"format-version": 1, "location": "/t", "last-updated-ms": 1,
    "last-column-id": 1, "schema": {"type": "struct", "fields": [
      {"id": 1, "name": "d", "required": false, "type": "date"}]},
    "partition-spec": [{"name": "d_day", "transform": "day", "source-id": 1}]})";
  ICE_ASSIGN_OR_FAIL(TableMetadata v1, TableMetadataFromJson(kV1));
  EXPECT_EQ(v1.format_version, 1);
  EXPECT_EQ(v1.partition_specs[0].fields[0].field_id, 1000);
  EXPECT_EQ(v1.last_partition_id, 1000);
  EXPECT_FALSE(v1.current_snapshot_id.has_value());

  EXPECT_FALSE(TableMetadataFromJson("{").ok());
  EXPECT_FALSE(TableMetadataFromJson(R"({"format-version": 3, "location": "x"})").ok());
  EXPECT_FALSE(TableMetadataFromJson(R"({"format-version": 2})").ok());
}

TEST(TableMetadata, NewSnapshotIdsArePositiveAndFresh) {
  TableMetadata m = NewTable();
  for (int i = 0; i < 100; ++i) {
    int64_t id = NewSnapshotId(m);
    EXPECT_GT(id, 0);
    EXPECT_EQ(m.FindSnapshot(id), nullptr);
  }
}

}  // namespace
}  // namespace pgtide::iceberg
