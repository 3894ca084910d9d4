#include "pgtide/runlog/partial_log.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "pgtide/common/log.h"
#include "pgtide/common/random.h"

namespace pgtide::runlog {
namespace {

namespace fsys = std::filesystem;

std::string Slurp(const fsys::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class PartialLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fsys::temp_directory_path() / ("pgtide-partial-log-test-" + RandomHex(6));
    fsys::create_directories(root_);
  }
  void TearDown() override { fsys::remove_all(root_); }
  fsys::path root_;
};

TEST_F(PartialLogTest, WritesLinesAsTheyComeAndTheNextRunDeliversThem) {
  const fsys::path spool = root_ / "spool", logs = root_ / "logs";
  auto log = PartialLog::Start(spool.string(), "job-dev-1", logs.string());
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  LogInfo("table public.t: loading");
  const fsys::path path = (*log)->path();
  EXPECT_EQ(path, spool / "job-dev-1.log.partial");
  std::string text = Slurp(path);
  EXPECT_NE(text.find("log folder: " + logs.string()), std::string::npos);
  EXPECT_NE(text.find("table public.t: loading"), std::string::npos);

  // A live run's log (locked) is left alone.
  RecoverPartialLogs(spool.string(), {}, "run-2");
  EXPECT_TRUE(fsys::exists(path));
  EXPECT_FALSE(fsys::exists(logs / "job-dev-1.log"));

  // As after SIGKILL: the file stays, the lock is gone.
  (*log)->Finish(/*delivered=*/false);
  LogInfo("not in the partial log any more");
  RecoverPartialLogs(spool.string(), {}, "run-2");
  EXPECT_FALSE(fsys::exists(path));
  std::string delivered = Slurp(logs / "job-dev-1.log");
  EXPECT_EQ(delivered.find("log folder:"), std::string::npos) << "header kept";
  EXPECT_NE(delivered.find("table public.t: loading"), std::string::npos);
  EXPECT_NE(delivered.find("did not finish"), std::string::npos);
  EXPECT_NE(delivered.find("run run-2 uploaded"), std::string::npos);
  EXPECT_EQ(delivered.find("not in the partial log"), std::string::npos);
}

TEST_F(PartialLogTest, DeliveredLogIsRemovedWithItsEmptyFolder) {
  const fsys::path spool = root_ / "pgtide-logs";
  auto log = PartialLog::Start(spool.string(), "job-dev-3", "s3://bucket/logs");
  ASSERT_TRUE(log.ok());
  (*log)->Finish(/*delivered=*/true);
  EXPECT_FALSE(fsys::exists(spool));
}

TEST_F(PartialLogTest, UndeliverableLogIsKept) {
  const fsys::path spool = root_ / "spool";
  fsys::create_directories(spool);
  std::ofstream(root_ / "file") << "a regular file";
  const fsys::path path = spool / "job-dev-4.log.partial";
  std::ofstream(path) << "pgtide run log in progress; log folder: "
                      << (root_ / "file" / "logs").string() << "\nline\n";
  RecoverPartialLogs(spool.string(), {}, "run-5");
  EXPECT_TRUE(fsys::exists(path));
  bool logged = false;
  for (const auto& l : RunLog::Get().Lines())
    logged |= l.find("its log is kept at " + path.string()) != std::string::npos;
  EXPECT_TRUE(logged);
}

TEST(PartialLogFolder, IsTheLocalLogFolderElseTheLocalLogDir) {
  EXPECT_EQ(PartialLogFolder("/var/log/pgtide", "/spool"), "/var/log/pgtide");
  EXPECT_EQ(PartialLogFolder("s3://b/logs", "/spool"), "/spool");
  EXPECT_EQ(PartialLogFolder("s3://b/logs", ""),
            (fsys::temp_directory_path() / "pgtide-logs").string());
}

}  // namespace
}  // namespace pgtide::runlog
