#include <fmt/format.h>

#include <cstdio>

#include "pgtide/cli/commands.h"
#include "pgtide/cli/progress.h"
#include "pgtide/common/cancellation.h"
#include "pgtide/common/error_catalogue.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/common/log.h"
#include "pgtide/common/secrets.h"
#include "pgtide/common/time_format.h"
#include "pgtide/job/iceberg_commit.h"
#include "pgtide/job/iceberg_plan.h"
#include "pgtide/job/maintenance.h"
#include "pgtide/job/preflight.h"
#include "pgtide/job/runner.h"
#include "pgtide/job/source_options.h"
#include "pgtide/job/table_claim.h"
#include "pgtide/runlog/log_upload.h"
#include "pgtide/runlog/partial_log.h"
#include "pgtide/runlog/run_summary.h"
#include "pgtide/sink/lake_names.h"
#include "pgtide/source/shared_snapshot.h"

namespace pgtide::cli {

namespace {

/// Loads the tables `pre` planned; returns the failure that stopped it before any table
/// was loaded, or fills `results`.
arrow::Status ExecutePlanned(job::RunOptions& opts, job::Preflight pre,
                             runlog::RunInfo* info, const ProgressSettings& progress,
                             std::vector<job::TableResult>* results) {
  info->source = pre.conn->description();
  info->state = pre.state->location();
  info->output = pre.output->location();
  const auto& plans = pre.plans;
  LogInfo("{} tables to load, {} at a time", plans.size(), opts.jobs);

  job::RunContext ctx;
  ctx.run_id = info->run_id;
  ctx.options = &opts;
  ctx.output = pre.output;
  job::IcebergCommit commit(pre.output, pre.pointer.get(), pre.state.get(), info->run_id,
                            opts.retention);
  ctx.commit = &commit;
  ctx.pointer = pre.pointer.get();
  // One run per table at a time: the locks live on a connection of their own.
  std::unique_ptr<source::TableLockSession> locks;
  std::unique_ptr<job::TableClaims> claims;
  if (!plans.empty()) {
    ARROW_ASSIGN_OR_RAISE(locks, source::TableLockSession::Open(opts.connect));
    claims = std::make_unique<job::TableClaims>(locks.get(), pre.output->location(),
                                                pre.state.get(), pre.pointer.get(), &opts,
                                                &pre.tables, &pre.every_table);
    ctx.claims = claims.get();
  }
  // --consistent: one snapshot for every table, held open by a connection of its own
  // until the last table is read.
  std::unique_ptr<source::Connection> holder;
  source::SharedSnapshot snapshot;
  if (opts.consistent && !plans.empty()) {
    ARROW_ASSIGN_OR_RAISE(holder, source::Connection::Open(opts.connect));
    source::ScanRequest probe;
    probe.table = "(the run's snapshot)";
    probe.horizon_wait_ms = opts.horizon_wait_ms;
    probe.stuck = &ctx.stuck_transactions;
    ARROW_ASSIGN_OR_RAISE(snapshot, source::ExportSnapshot(holder.get(), probe));
    ctx.run_snapshot = &snapshot;
    LogInfo(
        "consistent: every table is read in snapshot {} (horizon {}); VACUUM cannot "
        "remove row versions deleted after it until the run ends",
        snapshot.id, snapshot.horizon);
  }
  job::RunProgress run_progress(plans.size());
  {
    ProgressLine line(&plans, &run_progress, progress);
    *results = job::RunTables(&ctx, plans, &run_progress, std::move(pre.conn));
  }
  if (holder) (void)holder->Exec("COMMIT");
  // Compaction of the tables this run committed, bounded by --maintain-budget.
  if (opts.maintenance && !StopRequested()) {
    std::vector<lake::TableIdent> committed;
    for (size_t i = 0; i < plans.size(); ++i) {
      if ((*results)[i].status == job::TableStatus::kOk)
        committed.push_back(job::IcebergIdentOf(plans[i]));
    }
    job::MaintenanceOptions m;
    m.compact_min_files = opts.compact_min_files;
    m.budget_s = opts.maintain_budget_s;
    m.run_id = info->run_id;
    m.retention = opts.retention;
    job::MaintainTables(pre.output.get(), pre.pointer.get(), committed, m);
  }
  for (size_t i = 0; i < plans.size(); ++i) {
    job::TableResult& r = (*results)[i];
    if (r.status != job::TableStatus::kPending) continue;
    // Only a stop leaves a table unstarted.
    r.table = plans[i].table.qualified_name();
    r.mode = job::LoadTypeName(plans[i].mode);
    r.reason = plans[i].reason;
    r.status = job::TableStatus::kInterrupted;
    r.error_class = ErrorClass::kInterrupted;
    r.error = fmt::format("not started: the run was interrupted by {}",
                          SignalName(StopSignal()));
  }
  return arrow::Status::OK();
}

/// A source of a job with several that could not be planned: one failed line in the
/// summary, so the run's exit code says what went wrong there.
job::TableResult SourceFailure(const job::SourceSpec& source, const arrow::Status& st) {
  job::TableResult r;
  r.table = job::SourceTableName(source, "(every table)");
  r.status = job::TableStatus::kFailed;
  r.error_class = ErrorClassOf(st);
  r.error = st.message();
  return r;
}

/// Everything after the options are parsed; returns the failure that stopped the run
/// before any table was loaded, or fills `results`. A job with several sources plans
/// every source before it loads any: a mistake in the job (exit code 2) stops it before
/// anything is loaded, while a source that cannot be reached fails alone.
arrow::Status Execute(job::RunOptions& opts, runlog::RunInfo* info,
                      const ProgressSettings& progress,
                      std::vector<job::TableResult>* results) {
  LogInfo("pgtide run {} starting: job {}, environment {}, load type {}", info->run_id,
          opts.job_name, opts.environment, info->load_type);
  if (opts.sources.empty()) {
    ARROW_ASSIGN_OR_RAISE(auto pre, job::RunPreflight(opts, /*for_run=*/true));
    return ExecutePlanned(opts, std::move(pre), info, progress, results);
  }
  std::vector<job::RunOptions> options;
  std::vector<arrow::Result<job::Preflight>> planned;
  for (const auto& source : opts.sources) {
    options.push_back(job::OptionsForSource(opts, source));
    planned.push_back(job::RunPreflight(options.back(), /*for_run=*/true));
    const auto& st = planned.back().status();
    if (!st.ok() && ExitCodeOf(st) == ExitCode::kUsage) {
      return arrow::Status(st.code(),
                           fmt::format("source {}: {}", source.name, st.message()),
                           st.detail());
    }
  }
  std::string sources;
  for (size_t i = 0; i < opts.sources.size() && !StopRequested(); ++i) {
    const auto& source = opts.sources[i];
    sources += (sources.empty() ? "" : ", ") + source.name;
    std::vector<job::TableResult> part;
    arrow::Status st = planned[i].status();
    if (st.ok()) {
      LogInfo("source {}: loading into {}", source.name, options[i].output);
      st = ExecutePlanned(options[i], std::move(*planned[i]), info, progress, &part);
    }
    if (!st.ok()) {
      LogError("source {}: {}", source.name, st.message());
      part = {SourceFailure(source, st)};
    }
    for (auto& r : part) {
      if (r.table.rfind(source.name + "/", 0) != 0)
        r.table = job::SourceTableName(source, r.table);
      results->push_back(std::move(r));
    }
  }
  info->source = fmt::format("{} sources: {}", opts.sources.size(), sources);
  info->state = opts.state;
  info->output = opts.output;
  return arrow::Status::OK();
}

/// Delivers the logs that killed runs left on local disk, then keeps this run's log
/// there as it goes. Neither is worth failing the run for.
std::unique_ptr<runlog::PartialLog> StartPartialLog(const CliValues& values,
                                                    const std::string& base,
                                                    const std::string& run_id) {
  const auto& r = values.run;
  std::string folder = runlog::PartialLogFolder(r.log_folder, values.local_log_dir);
  std::string local = runlog::PartialLogFolder("", values.local_log_dir);
  runlog::RecoverPartialLogs(folder, r.s3, run_id);
  if (local != folder) runlog::RecoverPartialLogs(local, r.s3, run_id);
  auto partial = runlog::PartialLog::Start(folder, base, r.log_folder);
  if (!partial.ok()) {
    LogWarning("{}; the log is kept in memory until the end of the run",
               partial.status().message());
    return nullptr;
  }
  LogDebug("run log kept at {} while the run goes", (*partial)->path());
  return std::move(*partial);
}

}  // namespace

int RunCommand(CliValues* values) {
  // From here a signal stops the run gracefully (cli/main.cc started the watcher).
  EnableGracefulStop();
  runlog::RunInfo info;
  info.started_micros = NowMicros();
  info.run_id = sink::NewRunId(info.started_micros);
  info.job_name = values->run.job_name;
  info.environment = values->run.environment;
  info.load_type = values->load_type;
  RunLog::Get().set_verbose(values->verbose);
  // Before anything is logged: the DSN's passwords are masked in every output.
  RegisterDsnSecrets(values->run.connect.source);

  // The run id is the UTC start time plus a suffix: two runs that start in the same
  // second keep a log each.
  const std::string base =
      fmt::format("{}-{}-{}", info.job_name, info.environment, info.run_id);
  std::vector<job::TableResult> results;
  std::unique_ptr<runlog::PartialLog> partial;
  arrow::Status st = ResolveRunOptions(values, /*output_required=*/true);
  if (st.ok()) partial = StartPartialLog(*values, base, info.run_id);
  if (st.ok() && StopRequested()) st = InterruptedError("the run");
  if (st.ok()) st = Execute(values->run, &info, values->progress_settings, &results);
  int code = static_cast<int>(ExitCode::kOk);
  info.status = "ok";
  if (!st.ok()) {
    code = StopRequested() ? InterruptedExitCode() : static_cast<int>(ExitCodeOf(st));
    info.status = "not_started";
    info.error = st.message();
    LogError("{}", st.message());
    LogError("the run could not start; no data and no state were written (exit code {})",
             code);
  } else {
    for (const auto& r : results) {
      if (r.status != job::TableStatus::kOk) {
        if (code == static_cast<int>(ExitCode::kOk))
          code = static_cast<int>(ExitCode::kTablesFailed);
        info.status = "failed";
        // A table lost to a PostgreSQL outage (after its retries) says "retry later"
        // (3), not "look at this table" (1).
        if (InfoOf(r.error_class).exit_code == ExitCode::kSourceUnavailable)
          code = static_cast<int>(ExitCode::kSourceUnavailable);
        // Likewise a table lost to a full disk says "free space" (5), as documented;
        // a PostgreSQL outage seen by another table still wins (3).
        // A table whose commit the catalog did not take says "fix or wait for the
        // catalog" (6), unless a PostgreSQL outage already said 3.
        if (InfoOf(r.error_class).exit_code == ExitCode::kCatalogUnavailable &&
            code != static_cast<int>(ExitCode::kSourceUnavailable))
          code = static_cast<int>(ExitCode::kCatalogUnavailable);
        if (r.error_class == ErrorClass::kStorageFull &&
            code != static_cast<int>(ExitCode::kSourceUnavailable))
          code = static_cast<int>(ExitCode::kStorageUnavailable);
      }
    }
  }
  if (StopRequested()) {
    // Tables committed before the signal stay committed; the rest were aborted.
    code = InterruptedExitCode();
    info.status = "interrupted";
    info.signal = SignalName(StopSignal());
  }
  info.finished_micros = NowMicros();
  info.exit_code = code;
  double seconds = (info.finished_micros - info.started_micros) / 1e6;
  if (st.ok()) {
    std::fputs(runlog::SummaryTable(results, seconds).c_str(), stdout);
    std::fflush(stdout);
  }
  LogInfo("run {} finished with exit code {} in {:.2f}s", info.run_id, info.exit_code,
          seconds);
  std::string where =
      runlog::UploadRunLog(values->run.log_folder, values->run.s3, base,
                           RunLog::Get().Text(), runlog::SummaryJson(info, results));
  if (partial) {
    partial->Finish(/*delivered=*/!where.empty());
    if (where.empty())
      std::fprintf(stderr, "the run log is kept at %s\n", partial->path().c_str());
  }
  return code;
}

}  // namespace pgtide::cli
