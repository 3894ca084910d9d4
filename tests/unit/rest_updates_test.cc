// The REST catalog's commit body: the updates from base to next and the requirements
// that make it a compare-and-swap, as a table of cases on real metadata transitions.

#include "pgtide/lake/rest_updates.h"

#include <gtest/gtest.h>

#include "pgtide/iceberg/metadata_update.h"

namespace pgtide::lake {
namespace {

using nlohmann::json;

iceberg::TableMetadata Empty() {
  iceberg::Schema schema;
  schema.fields.push_back(
      {1, "id", false, iceberg::Type::Primitive(iceberg::TypeId::kLong)});
  return iceberg::NewTableMetadata(
      "9b2f0c4e-0000-4000-8000-000000000000", "/lake/_iceberg/s/t", schema, 1,
      iceberg::PartitionSpec::Unpartitioned(), {{"format", "pgtide"}}, 1000);
}

iceberg::TableMetadata Append(iceberg::TableMetadata m, int64_t id) {
  iceberg::SnapshotUpdate u;
  u.snapshot_id = id;
  u.manifest_list = "/lake/_iceberg/s/t/metadata/snap-" + std::to_string(id) + ".avro";
  u.timestamp_ms = 2000 + id;
  return *iceberg::WithSnapshot(std::move(m), u);
}

std::vector<std::string> Actions(const json& updates) {
  std::vector<std::string> out;
  for (const auto& u : updates) out.push_back(u["action"].get<std::string>());
  return out;
}

TEST(RestUpdatesTest, AnAppendAddsTheSnapshotAndMovesMain) {
  auto base = Append(Empty(), 11);
  auto next = Append(base, 12);
  json updates = RestUpdates(base, next);
  ASSERT_EQ(Actions(updates),
            (std::vector<std::string>{"add-snapshot", "set-snapshot-ref"}));
  EXPECT_EQ(updates[0]["snapshot"]["snapshot-id"], 12);
  EXPECT_EQ(updates[0]["snapshot"]["parent-snapshot-id"], 11);
  EXPECT_EQ(updates[0]["snapshot"]["summary"]["operation"], "append");
  EXPECT_EQ(updates[1]["ref-name"], "main");
  EXPECT_EQ(updates[1]["type"], "branch");
  EXPECT_EQ(updates[1]["snapshot-id"], 12);
  json req = RestRequirements(base);
  EXPECT_EQ(req[0]["type"], "assert-table-uuid");
  EXPECT_EQ(req[0]["uuid"], base.table_uuid);
  EXPECT_EQ(req[1]["type"], "assert-ref-snapshot-id");
  EXPECT_EQ(req[1]["ref"], "main");
  EXPECT_EQ(req[1]["snapshot-id"], 11);
}

TEST(RestUpdatesTest, ATableWithoutSnapshotRequiresMainAbsent) {
  json req = RestRequirements(Empty());
  EXPECT_TRUE(req[1]["snapshot-id"].is_null());
}

TEST(RestUpdatesTest, ANewColumnAddsTheSchemaAndMakesTheAddedOneCurrent) {
  auto base = Append(Empty(), 11);
  iceberg::Schema wider = *base.current_schema();
  wider.fields.push_back(
      {2, "note", false, iceberg::Type::Primitive(iceberg::TypeId::kString)});
  auto next = Append(iceberg::WithSchema(base, wider, 2), 12);
  json updates = RestUpdates(base, next);
  ASSERT_EQ(Actions(updates),
            (std::vector<std::string>{"add-schema", "set-current-schema", "add-snapshot",
                                      "set-snapshot-ref"}));
  EXPECT_EQ(updates[0]["last-column-id"], 2);
  EXPECT_EQ(updates[0]["schema"]["fields"].size(), 2u);
  EXPECT_EQ(updates[1]["schema-id"], -1);
}

TEST(RestUpdatesTest, ExpiredSnapshotsAndPropertiesAreSent) {
  auto base = Append(Append(Append(Empty(), 11), 12), 13);
  auto next = iceberg::ExpireSnapshots(base, 1).metadata;
  next.properties["pgtide.mark"] = "x";
  next.properties.erase("format");
  json updates = RestUpdates(base, next);
  ASSERT_EQ(Actions(updates),
            (std::vector<std::string>{"remove-snapshots", "set-properties",
                                      "remove-properties"}));
  EXPECT_EQ(updates[0]["snapshot-ids"], json::array({11, 12}));
  EXPECT_EQ(updates[1]["updates"], json({{"pgtide.mark", "x"}}));
  EXPECT_EQ(updates[2]["removals"], json::array({"format"}));
}

TEST(RestUpdatesTest, NoChangeIsNoUpdate) {
  auto base = Append(Empty(), 11);
  EXPECT_TRUE(RestUpdates(base, base).empty());
}

}  // namespace
}  // namespace pgtide::lake
