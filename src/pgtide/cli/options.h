#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "pgtide/cli/progress.h"
#include "pgtide/cli/scale_options.h"
#include "pgtide/job/run_options.h"

namespace pgtide::cli {

/// Raw flag values before they are resolved into RunOptions.
struct CliValues {
  job::RunOptions run;
  std::string load_type = "cdc";
  std::string compression = "zstd";
  int compression_level = -1;
  bool compression_level_set = false;
  int64_t memory_limit_mb = 64;
  std::string config_file;
  // --catalog / --catalog-name given (flag or environment): they beat the job file.
  bool catalog_given = false;
  bool catalog_name_given = false;
  bool verbose = false;
  bool no_progress = false;
  std::vector<std::string> ignored_arguments;  // the Glue runtime's (glue_arguments.h)
  std::string progress = "auto";               // --progress
  std::string progress_interval = "30s";       // --progress-interval
  ProgressSettings progress_settings;          // resolved from the two above
  // Signals and the run log kept on local disk as the run goes.
  std::string local_log_dir;  // "" = the log folder when local, else $TMPDIR/pgtide-logs
  // Exactly-once and locking: durations such as "5min", "30s", "500ms", "0".
  std::string horizon_wait = "5min";
  std::string lock_wait = "0";
  std::string snapshot_retention = "5d";  // --snapshot-retention
  std::string orphan_grace = "1d";        // --orphan-grace
  ScaleValues scale;  // --consistent, --split-*, --shard(s), plan --json
};

/// Declares every run/plan option once — flag, the original Glue job's alias, environment
/// variable and help text — on `cmd`.
void AddRunOptions(CLI::App* cmd, CliValues* v);

/// Resolves defaults (state and log locations under the output), the config file and the
/// enumerations. Errors carry exit code kUsage.
arrow::Status ResolveRunOptions(CliValues* v, bool output_required);

/// Adds --snapshot-retention and --orphan-grace (run and maintain share them).
void AddRetentionOptions(CLI::App* cmd, std::string* snapshot_retention,
                         std::string* orphan_grace);

/// "5min", "30s", "500ms", "1h", "5d" or "0" in milliseconds; a usage error naming
/// `flag` otherwise.
arrow::Result<int64_t> ParseDuration(const std::string& flag, const std::string& text);

}  // namespace pgtide::cli
