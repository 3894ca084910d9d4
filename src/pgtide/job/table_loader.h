#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "pgtide/job/run_options.h"
#include "pgtide/job/table_plan.h"
#include "pgtide/job/table_result.h"
#include "pgtide/sink/object_store.h"
#include "pgtide/source/connection.h"
#include "pgtide/state/state_store.h"

namespace pgtide::job {

/// Shared by the tables of one run.
struct RunContext {
  std::string run_id;
  const RunOptions* options = nullptr;
  std::shared_ptr<sink::ObjectStore> output;
  state::StateStore* state = nullptr;
};

/// Loads one table — the commit protocol:
///   1. sweep the table's folder of files no commit accounts for;
///   2. read the horizon, open a REPEATABLE READ snapshot, stream COPY (binary) into
///      Arrow batches while a second thread partitions and encodes Parquet;
///   3. publish every file (rename / completed upload);
///   4. only then write the table's line of the state file;
///   5. after a full load, delete the files it superseded.
/// Stage() does steps 1-2 on the caller's connection and decides the state line; a
/// TableCommitter does steps 3-5 while the caller goes on to its next table.
/// A failure at any step leaves the state line as it was; step 1 of the next run removes
/// whatever was published without a commit.
class TableLoader {
 public:
  TableLoader(RunContext* ctx, source::Connection* conn) : ctx_(ctx), conn_(conn) {}
  /// Fills what it learns into `result`. On failure the table is already reported.
  arrow::Result<std::unique_ptr<struct StagedTable>> Stage(const TablePlan& plan,
                                                           TableResult* result,
                                                           std::atomic<int64_t>* progress_rows);

 private:
  arrow::Status Scan(const TablePlan& plan, class BoundaryTracker* tracker,
                     class PartitionedWriterPipe* pipe, std::atomic<int64_t>* progress_rows);
  RunContext* ctx_;
  source::Connection* conn_;
};

/// Records a table's outcome in `result` and logs it (one line when it worked, the error
/// and what it means for the state when it did not).
void ReportTable(const TablePlan& plan, TableResult* result, const arrow::Status& st,
                 std::chrono::steady_clock::time_point start);

/// The SELECT that COPY runs for `plan` (exposed for `pgtide plan` and tests).
std::string BuildCopySql(const TablePlan& plan, const std::string& predicate);

/// Formats a raw cursor value the way PostgreSQL prints it in a UTC session.
std::string FormatCursor(CursorKind kind, int64_t raw);

}  // namespace pgtide::job
