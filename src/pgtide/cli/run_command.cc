#include <fmt/format.h>

#include <cstdio>

#include "pgtide/cli/commands.h"
#include "pgtide/cli/progress.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/common/log.h"
#include "pgtide/common/time_format.h"
#include "pgtide/job/preflight.h"
#include "pgtide/job/runner.h"
#include "pgtide/job/state_file_commit.h"
#include "pgtide/job/table_claim.h"
#include "pgtide/runlog/log_upload.h"
#include "pgtide/runlog/run_summary.h"
#include "pgtide/sink/lake_names.h"

namespace pgtide::cli {

namespace {

/// Everything after the options are parsed; returns the failure that stopped the run
/// before any table was loaded, or fills `results`.
arrow::Status Execute(job::RunOptions& opts, runlog::RunInfo* info, bool progress,
                      std::vector<job::TableResult>* results) {
  LogInfo("pgtide run {} starting: job {}, environment {}, load type {}", info->run_id,
          opts.job_name, opts.environment, info->load_type);
  ARROW_ASSIGN_OR_RAISE(auto pre, job::RunPreflight(opts, /*for_run=*/true));
  info->source = pre.conn->description();
  info->state = pre.state->location();
  info->output = pre.output->location();
  const auto& plans = pre.plans;
  LogInfo("{} tables to load, {} at a time", plans.size(), opts.jobs);

  job::RunContext ctx;
  ctx.run_id = info->run_id;
  ctx.options = &opts;
  ctx.output = pre.output;
  job::StateFileCommit commit(pre.output, pre.state.get());
  ctx.commit = &commit;
  // One run per table at a time: the locks live on a connection of their own.
  std::unique_ptr<source::TableLockSession> locks;
  std::unique_ptr<job::TableClaims> claims;
  if (!plans.empty()) {
    ARROW_ASSIGN_OR_RAISE(locks, source::TableLockSession::Open(opts.connect));
    claims = std::make_unique<job::TableClaims>(locks.get(), pre.output->location(),
                                                pre.state.get(), &opts);
    ctx.claims = claims.get();
  }
  job::RunProgress run_progress(plans.size());
  {
    ProgressLine line(&plans, &run_progress, progress);
    *results = job::RunTables(&ctx, plans, &run_progress, std::move(pre.conn));
  }
  return arrow::Status::OK();
}

}  // namespace

int RunCommand(CliValues* values) {
  runlog::RunInfo info;
  info.started_micros = NowMicros();
  info.run_id = sink::NewRunId(info.started_micros);
  info.job_name = values->run.job_name;
  info.environment = values->run.environment;
  info.load_type = values->load_type;
  RunLog::Get().set_verbose(values->verbose);

  std::vector<job::TableResult> results;
  arrow::Status st = ResolveRunOptions(values, /*output_required=*/true);
  if (st.ok()) st = Execute(values->run, &info, !values->no_progress, &results);
  ExitCode code = ExitCode::kOk;
  if (!st.ok()) {
    code = ExitCodeOf(st);
    info.error = st.message();
    LogError("{}", st.message());
    LogError("the run could not start; no data and no state were written (exit code {})",
             static_cast<int>(code));
  } else {
    for (const auto& r : results) {
      if (r.status != job::TableStatus::kOk) code = ExitCode::kTablesFailed;
    }
  }
  info.finished_micros = NowMicros();
  info.exit_code = static_cast<int>(code);
  double seconds = (info.finished_micros - info.started_micros) / 1e6;
  if (st.ok()) {
    std::fputs(runlog::SummaryTable(results, seconds).c_str(), stdout);
    std::fflush(stdout);
  }
  LogInfo("run {} finished with exit code {} in {:.2f}s", info.run_id, info.exit_code,
          seconds);
  // The run id is the UTC start time plus a suffix: two runs that start in the same
  // second keep a log each.
  std::string base =
      fmt::format("{}-{}-{}", info.job_name, info.environment, info.run_id);
  runlog::UploadRunLog(values->run.log_folder, values->run.s3, base, RunLog::Get().Text(),
                       runlog::SummaryJson(info, results));
  return static_cast<int>(code);
}

}  // namespace pgtide::cli
