#pragma once

#include <arrow/api.h>

#include <string>
#include <vector>

#include "pgtide/source/catalog.h"
#include "pgtide/source/value_decoder.h"

namespace pgtide::source {

/// How one column is read: the expression in the COPY's SELECT list, its decoder and the
/// Arrow field it becomes (NOT NULL kept as non-nullable, the PostgreSQL type recorded in
/// the field metadata under "pg_type").
struct ColumnPlan {
  std::string select_expr;
  DecoderSpec spec;
  std::shared_ptr<arrow::Field> field;
  /// Set when the column is exported through its text form: names the column and type.
  std::string text_fallback_warning;
};

/// Maps every column of `table` (the README type map). Types without a native mapping are
/// cast to text in the SELECT (arrays to text[]), so binary COPY sends their text form;
/// types not documented as text get a warning naming the column.
std::vector<ColumnPlan> PlanColumns(const TableInfo& table);

}  // namespace pgtide::source
