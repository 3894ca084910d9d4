#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "pgtide/job/run_options.h"
#include "pgtide/job/table_commit.h"
#include "pgtide/job/table_plan.h"
#include "pgtide/job/table_result.h"
#include "pgtide/lake/table_pointer.h"
#include "pgtide/source/connection.h"
#include "pgtide/source/scan_window.h"
#include "pgtide/source/shared_snapshot.h"
#include "pgtide/state/boundary_tracker.h"
#include "pgtide/storage/object_store.h"

namespace pgtide::job {

class TableClaims;

/// Shared by the tables of one run.
struct RunContext {
  std::string run_id;
  const RunOptions* options = nullptr;
  std::shared_ptr<storage::ObjectStore> output;
  TableCommitTarget* commit = nullptr;
  /// Where each table's current Iceberg metadata is found and moved
  /// (lake/table_pointer.h).
  lake::TablePointer* pointer = nullptr;
  /// Transactions of other roles that outlived --horizon-wait for one table: later
  /// tables fail at once instead of waiting for them again.
  source::StuckTransactions stuck_transactions;
  /// One run per table at a time; null: no locking (tests).
  TableClaims* claims = nullptr;
  /// --consistent: the snapshot every table is read in (its holder lives in the run).
  const source::SharedSnapshot* run_snapshot = nullptr;
};

struct StagedTable;
class PartitionedWriterPipe;

/// Live counters of one table's load, read by the progress display.
struct ScanProgress {
  std::atomic<int64_t> rows{0};
  std::atomic<int64_t> bytes{0};     // COPY bytes read
  std::atomic<bool> scanned{false};  // the COPY is over; its files are being finished
};

/// Loads one table — the commit protocol:
///   1. sweep the table's folder of files no commit accounts for;
///   2. read the horizon, open a REPEATABLE READ snapshot (source/scan_window.h);
///   3. stream COPY (binary) into Arrow batches while a second thread partitions and
///      encodes Parquet;
///   4. decide the table's next state line (state/next_mark.h);
///   5. commit through the run's TableCommitTarget: files first, then the line, then what
///      a full load superseded.
/// Stage() does steps 1-4 on the caller's connection; a TableCommitter does step 5 while
/// the caller goes on to its next table. A failure at any step leaves the state line as
/// it was; step 1 of the next run removes whatever was published without a commit.
class TableLoader {
 public:
  TableLoader(RunContext* ctx, source::Connection* conn) : ctx_(ctx), conn_(conn) {}

  /// Fills what it learns into `result`. On failure nothing of the table is left
  /// staged, and the caller reports it (ReportTable) unless it tries again.
  arrow::Result<std::unique_ptr<StagedTable>> Stage(const TablePlan& plan,
                                                    TableResult* result,
                                                    ScanProgress* progress);

 private:
  arrow::Status StageSteps(const TablePlan& plan, TableResult* r, StagedTable* staged,
                           ScanProgress* progress);
  /// Decodes the COPY running on `conn` into `pipe`. `shared` (when several ranges of
  /// the table are read at once) serialises the tracker and the pipe; `abort` is set by
  /// a range that failed, so the others stop.
  arrow::Status Scan(source::Connection* conn, const TablePlan& plan,
                     state::BoundaryTracker* tracker, PartitionedWriterPipe* pipe,
                     ScanProgress* progress, std::mutex* shared = nullptr,
                     std::atomic<bool>* abort = nullptr);
  /// Reads the table's ranges at once, range 0 on the loader's connection (whose
  /// transaction is open in the table's snapshot), the others on connections of their
  /// own that import that snapshot (job/range_scan.cc).
  arrow::Status ScanRanges(const TablePlan& plan, const std::string& predicate,
                           state::BoundaryTracker* tracker, PartitionedWriterPipe* pipe,
                           ScanProgress* progress);
  arrow::Status DecideNextLine(const TablePlan& plan, const source::ScanWindow& window,
                               state::BoundaryTracker* tracker, int64_t rows,
                               TableResult* r, StagedTable* staged);

  RunContext* ctx_;
  source::Connection* conn_;
};

/// Records a table's outcome in `result` and logs it (one line when it worked, the error
/// and what it means for the state when it did not).
void ReportTable(const TablePlan& plan, TableResult* result, const arrow::Status& st,
                 std::chrono::steady_clock::time_point start);

/// The SELECT that COPY runs for `plan` (exposed for `pgtide plan` and tests).
std::string BuildCopySql(const TablePlan& plan, const std::string& predicate);

}  // namespace pgtide::job
