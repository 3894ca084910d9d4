#include "pgtide/iceberg/schema_compat.h"

#include <fmt/format.h>

namespace pgtide::iceberg {

namespace {

using Kind = SchemaChange::Kind;

// Compares two field lists by id; `path` names the parent for messages.
void Compare(const std::vector<NestedField>& old_fields,
             const std::vector<NestedField>& new_fields, const std::string& path,
             SchemaChange* change);

void Note(SchemaChange* change, Kind kind, std::string reason = {}) {
  if (change->kind == Kind::kNeedsFullReload) return;
  if (kind == Kind::kNeedsFullReload) {
    change->kind = kind;
    change->reason = std::move(reason);
  } else if (kind == Kind::kEvolvable) {
    change->kind = kind;
  }
}

void CompareField(const NestedField& old_f, const NestedField& new_f,
                  const std::string& name, SchemaChange* change) {
  if (old_f.name != new_f.name) Note(change, Kind::kEvolvable);  // a rename keeps the id
  if (old_f.required != new_f.required) {
    if (new_f.required) {
      Note(change, Kind::kNeedsFullReload,
           fmt::format("column \"{}\" became required", name));
      return;
    }
    Note(change, Kind::kEvolvable);
  }
  const Type& a = old_f.type;
  const Type& b = new_f.type;
  if (a.is_primitive() || b.is_primitive()) {
    if (a == b) return;
    if (CanPromote(a, b)) {
      Note(change, Kind::kEvolvable);
      return;
    }
    Note(change, Kind::kNeedsFullReload,
         fmt::format("column \"{}\" changed type from {} to {}", name, a.ToString(),
                     b.ToString()));
    return;
  }
  if (a.id != b.id) {
    Note(change, Kind::kNeedsFullReload,
         fmt::format("column \"{}\" changed type from {} to {}", name, a.ToString(),
                     b.ToString()));
    return;
  }
  Compare(a.fields, b.fields, name, change);
}

void Compare(const std::vector<NestedField>& old_fields,
             const std::vector<NestedField>& new_fields, const std::string& path,
             SchemaChange* change) {
  for (const auto& nf : new_fields) {
    std::string name = path.empty() ? nf.name : path + "." + nf.name;
    const NestedField* match = nullptr;
    for (const auto& of : old_fields) {
      if (of.id == nf.id) match = &of;
    }
    if (match == nullptr) {
      if (nf.required) {
        Note(change, Kind::kNeedsFullReload,
             fmt::format("new column \"{}\" is required", name));
      } else {
        Note(change, Kind::kEvolvable);
      }
      continue;
    }
    CompareField(*match, nf, name, change);
  }
  for (const auto& of : old_fields) {
    bool kept = false;
    for (const auto& nf : new_fields) kept = kept || nf.id == of.id;
    if (!kept) Note(change, Kind::kEvolvable);  // dropped; its id is never reused
  }
}

}  // namespace

bool CanPromote(const Type& from, const Type& to) {
  if (from == to) return true;
  if (from.id == TypeId::kInt && to.id == TypeId::kLong) return true;
  if (from.id == TypeId::kFloat && to.id == TypeId::kDouble) return true;
  return from.id == TypeId::kDecimal && to.id == TypeId::kDecimal &&
         from.scale == to.scale && to.precision >= from.precision;
}

SchemaChange CheckSchemaChange(const Schema& old_schema, const Schema& new_schema) {
  SchemaChange change;
  Compare(old_schema.fields, new_schema.fields, "", &change);
  return change;
}

}  // namespace pgtide::iceberg
