#pragma once

// Decides whether a table's new schema can evolve the old one in place (Iceberg spec,
// "Schema Evolution") or whether the table must be reloaded from scratch.

#include <string>

#include "pgtide/iceberg/schema.h"

namespace pgtide::iceberg {

/// The outcome of comparing two schemas, matched by field id.
struct SchemaChange {
  enum class Kind {
    kUnchanged,       ///< same fields, same types
    kEvolvable,       ///< only promotions, added optional columns, dropped columns
    kNeedsFullReload  ///< anything else: the table must be written anew
  };
  Kind kind = Kind::kUnchanged;
  /// For kNeedsFullReload, what forbids evolution, naming the column.
  std::string reason;
};

/// Return whether `type` may be promoted to `to` in place: int->long, float->double,
/// decimal(P,S)->decimal(P',S) with P' >= P; identical types always may.
bool CanPromote(const Type& from, const Type& to);

/// Compare `old_schema` with `new_schema`. Allowed: the promotions of CanPromote, a
/// required field becoming optional, new optional fields (at any depth), dropped fields.
SchemaChange CheckSchemaChange(const Schema& old_schema, const Schema& new_schema);

}  // namespace pgtide::iceberg
