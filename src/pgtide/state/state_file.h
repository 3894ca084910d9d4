#pragma once

#include <arrow/result.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pgtide/common/row_hash.h"

namespace pgtide::state {

/// One table's line of max_timestamps.csv. The first two columns are the original job's;
/// the others let pgtide resume exactly (see "What pgtide guarantees" in the README).
struct TableState {
  std::string table_name;      // schema.table
  std::string max_updated_at;  // highest cursor value written, as PostgreSQL prints it
  std::string cursor_column;
  /// Inclusive lower bound of the next cdc scan: the database clock's horizon at the last
  /// commit, below which no transaction could still commit a row. Empty: use
  /// max_updated_at.
  std::string resume_from;
  std::string committed_run;  // run id of the last commit of this table
  std::string full_run;       // run id of the last full load; older files are superseded
  /// Rows already written whose cursor is >= resume_from: the next run skips them.
  std::vector<RowHash> boundary;
  std::string updated_at;  // when this line was written (UTC), for people
  /// Not stored: the line this one replaces on commit, when the table's mark was read
  /// from the original job's ambiguous-looking schema.table form (see TableKey).
  std::string replaces;
  /// Not stored: the Iceberg snapshot the line was read from (lake/snapshot_state.h);
  /// nullopt for a line read from the CSV (a table not yet committed as Iceberg).
  std::optional<int64_t> snapshot_id;
};

/// The whole state file: parsing is strict (a damaged file stops the run rather than
/// silently restarting every table from scratch) and keeps unknown columns.
class StateFile {
 public:
  /// Parses CSV text (a leading UTF-8 byte order mark, as spreadsheet programs write, is
  /// skipped); `name` is used in errors. Errors carry exit code kState.
  static arrow::Result<StateFile> Parse(const std::string& text, const std::string& name);
  std::string Serialize() const;

  const TableState* Find(const std::string& table) const;
  void Upsert(const TableState& row);
  const std::vector<TableState>& rows() const { return rows_; }

 private:
  std::vector<TableState> rows_;
  std::vector<std::string> extra_columns_;
  std::map<std::string, std::vector<std::string>> extra_values_;  // by table_name
};

/// Splits CSV text into records (RFC 4180: quotes, doubled quotes, newlines in quotes).
arrow::Result<std::vector<std::vector<std::string>>> ParseCsv(const std::string& text);
std::string CsvField(const std::string& value);

}  // namespace pgtide::state
