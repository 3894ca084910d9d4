#include <arrow/api.h>
#include <arrow/io/memory.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <parquet/arrow/writer.h>
#include <parquet/file_reader.h>

#include "iceberg_test_util.h"
#include "pgtide/iceberg/arrow_schema.h"
#include "pgtide/iceberg/data_file_stats.h"
#include "pgtide/iceberg/single_value.h"

namespace pgtide::iceberg {
namespace {

std::string Hex(const std::string& s) {
  std::string out;
  for (unsigned char c : s) out += fmt::format("{:02x}", c);
  return out;
}

TEST(SingleValue, FixedWidthEncodings) {
  EXPECT_EQ(Hex(SingleValueInt(1)), "01000000");
  EXPECT_EQ(Hex(SingleValueInt(-2)), "feffffff");
  EXPECT_EQ(Hex(SingleValueLong(258)), "0201000000000000");
  EXPECT_EQ(Hex(SingleValueBoolean(true)), "01");
  EXPECT_EQ(Hex(SingleValueFloat(1.0f)), "0000803f");
  EXPECT_EQ(Hex(SingleValueDouble(-2.0)), "00000000000000c0");
  EXPECT_EQ(ReadSingleValueInt(SingleValueInt(19700)), 19700);
  EXPECT_EQ(ReadSingleValueLong(SingleValueLong(-5)), -5);
  EXPECT_FALSE(ReadSingleValueInt("abc").has_value());
}

TEST(SingleValue, DecimalsAreMinimalBigEndianTwosComplement) {
  auto dec = [](int64_t v) { return Hex(SingleValueDecimal(arrow::Decimal128(v))); };
  EXPECT_EQ(dec(0), "00");
  EXPECT_EQ(dec(127), "7f");
  EXPECT_EQ(dec(128), "0080");
  EXPECT_EQ(dec(-1), "ff");
  EXPECT_EQ(dec(-128), "80");
  EXPECT_EQ(dec(-129), "ff7f");
  EXPECT_EQ(dec(1234567), "12d687");
  arrow::Decimal128 big =
      arrow::Decimal128::FromString("-99999999999999999999999999999999999999")
          .ValueOrDie();
  EXPECT_EQ(SingleValueDecimal(big).size(), 16u);
}

TEST(SingleValue, TruncatedStringBounds) {
  EXPECT_EQ(TruncateStringLower("short"), "short");
  EXPECT_EQ(TruncateStringUpper("short"), "short");
  EXPECT_EQ(TruncateStringLower("abcdefghijklmnopqrstuvwxyz"), "abcdefghijklmnop");
  EXPECT_EQ(TruncateStringUpper("abcdefghijklmnopqrstuvwxyz"), "abcdefghijklmnoq");
  // 16 code points, not 16 bytes: "ü" is two bytes.
  std::string umlauts;
  for (int i = 0; i < 20; ++i) umlauts += "ü";
  EXPECT_EQ(TruncateStringLower(umlauts).size(), 32u);
  EXPECT_EQ(TruncateStringUpper(umlauts)->substr(30), "ý");
  // The largest code point can't be incremented: carry into the one before.
  std::string top = "a";
  for (int i = 0; i < 20; ++i) top += "\xf4\x8f\xbf\xbf";
  EXPECT_EQ(TruncateStringUpper(top, 3), "b");
  std::string all_top;
  for (int i = 0; i < 20; ++i) all_top += "\xf4\x8f\xbf\xbf";
  EXPECT_FALSE(TruncateStringUpper(all_top, 3).has_value());
  EXPECT_EQ(TruncateBinaryUpper(std::string("ab\xff\xff\x01", 5), 4), "ac");
  EXPECT_FALSE(TruncateBinaryUpper(std::string(5, '\xff'), 4).has_value());
  EXPECT_EQ(TruncateBinaryLower("abcdef", 4), "abcd");
}

// Writes a table to Parquet in memory and returns the footer and the file size.
std::shared_ptr<parquet::FileMetaData> WriteParquet(const arrow::Table& table,
                                                    int64_t row_group_size,
                                                    int64_t* size) {
  auto sink = arrow::io::BufferOutputStream::Create().ValueOrDie();
  auto status = parquet::arrow::WriteTable(table, arrow::default_memory_pool(), sink,
                                           row_group_size);
  EXPECT_TRUE(status.ok()) << status.ToString();
  auto buffer = sink->Finish().ValueOrDie();
  *size = buffer->size();
  auto reader =
      parquet::ParquetFileReader::Open(std::make_shared<arrow::io::BufferReader>(buffer));
  return reader->metadata();
}

TEST(DataFileStats, FromAParquetFooterKeyedByFieldId) {
  auto arrow_schema = arrow::schema({
      arrow::field("id", arrow::int64(), false),
      arrow::field("n", arrow::int32()),
      arrow::field("flag", arrow::boolean()),
      arrow::field("name", arrow::utf8()),
      arrow::field("amount", arrow::decimal128(10, 2)),
      arrow::field("day", arrow::date32()),
      arrow::field("ts", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")),
      arrow::field("x", arrow::float64()),
      arrow::field("tags", arrow::list(arrow::utf8())),
      arrow::field("none", arrow::int32()),
  });
  ICE_ASSIGN_OR_FAIL(ConvertedSchema ice, SchemaFromArrow(*arrow_schema));
  // Give the file field ids unlike name order, to prove matching goes by id.
  ICE_ASSIGN_OR_FAIL(auto with_ids, WithFieldIds(*arrow_schema, ice.schema));

  arrow::Int64Builder id;
  arrow::Int32Builder n, none;
  arrow::BooleanBuilder flag;
  arrow::StringBuilder name;
  arrow::Decimal128Builder amount(arrow::decimal128(10, 2));
  arrow::Date32Builder day;
  arrow::TimestampBuilder ts(arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"),
                             arrow::default_memory_pool());
  arrow::DoubleBuilder x;
  auto tags_values = std::make_shared<arrow::StringBuilder>();
  arrow::ListBuilder tags(arrow::default_memory_pool(), tags_values);
  for (int i = 0; i < 6; ++i) {
    ICE_ASSERT_OK(id.Append(100 + i));
    ICE_ASSERT_OK(i == 2 ? n.AppendNull() : n.Append(-i));
    ICE_ASSERT_OK(flag.Append(i % 2 == 1));
    ICE_ASSERT_OK(
        name.Append(i == 5 ? "zzzzzzzzzzzzzzzzzzzz-long" : "name" + std::to_string(i)));
    ICE_ASSERT_OK(amount.Append(arrow::Decimal128(i == 0 ? -12345 : 100 * i)));
    ICE_ASSERT_OK(day.Append(19700 + i));
    ICE_ASSERT_OK(ts.Append(1'700'000'000'000'000 + i));
    ICE_ASSERT_OK(x.Append(0.5 * i));
    ICE_ASSERT_OK(tags.Append());
    ICE_ASSERT_OK(tags_values->Append("t"));
    ICE_ASSERT_OK(none.AppendNull());
  }
  std::vector<std::shared_ptr<arrow::Array>> columns(10);
  ICE_ASSERT_OK(id.Finish(&columns[0]));
  ICE_ASSERT_OK(n.Finish(&columns[1]));
  ICE_ASSERT_OK(flag.Finish(&columns[2]));
  ICE_ASSERT_OK(name.Finish(&columns[3]));
  ICE_ASSERT_OK(amount.Finish(&columns[4]));
  ICE_ASSERT_OK(day.Finish(&columns[5]));
  ICE_ASSERT_OK(ts.Finish(&columns[6]));
  ICE_ASSERT_OK(x.Finish(&columns[7]));
  ICE_ASSERT_OK(tags.Finish(&columns[8]));
  ICE_ASSERT_OK(none.Finish(&columns[9]));
  auto table = arrow::Table::Make(with_ids, columns);
  int64_t size = 0;
  auto footer = WriteParquet(*table, /*row_group_size=*/4, &size);  // two row groups
  ASSERT_EQ(footer->num_row_groups(), 2);

  AvroValue partition = AvroValue::Record({{"ts_day", AvroValue::Int(19675)}});
  ICE_ASSIGN_OR_FAIL(DataFile f, DataFileFromParquet(*footer, ice.schema, "/t/f.parquet",
                                                     size, partition));
  auto idof = [&](const char* col) { return ice.schema.FindField(col)->id; };
  EXPECT_EQ(f.record_count, 6);
  EXPECT_EQ(f.file_size_in_bytes, size);
  EXPECT_EQ(f.partition, partition);
  EXPECT_EQ(f.split_offsets.size(), 2u);
  EXPECT_EQ(f.value_counts.at(idof("n")), 6);
  EXPECT_EQ(f.null_value_counts.at(idof("n")), 1);
  EXPECT_EQ(f.null_value_counts.at(idof("id")), 0);
  EXPECT_GT(f.column_sizes.at(idof("id")), 0);
  EXPECT_EQ(f.lower_bounds.at(idof("id")), SingleValueLong(100));
  EXPECT_EQ(f.upper_bounds.at(idof("id")), SingleValueLong(105));
  EXPECT_EQ(f.lower_bounds.at(idof("n")), SingleValueInt(-5));
  EXPECT_EQ(f.upper_bounds.at(idof("n")), SingleValueInt(0));
  EXPECT_EQ(f.lower_bounds.at(idof("flag")), SingleValueBoolean(false));
  EXPECT_EQ(f.upper_bounds.at(idof("flag")), SingleValueBoolean(true));
  EXPECT_EQ(f.lower_bounds.at(idof("name")), "name0");
  EXPECT_EQ(f.upper_bounds.at(idof("name")), "zzzzzzzzzzzzzzz{");
  EXPECT_EQ(f.lower_bounds.at(idof("amount")),
            SingleValueDecimal(arrow::Decimal128(-12345)));
  EXPECT_EQ(f.upper_bounds.at(idof("amount")),
            SingleValueDecimal(arrow::Decimal128(500)));
  EXPECT_EQ(f.lower_bounds.at(idof("day")), SingleValueInt(19700));
  EXPECT_EQ(f.upper_bounds.at(idof("ts")), SingleValueLong(1'700'000'000'000'005));
  EXPECT_EQ(f.upper_bounds.at(idof("x")), SingleValueDouble(2.5));
  // Nested columns get no metrics; an all-null column has counts but no bounds.
  EXPECT_EQ(f.value_counts.count(idof("tags")), 0u);
  EXPECT_EQ(f.column_sizes.count(ice.schema.FindField("tags")->type.fields[0].id), 0u);
  EXPECT_EQ(f.null_value_counts.at(idof("none")), 6);
  EXPECT_EQ(f.lower_bounds.count(idof("none")), 0u);
}

TEST(DataFileStats, FallsBackToNamesWithoutFieldIds) {
  auto arrow_schema = arrow::schema(
      {arrow::field("b", arrow::int32()), arrow::field("a", arrow::int64())});
  Schema ice;
  ice.fields = {{7, "a", false, Type::Primitive(TypeId::kLong)},
                {8, "b", false, Type::Primitive(TypeId::kInt)}};
  arrow::Int32Builder b;
  arrow::Int64Builder a;
  ICE_ASSERT_OK(b.Append(3));
  ICE_ASSERT_OK(a.Append(4));
  auto table = arrow::Table::Make(arrow_schema,
                                  {b.Finish().ValueOrDie(), a.Finish().ValueOrDie()});
  int64_t size = 0;
  auto footer = WriteParquet(*table, 100, &size);
  ICE_ASSIGN_OR_FAIL(DataFile f,
                     DataFileFromParquet(*footer, ice, "p", size, AvroValue::Record({})));
  EXPECT_EQ(f.lower_bounds.at(7), SingleValueLong(4));
  EXPECT_EQ(f.lower_bounds.at(8), SingleValueInt(3));
}

}  // namespace
}  // namespace pgtide::iceberg
