#include "pgtide/cli/progress_format.h"

#include <gtest/gtest.h>

namespace pgtide::cli {
namespace {

TableProgressView Orders() {
  TableProgressView t;
  t.name = "public.orders";
  t.rows = 1'200'000;
  t.bytes = 300LL << 20;
  t.estimated_rows = 5'000'000;
  t.rows_per_s = 100'000;
  t.bytes_per_s = 25.0 * (1 << 20);
  t.seconds = 12;
  return t;
}

TEST(ProgressFormat, TableShowsEstimatePercentRatesAndEta) {
  EXPECT_EQ(FormatTableProgress(Orders()),
            "public.orders 1.20M/~5.00M rows ~24% 100.0k rows/s 25.0 MiB/s ETA ~38s");
}

TEST(ProgressFormat, NoEstimateMeansNoPercentAndNoEta) {
  auto t = Orders();
  t.estimated_rows = -1;  // reltuples = -1: never analyzed
  EXPECT_EQ(FormatTableProgress(t), "public.orders 1.20M rows 100.0k rows/s 25.0 MiB/s");
  t.estimated_rows = 0;
  EXPECT_EQ(FormatTableProgress(t), "public.orders 1.20M rows 100.0k rows/s 25.0 MiB/s");
}

TEST(ProgressFormat, PastTheEstimateStaysBelowHundredPercentWithoutEta) {
  auto t = Orders();
  t.estimated_rows = 1'000'000;
  EXPECT_EQ(FormatTableProgress(t),
            "public.orders 1.20M/~1.00M rows ~99% 100.0k rows/s 25.0 MiB/s");
}

TEST(ProgressFormat, FinishingShowsTheAverageRateNotZero) {
  auto t = Orders();
  t.finishing = true;
  t.rows_per_s = 0;  // no rows arrive while files are written
  EXPECT_EQ(FormatTableProgress(t),
            "public.orders 1.20M rows, writing files (avg 100.0k rows/s)");
}

TEST(ProgressFormat, LineFitsTheTerminalWidthMinusOne) {
  std::vector<TableProgressView> running = {Orders(), Orders(), Orders()};
  for (size_t width : {20u, 40u, 80u, 132u, 300u}) {
    std::string line = FormatProgressLine(3, 10, running, width);
    EXPECT_LE(DisplayWidth(line), width - 1) << line;
    if (width > 20) EXPECT_EQ(line.rfind("[3/10 tables done]", 0), 0u) << line;
  }
  EXPECT_EQ(FormatProgressLine(3, 10, running, 40),
            "[3/10 tables done] public.orders 1.2...");
  // Wide enough: nothing is cut.
  std::string whole = FormatProgressLine(3, 10, {Orders()}, 300);
  EXPECT_EQ(whole, "[3/10 tables done] " + FormatTableProgress(Orders()));
}

TEST(ProgressFormat, CutNeverSplitsUtf8AndControlCharactersBecomeQuestionMarks) {
  EXPECT_EQ(FitToWidth("ab\ncd", 10), "ab?cd");
  // "é" is two bytes and one column.
  EXPECT_EQ(DisplayWidth("caf\xc3\xa9"), 4u);
  EXPECT_EQ(FitToWidth("caf\xc3\xa9 au lait", 7), "caf\xc3\xa9...");
  EXPECT_EQ(FitToWidth("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 4), "\xc3\xa9...");
  EXPECT_EQ(FitToWidth("abcdef", 2), "ab");
}

TEST(ProgressFormat, HeartbeatNamesTheTable) {
  EXPECT_EQ(FormatHeartbeat(Orders()),
            "progress: table public.orders: 1200000 of ~5000000 rows (~24%), 300.0 MiB "
            "read, 100000 rows/s, 25.0 MiB/s, ETA ~38s, running for 12s");
  auto t = Orders();
  t.estimated_rows = -1;
  EXPECT_NE(FormatHeartbeat(t).find("no row estimate"), std::string::npos);
  t.finishing = true;
  EXPECT_NE(FormatHeartbeat(t).find("writing files; average 100000 rows/s"),
            std::string::npos);
}

TEST(ProgressFormat, HumanUnits) {
  EXPECT_EQ(HumanCount(999), "999");
  EXPECT_EQ(HumanCount(12'345), "12.3k");
  EXPECT_EQ(HumanCount(4'500'000), "4.50M");
  EXPECT_EQ(HumanBytes(512), "512 B");
  EXPECT_EQ(HumanBytes(3 << 20), "3.0 MiB");
  EXPECT_EQ(HumanDuration(45), "45s");
  EXPECT_EQ(HumanDuration(200), "3m20s");
  EXPECT_EQ(HumanDuration(7500), "2h05m");
}

TEST(RateMeter, FollowsTheRateWithoutJumping) {
  RateMeter m;
  m.Sample(0, 0, 0);
  m.Sample(1, 1000, 10'000);
  EXPECT_DOUBLE_EQ(m.rows_per_s(), 1000);  // the first interval sets it
  EXPECT_DOUBLE_EQ(m.bytes_per_s(), 10'000);
  m.Sample(1.5, 1000, 10'000);  // nothing arrived for half a second
  EXPECT_GT(m.rows_per_s(), 500);
  EXPECT_LT(m.rows_per_s(), 1000);
  for (int i = 1; i <= 40; ++i) m.Sample(1.5 + i * 0.5, 1000 + i * 1000, 10'000);
  EXPECT_NEAR(m.rows_per_s(), 2000, 50);
}

}  // namespace
}  // namespace pgtide::cli
