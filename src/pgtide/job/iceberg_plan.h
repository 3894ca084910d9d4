#pragma once

#include <arrow/status.h>

#include <optional>

#include "pgtide/job/table_plan.h"
#include "pgtide/lake/lake_state.h"
#include "pgtide/lake/table_pointer.h"

namespace pgtide::job {

/// The table as an Iceberg table: its ident, and the metadata as read under its lock.
lake::TableIdent IcebergIdentOf(const TablePlan& plan);

/// Attaches to `plan` the table's Iceberg metadata as read (`pointer`, nullopt for a
/// table without any yet) and the schema and partition spec this run writes: field ids
/// are kept by column name from the current schema, and new columns get ids after the
/// table's last column id. A change Iceberg cannot express in place (a narrowed type, a
/// column whose type changed kind) turns a cdc load into a full reload with fresh ids for
/// every column, and says so in a warning: never silently.
arrow::Status PlanIcebergTable(TablePlan* plan,
                               std::optional<lake::PointerState> pointer);

/// Plans `tables` from the lake's own record: each table's Iceberg metadata, read through
/// `pointer`, with `csv` speaking only for tables that have none (lake/lake_state.h).
/// Arguments as PlanTables; `only` (schema.table) limits the metadata read to one
/// table, whose plan alone is then complete (re-planning one table under its lock).
arrow::Result<std::vector<TablePlan>> PlanFromLake(
    lake::TablePointer* pointer, const state::StateFile& csv,
    const std::vector<source::TableInfo>& tables, const RunOptions& options,
    const std::vector<source::TableName>* every_table, const std::string* only = nullptr);

}  // namespace pgtide::job
