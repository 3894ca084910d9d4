#include "pgtide/sink/encoding_choice.h"

#include <arrow/api.h>
#include <gtest/gtest.h>

#include <string>

namespace pgtide::sink {
namespace {

// One batch with a column of each kind the writer meets, `n` rows.
std::shared_ptr<arrow::RecordBatch> MakeBatch(int64_t n) {
  arrow::Int64Builder ids, codes;
  arrow::StringBuilder hashes, statuses;
  arrow::Decimal128Builder amounts(arrow::decimal128(12, 2));
  arrow::DoubleBuilder mostly_null;
  for (int64_t i = 0; i < n; ++i) {
    EXPECT_TRUE(ids.Append(i * 7919).ok());
    EXPECT_TRUE(codes.Append(i % 50).ok());
    EXPECT_TRUE(hashes.Append("h" + std::to_string(i * 2654435761ULL)).ok());
    EXPECT_TRUE(statuses.Append(i % 3 == 0 ? "paid" : "new").ok());
    EXPECT_TRUE(amounts.Append(arrow::Decimal128(i)).ok());
    EXPECT_TRUE(
        (i % 100 == 0 ? mostly_null.Append(i * 0.5) : mostly_null.AppendNull()).ok());
  }
  auto schema = arrow::schema(
      {arrow::field("id", arrow::int64()), arrow::field("code", arrow::int64()),
       arrow::field("hash", arrow::utf8()), arrow::field("status", arrow::utf8()),
       arrow::field("amount", arrow::decimal128(12, 2)),
       arrow::field("sparse", arrow::float64())});
  return arrow::RecordBatch::Make(
      schema, n,
      {*ids.Finish(), *codes.Finish(), *hashes.Finish(), *statuses.Finish(),
       *amounts.Finish(), *mostly_null.Finish()});
}

TEST(NearUniqueColumns, UniqueColumnsSkipDictionaryRepetitiveOnesKeepIt) {
  auto batch = MakeBatch(16384);
  auto near_unique = NearUniqueColumns(*batch);
  ASSERT_EQ(near_unique.size(), 6u);
  EXPECT_TRUE(near_unique[0]) << "ids";
  EXPECT_FALSE(near_unique[1]) << "50 codes";
  EXPECT_TRUE(near_unique[2]) << "hash strings";
  EXPECT_FALSE(near_unique[3]) << "two statuses";
  EXPECT_TRUE(near_unique[4]) << "decimals";
  EXPECT_FALSE(near_unique[5]) << "164 values: too few to judge";
}

TEST(NearUniqueColumns, SlicesAreReadFromTheirOffset) {
  // A slice's values start at its offset: read from 0 they would be the wrong rows, and a
  // slice of repeated values must not look unique.
  auto batch = MakeBatch(20000);
  auto near_unique = NearUniqueColumns(*batch->Slice(3000, 12000));
  EXPECT_TRUE(near_unique[0]);
  EXPECT_FALSE(near_unique[1]);
  EXPECT_TRUE(near_unique[2]);
  EXPECT_FALSE(near_unique[3]);
}

TEST(NearUniqueColumns, SmallBatchesKeepTheDefault) {
  auto near_unique = NearUniqueColumns(*MakeBatch(500));
  for (bool b : near_unique) EXPECT_FALSE(b);
}

}  // namespace
}  // namespace pgtide::sink
