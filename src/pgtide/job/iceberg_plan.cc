#include "pgtide/job/iceberg_plan.h"

#include <fmt/format.h>

#include "pgtide/common/log.h"
#include "pgtide/iceberg/arrow_schema.h"
#include "pgtide/iceberg/schema_compat.h"
#include "pgtide/lake/column_identity.h"

namespace pgtide::job {

lake::TableIdent IcebergIdentOf(const TablePlan& plan) {
  return {plan.lake_namespace.empty() ? plan.table.schema : plan.lake_namespace,
          plan.table.name, plan.table_dir};
}

arrow::Status PlanIcebergTable(TablePlan* plan,
                               std::optional<lake::PointerState> pointer) {
  arrow::FieldVector fields;
  for (const auto& c : plan->columns) fields.push_back(c.field);
  const arrow::Schema arrow_schema(fields);
  const iceberg::Schema* previous =
      pointer ? pointer->metadata.current_schema() : nullptr;
  const int32_t last_id = pointer ? pointer->metadata.last_column_id : 0;
  std::optional<iceberg::Schema> by_attnum;
  if (previous) {
    std::vector<std::string> renames;
    by_attnum = lake::WithRenamedColumns(*previous, pointer->metadata.properties,
                                         plan->table, &renames);
    for (const auto& r : renames) {
      LogInfo("table {}: column {} renamed; its Iceberg field id is kept",
              plan->table.qualified_name(), r);
    }
  }
  ARROW_ASSIGN_OR_RAISE(
      auto converted,
      iceberg::SchemaFromArrow(arrow_schema, by_attnum ? &*by_attnum : nullptr, last_id));
  if (previous) {
    auto change = iceberg::CheckSchemaChange(*previous, converted.schema);
    if (change.kind == iceberg::SchemaChange::Kind::kNeedsFullReload) {
      // Every column gets a new id, so no reader applies an old file's values to the
      // new type; the overwrite replaces every old file.
      ARROW_ASSIGN_OR_RAISE(converted,
                            iceberg::SchemaFromArrow(arrow_schema, nullptr, last_id));
      if (plan->mode != LoadType::kFull) {
        plan->mode = LoadType::kFull;
        plan->reason = "schema change";
      }
      plan->warnings.push_back(fmt::format(
          "table {}: {}; Iceberg cannot evolve the table's schema in place, so it is "
          "reloaded in full into a new schema (README \"Schema evolution\")",
          plan->table.qualified_name(), change.reason));
    }
  }
  plan->lake_schema = std::move(converted.schema);
  plan->lake_last_column_id = converted.last_column_id;
  if (plan->partitioning.enabled()) {
    ARROW_ASSIGN_OR_RAISE(plan->lake_spec, iceberg::PartitionSpec::Day(
                                               plan->lake_schema, plan->cursor_column));
  } else {
    plan->lake_spec = iceberg::PartitionSpec::Unpartitioned();
  }
  plan->lake_base = std::move(pointer);
  return arrow::Status::OK();
}

arrow::Result<std::vector<TablePlan>> PlanFromLake(
    lake::TablePointer* pointer, const state::StateFile& csv,
    const std::vector<source::TableInfo>& tables, const RunOptions& options,
    const std::vector<source::TableName>* every_table, const std::string* only) {
  std::vector<std::pair<std::string, lake::TableIdent>> idents;
  for (const auto& t : tables) {
    if (!only || t.qualified_name() == *only)
      idents.push_back({t.qualified_name(),
                        {options.namespace_prefix + t.schema, t.name, TableDirOf(t)}});
  }
  ARROW_ASSIGN_OR_RAISE(auto view, lake::LoadLakeState(pointer, csv, idents));
  ARROW_ASSIGN_OR_RAISE(auto plans,
                        PlanTables(tables, view.state, options, every_table, only));
  for (auto& plan : plans) {
    plan.lake_namespace = options.namespace_prefix + plan.table.schema;
    auto it = view.pointers.find(plan.table.qualified_name());
    std::optional<lake::PointerState> base;
    if (it != view.pointers.end()) base = std::move(it->second);
    ARROW_RETURN_NOT_OK(PlanIcebergTable(&plan, std::move(base)));
  }
  return plans;
}

}  // namespace pgtide::job
