#include "pgtide/state/state_file.h"

#include <gtest/gtest.h>

#include "pgtide/common/exit_code.h"

namespace pgtide::state {
namespace {

TEST(StateFile, ReadsTheOriginalJobsTwoColumns) {
  auto f = StateFile::Parse(
      "table_name,max_updated_at\npublic.a,2024-01-02 03:04:05.5+00\n", "s.csv");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_NE(f->Find("public.a"), nullptr);
  EXPECT_EQ(f->Find("public.a")->max_updated_at, "2024-01-02 03:04:05.5+00");
  EXPECT_TRUE(f->Find("public.a")->resume_from.empty());
}

TEST(StateFile, RoundTripsEveryFieldAndKeepsUnknownColumns) {
  StateFile f =
      *StateFile::Parse("table_name,max_updated_at,owner\npublic.a,1,team-x\n", "s");
  TableState s;
  s.table_name = "Sales.Order, \"Items\"";
  s.max_updated_at = "2024-01-01 00:00:00.000001+00";
  s.cursor_column = "updated_at";
  s.resume_from = "2024-01-01 00:00:00+00";
  s.committed_run = "20240101T000000Z-abcdef";
  s.boundary = {RowHash{1, 2}, RowHash{0xffffffffffffffffULL, 0}};
  f.Upsert(s);
  auto again = StateFile::Parse(f.Serialize(), "s");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  const TableState* r = again->Find(s.table_name);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->max_updated_at, s.max_updated_at);
  EXPECT_EQ(r->resume_from, s.resume_from);
  EXPECT_EQ(r->boundary, s.boundary);
  EXPECT_NE(again->Serialize().find("team-x"), std::string::npos);
}

TEST(StateFile, UpsertReplacesOnlyItsLine) {
  StateFile f =
      *StateFile::Parse("table_name,max_updated_at\npublic.a,1\npublic.b,2\n", "s");
  TableState b;
  b.table_name = "public.b";
  b.max_updated_at = "3";
  f.Upsert(b);
  EXPECT_EQ(f.Find("public.a")->max_updated_at, "1");
  EXPECT_EQ(f.Find("public.b")->max_updated_at, "3");
}

TEST(StateFile, CorruptFilesAreRejectedWithExitCodeState) {
  for (const char* bad :
       {"not,a,header\nx,y,z\n", "table_name,max_updated_at\npublic.a,1,extra\n",
        "table_name,max_updated_at\n\"public.a,1\n",
        "table_name,max_updated_at\nnodot,1\n",
        "table_name,max_updated_at\npublic.a,1\npublic.a,2\n",
        "table_name,max_updated_at,boundary\npublic.a,1,zz\n"}) {
    auto f = StateFile::Parse(bad, "s3://b/max_timestamps.csv");
    ASSERT_FALSE(f.ok()) << bad;
    EXPECT_EQ(ExitCodeOf(f.status()), ExitCode::kState);
    EXPECT_NE(f.status().message().find("s3://b/max_timestamps.csv"), std::string::npos);
  }
}

TEST(StateFile, EmptyFileIsAnEmptyState) {
  auto f = StateFile::Parse("", "s");
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->rows().empty());
}

TEST(Csv, QuotesAndNewlines) {
  auto r = ParseCsv("a,\"b,c\",\"d\"\"e\"\r\n\"multi\nline\",x\n");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0][1], "b,c");
  EXPECT_EQ((*r)[0][2], "d\"e");
  EXPECT_EQ((*r)[1][0], "multi\nline");
  EXPECT_EQ(CsvField("x,y"), "\"x,y\"");
}

}  // namespace
}  // namespace pgtide::state
