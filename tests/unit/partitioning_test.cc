#include "pgtide/sink/partitioning.h"

#include <gtest/gtest.h>

#include "pgtide/common/time_format.h"

namespace pgtide::sink {
namespace {

TEST(DatePartitioning, TimestampsGoToTheirUtcDate) {
  DatePartitioning p(source::CursorKind::kTimestamptz, "updated_at");
  EXPECT_EQ(p.column(), "updated_at_date");
  // PostgreSQL counts from 2000-01-01: 0 is 2000-01-01 00:00:00.
  EXPECT_EQ(p.FolderOf(p.KeyOf(0, false)), "updated_at_date=2000-01-01");
  EXPECT_EQ(p.FolderOf(p.KeyOf(-1, false)), "updated_at_date=1999-12-31");
  EXPECT_EQ(p.FolderOf(p.KeyOf(0, true)), "updated_at_date=__HIVE_DEFAULT_PARTITION__");
  EXPECT_EQ(p.FolderOf(p.KeyOf(INT64_MAX, false)), "updated_at_date=infinity");
  EXPECT_EQ(p.FolderOf(p.KeyOf(INT64_MIN, false)), "updated_at_date=-infinity");
}

TEST(DatePartitioning, DatesAndNone) {
  DatePartitioning d(source::CursorKind::kDate, "day");
  EXPECT_EQ(d.FolderOf(d.KeyOf(1, false)), "day_date=2000-01-02");
  DatePartitioning none;
  EXPECT_FALSE(none.enabled());
  EXPECT_EQ(none.FolderOf(none.KeyOf(5, false)), "");
}

}  // namespace
}  // namespace pgtide::sink
