#include <arrow/type.h>
#include <arrow/util/key_value_metadata.h>
#include <gtest/gtest.h>

#include "iceberg_test_util.h"
#include "pgtide/iceberg/arrow_schema.h"
#include "pgtide/iceberg/partition_spec.h"
#include "pgtide/iceberg/schema.h"
#include "pgtide/iceberg/schema_compat.h"

namespace pgtide::iceberg {
namespace {

std::shared_ptr<arrow::Schema> AllTypesArrow() {
  auto interval = arrow::struct_({arrow::field("months", arrow::int32()),
                                  arrow::field("days", arrow::int32()),
                                  arrow::field("micros", arrow::int64())});
  return arrow::schema({
      arrow::field("id", arrow::int64(), /*nullable=*/false),
      arrow::field("flag", arrow::boolean()),
      arrow::field("i8", arrow::int8()),
      arrow::field("i16", arrow::int16()),
      arrow::field("i32", arrow::int32()),
      arrow::field("f32", arrow::float32()),
      arrow::field("f64", arrow::float64()),
      arrow::field("amount", arrow::decimal128(12, 2)),
      arrow::field("name", arrow::utf8()),
      arrow::field("big_name", arrow::large_utf8()),
      arrow::field("blob", arrow::binary()),
      arrow::field("day", arrow::date32()),
      arrow::field("ts", arrow::timestamp(arrow::TimeUnit::MICRO)),
      arrow::field("tstz", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")),
      arrow::field("t", arrow::time64(arrow::TimeUnit::MICRO)),
      arrow::field("tags", arrow::list(arrow::utf8())),
      arrow::field("span", interval),
      arrow::field("attrs", arrow::map(arrow::utf8(), arrow::int64())),
  });
}

TEST(SchemaFromArrow, MapsEveryTypeAndAssignsIdsDepthFirst) {
  ICE_ASSIGN_OR_FAIL(ConvertedSchema c, SchemaFromArrow(*AllTypesArrow()));
  const Schema& s = c.schema;
  ASSERT_EQ(s.fields.size(), 18u);
  auto type_of = [&](const char* name) { return s.FindField(name)->type.ToString(); };
  EXPECT_EQ(type_of("id"), "long");
  EXPECT_TRUE(s.FindField("id")->required);
  EXPECT_FALSE(s.FindField("flag")->required);
  EXPECT_EQ(type_of("flag"), "boolean");
  EXPECT_EQ(type_of("i8"), "int");
  EXPECT_EQ(type_of("i16"), "int");
  EXPECT_EQ(type_of("i32"), "int");
  EXPECT_EQ(type_of("f32"), "float");
  EXPECT_EQ(type_of("f64"), "double");
  EXPECT_EQ(type_of("amount"), "decimal(12, 2)");
  EXPECT_EQ(type_of("name"), "string");
  EXPECT_EQ(type_of("big_name"), "string");
  EXPECT_EQ(type_of("blob"), "binary");
  EXPECT_EQ(type_of("day"), "date");
  EXPECT_EQ(type_of("ts"), "timestamp");
  EXPECT_EQ(type_of("tstz"), "timestamptz");
  EXPECT_EQ(type_of("t"), "time");
  EXPECT_EQ(type_of("tags"), "list");
  EXPECT_EQ(type_of("span"), "struct");
  EXPECT_EQ(type_of("attrs"), "map");
  // Ids: 1..16 for id..tags, 17 the list element, 18 span, 19-21 its fields, 22 attrs,
  // 23/24 key/value.
  EXPECT_EQ(s.FindField("id")->id, 1);
  EXPECT_EQ(s.FindField("tags")->id, 16);
  EXPECT_EQ(s.FindField("tags")->type.fields[0].id, 17);
  EXPECT_EQ(s.FindField("span")->id, 18);
  EXPECT_EQ(s.FindField("span")->type.fields[2].name, "micros");
  EXPECT_EQ(s.FindField("span")->type.fields[2].id, 21);
  EXPECT_EQ(s.FindField("attrs")->type.fields[1].id, 24);
  EXPECT_EQ(c.last_column_id, 24);
  EXPECT_EQ(s.HighestFieldId(), 24);
}

TEST(SchemaFromArrow, RejectsTypesIcebergV2LacksWithTheirName) {
  auto st =
      SchemaFromArrow(
          *arrow::schema({arrow::field("ns", arrow::timestamp(arrow::TimeUnit::NANO))}))
          .status();
  EXPECT_TRUE(st.IsNotImplemented());
  EXPECT_NE(st.message().find("timestamp"), std::string::npos);
  EXPECT_FALSE(
      SchemaFromArrow(*arrow::schema({arrow::field("u", arrow::uint32())})).ok());
}

TEST(SchemaFromArrow, ReusesIdsByNameAndNeverReusesDroppedOnes) {
  auto v1 = arrow::schema(
      {arrow::field("a", arrow::int32()), arrow::field("b", arrow::utf8()),
       arrow::field("s", arrow::struct_({arrow::field("x", arrow::int32())}))});
  ICE_ASSIGN_OR_FAIL(ConvertedSchema first, SchemaFromArrow(*v1));
  EXPECT_EQ(first.last_column_id, 4);
  // b dropped, c added, a promoted, s gains y, column order changed.
  auto v2 = arrow::schema(
      {arrow::field("c", arrow::float64()), arrow::field("a", arrow::int64()),
       arrow::field("s", arrow::struct_({arrow::field("x", arrow::int32()),
                                         arrow::field("y", arrow::utf8())}))});
  ICE_ASSIGN_OR_FAIL(ConvertedSchema second,
                     SchemaFromArrow(*v2, &first.schema, first.last_column_id));
  EXPECT_EQ(second.schema.FindField("a")->id, 1);
  EXPECT_EQ(second.schema.FindField("s")->id, 3);
  EXPECT_EQ(second.schema.FindField("s")->type.fields[0].id, 4);
  EXPECT_EQ(second.schema.FindField("c")->id, 5);  // not 2: b's id stays retired
  EXPECT_EQ(second.schema.FindField("s")->type.fields[1].id, 6);
  EXPECT_EQ(second.last_column_id, 6);
  // Running again with the same Arrow schema changes nothing.
  ICE_ASSIGN_OR_FAIL(ConvertedSchema third,
                     SchemaFromArrow(*v2, &second.schema, second.last_column_id));
  EXPECT_TRUE(third.schema.SameFields(second.schema));
  EXPECT_EQ(third.last_column_id, 6);
}

TEST(WithFieldIds, AnnotatesNestedFieldsForParquet) {
  ICE_ASSIGN_OR_FAIL(ConvertedSchema c, SchemaFromArrow(*AllTypesArrow()));
  ICE_ASSIGN_OR_FAIL(auto annotated, WithFieldIds(*AllTypesArrow(), c.schema));
  auto id_of = [](const std::shared_ptr<arrow::Field>& f) {
    return f->metadata() ? f->metadata()->Get("PARQUET:field_id").ValueOr("") : "";
  };
  EXPECT_EQ(id_of(annotated->GetFieldByName("id")), "1");
  auto tags = annotated->GetFieldByName("tags");
  EXPECT_EQ(id_of(tags), "16");
  EXPECT_EQ(id_of(tags->type()->field(0)), "17");
  auto span = annotated->GetFieldByName("span");
  EXPECT_EQ(id_of(span->type()->field(1)), "20");
  auto attrs = std::static_pointer_cast<arrow::MapType>(
      annotated->GetFieldByName("attrs")->type());
  EXPECT_EQ(id_of(attrs->key_field()), "23");
  EXPECT_EQ(id_of(attrs->item_field()), "24");
  EXPECT_TRUE(annotated->GetFieldByName("tstz")->type()->Equals(
      arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")));
  EXPECT_FALSE(
      WithFieldIds(*arrow::schema({arrow::field("zz", arrow::int32())}), c.schema).ok());
}

TEST(SchemaJson, RoundTripsNestedTypes) {
  ICE_ASSIGN_OR_FAIL(ConvertedSchema c, SchemaFromArrow(*AllTypesArrow()));
  c.schema.schema_id = 3;
  c.schema.identifier_field_ids = {1};
  nlohmann::json j = SchemaToJson(c.schema);
  EXPECT_EQ(j["schema-id"], 3);
  EXPECT_EQ(j["fields"][7]["type"], "decimal(12, 2)");
  EXPECT_EQ(j["fields"][15]["type"]["element-id"], 17);
  EXPECT_EQ(j["fields"][17]["type"]["value-required"], false);
  ICE_ASSIGN_OR_FAIL(Schema back, SchemaFromJson(j));
  EXPECT_EQ(back.schema_id, 3);
  EXPECT_TRUE(back.SameFields(c.schema));
  // The spellings other writers use parse too.
  ICE_ASSIGN_OR_FAIL(Type d, TypeFromJson("decimal(38,10)"));
  EXPECT_EQ(d, Type::Decimal(38, 10));
  ICE_ASSIGN_OR_FAIL(Type f, TypeFromJson("fixed[16]"));
  EXPECT_EQ(f, Type::Fixed(16));
  EXPECT_FALSE(TypeFromJson("variant").ok());
  EXPECT_FALSE(SchemaFromJson(nlohmann::json{{"fields", {{{"id", "x"}}}}}).ok());
}

Schema Make(std::vector<NestedField> fields) {
  Schema s;
  s.fields = std::move(fields);
  return s;
}

TEST(SchemaChange, AllowsPromotionsAdditionsAndDrops) {
  Schema old_schema = Make({{1, "a", true, Type::Primitive(TypeId::kInt)},
                            {2, "b", false, Type::Primitive(TypeId::kFloat)},
                            {3, "c", false, Type::Decimal(9, 2)},
                            {4, "gone", false, Type::Primitive(TypeId::kString)}});
  EXPECT_EQ(CheckSchemaChange(old_schema, old_schema).kind,
            SchemaChange::Kind::kUnchanged);
  Schema new_schema = Make({{1, "a", false, Type::Primitive(TypeId::kLong)},
                            {2, "b", false, Type::Primitive(TypeId::kDouble)},
                            {3, "c", false, Type::Decimal(18, 2)},
                            {5, "added", false, Type::Primitive(TypeId::kString)}});
  SchemaChange change = CheckSchemaChange(old_schema, new_schema);
  EXPECT_EQ(change.kind, SchemaChange::Kind::kEvolvable) << change.reason;
}

TEST(SchemaChange, EverythingElseNeedsAFullReload) {
  Schema base = Make(
      {{1, "a", false, Type::Primitive(TypeId::kLong)},
       {2, "d", false, Type::Decimal(9, 2)},
       {3, "s", false, Type::Struct({{4, "x", false, Type::Primitive(TypeId::kInt)}})}});
  auto reload = [&](Schema changed) {
    SchemaChange c = CheckSchemaChange(base, changed);
    EXPECT_EQ(c.kind, SchemaChange::Kind::kNeedsFullReload);
    return c.reason;
  };
  Schema narrowed = base;
  narrowed.fields[0].type = Type::Primitive(TypeId::kInt);
  EXPECT_EQ(reload(narrowed), "column \"a\" changed type from long to int");
  Schema rescaled = base;
  rescaled.fields[1].type = Type::Decimal(12, 3);
  reload(rescaled);
  Schema to_string = base;
  to_string.fields[0].type = Type::Primitive(TypeId::kString);
  reload(to_string);
  Schema required = base;
  required.fields[0].required = true;
  EXPECT_EQ(reload(required), "column \"a\" became required");
  Schema required_added = base;
  required_added.fields.push_back({9, "z", true, Type::Primitive(TypeId::kInt)});
  reload(required_added);
  Schema nested = base;
  nested.fields[2].type.fields[0].type = Type::Primitive(TypeId::kString);
  EXPECT_EQ(reload(nested), "column \"s.x\" changed type from int to string");
  Schema struct_to_prim = base;
  struct_to_prim.fields[2].type = Type::Primitive(TypeId::kString);
  reload(struct_to_prim);
}

TEST(PartitionSpec, DayOfACursorColumn) {
  Schema s = Make({{1, "id", true, Type::Primitive(TypeId::kLong)},
                   {2, "updated_at", false, Type::Primitive(TypeId::kTimestampTz)}});
  ICE_ASSIGN_OR_FAIL(PartitionSpec spec, PartitionSpec::Day(s, "updated_at"));
  ASSERT_EQ(spec.fields.size(), 1u);
  EXPECT_EQ(spec.fields[0].field_id, 1000);
  EXPECT_EQ(spec.fields[0].source_id, 2);
  EXPECT_EQ(spec.fields[0].transform, "day");
  EXPECT_EQ(spec.fields[0].name, "updated_at_day");
  EXPECT_EQ(spec.LastFieldId(), 1000);
  ICE_ASSIGN_OR_FAIL(auto ptype, spec.PartitionType(s));
  EXPECT_EQ(ptype[0].type.id, TypeId::kDate);
  EXPECT_EQ(PartitionSpecToJson(spec).dump(),
            R"({"fields":[{"field-id":1000,"name":"updated_at_day","source-id":2,)"
            R"("transform":"day"}],"spec-id":0})");
  ICE_ASSIGN_OR_FAIL(PartitionSpec back,
                     PartitionSpecFromJson(PartitionSpecToJson(spec)));
  EXPECT_TRUE(back.SameFields(spec));
  EXPECT_FALSE(PartitionSpec::Day(s, "id").ok());
  EXPECT_FALSE(PartitionSpec::Day(s, "missing").ok());
  EXPECT_TRUE(PartitionSpec::Unpartitioned().is_unpartitioned());
  EXPECT_EQ(PartitionSpec::Unpartitioned().LastFieldId(), 999);
}

TEST(PartitionSpec, DayValues) {
  EXPECT_EQ(DayOfDate(19700), 19700);
  EXPECT_EQ(DayOfTimestampMicros(0), 0);
  EXPECT_EQ(DayOfTimestampMicros(86'400'000'000 - 1), 0);
  EXPECT_EQ(DayOfTimestampMicros(86'400'000'000), 1);
  EXPECT_EQ(DayOfTimestampMicros(-1), -1);  // 1969-12-31
  EXPECT_EQ(DayOfTimestampMicros(-86'400'000'000), -1);
  EXPECT_EQ(DayOfTimestampMicros(-86'400'000'001), -2);
}

}  // namespace
}  // namespace pgtide::iceberg
