#pragma once

#include <atomic>
#include <thread>
#include <vector>

#include "pgtide/job/runner.h"
#include "pgtide/job/table_plan.h"

namespace pgtide::cli {

/// A one-line progress display on stderr — tables left, and per running table its rows
/// and rows/s — refreshed twice a second. Silent when stderr is not a terminal, so logs
/// and CI output carry no control characters.
class ProgressLine {
 public:
  ProgressLine(const std::vector<job::TablePlan>* plans, job::RunProgress* progress,
               bool enabled);
  ~ProgressLine();
  /// Clears the line (called before a log line is echoed).
  static void Clear();

 private:
  void Loop();
  const std::vector<job::TablePlan>* plans_;
  job::RunProgress* progress_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace pgtide::cli
