#include "pgtide/source/copy_decoder.h"

#include <gtest/gtest.h>

#include "golden_copy.h"

namespace pgtide::source {
namespace {

using testing::DecodeGolden;
using testing::Plan;
using testing::Spec;
using Kind = DecoderSpec::Kind;

TEST(CopyDecoder, RejectsStreamWithoutSignature) {
  auto d =
      CopyDecoder::Make({Plan(Spec(Kind::kInt32))}, -1, arrow::default_memory_pool());
  ASSERT_TRUE(d.ok());
  std::string junk(32, 'x');
  auto r = (*d)->Consume(reinterpret_cast<const uint8_t*>(junk.data()), 32);
  EXPECT_FALSE(r.ok());
}

TEST(CopyDecoder, RejectsWrongFieldCount) {
  auto msgs = testing::SplitMessages(testing::ReadGolden("ints"));
  auto d =
      CopyDecoder::Make({Plan(Spec(Kind::kInt16))}, -1, arrow::default_memory_pool());
  auto r = (*d)->Consume(reinterpret_cast<const uint8_t*>(msgs[0].data()),
                         static_cast<int32_t>(msgs[0].size()));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("3 fields, expected 1"), std::string::npos);
}

TEST(CopyDecoder, RejectsTruncatedTuple) {
  auto msgs = testing::SplitMessages(testing::ReadGolden("ints"));
  auto d = CopyDecoder::Make(
      {Plan(Spec(Kind::kInt16)), Plan(Spec(Kind::kInt32)), Plan(Spec(Kind::kInt64))}, -1,
      arrow::default_memory_pool());
  std::string cut = msgs[0].substr(0, msgs[0].size() - 3);
  EXPECT_FALSE((*d)->Consume(reinterpret_cast<const uint8_t*>(cut.data()),
                             static_cast<int32_t>(cut.size()))
                   .ok());
}

TEST(CopyDecoder, ReportsCursorValuesAndNulls) {
  DecodedBatch raw;
  auto b = DecodeGolden(
      "ints",
      {Plan(Spec(Kind::kInt16)), Plan(Spec(Kind::kInt32)), Plan(Spec(Kind::kInt64))},
      /*cursor=*/2, &raw);
  ASSERT_EQ(b->num_rows(), 4);
  ASSERT_EQ(raw.cursor.size(), 4u);
  EXPECT_EQ(raw.cursor[0], 1000000000000LL);
  EXPECT_EQ(raw.cursor[1], -2000000000000LL);
  EXPECT_EQ(raw.cursor_null[2], 1);
  EXPECT_EQ(raw.cursor_null[3], 0);
}

TEST(CopyDecoder, RowGateDropsRows) {
  auto decoder = CopyDecoder::Make(
      {Plan(Spec(Kind::kInt16)), Plan(Spec(Kind::kInt32)), Plan(Spec(Kind::kInt64))}, 2,
      arrow::default_memory_pool());
  (*decoder)->set_row_gate([](int64_t cursor, bool null, const uint8_t*, int32_t) {
    return !null && cursor > 0;
  });
  for (const auto& m : testing::SplitMessages(testing::ReadGolden("ints"))) {
    ASSERT_TRUE((*decoder)
                    ->Consume(reinterpret_cast<const uint8_t*>(m.data()),
                              static_cast<int32_t>(m.size()))
                    .ok());
  }
  auto batch = (*decoder)->Flush();
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->batch->num_rows(), 2);  // 1 and 32767; -2 and NULL dropped
}

}  // namespace
}  // namespace pgtide::source
