#pragma once

#include <CLI/CLI.hpp>

#include "pgtide/cli/options.h"
#include "pgtide/storage/object_store.h"

namespace pgtide::cli {

/// `pgtide run`: loads the tables and returns the process exit code.
int RunCommand(CliValues* values);
/// `pgtide plan`: prints what a run would do; writes nothing.
int PlanCommand(CliValues* values);
/// `pgtide catalog register`: records every table that has lake metadata in --catalog.
int CatalogRegisterCommand(CliValues* values);

/// `pgtide history`'s options.
struct HistoryValues {
  std::string output;
  std::string table;
  bool json = false;
  storage::S3Settings s3;
};
void AddHistoryOptions(CLI::App* cmd, HistoryValues* values);
/// `pgtide history`: each table's snapshots with their marks, rows and run ids.
int HistoryCommand(const HistoryValues& values);
/// `pgtide maintain`'s own options (besides history's --output/--table/--s3-*).
struct MaintainValues {
  int compact_min_files = 8;
  std::string snapshot_retention = "5d";
  std::string orphan_grace = "1d";
};
/// `pgtide maintain`: compacts the crowded partitions of the lake's tables, expires
/// snapshots past the retention and removes orphan files (lake/table_cleanup.h).
int MaintainCommand(const HistoryValues& values, const MaintainValues& maintain);

}  // namespace pgtide::cli
