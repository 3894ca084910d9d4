#pragma once

#include <arrow/status.h>

#include <optional>
#include <string>
#include <vector>

#include "pgtide/state/state_file.h"
#include "pgtide/storage/publish.h"

namespace pgtide::job {

struct TablePlan;

/// One table's load, ready to become visible: its closed files (staged, not yet
/// published), its new state line, and the files of earlier runs that it replaces.
struct TableChange {
  std::string table;  // schema.table, for messages
  std::vector<storage::StagedFile> files;
  /// The new state line; nullopt leaves the stored line byte-identical (a cdc run that
  /// found nothing new).
  std::optional<state::TableState> line;
  /// Files a full load supersedes, deleted only once the change is committed.
  std::vector<std::string> superseded;
  /// Files already in the table's folder, committed before the table had Iceberg
  /// metadata (by the Glue job or an older pgtide), that its first snapshot takes in.
  std::vector<std::string> adopted;
  /// What the table was planned as (its Iceberg base, schema and spec).
  const TablePlan* plan = nullptr;
};

/// The door through which a table's load is committed. Everything before it (scan,
/// encode, stage) is the same for every lake format; an implementation decides what
/// "committed" means: an Iceberg snapshot (IcebergCommit).
///
/// Contract: a change that reports OK is durable and visible; one that reports an error
/// leaves the table's committed content and mark as they were (its published files, if
/// any, are swept by the next run).
class TableCommitTarget {
 public:
  virtual ~TableCommitTarget() = default;
  /// Commits several tables' changes at once (a group commit); one status per change, in
  /// order. Changes are independent: one table's failure never undoes another's commit.
  virtual std::vector<arrow::Status> Commit(std::vector<TableChange>& changes) = 0;
};

}  // namespace pgtide::job
