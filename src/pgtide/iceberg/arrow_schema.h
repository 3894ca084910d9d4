#pragma once

// Arrow schemas <-> Iceberg schemas: the ids of a table's columns are decided here, and
// handed back to the Parquet writer as `PARQUET:field_id` so every file carries them.

#include <arrow/result.h>
#include <arrow/type_fwd.h>

#include <memory>

#include "pgtide/iceberg/schema.h"

namespace pgtide::iceberg {

/// An Iceberg schema converted from Arrow, and the table's new last-column-id.
struct ConvertedSchema {
  Schema schema;
  int32_t last_column_id = 0;
};

/// Convert an Arrow schema to an Iceberg schema.
///
/// A field whose name path (e.g. "interval.months", "tags.element") exists in `previous`
/// keeps its id there, so ids stay stable across runs; every other field gets the next id
/// after `last_column_id` (the table's highest id ever, so ids of dropped columns are
/// never reused). Nullable Arrow fields become optional. `schema_id` is left 0 for the
/// caller.
arrow::Result<ConvertedSchema> SchemaFromArrow(const arrow::Schema& arrow_schema,
                                               const Schema* previous = nullptr,
                                               int32_t last_column_id = 0);

/// Map one Arrow type to an Iceberg type, assigning nested ids from `*next_id` on.
arrow::Result<Type> TypeFromArrow(const arrow::DataType& type, int32_t* next_id);

/// Return `arrow_schema` with `PARQUET:field_id` metadata on every field, nested ones
/// included, taken from `schema` by name path. Fails when a field is missing there.
arrow::Result<std::shared_ptr<arrow::Schema>> WithFieldIds(
    const arrow::Schema& arrow_schema, const Schema& schema);

/// Convert an Iceberg schema to Arrow, with `PARQUET:field_id` on every field.
arrow::Result<std::shared_ptr<arrow::Schema>> SchemaToArrow(const Schema& schema);

}  // namespace pgtide::iceberg
