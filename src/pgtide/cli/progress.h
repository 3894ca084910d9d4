#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "pgtide/cli/progress_format.h"
#include "pgtide/job/runner.h"
#include "pgtide/job/table_plan.h"

namespace pgtide::cli {

/// --progress: auto shows the live line on a terminal and heartbeat log lines otherwise;
/// always shows the live line even when stderr is not a terminal; never shows neither.
enum class ProgressMode { kAuto, kAlways, kNever };

struct ProgressSettings {
  ProgressMode mode = ProgressMode::kAuto;
  double heartbeat_seconds = 30;  // --progress-interval
};

/// Progress of a run while its tables load, one of:
///  - a live line on stderr (tables left; per running table rows, ~percent of the
///    catalog's estimate, rows/s, bytes/s, ETA) redrawn twice a second to the terminal's
///    current width;
///  - when stderr is not a terminal (cron, Airflow, Glue), a heartbeat log line per
///    running table every `heartbeat_seconds`, so a long table is seen to move.
class ProgressLine {
 public:
  ProgressLine(const std::vector<job::TablePlan>* plans, job::RunProgress* progress,
               ProgressSettings settings);
  ~ProgressLine();
  /// Clears the line (called before a log line is echoed).
  static void Clear();

 private:
  void Loop(bool live);
  /// Views of the running tables at `now` (seconds since the display started).
  std::vector<TableProgressView> Running(double now);

  const std::vector<job::TablePlan>* plans_;
  job::RunProgress* progress_;
  ProgressSettings settings_;
  std::vector<RateMeter> meters_;
  std::vector<double> started_;  // per plan: when it was first seen running, or -1
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

/// Columns of the terminal on stderr, read now (so a resized window is followed):
/// TIOCGWINSZ, else $COLUMNS, else 80.
size_t TerminalWidth();

}  // namespace pgtide::cli
