#include "pgtide/cli/options.h"

#include <arrow/util/compression.h>
#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "pgtide/cli/job_config.h"
#include "pgtide/common/error_catalogue.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/common/log.h"
#include "pgtide/common/secrets.h"

namespace pgtide::cli {

void AddRunOptions(CLI::App* cmd, CliValues* v) {
  auto& r = v->run;
  cmd->add_option(
         "--source", r.connect.source,
         "PostgreSQL connection URI or \"key=value ...\" string; without it libpq's "
         "PG* environment variables apply")
      ->envname("PGTIDE_SOURCE");
  cmd->add_option("--database_name,--database", r.connect.database,
                  "Database to connect to (overrides the one in --source)");
  cmd->add_option("--schema", r.discover.schemas, "Schema to extract (repeatable)")
      ->default_str("public");
  cmd->add_option("--include", r.discover.include,
                  "Only tables whose schema.table matches this glob (repeatable)");
  cmd->add_option("--exclude", r.discover.exclude,
                  "Skip tables whose schema.table matches this glob (repeatable)");
  cmd->add_option("--load-type,--load_type", v->load_type,
                  "full: every row; cdc: rows past each table's stored mark")
      ->check(CLI::IsMember({"full", "cdc"}))
      ->envname("PGTIDE_LOAD_TYPE");
  cmd->add_option(
         "--cursor-column", r.cursor_column,
         "Column whose values mark changed rows (timestamptz, timestamp, date or an "
         "integer version)")
      ->capture_default_str()
      ->each([&r](const std::string&) { r.cursor_column_explicit = true; });
  cmd->add_option("--output,--s3_output_path", r.output,
                  "Lake location: a folder or s3://bucket/prefix")
      ->envname("PGTIDE_OUTPUT");
  cmd->add_option(
         "--state,--csv_file_name", r.state,
         "State file (max_timestamps.csv): a path or s3:// URI; a bare file name is "
         "placed in the output location [default: <output>/_pgtide/max_timestamps.csv]")
      ->envname("PGTIDE_STATE");
  cmd->add_option("--log-folder,--log_folder_path", r.log_folder,
                  "Where the run log and summary are written at the end of every run "
                  "[default: <output>/_pgtide/logs]")
      ->envname("PGTIDE_LOG_FOLDER");
  cmd->add_option(
         "--catalog", r.catalog.uri,
         "Where each table's current Iceberg metadata is recorded: lake (version "
         "hints in the lake), sql:sqlite:///abs/path.db, sql:postgresql://... "
         "(the JdbcCatalog / pyiceberg SqlCatalog schema), glue, "
         "rest:https://host/path[?warehouse=name] (an Iceberg REST catalog; "
         "credentials from PGTIDE_CATALOG_TOKEN[_FILE] or PGTIDE_CATALOG_CREDENTIAL) "
         "[default: lake, or "
         "the job file's catalog]")
      ->envname("PGTIDE_CATALOG")
      ->each([v](const std::string&) { v->catalog_given = true; });
  cmd->add_option("--catalog-name", r.catalog.name,
                  "The catalog's name (catalog_name of a SQL catalog) [default: pgtide, "
                  "or the job file's catalog_name]")
      ->envname("PGTIDE_CATALOG_NAME")
      ->each([v](const std::string&) { v->catalog_name_given = true; });
  cmd->add_option("--catalog-endpoint", r.catalog.endpoint,
                  "Glue endpoint override [default: AWS_ENDPOINT_URL_GLUE, "
                  "AWS_ENDPOINT_URL, else AWS]");
  cmd->add_option("--catalog-timeout", r.catalog.timeout_s,
                  "Seconds a catalog login or statement may take, and a SQLite writer "
                  "may wait for another's lock")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  cmd->add_option("--job-name,--JOB_NAME", r.job_name, "Job name used in log file names")
      ->capture_default_str();
  cmd->add_option("--environment", r.environment,
                  "Environment label used in log file names")
      ->capture_default_str();
  cmd->add_option("--jobs,-j", r.jobs, "Tables loaded at the same time")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_option("--compression", v->compression, "Parquet codec")
      ->check(CLI::IsMember({"zstd", "snappy", "gzip", "lz4", "brotli", "none"}))
      ->capture_default_str();
  cmd->add_option("--compression-level", v->compression_level,
                  "Codec level (default: the codec's own)")
      ->each([v](const std::string&) { v->compression_level_set = true; });
  cmd->add_option("--row-group-rows", r.writer.row_group_rows,
                  "Target rows per row group")
      ->check(CLI::Range(int64_t{1024}, int64_t{1} << 30))
      ->capture_default_str();
  cmd->add_option("--memory-limit-mb", v->memory_limit_mb,
                  "Rows buffered for Parquet across all partitions of a table, in MiB")
      ->check(CLI::Range(8, 1 << 20))
      ->capture_default_str();
  cmd->add_option(
      "--lookback", r.lookback,
      "Re-scan this much before the stored mark (an interval such as '5 minutes' "
      "for time cursors, a count for integer cursors); no row is written twice");
  cmd->add_option("--cursor-timezone", r.cursor_timezone,
                  "Time zone in which timestamp-without-time-zone cursors are written "
                  "[default: the server's TimeZone]");
  // --- S3 endpoint, region and bounded waits (issue 12 items 2 and 13) ---
  cmd->add_option("--s3-endpoint", r.s3.endpoint,
                  "S3-compatible endpoint, e.g. http://127.0.0.1:9000 (path-style) "
                  "[default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's "
                  "endpoint_url, else AWS]");
  cmd->add_option("--s3-region", r.s3.region,
                  "S3 region [default: AWS_REGION, AWS_DEFAULT_REGION, the profile's "
                  "region, else us-east-1]");
  cmd->add_option("--s3-connect-timeout", r.s3.connect_timeout_s,
                  "Seconds to wait for a connection to the S3 endpoint, per attempt")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  cmd->add_option("--s3-request-timeout", r.s3.request_timeout_s,
                  "Seconds an S3 request may stall (no byte sent or received) before it "
                  "is abandoned, per attempt")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  cmd->add_option("--s3-max-attempts", r.s3.max_attempts,
                  "Attempts per S3 request on transient failures (timeouts, resets, 5xx, "
                  "throttling), the first included")
      ->check(CLI::Range(1, 20))
      ->capture_default_str();
  cmd->add_option(
      "--config", v->config_file,
      "Job file of per-table overrides, JSON, YAML (.yaml/.yml) or TOML (.toml): "
      "{\"tables\": {\"schema.table\": {\"cursor_column\": ..., \"load_type\": "
      "\"full\"|\"cdc\", \"skip\": true, \"missing_cursor\": ...}}}; validated "
      "strictly");
  // --- PostgreSQL timeouts and retries (issue 12 items 2-3; README "Timeouts and
  // retries"). A timeout flag given here beats the same setting in --source.
  auto& pg = r.connect;
  cmd->add_option("--connect-timeout", pg.connect_timeout_s,
                  "Seconds to wait for a PostgreSQL login (libpq connect_timeout) "
                  "[default: 10, or connect_timeout in --source / PGCONNECT_TIMEOUT]")
      ->check(CLI::Range(1, 3600))
      ->each([&pg](const std::string&) { pg.connect_timeout_given = true; });
  cmd->add_option("--tcp-keepalive", pg.tcp_keepalive_s,
                  "Drop a PostgreSQL connection whose peer is silent this many seconds "
                  "(TCP keepalives and tcp_user_timeout); 0 turns them off [default: 60]")
      ->check(CLI::Range(0, 86400))
      ->each([&pg](const std::string&) { pg.tcp_keepalive_given = true; });
  cmd->add_option("--stall-timeout", pg.stall_timeout_s,
                  "Abandon a query or COPY after this many seconds without a byte from "
                  "PostgreSQL (cancelled, then retried); 0 waits for ever")
      ->check(CLI::Range(0, 86400 * 7))
      ->capture_default_str();
  cmd->add_option("--retries", r.retries,
                  "Times a table is retried from scratch after a PostgreSQL outage "
                  "(connection lost, restart, too many connections, serialization "
                  "failure)")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  cmd->add_option("--retry-wait", r.retry_wait_s,
                  "Seconds before the first retry; doubled for each next one, at most 30")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  // --- end of PostgreSQL timeouts and retries
  // Exactly-once for every role, one run per table at a time (README "Roles, horizon and
  // locking").
  cmd->add_option("--horizon-wait", v->horizon_wait,
                  "How long a table's scan waits for open transactions of other roles "
                  "whose start this role cannot read (no pg_read_all_stats) before the "
                  "table fails: 5min, 30s, 500ms")
      ->capture_default_str();
  cmd->add_option("--lock-wait", v->lock_wait,
                  "How long to wait for a table that another pgtide run is loading into "
                  "the same output before skipping it (0: skip at once)")
      ->capture_default_str();
  // Maintenance at the end of the run (README "Maintenance").
  cmd->add_flag("--no-maintenance{false}", r.maintenance,
                "Do not compact crowded partitions at the end of the run");
  cmd->add_option("--compact-min-files", r.compact_min_files,
                  "Compact a partition once it holds this many data files")
      ->check(CLI::Range(2, 1000000))
      ->capture_default_str();
  cmd->add_option("--maintain-budget", r.maintain_budget_s,
                  "Seconds the end-of-run maintenance may spend (no table is started "
                  "after it)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  AddRetentionOptions(cmd, &v->snapshot_retention, &v->orphan_grace);
  cmd->add_flag("--verbose,-v", v->verbose,
                "Also log debug lines (the SQL of each COPY)");
  // --- Validation before loading (issue 12, items 5 and 6) ---
  cmd->add_option("--missing-cursor", r.missing_cursor,
                  "A cdc run's tables without the cursor column: reload (in full, "
                  "warned), skip, or fail (exit 2 before loading)")
      ->check(CLI::IsMember({"reload", "skip", "fail"}))
      ->capture_default_str();

  // --- Signals and the run log written as the run goes (issue 12, item 4).
  cmd->add_option("--local-log-dir", v->local_log_dir,
                  "Local folder for the run log while the run goes, when the log folder "
                  "is on S3; the next run uploads what a killed run left there "
                  "[default: $TMPDIR/pgtide-logs]")
      ->envname("PGTIDE_LOCAL_LOG_DIR");

  // Progress (issue 12, item 14).
  cmd->add_flag("--no-progress", v->no_progress, "Same as --progress never");
  cmd->add_option("--progress", v->progress,
                  "auto: a live line on a terminal, otherwise a heartbeat log line per "
                  "running table every --progress-interval; always: the live line even "
                  "when stderr is not a terminal; never: neither")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  cmd->add_option("--progress-interval", v->progress_interval,
                  "Time between heartbeat lines when stderr is not a terminal (e.g. 30s, "
                  "2m, 1h; at least 1s)")
      ->capture_default_str();

  // Scale-out (issue 15): one snapshot per run, split tables, shards.
  AddScaleOptions(cmd, &v->scale, &r);
}

void AddRetentionOptions(CLI::App* cmd, std::string* snapshot_retention,
                         std::string* orphan_grace) {
  cmd->add_option("--snapshot-retention", *snapshot_retention,
                  "Keep snapshots (time travel) this long: 5d, 12h; the newest is always "
                  "kept, and a table's history.expire.* properties take precedence")
      ->capture_default_str();
  cmd->add_option("--orphan-grace", *orphan_grace,
                  "Delete files no snapshot reads (of runs or compactions that died) "
                  "once they are this old: 1d, 6h")
      ->capture_default_str();
}

arrow::Result<int64_t> ParseDuration(const std::string& flag, const std::string& text) {
  static const std::pair<const char*, int64_t> kUnits[] = {
      {"ms", 1},    {"s", 1000},    {"min", 60000},
      {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits])))
    ++digits;
  const std::string unit = text.substr(digits);
  if (digits > 0 && digits <= 9) {
    int64_t n = std::stoll(text.substr(0, digits));
    if (unit.empty() && n == 0) return 0;
    for (const auto& [name, ms] : kUnits) {
      if (unit == name) return n * ms;
    }
  }
  return Error(ExitCode::kUsage,
               fmt::format("{} \"{}\" is not a duration\nHINT: write a whole number "
                           "with a unit: 500ms, 30s, 5min, 1h, 5d (or 0)",
                           flag, text));
}

// --progress / --no-progress and the heartbeat interval (a ParseDuration duration, >=
// 1s).
static arrow::Status ResolveProgress(CliValues* v) {
  auto& p = v->progress_settings;
  p.mode = v->no_progress || v->progress == "never" ? ProgressMode::kNever
           : v->progress == "always"                ? ProgressMode::kAlways
                                                    : ProgressMode::kAuto;
  auto ms = ParseDuration("--progress-interval", v->progress_interval);
  if (!ms.ok() || *ms < 1000) {
    return Error(ExitCode::kUsage,
                 fmt::format("--progress-interval \"{}\" is not a duration of at least "
                             "1s\nHINT: write it as 30s, 2m or 1h",
                             v->progress_interval));
  }
  p.heartbeat_seconds = *ms / 1000.0;
  return arrow::Status::OK();
}

static std::string JoinLocation(const std::string& base, const std::string& rel) {
  std::string b = base;
  while (b.size() > 1 && b.back() == '/') b.pop_back();
  return b + "/" + rel;
}

static arrow::Status LoadConfig(const std::string& path, job::RunOptions* r,
                                bool catalog_given, bool catalog_name_given) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error(ErrorClass::kConfig,
                 fmt::format("could not read config file {}\nHINT: Check the path given "
                             "to --config",
                             path));
  }
  std::stringstream text;
  text << in.rdbuf();
  JobFileSettings settings;
  ARROW_ASSIGN_OR_RAISE(
      r->overrides, ParseJobConfig(text.str(), ConfigFormatOf(path), path, &settings));
  // A flag (or its environment variable) beats the job file.
  if (!settings.catalog.empty() && !catalog_given) r->catalog.uri = settings.catalog;
  if (!settings.catalog_name.empty() && !catalog_name_given)
    r->catalog.name = settings.catalog_name;
  for (size_t i = 0; i < settings.sources.size(); ++i) {
    job::SourceSpec& s = settings.sources[i];
    if (!settings.dsn_env[i].empty()) {
      const char* value = std::getenv(settings.dsn_env[i].c_str());
      if (value == nullptr || *value == '\0') {
        return Error(
            ErrorClass::kConfig,
            fmt::format("config file {}: sources.{}.source_env: the environment "
                        "variable {} is not set\nHINT: Export {} with the "
                        "source's connection string, or give sources.{}.source",
                        path, s.name, settings.dsn_env[i], settings.dsn_env[i], s.name));
      }
      s.dsn = value;
    }
    // Before anything is logged: every source's passwords are masked in every output.
    RegisterDsnSecrets(s.dsn);
  }
  r->sources = std::move(settings.sources);
  return arrow::Status::OK();
}

/// The level is checked against the codec Arrow will use, before any table is read.
static arrow::Status CheckCompressionLevel(const CliValues& v,
                                           arrow::Compression::type codec) {
  if (!v.compression_level_set) return arrow::Status::OK();
  auto lo = arrow::util::Codec::MinimumCompressionLevel(codec);
  auto hi = arrow::util::Codec::MaximumCompressionLevel(codec);
  if (!lo.ok() || !hi.ok()) {
    return Error(
        ErrorClass::kUsage,
        fmt::format("--compression-level {}: the {} codec has no levels\nHINT: "
                    "Drop --compression-level or choose zstd, gzip, brotli or lz4",
                    v.compression_level, v.compression));
  }
  if (v.compression_level < *lo || v.compression_level > *hi) {
    return Error(ErrorClass::kUsage,
                 fmt::format("--compression-level {} is out of range for {}\nHINT: Use "
                             "a level from {} to {}",
                             v.compression_level, v.compression, *lo, *hi));
  }
  return arrow::Status::OK();
}

arrow::Status ResolveRunOptions(CliValues* v, bool output_required) {
  auto& r = v->run;
  for (const auto& a : v->ignored_arguments)
    LogDebug("ignoring {}, an argument of the AWS Glue runtime", a);
  if (r.discover.schemas.empty()) r.discover.schemas = {"public"};
  r.load_type = v->load_type == "full" ? job::LoadType::kFull : job::LoadType::kCdc;
  if (output_required && r.output.empty()) {
    return Error(
        ExitCode::kUsage,
        "no output location\nHINT: pass --output DIR or --output s3://bucket/prefix "
        "(the original job's --s3_output_path)");
  }
  if (!r.output.empty()) {
    if (r.state.empty()) r.state = JoinLocation(r.output, "_pgtide/max_timestamps.csv");
    if (r.state.find('/') == std::string::npos) r.state = JoinLocation(r.output, r.state);
    if (r.log_folder.empty()) r.log_folder = JoinLocation(r.output, "_pgtide/logs");
  }
  const std::map<std::string, arrow::Compression::type> codecs = {
      {"zstd", arrow::Compression::ZSTD},     {"snappy", arrow::Compression::SNAPPY},
      {"gzip", arrow::Compression::GZIP},     {"lz4", arrow::Compression::LZ4_FRAME},
      {"brotli", arrow::Compression::BROTLI}, {"none", arrow::Compression::UNCOMPRESSED}};
  r.writer.compression = codecs.at(v->compression);
  ARROW_RETURN_NOT_OK(CheckCompressionLevel(*v, r.writer.compression));
  if (v->compression_level_set) r.writer.compression_level = v->compression_level;
  r.writer.memory_budget_bytes = v->memory_limit_mb << 20;
  if (!v->config_file.empty()) {
    ARROW_RETURN_NOT_OK(
        LoadConfig(v->config_file, &r, v->catalog_given, v->catalog_name_given));
  }
  if (!r.sources.empty() && (!r.connect.source.empty() || !r.connect.database.empty())) {
    return Error(ErrorClass::kUsage,
                 fmt::format("{} and the job file's \"sources\" ({}) both name "
                             "databases\nHINT: Drop {} or the job file's sources",
                             r.connect.source.empty() ? "--database_name" : "--source",
                             v->config_file,
                             r.connect.source.empty() ? "--database_name"
                                                      : "--source (and PGTIDE_SOURCE)"));
  }
  r.catalog.s3 = r.s3;
  ARROW_RETURN_NOT_OK(ResolveProgress(v));
  ARROW_ASSIGN_OR_RAISE(r.horizon_wait_ms,
                        ParseDuration("--horizon-wait", v->horizon_wait));
  ARROW_ASSIGN_OR_RAISE(r.lock_wait_ms, ParseDuration("--lock-wait", v->lock_wait));
  ARROW_ASSIGN_OR_RAISE(r.retention.snapshot_max_age_ms,
                        ParseDuration("--snapshot-retention", v->snapshot_retention));
  ARROW_ASSIGN_OR_RAISE(r.retention.orphan_grace_ms,
                        ParseDuration("--orphan-grace", v->orphan_grace));
  ARROW_RETURN_NOT_OK(ResolveScaleOptions(v->scale, &r));
  return arrow::Status::OK();
}

}  // namespace pgtide::cli
