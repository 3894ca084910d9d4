#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pgtide/lake/table_pointer.h"
#include "pgtide/state/state_file.h"

namespace pgtide::lake {

/// The stored state that tables are planned from. A table with Iceberg metadata is
/// planned from its current snapshot alone; max_timestamps.csv only speaks for tables
/// that have none yet (a lake made by the Glue job or an older pgtide), so a stale,
/// restored or deleted CSV can neither hide nor double a committed row.
struct LakeStateView {
  state::StateFile state;
  /// Each looked-up table's pointer as read (nullopt: no Iceberg metadata), by
  /// schema.table.
  std::map<std::string, std::optional<PointerState>> pointers;
};

/// `tables`: each table's schema.table name as the state file spells it (quoted where
/// needed), with its ident.
arrow::Result<LakeStateView> LoadLakeState(
    TablePointer* pointer, const state::StateFile& csv,
    const std::vector<std::pair<std::string, TableIdent>>& tables);

}  // namespace pgtide::lake
