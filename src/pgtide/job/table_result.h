#pragma once

#include <cstdint>
#include <string>

#include "pgtide/common/error_catalogue.h"

namespace pgtide::job {

/// kInterrupted: aborted or never started because the run was stopped by a signal.
/// kLocked: skipped because another pgtide run was loading the table (table_claim.h).
enum class TableStatus { kPending, kOk, kFailed, kInterrupted, kLocked };

/// "pending", "ok", "failed", "interrupted", "locked": as the summary and the JSON run
/// summary print it.
const char* TableStatusName(TableStatus s);

/// The outcome of one table in a run, for the summary table and the JSON run summary.
struct TableResult {
  std::string table;
  std::string mode;    // full / cdc
  std::string reason;  // why that mode
  TableStatus status = TableStatus::kPending;
  int64_t rows = 0;
  int64_t files = 0;
  int64_t bytes = 0;
  int64_t skipped_rows = 0;  // rows an earlier run already wrote (at the boundary)
  int64_t future_rows = 0;
  std::string old_mark;
  std::string new_mark;
  std::string resume_from;
  double seconds = 0;
  std::string error;
  ErrorClass error_class = ErrorClass::kNone;
};

}  // namespace pgtide::job
