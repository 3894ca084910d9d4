// Group commit: tables waiting when the committer gets to them go through one
// TableCommitTarget::Commit call; a failed table is reported and never blocks the others.
#include "pgtide/job/table_committer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <mutex>
#include <thread>

#include "pgtide/job/writer_pipe.h"
#include "pgtide/sink/lake_names.h"
#include "pgtide/storage/object_store.h"

namespace pgtide::job {
namespace {

/// An in-memory commit target: records each group and "commits" lines into a map.
class MemoryCommit : public TableCommitTarget {
 public:
  std::vector<arrow::Status> Commit(std::vector<TableChange>& changes) override {
    if (groups.empty()) {
      // Hold the first group until the test has queued the next tables behind it.
      entered.set_value();
      release.wait();
    }
    std::lock_guard<std::mutex> lock(mu);
    groups.push_back(changes.size());
    std::vector<arrow::Status> out;
    for (auto& c : changes) {
      if (c.table == "public.bad") {
        out.push_back(arrow::Status::IOError("denied"));
        continue;
      }
      if (c.line) lines[c.table] = *c.line;
      files[c.table] = c.files.size();
      out.push_back(arrow::Status::OK());
    }
    return out;
  }
  std::mutex mu;
  std::promise<void> entered;
  std::shared_future<void> release;
  std::vector<size_t> groups;
  std::map<std::string, state::TableState> lines;
  std::map<std::string, size_t> files;
};

TEST(TableCommitter, CommitsWaitingTablesAsOneGroup) {
  auto dir =
      std::filesystem::temp_directory_path() / ("pgtide-commit-" + sink::NewRunId());
  auto store = storage::ObjectStore::Open(dir.string()).ValueOrDie();
  auto schema = arrow::schema({arrow::field("id", arrow::int64())});
  MemoryCommit target;
  std::promise<void> release;
  target.release = release.get_future().share();
  auto entered = target.entered.get_future();
  std::vector<TablePlan> plans(4);
  std::vector<TableResult> results(4);
  std::vector<size_t> done;
  {
    TableCommitter committer(&target, [&](size_t i) { done.push_back(i); });
    std::vector<std::future<void>> futures;
    for (size_t i = 0; i < plans.size(); ++i) {
      plans[i].table.schema = "public";
      plans[i].table.name = i == 2 ? "bad" : "t" + std::to_string(i);
      auto writer = sink::PartitionedWriter::Make(store, plans[i].table.name, schema, {},
                                                  "part-x", {})
                        .ValueOrDie();
      auto t = std::make_unique<StagedTable>();
      t->index = i;
      t->start = std::chrono::steady_clock::now();
      t->plan = &plans[i];
      t->result = &results[i];
      t->pipe = std::make_unique<PartitionedWriterPipe>(std::move(writer),
                                                        sink::DatePartitioning());
      arrow::Int64Builder b;
      ASSERT_TRUE(b.AppendValues({1, 2, 3}).ok());
      source::DecodedBatch batch;
      batch.batch = arrow::RecordBatch::Make(schema, 3, {b.Finish().ValueOrDie()});
      ASSERT_TRUE(t->pipe->Push(std::move(batch)).ok());
      t->change.table = plans[i].table.qualified_name();
      state::TableState line;
      line.table_name = t->change.table;
      t->change.line = line;
      futures.push_back(committer.Submit(std::move(t)));
      if (i == 0) entered.wait();  // the first table is inside Commit now
    }
    release.set_value();
    for (auto& f : futures) f.wait();
  }
  // The first table went alone (the target held it); the other three queued behind it and
  // went together.
  ASSERT_EQ(target.groups, (std::vector<size_t>{1, 3}));
  EXPECT_EQ(done, (std::vector<size_t>{0, 1, 2, 3}));
  EXPECT_EQ(target.lines.size(), 3u);
  EXPECT_EQ(target.lines.count("public.bad"), 0u);
  EXPECT_EQ(results[0].status, TableStatus::kOk);
  EXPECT_EQ(results[0].rows, 3);
  EXPECT_EQ(results[2].status, TableStatus::kFailed);
  EXPECT_EQ(results[3].status, TableStatus::kOk);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace pgtide::job
