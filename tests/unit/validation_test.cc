// Issue 12 items 5, 7 and 15: pure logic of the checks that stop a run before it loads
// anything (near matches, table patterns, job file validation, state keys, Glue
// arguments).
#include <gtest/gtest.h>

#include "pgtide/cli/glue_arguments.h"
#include "pgtide/cli/job_config.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/common/identifiers.h"
#include "pgtide/common/near_match.h"
#include "pgtide/job/table_keys.h"
#include "pgtide/source/table_filter.h"
#include "pgtide/state/state_file.h"

namespace pgtide {
namespace {

TEST(NearMatch, RanksCaseThenEditDistance) {
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  auto near = NearMatches("updatd_at", {"id", "updated_at", "created_at", "UPDATD_AT"});
  ASSERT_EQ(near.size(), 2u);
  EXPECT_EQ(near[0], "UPDATD_AT");
  EXPECT_EQ(near[1], "updated_at");
  EXPECT_EQ(DidYouMean("zzz", {"orders"}), "");
  EXPECT_EQ(DidYouMean("skipp", {"skip", "load_type"}), "; did you mean skip?");
}

TEST(TableKey, QuotesOnlyWhatWouldBeAmbiguous) {
  EXPECT_EQ(TableKey("public", "orders"), "public.orders");
  EXPECT_EQ(TableKey("public", "Orders"), "public.Orders");  // the original job's form
  EXPECT_EQ(TableKey("a.b", "c"), "\"a.b\".c");
  EXPECT_EQ(TableKey("a", "b.c"), "a.\"b.c\"");
  EXPECT_NE(TableKey("a.b", "c"), TableKey("a", "b.c"));
  EXPECT_EQ(TableKey("s", "Quote\"d"), "s.Quote\"d");  // read back unambiguously
  EXPECT_EQ(TableKey("s", "\"x"), "s.\"\"\"x\"");
}

TEST(TableKeys, ReadsTheOriginalFormOnlyWhenUnambiguous) {
  job::TableKeys both({{"a.b", "c"}, {"a", "b.c"}, {"x.y", "z"}});
  source::TableInfo abc;
  abc.schema = "a.b";
  abc.name = "c";
  source::TableInfo xyz;
  xyz.schema = "x.y";
  xyz.name = "z";
  auto legacy_only = [](const std::string& k) { return k == "a.b.c" || k == "x.y.z"; };
  bool ambiguous = false;
  EXPECT_EQ(both.Find(abc, legacy_only, &ambiguous), "");
  EXPECT_TRUE(ambiguous);
  EXPECT_EQ(both.Find(xyz, legacy_only, &ambiguous), "x.y.z");
  EXPECT_FALSE(ambiguous);
  auto new_form = [](const std::string& k) { return k == "\"a.b\".c" || k == "a.b.c"; };
  EXPECT_EQ(both.Find(abc, new_form), "\"a.b\".c");
  EXPECT_EQ(both.Candidates("a.b.c").size(), 2u);
  EXPECT_EQ(both.Candidates("\"a.b\".c").size(), 1u);
  EXPECT_TRUE(both.Candidates("a.nope").empty());
}

TEST(StateFile, KeepsCollidingTablesApartAndMigratesOldLines) {
  state::StateFile f;
  state::TableState a, b;
  a.table_name = TableKey("a.b", "c");
  a.max_updated_at = "1";
  b.table_name = TableKey("a", "b.c");
  b.max_updated_at = "2";
  f.Upsert(a);
  f.Upsert(b);
  auto back = state::StateFile::Parse(f.Serialize(), "t").ValueOrDie();
  ASSERT_EQ(back.rows().size(), 2u);
  EXPECT_EQ(back.Find("\"a.b\".c")->max_updated_at, "1");
  EXPECT_EQ(back.Find("a.\"b.c\"")->max_updated_at, "2");

  state::StateFile old = state::StateFile::Parse(
                             "table_name,max_updated_at,legacy_note\nx.y.z,5,kept\n", "t")
                             .ValueOrDie();
  state::TableState moved;
  moved.table_name = "\"x.y\".z";
  moved.max_updated_at = "6";
  moved.replaces = "x.y.z";
  old.Upsert(moved);
  ASSERT_EQ(old.rows().size(), 1u);
  std::string text = old.Serialize();
  EXPECT_NE(text.find("\"\"\"x.y\"\".z\",6"), std::string::npos) << text;
  EXPECT_NE(text.find(",kept"), std::string::npos) << text;
}

TEST(StateFile, AcceptsAByteOrderMark) {
  auto f =
      state::StateFile::Parse("\xEF\xBB\xBFtable_name,max_updated_at\npublic.t,5\n", "t");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_NE(f->Find("public.t"), nullptr);
  EXPECT_EQ(f->Serialize().rfind("table_name", 0), 0u);  // written back without it
}

TEST(TablePatterns, SchemaLessPatternsFoldLikeIdentifiers) {
  std::vector<source::TableName> all = {{"public", "orders"},
                                        {"public", "Orders"},
                                        {"sales", "orders"},
                                        {"public", "items"}};
  source::DiscoverOptions o;
  o.schemas = {"public", "sales"};
  o.include = {"ORDERS"};  // folds to orders: not "Orders"
  auto picked = source::SelectTables(all, o).ValueOrDie();
  EXPECT_EQ(picked, (std::vector<size_t>{0, 2}));
  o.include = {"\"Orders\""};
  EXPECT_EQ(source::SelectTables(all, o).ValueOrDie(), (std::vector<size_t>{1}));
  o.include = {"public.*"};
  o.exclude = {"public.items"};
  EXPECT_EQ(source::SelectTables(all, o).ValueOrDie(), (std::vector<size_t>{0, 1}));
}

TEST(TablePatterns, APatternMatchingNothingIsAnErrorWithNearMatches) {
  std::vector<source::TableName> all = {{"public", "orders"}, {"public", "items"}};
  source::DiscoverOptions o;
  o.include = {"public.ordres"};
  auto r = source::SelectTables(all, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(ExitCodeOf(r.status()), ExitCode::kUsage);
  EXPECT_NE(r.status().message().find("public.orders?"), std::string::npos)
      << r.status().message();
  o.include.clear();
  o.exclude = {"itemz"};
  r = source::SelectTables(all, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("--exclude \"itemz\""), std::string::npos);
  EXPECT_NE(r.status().message().find("did you mean items?"), std::string::npos)
      << r.status().message();
}

std::string ConfigError(const std::string& text, cli::ConfigFormat f) {
  auto r = cli::ParseJobConfig(text, f, "job");
  EXPECT_FALSE(r.ok());
  if (r.ok()) return "";
  EXPECT_EQ(ExitCodeOf(r.status()), ExitCode::kUsage);
  return r.status().message();
}

TEST(JobConfig, ParsesTheSameSettingsFromJsonYamlAndToml) {
  const std::string json =
      R"({"tables": {"public.orders": {"cursor_column": "changed", "skip": false,
          "load_type": "full", "missing_cursor": "skip"}}})";
  const std::string yaml =
      "tables:\n  public.orders:\n    cursor_column: changed\n    skip: false\n"
      "    load_type: full\n    missing_cursor: skip\n";
  const std::string toml =
      "[tables.\"public.orders\"]\ncursor_column = \"changed\"\nskip = false\n"
      "load_type = \"full\"\nmissing_cursor = \"skip\"\n";
  for (auto [text, f] : {std::pair{json, cli::ConfigFormat::kJson},
                         std::pair{yaml, cli::ConfigFormat::kYaml},
                         std::pair{toml, cli::ConfigFormat::kToml}}) {
    auto r = cli::ParseJobConfig(text, f, "job");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    const auto& o = r->at("public.orders");
    EXPECT_EQ(o.cursor_column, "changed");
    EXPECT_EQ(o.load_type, "full");
    EXPECT_EQ(o.missing_cursor, "skip");
    EXPECT_FALSE(o.skip);
  }
  EXPECT_EQ(cli::ConfigFormatOf("a/job.YML"), cli::ConfigFormat::kYaml);
  EXPECT_EQ(cli::ConfigFormatOf("job.toml"), cli::ConfigFormat::kToml);
  EXPECT_EQ(cli::ConfigFormatOf("job.json"), cli::ConfigFormat::kJson);
}

TEST(JobConfig, RejectsUnknownKeysWrongTypesAndArrays) {
  using F = cli::ConfigFormat;
  auto m = ConfigError(R"({"tables": {"public.orders": {"skipp": true}}})", F::kJson);
  EXPECT_NE(m.find("tables.\"public.orders\".skipp: unknown key; did you mean skip?"),
            std::string::npos)
      << m;
  m = ConfigError(R"({"table": {}})", F::kJson);
  EXPECT_NE(m.find("table: unknown key; did you mean tables?"), std::string::npos) << m;
  m = ConfigError(R"([{"tables": {}}])", F::kJson);
  EXPECT_NE(m.find("the top level must be a mapping"), std::string::npos) << m;
  m = ConfigError("tables:\n  public.orders:\n    skip: \"yes\"\n", F::kYaml);
  EXPECT_NE(
      m.find("tables.\"public.orders\".skip: expected true or false, got the string"),
      std::string::npos)
      << m;
  m = ConfigError("[tables.\"public.t\"]\nload_type = \"delta\"\n", F::kToml);
  EXPECT_NE(m.find("load_type: expected one of full, cdc"), std::string::npos) << m;
  m = ConfigError("tables = [1, 2]\n", F::kToml);
  EXPECT_NE(m.find("tables: expected a mapping"), std::string::npos) << m;
  m = ConfigError("{not json", F::kJson);
  EXPECT_NE(m.find("not valid JSON"), std::string::npos) << m;
  EXPECT_TRUE(cli::ParseJobConfig("", F::kYaml, "job").ok());
}

TEST(JobConfig, ReadsTheCatalogKeysAndRejectsTheirMisspellings) {
  using F = cli::ConfigFormat;
  cli::JobFileSettings settings;
  auto r = cli::ParseJobConfig(
      "catalog: sql:sqlite:///tmp/c.db\ncatalog_name: warehouse\ntables: {}\n", F::kYaml,
      "job", &settings);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(settings.catalog, "sql:sqlite:///tmp/c.db");
  EXPECT_EQ(settings.catalog_name, "warehouse");
  auto m = ConfigError(R"({"catalogue": "glue"})", F::kJson);
  EXPECT_NE(m.find("catalogue: unknown key; did you mean catalog?"), std::string::npos)
      << m;
  m = ConfigError("catalog = 3\n", F::kToml);
  EXPECT_NE(m.find("catalog: expected a non-empty string, got the number 3"),
            std::string::npos)
      << m;
}

TEST(GlueArguments, AreTakenOutAndUnknownFlagsKept) {
  const char* argv[] = {
      "pgtide",     "run",        "--JOB_ID",
      "j_1",        "--output",   "/lake",
      "--TempDir",  "s3://t/tmp", "--enable-metrics",
      "--JOB_NAME", "nightly",    "--job-bookmark-option=job-bookmark-disable",
      "--bogus",    "1"};
  auto split = cli::SplitGlueArguments(sizeof(argv) / sizeof(argv[0]), argv);
  EXPECT_EQ(split.kept,
            (std::vector<std::string>{"pgtide", "run", "--output", "/lake", "--JOB_NAME",
                                      "nightly", "--bogus", "1"}));
  EXPECT_EQ(split.ignored,
            (std::vector<std::string>{"--JOB_ID", "--TempDir", "--enable-metrics",
                                      "--job-bookmark-option"}));
}

}  // namespace
}  // namespace pgtide
