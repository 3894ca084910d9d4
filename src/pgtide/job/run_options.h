#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "pgtide/lake/catalog_options.h"
#include "pgtide/lake/table_cleanup.h"
#include "pgtide/sink/partitioned_writer.h"
#include "pgtide/source/catalog.h"
#include "pgtide/source/connection.h"
#include "pgtide/storage/object_store.h"

namespace pgtide::job {

enum class LoadType { kFull, kCdc };
const char* LoadTypeName(LoadType t);

/// Per-table settings from the --config file, overriding the run's defaults.
struct TableOverride {
  std::string cursor_column;  // "" = the run's
  std::string load_type;      // "", "full" or "cdc"
  bool skip = false;
  std::string missing_cursor;  // "" = the run's; "reload", "skip" or "fail"
};

/// One database of a job that lists several (the job file's `sources`, README "Many
/// sources in one job"): each (source, table) is a unit of its own.
struct SourceSpec {
  /// [a-z][a-z0-9]*(_[a-z0-9]+)*: the source's folder in the lake and, with a catalog,
  /// the prefix of its namespaces ("<name>__<schema>", unambiguous since a name never
  /// holds
  /// "__").
  std::string name;
  std::string dsn;  // `source`, or the value of the environment variable `source_env`
  std::vector<std::string> schemas;  // empty: the run's --schema
  std::vector<std::string> include;  // empty: the run's --include
  std::vector<std::string> exclude;  // empty: the run's --exclude
  std::map<std::string, TableOverride> overrides;
};

/// Everything a run needs, after flags, aliases, config file and environment are merged.
struct RunOptions {
  source::ConnectOptions connect;
  source::DiscoverOptions discover;
  LoadType load_type = LoadType::kCdc;
  std::string cursor_column = "updated_at";
  /// --cursor-column was given: a name that no selected table has is then a typo (exit
  /// 2), not a database without cursors.
  bool cursor_column_explicit = false;
  /// What a cdc run does with a table that lacks its cursor column: "reload" it in full
  /// (warned), "skip" it, or "fail" before loading anything.
  std::string missing_cursor = "reload";
  std::string output;      // folder or s3:// prefix of the lake
  std::string state;       // max_timestamps.csv location
  std::string log_folder;  // where the run log and summary go
  /// Where each table's current metadata is recorded (README "Catalogs").
  lake::CatalogOptions catalog;
  std::string job_name = "pgtide";
  std::string environment = "dev";
  int jobs = 1;  // tables loaded at the same time
  // PostgreSQL outages (README "Timeouts and retries"): a table is retried from scratch
  // up to `retries` times, waiting retry_wait_s, then twice that, ... (at most 30 s).
  int retries = 5;
  double retry_wait_s = 2;
  sink::WriterOptions writer;
  storage::S3Settings s3;
  /// Extra overlap re-scanned by cdc for cursors set by application clocks: an interval
  /// for time cursors ("5 minutes"), a count for integer cursors. Rows already written
  /// are still recognised and not written twice.
  std::string lookback;
  /// Time zone in which `timestamp without time zone` cursors are written; default: the
  /// server's TimeZone setting.
  std::string cursor_timezone;
  std::map<std::string, TableOverride> overrides;  // by schema.table
  // Exactly-once and one run per table (README "Roles, horizon and locking"):
  /// How long a table's scan waits for transactions of other roles whose start this
  /// role cannot read (no pg_read_all_stats) before the table fails.
  int64_t horizon_wait_ms = 5 * 60 * 1000;
  /// How long a table waits for another run's lock on it before it is skipped.
  int64_t lock_wait_ms = 0;
  // Maintenance at the end of a run (README "Maintenance"):
  /// Compact the committed tables' crowded partitions after the last commit.
  bool maintenance = true;
  /// A partition is compacted once it has this many files.
  int compact_min_files = 16;
  /// The end-of-run maintenance stops starting tables after this long.
  double maintain_budget_s = 30;
  /// How long snapshots (time travel) and orphan files are kept (lake/table_cleanup.h).
  lake::RetentionPolicy retention;
  // Scale-out (README "Scaling out"):
  /// Every table of the run read in one snapshot exported by a holding connection.
  bool consistent = false;
  /// A table whose pg_table_size is above this is read as `split_ranges` ranges; 0:
  /// never.
  int64_t split_larger_than_bytes = 0;
  int split_ranges = 4;
  /// This process loads the tables of shard `shard_index` of `shard_count` (0: all).
  int shard_index = 0;
  int shard_count = 0;
  /// The job file's sources; empty: the one --source. A run with sources loads each in
  /// turn with OptionsForSource (job/source_options.h).
  std::vector<SourceSpec> sources;
  /// Prefixed to each table's catalog namespace (its schema): "<source>__" for a source
  /// of a job with several.
  std::string namespace_prefix;
  int64_t batch_rows = 16384;  // rows per decoded Arrow batch: cache-sized; measured
                               // 5% less CPU and 40% less memory than 64k
};

}  // namespace pgtide::job
