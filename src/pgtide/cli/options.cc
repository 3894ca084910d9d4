#include "pgtide/cli/options.h"

#include <fmt/format.h>

#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>

#include "pgtide/common/exit_code.h"

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
      ->capture_default_str();
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
                  "Codec level (default: the codec's own)");
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
  cmd->add_option("--s3-endpoint", r.s3.endpoint,
                  "S3-compatible endpoint, e.g. http://127.0.0.1:9000 (path-style) "
                  "[default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS]");
  cmd->add_option("--s3-region", r.s3.region,
                  "S3 region [default: AWS_REGION, us-east-1]");
  cmd->add_option(
      "--config", v->config_file,
      "JSON file of per-table overrides: {\"tables\": {\"schema.table\": "
      "{\"cursor_column\": ..., \"load_type\": \"full\"|\"cdc\", \"skip\": true}}}");
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
  cmd->add_flag("--verbose,-v", v->verbose,
                "Also log debug lines (the SQL of each COPY)");
  cmd->add_flag("--no-progress", v->no_progress, "No progress line even on a terminal");
}

/// "5min", "30s", "500ms", "1h" or "0" in milliseconds (exactly-once / locking block).
static arrow::Result<int64_t> ParseWait(const std::string& flag,
                                        const std::string& text) {
  static const std::pair<const char*, int64_t> kUnits[] = {
      {"ms", 1}, {"s", 1000}, {"min", 60000}, {"m", 60000}, {"h", 3600000}};
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
                           "with a unit: 500ms, 30s, 5min, 1h (or 0)",
                           flag, text));
}

static std::string JoinLocation(const std::string& base, const std::string& rel) {
  std::string b = base;
  while (b.size() > 1 && b.back() == '/') b.pop_back();
  return b + "/" + rel;
}

static arrow::Status LoadConfig(const std::string& path, job::RunOptions* r) {
  std::ifstream in(path);
  if (!in) {
    return Error(ExitCode::kUsage, fmt::format("could not read config file {}", path));
  }
  try {
    auto j = nlohmann::json::parse(in);
    if (!j.contains("tables")) return arrow::Status::OK();
    for (auto& [name, t] : j["tables"].items()) {
      job::TableOverride o;
      o.cursor_column = t.value("cursor_column", "");
      o.load_type = t.value("load_type", "");
      o.skip = t.value("skip", false);
      if (!o.load_type.empty() && o.load_type != "full" && o.load_type != "cdc") {
        return Error(
            ExitCode::kUsage,
            fmt::format("config file {}: table {}: load_type must be \"full\" or "
                        "\"cdc\"",
                        path, name));
      }
      r->overrides[name] = o;
    }
  } catch (const std::exception& e) {
    return Error(ExitCode::kUsage,
                 fmt::format("config file {} is not valid: {}", path, e.what()));
  }
  return arrow::Status::OK();
}

arrow::Status ResolveRunOptions(CliValues* v, bool output_required) {
  auto& r = v->run;
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
  if (v->compression_level >= 0) r.writer.compression_level = v->compression_level;
  r.writer.memory_budget_bytes = v->memory_limit_mb << 20;
  if (!v->config_file.empty()) ARROW_RETURN_NOT_OK(LoadConfig(v->config_file, &r));
  ARROW_ASSIGN_OR_RAISE(r.horizon_wait_ms, ParseWait("--horizon-wait", v->horizon_wait));
  ARROW_ASSIGN_OR_RAISE(r.lock_wait_ms, ParseWait("--lock-wait", v->lock_wait));
  return arrow::Status::OK();
}

}  // namespace pgtide::cli
