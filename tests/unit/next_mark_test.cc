// The next-mark rule (state/next_mark.h) as a table of cases: every way a scan can end.
#include "pgtide/state/next_mark.h"

#include <gtest/gtest.h>

namespace pgtide::state {
namespace {

using source::CursorKind;

// PostgreSQL's greatest() for the values these cases use: same-format text compares as
// the values do.
arrow::Result<std::string> Greatest(const std::string&, const std::string& a,
                                    const std::string& b) {
  return a > b ? a : b;
}

MarkInputs Base() {
  MarkInputs in;
  in.table_name = "public.t";
  in.run_id = "20260101T000000Z-000abc";
  in.now_iso = "2026-01-01T00:00:00.000000Z";
  in.has_cursor = true;
  in.cursor_column = "updated_at";
  in.cursor_kind = CursorKind::kTimestamptz;
  in.horizon_text = "2024-01-01 00:00:10+00";
  return in;
}

constexpr int64_t kSecond = 1000000;  // raw timestamps: microseconds since 2000-01-01

TEST(NextMark, FirstRunFullLoadTakesTheMaxAndTheHorizon) {
  auto in = Base();
  in.full_load = true;
  in.rows_written = 3;
  in.max_written = 5 * kSecond;
  in.boundary = {RowHash{1, 2}};
  auto line = NextStateLine(in, Greatest).ValueOrDie();
  ASSERT_TRUE(line);
  EXPECT_EQ(line->max_updated_at, "2000-01-01 00:00:05+00");
  EXPECT_EQ(line->resume_from, "2024-01-01 00:00:10+00");
  EXPECT_EQ(line->committed_run, in.run_id);
  EXPECT_EQ(line->full_run, in.run_id);
  EXPECT_EQ(line->boundary.size(), 1u);
}

TEST(NextMark, CdcWithRowsKeepsTheFullRunAndAdvances) {
  TableState stored;
  stored.max_updated_at = "2000-01-01 00:00:01+00";
  stored.full_run = "20250101T000000Z-000aaa";
  auto in = Base();
  in.stored = &stored;
  in.rows_written = 1;
  in.max_written = 9 * kSecond;
  auto line = NextStateLine(in, Greatest).ValueOrDie();
  ASSERT_TRUE(line);
  EXPECT_EQ(line->max_updated_at, "2000-01-01 00:00:09+00");
  EXPECT_EQ(line->full_run, stored.full_run);
  EXPECT_EQ(line->committed_run, in.run_id);
}

TEST(NextMark, CdcWithoutRowsLeavesTheLineAsItWas) {
  TableState stored;
  stored.max_updated_at = "2000-01-01 00:00:01+00";
  auto in = Base();
  in.stored = &stored;
  in.rows_written = 0;
  EXPECT_FALSE(NextStateLine(in, Greatest).ValueOrDie());
}

TEST(NextMark, LateCommitsBelowTheOldMarkNeverLowerIt) {
  TableState stored;
  stored.max_updated_at = "2000-01-01 00:00:09+00";
  auto in = Base();
  in.stored = &stored;
  in.rows_written = 1;
  in.max_written = 3 * kSecond;  // a transaction that began early and committed late
  auto line = NextStateLine(in, Greatest).ValueOrDie();
  ASSERT_TRUE(line);
  EXPECT_EQ(line->max_updated_at, "2000-01-01 00:00:09+00");
  EXPECT_EQ(line->resume_from, in.horizon_text);
}

TEST(NextMark, FutureRowsOnlyKeepTheStoredMark) {
  // The tracker reports no max_written when every row is beyond the database clock.
  TableState stored;
  stored.max_updated_at = "2000-01-01 00:00:04+00";
  auto in = Base();
  in.stored = &stored;
  in.rows_written = 2;
  auto line = NextStateLine(in, Greatest).ValueOrDie();
  ASSERT_TRUE(line);
  EXPECT_EQ(line->max_updated_at, "2000-01-01 00:00:04+00");
}

TEST(NextMark, AResumePointAheadOfTheHorizonIsKept) {
  TableState stored;
  stored.max_updated_at = "2000-01-01 00:00:01+00";
  stored.resume_from = "2999-01-01 00:00:00+00";  // a mark in the future
  auto in = Base();
  in.stored = &stored;
  in.rows_written = 1;
  in.boundary = {RowHash{3, 4}};
  in.keep_resume_point = true;
  auto line = NextStateLine(in, Greatest).ValueOrDie();
  ASSERT_TRUE(line);
  EXPECT_EQ(line->resume_from, stored.resume_from);  // never moved back
  EXPECT_EQ(line->boundary.size(), 1u);
  in.full_load = true;  // a full reload re-bases the table
  EXPECT_EQ(NextStateLine(in, Greatest).ValueOrDie()->resume_from, in.horizon_text);
}

TEST(NextMark, IntegerCursorsResumeAtTheFinalThreshold) {
  TableState stored;
  stored.max_updated_at = "90";
  stored.resume_from = "80";
  auto in = Base();
  in.cursor_column = "version";
  in.cursor_kind = CursorKind::kInteger;
  in.stored = &stored;
  in.rows_written = 4;
  in.max_written = 120;
  in.final_threshold = 110;  // max seen 120 minus a lookback of 10
  in.horizon_text = "";
  auto line = NextStateLine(in,
                            [](const std::string& type, const std::string& a,
                               const std::string& b) -> arrow::Result<std::string> {
                              EXPECT_EQ(type, "bigint");
                              return std::stoll(a) > std::stoll(b) ? a : b;
                            })
                  .ValueOrDie();
  ASSERT_TRUE(line);
  EXPECT_EQ(line->max_updated_at, "120");
  EXPECT_EQ(line->resume_from, "110");
}

TEST(NextMark, IntegerCursorsWithoutAThresholdKeepTheStoredResumePoint) {
  TableState stored;
  stored.max_updated_at = "90";
  stored.resume_from = "80";
  auto in = Base();
  in.cursor_kind = CursorKind::kInteger;
  in.stored = &stored;
  in.rows_written = 1;  // a row with a NULL cursor
  auto line = NextStateLine(in, Greatest).ValueOrDie();
  ASSERT_TRUE(line);
  EXPECT_EQ(line->resume_from, "80");
}

TEST(NextMark, TablesWithoutACursorOnlyRecordTheFullRun) {
  auto in = Base();
  in.has_cursor = false;
  in.full_load = true;
  in.rows_written = 10;
  auto line = NextStateLine(in, Greatest).ValueOrDie();
  ASSERT_TRUE(line);
  EXPECT_EQ(line->max_updated_at, "");
  EXPECT_EQ(line->full_run, in.run_id);
  EXPECT_EQ(line->cursor_column, "");
}

TEST(NextMark, AComparisonErrorFailsTheTable) {
  TableState stored;
  stored.max_updated_at = "garbage";
  auto in = Base();
  in.stored = &stored;
  in.rows_written = 1;
  in.max_written = kSecond;
  auto r = NextStateLine(in,
                         [](const std::string&, const std::string&,
                            const std::string&) -> arrow::Result<std::string> {
                           return arrow::Status::Invalid("invalid input syntax");
                         });
  EXPECT_FALSE(r.ok());
}

TEST(NextMark, CommittedRunNeverMovesBackBelowALaterRunsCommit) {
  // Overlapping runs: a run with an earlier id commits after one with a later id.
  auto in = Base();
  TableState stored;
  stored.table_name = "public.t";
  stored.cursor_column = "updated_at";
  stored.max_updated_at = "2000-01-01 00:00:05+00";
  stored.resume_from = "2024-01-01 00:00:01+00";
  stored.committed_run = "20260101T000001Z-000def";  // later than in.run_id
  in.stored = &stored;
  in.rows_written = 1;
  in.max_written = 6 * kSecond;
  auto line = NextStateLine(in, Greatest).ValueOrDie();
  ASSERT_TRUE(line);
  EXPECT_EQ(line->committed_run, stored.committed_run);
}

}  // namespace
}  // namespace pgtide::state
