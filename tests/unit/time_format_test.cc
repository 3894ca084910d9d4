#include "pgtide/common/time_format.h"

#include <gtest/gtest.h>

namespace pgtide {
namespace {

TEST(TimeFormat, CivilDaysRoundTrip) {
  for (int64_t d : {-719468LL, -1LL, 0LL, 10957LL, 19782LL, 2932896LL}) {
    int64_t y;
    unsigned m, dd;
    CivilFromDays(d, &y, &m, &dd);
    EXPECT_EQ(DaysFromCivil(y, m, dd), d);
  }
  EXPECT_EQ(FormatDate(0), "1970-01-01");
  EXPECT_EQ(FormatDate(-1), "1969-12-31");
  EXPECT_EQ(FormatDate(DaysFromCivil(2024, 2, 29)), "2024-02-29");
}

TEST(TimeFormat, PgTimestampLikePostgreSQLPrintsIt) {
  int64_t t = (DaysFromCivil(2024, 1, 2) * 86400 + 3 * 3600 + 4 * 60 + 5) * 1000000LL;
  EXPECT_EQ(FormatPgTimestamp(t, true), "2024-01-02 03:04:05+00");
  EXPECT_EQ(FormatPgTimestamp(t + 120000, true), "2024-01-02 03:04:05.12+00");
  EXPECT_EQ(FormatPgTimestamp(t + 1, false), "2024-01-02 03:04:05.000001");
  EXPECT_EQ(FormatPgTimestamp(-1, true), "1969-12-31 23:59:59.999999+00");
}

TEST(TimeFormat, FloorDiv) {
  EXPECT_EQ(FloorDiv(-1, 86400), -1);
  EXPECT_EQ(FloorDiv(86400, 86400), 1);
  EXPECT_EQ(FloorDiv(-86400, 86400), -1);
}

}  // namespace
}  // namespace pgtide
