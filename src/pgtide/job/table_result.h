#pragma once

#include <cstdint>
#include <string>

namespace pgtide::job {

/// The outcome of one table in a run, for the summary table and the JSON run summary.
struct TableResult {
  std::string table;
  std::string mode;          // full / cdc
  std::string reason;        // why that mode
  std::string status = "pending";  // ok, failed, skipped
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
  int exit_code = 0;
};

}  // namespace pgtide::job
