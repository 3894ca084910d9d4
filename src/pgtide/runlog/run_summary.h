#pragma once

#include <string>
#include <vector>

#include "pgtide/job/table_result.h"

namespace pgtide::runlog {

struct RunInfo {
  std::string run_id;
  std::string job_name;
  std::string environment;
  std::string load_type;
  std::string source;  // redacted: never a password
  std::string output;
  std::string state;
  int64_t started_micros = 0;
  int64_t finished_micros = 0;
  int exit_code = 0;
  std::string error;  // why the run could not start, if it could not
  /// "ok", "failed" (some tables failed), "not_started" (stopped before any table),
  /// "interrupted" (stopped by SIGTERM / SIGINT; committed tables stay).
  std::string status;
  std::string signal;  // "SIGTERM" / "SIGINT" when interrupted
};

/// The machine-readable run summary (one JSON document).
std::string SummaryJson(const RunInfo& run, const std::vector<job::TableResult>& tables);

/// The table printed at the end of a run, for people.
std::string SummaryTable(const std::vector<job::TableResult>& tables, double seconds);

}  // namespace pgtide::runlog
