// The planner: which mode each table gets, and why, from the catalog and the stored
// state.
#include <gtest/gtest.h>

#include "pgtide/job/table_plan.h"
#include "pgtide/source/pg_types.h"

namespace pgtide::job {
namespace {

source::TableInfo Table(const std::string& name,
                        uint32_t cursor_oid = source::kTimestamptz) {
  source::TableInfo t;
  t.schema = "public";
  t.name = name;
  source::ColumnInfo id;
  id.name = "id";
  id.type_oid = id.base_oid = source::kInt8;
  t.columns.push_back(id);
  if (cursor_oid != 0) {
    source::ColumnInfo c;
    c.name = "updated_at";
    c.type_oid = c.base_oid = cursor_oid;
    t.columns.push_back(c);
  }
  return t;
}

TEST(Planner, ChoosesTheModeOfEachTable) {
  state::TableState stored;
  stored.table_name = "public.known";
  stored.max_updated_at = "2024-01-01 00:00:00+00";
  stored.cursor_column = "updated_at";
  state::StateFile state;
  state.Upsert(stored);
  RunOptions opts;  // cdc on updated_at
  opts.overrides["public.skipped"].skip = true;
  auto plans = PlanTables({Table("known"), Table("fresh"), Table("nocursor", 0),
                           Table("skipped"), Table("bydate", source::kDate)},
                          state, opts)
                   .ValueOrDie();
  ASSERT_EQ(plans.size(), 4u);
  EXPECT_EQ(plans[0].mode, LoadType::kCdc);
  EXPECT_EQ(plans[0].reason, "incremental");
  EXPECT_TRUE(plans[0].partitioning.enabled());
  EXPECT_EQ(plans[1].mode, LoadType::kFull);
  EXPECT_EQ(plans[1].reason, "first run");
  EXPECT_EQ(plans[2].mode, LoadType::kFull);
  EXPECT_EQ(plans[2].reason, "no cursor column");
  EXPECT_FALSE(plans[2].partitioning.enabled());
  EXPECT_EQ(plans[2].warnings.size(), 1u);
  EXPECT_EQ(plans[3].cursor_kind, CursorKind::kDate);
  EXPECT_EQ(plans[3].table_dir, "public/bydate");
}

TEST(Planner, AChangedCursorColumnReloadsInFull) {
  state::TableState stored;
  stored.table_name = "public.t";
  stored.max_updated_at = "5";
  stored.cursor_column = "version";
  state::StateFile state;
  state.Upsert(stored);
  RunOptions opts;
  auto plans = PlanTables({Table("t")}, state, opts).ValueOrDie();
  EXPECT_EQ(plans[0].mode, LoadType::kFull);
  EXPECT_EQ(plans[0].reason, "cursor column changed");
}

TEST(Planner, RejectsAConfiguredCursorTheTableLacksOrCannotOrderBy) {
  RunOptions opts;
  opts.overrides["public.t"].cursor_column = "missing";
  auto r = PlanTables({Table("t")}, state::StateFile(), opts);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("missing"), std::string::npos);
  RunOptions text_cursor;
  auto bad = PlanTables({Table("t", source::kText)}, state::StateFile(), text_cursor);
  EXPECT_FALSE(bad.ok());
}

TEST(Planner, MissingCursorPolicies) {
  RunOptions opts;
  opts.missing_cursor = "skip";
  auto plans = PlanTables({Table("t"), Table("plain", 0)}, state::StateFile(), opts);
  ASSERT_TRUE(plans.ok());
  ASSERT_EQ(plans->size(), 1u);
  EXPECT_EQ((*plans)[0].table.name, "t");
  opts.missing_cursor = "fail";
  auto failed = PlanTables({Table("t"), Table("plain", 0)}, state::StateFile(), opts);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("public.plain"), std::string::npos);
  opts.overrides["public.plain"].missing_cursor =
      "reload";  // the table's own choice wins
  plans = PlanTables({Table("t"), Table("plain", 0)}, state::StateFile(), opts);
  ASSERT_TRUE(plans.ok()) << plans.status().ToString();
  EXPECT_EQ((*plans)[1].reason, "no cursor column");
  RunOptions full;  // a full run loads them regardless
  full.load_type = LoadType::kFull;
  full.missing_cursor = "fail";
  EXPECT_TRUE(PlanTables({Table("plain", 0)}, state::StateFile(), full).ok());
}

TEST(Planner, AnExplicitCursorColumnNoTableHasIsATypo) {
  RunOptions opts;
  opts.cursor_column = "updatd_at";
  auto implicit = PlanTables({Table("t")}, state::StateFile(), opts);
  EXPECT_TRUE(implicit.ok());  // the default name: a database without cursors
  opts.cursor_column_explicit = true;
  auto r = PlanTables({Table("t"), Table("u")}, state::StateFile(), opts);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("did you mean updated_at?"), std::string::npos)
      << r.status().message();
}

TEST(Planner, JobFileTablesMustExist) {
  RunOptions opts;
  opts.overrides["public.tt"].skip = true;
  std::vector<source::TableName> every = {{"public", "t"}, {"public", "other"}};
  auto r = PlanTables({Table("t")}, state::StateFile(), opts, &every);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("tables.\"public.tt\": no such table"),
            std::string::npos)
      << r.status().message();
  RunOptions unselected;  // a table of the schemas that --include left out is fine
  unselected.overrides["public.other"].skip = true;
  EXPECT_TRUE(PlanTables({Table("t")}, state::StateFile(), unselected, &every).ok());
}

TEST(Planner, ReadsTheOriginalJobsLineOfADottedNameWhenUnambiguous) {
  auto dotted = Table("c");
  dotted.schema = "a.b";
  state::TableState old;
  old.table_name = "a.b.c";
  old.max_updated_at = "2024-01-01 00:00:00+00";
  state::StateFile state;
  state.Upsert(old);
  RunOptions opts;
  auto plans = PlanTables({dotted}, state, opts).ValueOrDie();
  ASSERT_TRUE(plans[0].stored);
  EXPECT_EQ(plans[0].stored->table_name, "a.b.c");
  EXPECT_EQ(plans[0].mode, LoadType::kCdc);
  std::vector<source::TableName> every = {{"a.b", "c"}, {"a", "b.c"}};
  plans = PlanTables({dotted}, state, opts, &every).ValueOrDie();
  EXPECT_FALSE(plans[0].stored);  // a."b.c" could own it too
  EXPECT_EQ(plans[0].reason, "first run");
}

// A table claimed again before its load is planned alone, with what depends on every
// table still judged against all of them.
TEST(Planner, PlansOneClaimedTableAgainstAllOfThem) {
  auto dotted = Table("b.c");
  dotted.schema = "a";
  auto other = Table("c");
  other.schema = "a.b";
  state::TableState old;
  old.table_name = "a.b.c";  // the original job's line: either table's
  old.max_updated_at = "2024-01-01 00:00:00+00";
  state::StateFile state;
  state.Upsert(old);
  RunOptions opts;
  const std::string only = "a.\"b.c\"";
  ASSERT_EQ(dotted.qualified_name(), only);
  auto plans =
      PlanTables({other, dotted, Table("t")}, state, opts, nullptr, &only).ValueOrDie();
  ASSERT_EQ(plans.size(), 1u);
  EXPECT_EQ(plans[0].table.qualified_name(), only);
  EXPECT_FALSE(plans[0].stored);  // still ambiguous: a."b.c" is not alone
  EXPECT_EQ(plans[0].reason, "first run");

  // The run-wide check that some table has an explicit --cursor-column was the run's
  // first plan's: a claimed table without it is planned as it was then.
  opts.cursor_column = "version";
  opts.cursor_column_explicit = true;
  const std::string t = "public.t";
  plans = PlanTables({Table("t")}, state::StateFile(), opts, nullptr, &t).ValueOrDie();
  ASSERT_EQ(plans.size(), 1u);
  EXPECT_EQ(plans[0].reason, "no cursor column");
}

}  // namespace
}  // namespace pgtide::job
