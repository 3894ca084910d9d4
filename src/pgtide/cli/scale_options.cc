#include "pgtide/cli/scale_options.h"

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
#include <utility>

#include "pgtide/common/exit_code.h"

namespace pgtide::cli {

void AddScaleOptions(CLI::App* cmd, ScaleValues* v, job::RunOptions* r) {
  cmd->add_flag("--consistent", r->consistent,
                "Read every table in one snapshot, exported by a connection held open "
                "for the whole run (VACUUM cannot remove rows deleted after it starts)")
      ->envname("PGTIDE_CONSISTENT");
  cmd->add_option("--split-larger-than", v->split_larger_than,
                  "Read a table larger than this (pg_table_size; e.g. 2GB, 512MiB) as "
                  "--split-ranges ranges on as many connections in one snapshot")
      ->envname("PGTIDE_SPLIT_LARGER_THAN");
  cmd->add_option("--split-ranges", r->split_ranges,
                  "Ranges (and connections) of a split table")
      ->check(CLI::Range(2, 64))
      ->envname("PGTIDE_SPLIT_RANGES")
      ->capture_default_str();
  cmd->add_option("--shard", v->shard,
                  "Load only shard I of N (I from 0): tables are assigned to shards by "
                  "size, the same way in every shard and every retry")
      ->envname("PGTIDE_SHARD");
  cmd->add_option("--shards", v->shards,
                  "Number of shards; this one's index is read from JOB_COMPLETION_INDEX "
                  "(Kubernetes Indexed Job) or AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch)")
      ->check(CLI::Range(1, 100000))
      ->envname("PGTIDE_SHARDS");
}

arrow::Result<int64_t> ParseSize(const std::string& flag, const std::string& text) {
  static const std::pair<const char*, int64_t> kUnits[] = {
      {"", 1},          {"B", 1},           {"kB", 1000},          {"KB", 1000},
      {"MB", 1000000},  {"GB", 1000000000}, {"TB", 1000000000000}, {"KiB", 1 << 10},
      {"MiB", 1 << 20}, {"GiB", 1LL << 30}, {"TiB", 1LL << 40}};
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits])))
    ++digits;
  if (digits > 0 && digits <= 15) {
    const int64_t n = std::stoll(text.substr(0, digits));
    const std::string unit = text.substr(digits);
    for (const auto& [name, mult] : kUnits) {
      if (unit == name && n <= INT64_MAX / mult) return n * mult;
    }
  }
  return Error(ExitCode::kUsage,
               fmt::format("{} \"{}\" is not a size\nHINT: write a whole number with a "
                           "unit: 500MB, 2GB, 512MiB (or bytes)",
                           flag, text));
}

static bool ParseIndex(const std::string& s, int* out) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  *out = std::stoi(s);
  return true;
}

arrow::Status ResolveScaleOptions(const ScaleValues& v, job::RunOptions* r) {
  if (!v.split_larger_than.empty()) {
    ARROW_ASSIGN_OR_RAISE(r->split_larger_than_bytes,
                          ParseSize("--split-larger-than", v.split_larger_than));
  }
  if (!v.shard.empty() && v.shards > 0) {
    return Error(ExitCode::kUsage,
                 "--shard and --shards both given\nHINT: --shard I/N names the shard; "
                 "--shards N reads I from JOB_COMPLETION_INDEX or "
                 "AWS_BATCH_JOB_ARRAY_INDEX");
  }
  int index = -1, count = 0;
  if (!v.shard.empty()) {
    const size_t slash = v.shard.find('/');
    if (slash == std::string::npos || !ParseIndex(v.shard.substr(0, slash), &index) ||
        !ParseIndex(v.shard.substr(slash + 1), &count) || count < 1 || index >= count) {
      return Error(ExitCode::kUsage,
                   fmt::format("--shard \"{}\" is not I/N with 0 <= I < N\nHINT: e.g. "
                               "--shard 0/4 ... --shard 3/4",
                               v.shard));
    }
  } else if (v.shards > 0) {
    count = v.shards;
    std::string from;
    for (const char* var : {"JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"}) {
      const char* value = std::getenv(var);
      if (value && *value) {
        from = var;
        if (!ParseIndex(value, &index) || index >= count) {
          return Error(ExitCode::kUsage,
                       fmt::format("{}={} is not a shard index below --shards {}", var,
                                   value, count));
        }
        break;
      }
    }
    if (from.empty()) {
      return Error(ExitCode::kUsage,
                   "--shards: neither JOB_COMPLETION_INDEX (Kubernetes Indexed Job) nor "
                   "AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch array job) is set\nHINT: "
                   "elsewhere name the shard with --shard I/N");
    }
  }
  if (count > 0) {
    r->shard_index = index;
    r->shard_count = count;
  }
  return arrow::Status::OK();
}

}  // namespace pgtide::cli
