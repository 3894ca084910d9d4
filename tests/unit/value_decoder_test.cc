// One test per PostgreSQL type family, decoding golden COPY bytes captured from
// PostgreSQL 15 (golden/make_golden.sh holds the queries).

#include "pgtide/source/value_decoder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "golden_copy.h"
#include "pgtide/common/time_format.h"

namespace pgtide::source {
namespace {

using testing::DecodeGolden;
using testing::Plan;
using testing::Spec;
using Kind = DecoderSpec::Kind;

template <typename T>
std::shared_ptr<T> Col(const std::shared_ptr<arrow::RecordBatch>& b, int i) {
  return std::static_pointer_cast<T>(b->column(i));
}

TEST(ValueDecoder, Integers) {
  auto b = DecodeGolden("ints", {Plan(Spec(Kind::kInt16)), Plan(Spec(Kind::kInt32)),
                                 Plan(Spec(Kind::kInt64))});
  auto s = Col<arrow::Int16Array>(b, 0);
  auto i = Col<arrow::Int32Array>(b, 1);
  auto l = Col<arrow::Int64Array>(b, 2);
  EXPECT_EQ(s->Value(0), 1);
  EXPECT_EQ(s->Value(1), -2);
  EXPECT_TRUE(s->IsNull(2));
  EXPECT_EQ(s->Value(3), 32767);
  EXPECT_EQ(i->Value(1), -2000);
  EXPECT_EQ(l->Value(3), 32767LL * 1000000000000LL);
}

TEST(ValueDecoder, IntegerExtremes) {
  auto b = DecodeGolden("extremes", {Plan(Spec(Kind::kInt16)), Plan(Spec(Kind::kInt32)),
                                     Plan(Spec(Kind::kInt64))});
  EXPECT_EQ(Col<arrow::Int16Array>(b, 0)->Value(0), INT16_MIN);
  EXPECT_EQ(Col<arrow::Int32Array>(b, 1)->Value(0), INT32_MIN);
  EXPECT_EQ(Col<arrow::Int64Array>(b, 2)->Value(0), INT64_MIN);
  EXPECT_EQ(Col<arrow::Int64Array>(b, 2)->Value(1), INT64_MAX);
}

TEST(ValueDecoder, Floats) {
  auto b =
      DecodeGolden("floats", {Plan(Spec(Kind::kFloat32)), Plan(Spec(Kind::kFloat64))});
  auto f = Col<arrow::FloatArray>(b, 0);
  auto d = Col<arrow::DoubleArray>(b, 1);
  EXPECT_EQ(f->Value(0), 1.5f);
  EXPECT_EQ(d->Value(1), -0.25);
  EXPECT_TRUE(std::isnan(d->Value(2)));
  EXPECT_EQ(d->Value(3), INFINITY);
  EXPECT_EQ(f->Value(4), -INFINITY);
  EXPECT_TRUE(d->IsNull(5));
}

TEST(ValueDecoder, NumericToDecimal) {
  DecoderSpec a = Spec(Kind::kDecimal);
  a.precision = 12;
  a.scale = 2;
  DecoderSpec c = Spec(Kind::kDecimal);
  c.precision = 38;
  c.scale = 10;
  auto b = DecodeGolden("numeric", {Plan(a), Plan(c)});
  auto x = Col<arrow::Decimal128Array>(b, 0);
  auto y = Col<arrow::Decimal128Array>(b, 1);
  EXPECT_EQ(x->FormatValue(0), "0.00");
  EXPECT_EQ(x->FormatValue(1), "123.45");
  EXPECT_EQ(x->FormatValue(2), "-0.01");
  EXPECT_EQ(x->FormatValue(3), "9999999999.99");
  EXPECT_EQ(x->FormatValue(4), "10000.00");
  EXPECT_EQ(y->FormatValue(1), "123.4500000000");
  EXPECT_EQ(y->FormatValue(4), "10000.0000000000");
  EXPECT_TRUE(x->IsNull(5));
}

TEST(ValueDecoder, NumericNaNIsRejectedForDecimals) {
  // ndigits 0, weight 0, sign NaN, dscale 0
  const uint8_t nan[] = {0, 0, 0, 0, 0xC0, 0, 0, 0};
  EXPECT_FALSE(NumericToDecimal(nan, 8, 10, 2).ok());
  // 12345678901 does not fit numeric(10, 0): digits [1, 2345, 6789, 0100?]
  const uint8_t big[] = {0, 3, 0, 2, 0, 0, 0, 0, 0, 123, 0x11, 0xD7, 0x1A, 0x85};
  EXPECT_FALSE(NumericToDecimal(big, sizeof(big), 10, 0).ok());
  EXPECT_TRUE(NumericToDecimal(big, sizeof(big), 20, 0).ok());
}

// PostgreSQL's binary numeric for a plain decimal literal ("-123.45"): base-10000
// digits around the decimal point, trailing zero digits dropped as numeric_send does.
std::vector<uint8_t> NumericBytes(const std::string& literal) {
  const bool negative = literal[0] == '-';
  std::string body = negative ? literal.substr(1) : literal;
  const size_t dot = body.find('.');
  std::string int_part = dot == std::string::npos ? body : body.substr(0, dot);
  std::string frac = dot == std::string::npos ? "" : body.substr(dot + 1);
  const int16_t dscale = static_cast<int16_t>(frac.size());
  while (int_part.size() % 4) int_part = "0" + int_part;
  while (frac.size() % 4) frac += "0";
  std::vector<int16_t> digits;
  for (size_t i = 0; i < int_part.size(); i += 4)
    digits.push_back(static_cast<int16_t>(std::stoi(int_part.substr(i, 4))));
  int16_t weight = static_cast<int16_t>(digits.size()) - 1;
  for (size_t i = 0; i < frac.size(); i += 4)
    digits.push_back(static_cast<int16_t>(std::stoi(frac.substr(i, 4))));
  while (!digits.empty() && digits.front() == 0) {
    digits.erase(digits.begin());
    --weight;
  }
  while (!digits.empty() && digits.back() == 0) digits.pop_back();
  if (digits.empty()) weight = 0;
  auto put16 = [](std::vector<uint8_t>& out, int v) {
    out.push_back(static_cast<uint8_t>((v >> 8) & 0xff));
    out.push_back(static_cast<uint8_t>(v & 0xff));
  };
  std::vector<uint8_t> out;
  put16(out, static_cast<int>(digits.size()));
  put16(out, weight);
  put16(out, negative ? 0x4000 : 0);
  put16(out, dscale);
  for (int16_t d : digits) put16(out, d);
  return out;
}

TEST(ValueDecoder, NumericToDecimalAgreesWithArrowOnBothSidesOf18Digits) {
  // Values below 10^18 once scaled take the int64 path, larger ones the 128-bit one.
  struct Case {
    std::string literal;
    int32_t precision, scale;
  };
  const std::vector<Case> cases = {
      {"0", 12, 2},
      {"-0.01", 12, 2},
      {"123.45", 12, 2},
      {"9999999999.99", 12, 2},
      {"0.0001", 10, 4},
      {"-12345678.9", 18, 4},
      {"999999999999999999", 18, 0},
      {"-999999999999999999", 18, 0},
      {"1000000000000000000", 19, 0},
      {"99999999.9999999999", 18, 10},
      {"123456789012345678901234.5678", 38, 10},
      {"-0.000000001", 38, 10},
      {"42", 38, 0},
      {"1.5", 20, 12},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.literal);
    auto bytes = NumericBytes(c.literal);
    auto got = NumericToDecimal(bytes.data(), static_cast<int32_t>(bytes.size()),
                                c.precision, c.scale);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    int32_t p = 0, s = 0;
    arrow::Decimal128 want;
    ASSERT_TRUE(arrow::Decimal128::FromString(c.literal, &want, &p, &s).ok());
    want = *want.Rescale(s, c.scale);
    EXPECT_EQ(got->ToString(c.scale), want.ToString(c.scale));
  }
  // One digit too many for the precision, on the int64 path and on the 128-bit one.
  const std::vector<Case> too_wide = {{"10000000000.00", 12, 2},
                                      {"-99999999999.9", 12, 2},
                                      {"-1000000000000000000", 18, 0},
                                      {"1000000000000000000000", 21, 0}};
  for (const auto& c : too_wide) {
    auto bytes = NumericBytes(c.literal);
    EXPECT_FALSE(NumericToDecimal(bytes.data(), static_cast<int32_t>(bytes.size()),
                                  c.precision, c.scale)
                     .ok())
        << c.literal;
  }
}

TEST(ValueDecoder, TextVarcharCharBytea) {
  auto b = DecodeGolden("text", {Plan(Spec(Kind::kText)), Plan(Spec(Kind::kText)),
                                 Plan(Spec(Kind::kText)), Plan(Spec(Kind::kBinary))});
  EXPECT_EQ(Col<arrow::StringArray>(b, 0)->GetString(0), "héllo");
  EXPECT_EQ(Col<arrow::StringArray>(b, 2)->GetString(0), "héllo ");  // char(6) pads
  EXPECT_EQ(Col<arrow::StringArray>(b, 1)->GetString(1), "");
  EXPECT_FALSE(Col<arrow::StringArray>(b, 1)->IsNull(1));
  EXPECT_EQ(Col<arrow::BinaryArray>(b, 3)->GetString(0), "héllo");
  EXPECT_TRUE(Col<arrow::BinaryArray>(b, 3)->IsNull(2));
}

TEST(ValueDecoder, DatesTimestampsTimes) {
  DecoderSpec tz = Spec(Kind::kTimestamp);
  tz.utc = true;
  auto b =
      DecodeGolden("temporal", {Plan(Spec(Kind::kDate)), Plan(Spec(Kind::kTimestamp)),
                                Plan(tz), Plan(Spec(Kind::kTime))});
  auto d = Col<arrow::Date32Array>(b, 0);
  auto ts = Col<arrow::TimestampArray>(b, 1);
  auto tstz = Col<arrow::TimestampArray>(b, 2);
  auto t = Col<arrow::Int64Array>(b, 3);  // microseconds since midnight
  EXPECT_EQ(d->Value(0), DaysFromCivil(2024, 2, 29));
  EXPECT_EQ(d->Value(1), DaysFromCivil(1999, 12, 31));
  EXPECT_EQ(ts->Value(0), (DaysFromCivil(2024, 2, 29) * 86400LL + 13 * 3600 + 14 * 60 +
                           15) * 1000000LL +
                              123456);
  EXPECT_EQ(ts->Value(1), 0);
  EXPECT_EQ(tstz->Value(1), 0);  // the session was UTC when captured
  EXPECT_EQ(b->schema()->field(2)->type()->ToString(), "timestamp[us, tz=UTC]");
  // ±infinity become ±INT_MAX (DuckDB's ±infinity), never shifted.
  EXPECT_EQ(d->Value(2), INT32_MAX);
  EXPECT_EQ(d->Value(3), -INT32_MAX);
  EXPECT_EQ(ts->Value(2), INT64_MAX);
  EXPECT_EQ(ts->Value(3), -INT64_MAX);
  EXPECT_EQ(tstz->Value(3), -INT64_MAX);
  EXPECT_EQ(t->Value(0), (13 * 3600 + 14 * 60 + 15) * 1000000LL + 500000);
  EXPECT_EQ(t->Value(2), 86399999999LL);
  EXPECT_TRUE(t->IsNull(3));
}

TEST(ValueDecoder, BoolUuidJson) {
  DecoderSpec json = Spec(Kind::kText);
  json.json = true;
  DecoderSpec jsonb = Spec(Kind::kJsonb);
  jsonb.json = true;
  auto b = DecodeGolden("misc", {Plan(Spec(Kind::kBool)), Plan(Spec(Kind::kUuid)),
                                 Plan(json), Plan(jsonb)});
  auto flag = Col<arrow::BooleanArray>(b, 0);
  EXPECT_TRUE(flag->Value(0));
  EXPECT_FALSE(flag->Value(1));
  // uuid is its canonical text: Spark rejects Parquet's UUID logical type.
  auto uuid = Col<arrow::StringArray>(b, 1);
  EXPECT_EQ(uuid->GetString(0), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  EXPECT_TRUE(uuid->IsNull(1));
  // json is plain text (Iceberg has no JSON type).
  ASSERT_EQ(b->column(2)->type()->id(), arrow::Type::STRING);
  EXPECT_EQ(Col<arrow::StringArray>(b, 2)->GetString(0), "{\"a\": [1, 2]}");
  // jsonb drops its version byte; PostgreSQL normalises the text.
  ASSERT_EQ(b->column(3)->type()->id(), arrow::Type::STRING);
  EXPECT_EQ(Col<arrow::StringArray>(b, 3)->GetString(0), "{\"b\": null}");
}

TEST(ValueDecoder, IntervalKeepsItsThreeFields) {
  auto b = DecodeGolden("interval", {Plan(Spec(Kind::kInterval))});
  ASSERT_EQ(b->column(0)->type()->ToString(),
            "struct<months: int32 not null, days: int32 not null, "
            "microseconds: int64 not null>");
  auto iv = Col<arrow::StructArray>(b, 0);
  auto months = std::static_pointer_cast<arrow::Int32Array>(iv->field(0));
  auto days = std::static_pointer_cast<arrow::Int32Array>(iv->field(1));
  auto micros = std::static_pointer_cast<arrow::Int64Array>(iv->field(2));
  EXPECT_EQ(months->Value(0), 14);
  EXPECT_EQ(days->Value(0), 3);
  EXPECT_EQ(micros->Value(0), ((4 * 60 + 5) * 60 + 6) * 1000000LL + 789000);
  EXPECT_EQ(months->Value(1), -1);
  EXPECT_EQ(days->Value(1), 1);
  EXPECT_EQ(micros->Value(1), -1);
  EXPECT_EQ(months->Value(2), INT32_MAX);
  EXPECT_EQ(days->Value(2), INT32_MAX);
  EXPECT_EQ(micros->Value(2), INT64_MAX);
  EXPECT_TRUE(iv->IsNull(3));
}

TEST(ValueDecoder, MoneyCastToNumericIsAnExactDecimal) {
  DecoderSpec money = Spec(Kind::kDecimal);
  money.precision = 19;
  money.scale = 2;
  auto b = DecodeGolden("money", {Plan(money)});
  auto m = Col<arrow::Decimal128Array>(b, 0);
  EXPECT_EQ(m->FormatValue(0), "12.34");
  EXPECT_EQ(m->FormatValue(1), "-92233720368547758.08");
  EXPECT_EQ(m->FormatValue(2), "92233720368547758.07");
  EXPECT_TRUE(m->IsNull(3));
}

TEST(ValueDecoder, NumericNaNFailsNamingTheColumn) {
  DecoderSpec spec = Spec(Kind::kDecimal);
  spec.precision = 10;
  spec.scale = 2;
  auto d = ValueDecoder::Make(spec, "amount", arrow::default_memory_pool());
  const uint8_t nan[] = {0, 0, 0, 0, 0xC0, 0, 0, 0};
  auto st = (*d)->Append(nan, sizeof(nan));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("column \"amount\": numeric NaN"), std::string::npos);
  EXPECT_NE(st.message().find("HINT:"), std::string::npos);
}

// limits: row 0 holds the last timestamp int64 microseconds since 1970 can hold and
// '{1}'; row 1 one microsecond later and an array indexed from 0.
std::string ConsumeLimits(const std::vector<ColumnPlan>& plans,
                          std::shared_ptr<arrow::RecordBatch>* first_row = nullptr) {
  auto decoder = CopyDecoder::Make(plans, -1, arrow::default_memory_pool());
  auto msgs = testing::SplitMessages(testing::ReadGolden("limits"));
  EXPECT_EQ(msgs.size(), 3u);
  auto ok = (*decoder)->Consume(reinterpret_cast<const uint8_t*>(msgs[0].data()),
                                static_cast<int32_t>(msgs[0].size()));
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();
  auto r = (*decoder)->Consume(reinterpret_cast<const uint8_t*>(msgs[1].data()),
                               static_cast<int32_t>(msgs[1].size()));
  EXPECT_FALSE(r.ok());
  auto batch = (*decoder)->Flush();
  EXPECT_EQ(batch->batch->num_rows(), 1);
  if (first_row) *first_row = batch->batch;
  return r.status().message();
}

TEST(ValueDecoder, TimestampPastInt64MicrosFails) {
  DecoderSpec ints = Spec(Kind::kArray);
  ints.element = std::make_shared<DecoderSpec>(Spec(Kind::kInt32));
  std::shared_ptr<arrow::RecordBatch> b;
  std::string msg = ConsumeLimits({Plan(Spec(Kind::kTimestamp), "at"), Plan(ints)}, &b);
  EXPECT_EQ(Col<arrow::TimestampArray>(b, 0)->Value(0), INT64_MAX - 1);
  EXPECT_NE(msg.find("column \"at\": a timestamp on 294247-01-10 is after"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("HINT:"), std::string::npos);
}

TEST(ValueDecoder, ArrayNotIndexedFromOneFails) {
  DecoderSpec ints = Spec(Kind::kArray);
  ints.element = std::make_shared<DecoderSpec>(Spec(Kind::kInt32));
  std::string msg = ConsumeLimits({Plan(Spec(Kind::kBinary)), Plan(ints, "a")});
  EXPECT_NE(msg.find("column \"a\": array value has lower bound 0"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("HINT:"), std::string::npos);
}

TEST(ValueDecoder, OneDimensionalArrays) {
  DecoderSpec ints = Spec(Kind::kArray);
  ints.element = std::make_shared<DecoderSpec>(Spec(Kind::kInt32));
  DecoderSpec texts = Spec(Kind::kArray);
  texts.element = std::make_shared<DecoderSpec>(Spec(Kind::kText));
  auto b = DecodeGolden("arrays", {Plan(ints), Plan(texts), Plan(ints)});
  auto a = Col<arrow::ListArray>(b, 0);
  EXPECT_EQ(a->value_slice(0)->ToString(),
            testing::FromJson(arrow::int32(), "[1, null, 3]")->ToString());
  EXPECT_TRUE(a->IsNull(1));
  auto t = Col<arrow::ListArray>(b, 1);
  EXPECT_EQ(t->value_length(0), 2);
  EXPECT_EQ(t->value_length(1), 1);
  EXPECT_TRUE(t->value_slice(1)->IsNull(0));
  auto e = Col<arrow::ListArray>(b, 2);
  EXPECT_FALSE(e->IsNull(0));
  EXPECT_EQ(e->value_length(0), 0);  // '{}' is an empty list, not NULL
  EXPECT_EQ(e->value_length(1), 1);
}

TEST(ValueDecoder, TwoDimensionalArraysNest) {
  DecoderSpec ints = Spec(Kind::kArray);
  ints.dims = 2;
  ints.element = std::make_shared<DecoderSpec>(Spec(Kind::kInt32));
  auto b = DecodeGolden("arrays2d", {Plan(ints)});
  EXPECT_EQ(b->column(0)->type()->ToString(), "list<element: list<element: int32>>");
  auto outer = Col<arrow::ListArray>(b, 0);
  EXPECT_EQ(outer->value_length(0), 2);
  auto inner = std::static_pointer_cast<arrow::ListArray>(outer->values());
  EXPECT_EQ(inner->value_slice(1)->ToString(),
            testing::FromJson(arrow::int32(), "[3, 4]")->ToString());
}

TEST(ValueDecoder, ArrayWithUnexpectedDimensionsFails) {
  DecoderSpec ints = Spec(Kind::kArray);
  ints.element = std::make_shared<DecoderSpec>(Spec(Kind::kInt32));
  auto decoder = CopyDecoder::Make({Plan(ints)}, -1, arrow::default_memory_pool());
  auto msgs = testing::SplitMessages(testing::ReadGolden("arrays2d"));
  auto r = (*decoder)->Consume(reinterpret_cast<const uint8_t*>(msgs[0].data()),
                               static_cast<int32_t>(msgs[0].size()));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("2 dimensions"), std::string::npos);
}

}  // namespace
}  // namespace pgtide::source
