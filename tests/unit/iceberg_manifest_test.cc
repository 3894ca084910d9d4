#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "iceberg_test_util.h"
#include "pgtide/iceberg/avro_reader.h"
#include "pgtide/iceberg/manifest.h"
#include "pgtide/iceberg/manifest_list.h"
#include "pgtide/iceberg/single_value.h"

namespace pgtide::iceberg {
namespace {

Schema TableSchema() {
  Schema s;
  s.fields = {{1, "id", true, Type::Primitive(TypeId::kLong)},
              {2, "updated_at", false, Type::Primitive(TypeId::kTimestampTz)}};
  return s;
}

ManifestEntry Added(const PartitionSpec& spec, const std::string& path, int32_t day,
                    int64_t rows) {
  ManifestEntry e;
  e.status = EntryStatus::kAdded;
  e.data_file.file_path = path;
  e.data_file.partition = DayPartitionValue(spec, day);
  e.data_file.record_count = rows;
  e.data_file.file_size_in_bytes = rows * 10;
  e.data_file.column_sizes = {{1, 80}, {2, 90}};
  e.data_file.value_counts = {{1, rows}, {2, rows}};
  e.data_file.null_value_counts = {{1, 0}, {2, 1}};
  e.data_file.lower_bounds = {{1, SingleValueLong(1)}};
  e.data_file.upper_bounds = {{1, SingleValueLong(rows)}};
  e.data_file.split_offsets = {4};
  e.data_file.sort_order_id = 0;
  return e;
}

// Finds a field by name at any depth of an Avro schema and returns it.
const AvroNode::Field* FindDeep(const AvroNode& node, const std::string& name) {
  for (const auto& f : node.fields) {
    if (f.name == name) return &f;
  }
  std::vector<const AvroNode*> children;
  for (const auto& f : node.fields) children.push_back(f.node.get());
  for (const auto& c : node.children) children.push_back(c.get());
  for (const AvroNode* c : children) {
    if (const auto* hit = FindDeep(*c, name)) return hit;
  }
  return nullptr;
}

TEST(Manifest, SchemaCarriesTheSpecFieldIds) {
  Schema schema = TableSchema();
  PartitionSpec spec = PartitionSpec::Day(schema, "updated_at").ValueOrDie();
  ICE_ASSIGN_OR_FAIL(std::string json, ManifestSchemaJson(schema, spec));
  ICE_ASSIGN_OR_FAIL(AvroSchema avro, AvroSchema::Parse(json));
  const std::map<std::string, int> kIds = {{"status", 0},
                                           {"snapshot_id", 1},
                                           {"sequence_number", 3},
                                           {"file_sequence_number", 4},
                                           {"data_file", 2},
                                           {"content", 134},
                                           {"file_path", 100},
                                           {"file_format", 101},
                                           {"partition", 102},
                                           {"updated_at_day", 1000},
                                           {"record_count", 103},
                                           {"file_size_in_bytes", 104},
                                           {"column_sizes", 108},
                                           {"value_counts", 109},
                                           {"null_value_counts", 110},
                                           {"nan_value_counts", 137},
                                           {"lower_bounds", 125},
                                           {"upper_bounds", 128},
                                           {"key_metadata", 131},
                                           {"split_offsets", 132},
                                           {"equality_ids", 135},
                                           {"sort_order_id", 140}};
  for (const auto& [name, id] : kIds) {
    const AvroNode::Field* f = FindDeep(avro.root(), name);
    ASSERT_NE(f, nullptr) << name;
    EXPECT_EQ(f->field_id, id) << name;
  }
  nlohmann::json j = nlohmann::json::parse(json);
  EXPECT_EQ(j["name"], "manifest_entry");
  const nlohmann::json& data_file = j["fields"][4]["type"];
  EXPECT_EQ(data_file["name"], "r2");
  EXPECT_EQ(data_file["fields"][3]["type"]["name"], "r102");
  EXPECT_EQ(data_file["fields"][3]["type"]["fields"][0]["type"][1]["logicalType"],
            "date");
  // Int-keyed maps are arrays of key/value records, as Iceberg writes them.
  const nlohmann::json& sizes = data_file["fields"][6]["type"][1];
  EXPECT_EQ(sizes["type"], "array");
  EXPECT_EQ(sizes["logicalType"], "map");
  EXPECT_EQ(sizes["items"]["name"], "k117_v118");
  EXPECT_EQ(sizes["items"]["fields"][0]["field-id"], 117);
  EXPECT_EQ(sizes["items"]["fields"][1]["field-id"], 118);
  const nlohmann::json& offsets = data_file["fields"][13]["type"][1];
  EXPECT_EQ(offsets["element-id"], 133);
}

TEST(Manifest, WritesAndReadsBackWithInheritance) {
  Schema schema = TableSchema();
  PartitionSpec spec = PartitionSpec::Day(schema, "updated_at").ValueOrDie();
  std::vector<ManifestEntry> entries = {Added(spec, "/t/data/a.parquet", 20000, 10),
                                        Added(spec, "/t/data/b.parquet", 20002, 5)};
  ManifestEntry existing = Added(spec, "/t/data/old.parquet", 19999, 7);
  existing.status = EntryStatus::kExisting;
  existing.snapshot_id = 5;
  existing.sequence_number = 1;
  existing.file_sequence_number = 1;
  entries.push_back(existing);
  ICE_ASSIGN_OR_FAIL(std::string bytes, WriteManifest(schema, spec, entries));

  ICE_ASSIGN_OR_FAIL(AvroFile file, ReadAvroFile(bytes));
  EXPECT_EQ(file.Meta("format-version"), "2");
  EXPECT_EQ(file.Meta("content"), "data");
  EXPECT_EQ(file.Meta("partition-spec-id"), "0");
  EXPECT_EQ(nlohmann::json::parse(file.Meta("partition-spec"))[0]["field-id"], 1000);
  EXPECT_EQ(nlohmann::json::parse(file.Meta("schema"))["fields"][1]["name"],
            "updated_at");
  EXPECT_NE(file.schema.json().find("\"field-id\":1000"), std::string::npos);

  ICE_ASSIGN_OR_FAIL(
      ManifestFile summary,
      SummarizeManifest("/t/metadata/m.avro", static_cast<int64_t>(bytes.size()), schema,
                        spec, 77, 3, entries));
  EXPECT_EQ(summary.added_files_count, 2);
  EXPECT_EQ(summary.added_rows_count, 15);
  EXPECT_EQ(summary.existing_files_count, 1);
  EXPECT_EQ(summary.existing_rows_count, 7);
  EXPECT_EQ(summary.sequence_number, 3);
  EXPECT_EQ(summary.min_sequence_number, 1);
  ASSERT_EQ(summary.partitions.size(), 1u);
  EXPECT_FALSE(summary.partitions[0].contains_null);
  EXPECT_EQ(summary.partitions[0].lower_bound, SingleValueInt(19999));
  EXPECT_EQ(summary.partitions[0].upper_bound, SingleValueInt(20002));

  ICE_ASSIGN_OR_FAIL(auto raw, ReadManifest(bytes));
  EXPECT_FALSE(raw[0].snapshot_id.has_value());
  ICE_ASSIGN_OR_FAIL(auto back, ReadManifest(bytes, &summary));
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[0].snapshot_id, 77);
  EXPECT_EQ(back[0].sequence_number, 3);
  EXPECT_EQ(back[0].file_sequence_number, 3);
  EXPECT_EQ(back[2].snapshot_id, 5);
  EXPECT_EQ(back[2].sequence_number, 1);
  const DataFile& f = back[1].data_file;
  EXPECT_EQ(f.file_path, "/t/data/b.parquet");
  EXPECT_EQ(f.file_format, "PARQUET");
  EXPECT_EQ(f.partition, DayPartitionValue(spec, 20002));
  EXPECT_EQ(f.record_count, 5);
  EXPECT_EQ(f.column_sizes, entries[1].data_file.column_sizes);
  EXPECT_EQ(f.null_value_counts, entries[1].data_file.null_value_counts);
  EXPECT_TRUE(f.nan_value_counts.empty());
  EXPECT_EQ(f.upper_bounds.at(1), SingleValueLong(5));
  EXPECT_EQ(f.split_offsets, std::vector<int64_t>{4});
  EXPECT_EQ(f.sort_order_id, 0);
  EXPECT_EQ(LiveDataFiles(back).size(), 3u);
  back[0].status = EntryStatus::kDeleted;
  EXPECT_EQ(LiveDataFiles(back).size(), 2u);
}

TEST(Manifest, UnpartitionedAndNullPartitions) {
  Schema schema = TableSchema();
  PartitionSpec none = PartitionSpec::Unpartitioned();
  ICE_ASSIGN_OR_FAIL(std::string bytes,
                     WriteManifest(schema, none, {Added(none, "/t/a.parquet", 0, 3)}));
  ICE_ASSIGN_OR_FAIL(auto back, ReadManifest(bytes));
  EXPECT_TRUE(back[0].data_file.partition.fields().empty());

  PartitionSpec day = PartitionSpec::Day(schema, "updated_at").ValueOrDie();
  ManifestEntry null_day = Added(day, "/t/n.parquet", 0, 1);
  null_day.data_file.partition = DayPartitionValue(day, std::nullopt);
  ICE_ASSIGN_OR_FAIL(ManifestFile m,
                     SummarizeManifest("m", 1, schema, day, 1, 1, {null_day}));
  EXPECT_TRUE(m.partitions[0].contains_null);
  EXPECT_FALSE(m.partitions[0].lower_bound.has_value());
  // A tuple of the wrong shape is refused.
  EXPECT_FALSE(WriteManifest(schema, day, {Added(none, "/t/x.parquet", 0, 1)}).ok());
}

TEST(ManifestList, RoundTripsWithHeader) {
  ManifestFile a;
  a.manifest_path = "/t/metadata/a-m0.avro";
  a.manifest_length = 1234;
  a.sequence_number = 2;
  a.min_sequence_number = 1;
  a.added_snapshot_id = 42;
  a.added_files_count = 3;
  a.added_rows_count = 300;
  a.partitions = {{false, false, SingleValueInt(1), SingleValueInt(9)}};
  ManifestFile b = a;
  b.manifest_path = "/t/metadata/b-m0.avro";
  b.partitions = {{true, std::nullopt, std::nullopt, std::nullopt}};
  b.key_metadata = "k";
  ICE_ASSIGN_OR_FAIL(std::string bytes, WriteManifestList(42, 41, 2, {a, b}));
  ICE_ASSIGN_OR_FAIL(AvroFile file, ReadAvroFile(bytes));
  EXPECT_EQ(file.Meta("snapshot-id"), "42");
  EXPECT_EQ(file.Meta("parent-snapshot-id"), "41");
  EXPECT_EQ(file.Meta("sequence-number"), "2");
  EXPECT_EQ(file.Meta("format-version"), "2");
  const std::map<std::string, int> kIds = {
      {"manifest_path", 500},        {"manifest_length", 501},
      {"partition_spec_id", 502},    {"content", 517},
      {"sequence_number", 515},      {"min_sequence_number", 516},
      {"added_snapshot_id", 503},    {"added_files_count", 504},
      {"existing_files_count", 505}, {"deleted_files_count", 506},
      {"added_rows_count", 512},     {"existing_rows_count", 513},
      {"deleted_rows_count", 514},   {"partitions", 507},
      {"contains_null", 509},        {"contains_nan", 518},
      {"lower_bound", 510},          {"upper_bound", 511},
      {"key_metadata", 519}};
  for (const auto& [name, id] : kIds) {
    const AvroNode::Field* f = FindDeep(file.schema.root(), name);
    ASSERT_NE(f, nullptr) << name;
    EXPECT_EQ(f->field_id, id) << name;
  }
  EXPECT_EQ(FindDeep(file.schema.root(), "partitions")->node->children[1]->element_id,
            508);
  ICE_ASSIGN_OR_FAIL(auto back, ReadManifestList(bytes));
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0], a);
  EXPECT_EQ(back[1], b);
  ICE_ASSIGN_OR_FAIL(std::string first, WriteManifestList(1, std::nullopt, 1, {}));
  ICE_ASSIGN_OR_FAIL(AvroFile empty, ReadAvroFile(first));
  EXPECT_EQ(empty.Meta("parent-snapshot-id"), "null");
  EXPECT_TRUE(empty.records.empty());
}

// A v1 manifest list as older Java writers made it: no content or sequence numbers, v1
// count names, counts optional.
TEST(ManifestList, ReadsV1Lists) {
  constexpr char kV1[] = R"({"type":"record","name":"manifest_file","fields":[
    {"name":"manifest_path","type":"string","field-id":500},
    {"name":"manifest_length","type":"long","field-id":501},
    {"name":"partition_spec_id","type":"int","field-id":502},
    {"name":"added_snapshot_id","type":["null","long"],"field-id":503},
    {"name":"added_data_files_count","type":["null","int"],"field-id":504},
    {"name":"existing_data_files_count","type":["null","int"],"field-id":505}]})";
  AvroValue r = AvroValue::Record({{"manifest_path", AvroValue::String("/m.avro")},
                                   {"manifest_length", AvroValue::Long(9)},
                                   {"partition_spec_id", AvroValue::Int(0)},
                                   {"added_snapshot_id", AvroValue::Long(3)},
                                   {"added_data_files_count", AvroValue::Int(2)}});
  ICE_ASSIGN_OR_FAIL(std::string bytes, WriteAvroFile(kV1, {}, {r}));
  ICE_ASSIGN_OR_FAIL(auto back, ReadManifestList(bytes));
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].added_files_count, 2);
  EXPECT_EQ(back[0].existing_files_count, 0);
  EXPECT_EQ(back[0].sequence_number, 0);
  EXPECT_EQ(back[0].content, ManifestContent::kData);
}

}  // namespace
}  // namespace pgtide::iceberg
