#pragma once

// Iceberg's type system and schemas (spec: "Schemas and Data Types"), with field ids, and
// their JSON form as it appears in table metadata and in manifest headers.

#include <arrow/result.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pgtide::iceberg {

enum class TypeId {
  kBoolean,
  kInt,
  kLong,
  kFloat,
  kDouble,
  kDecimal,
  kDate,
  kTime,
  kTimestamp,
  kTimestampTz,
  kString,
  kUuid,
  kFixed,
  kBinary,
  kStruct,
  kList,
  kMap
};

struct NestedField;

/// An Iceberg type. Nested types keep their children as fields: a struct its fields, a
/// list its element (named "element"), a map its key and value (named "key", "value").
struct Type {
  TypeId id = TypeId::kBoolean;
  int32_t precision = 0;  ///< decimal
  int32_t scale = 0;      ///< decimal
  int32_t length = 0;     ///< fixed
  std::vector<NestedField> fields;

  static Type Primitive(TypeId id);
  static Type Decimal(int32_t precision, int32_t scale);
  static Type Fixed(int32_t length);
  static Type Struct(std::vector<NestedField> fields);
  static Type List(int32_t element_id, bool element_required, Type element);
  static Type Map(int32_t key_id, Type key, int32_t value_id, bool value_required,
                  Type value);

  bool is_primitive() const;
  bool operator==(const Type& other) const;
  /// Return the primitive's name as the spec writes it ("decimal(9,2)", "fixed[16]").
  std::string ToString() const;
};

/// A field of a struct (or the element, key or value of a list or map).
struct NestedField {
  NestedField() = default;
  NestedField(int32_t id, std::string name, bool required, Type type,
              std::string doc = {})
      : id(id),
        name(std::move(name)),
        required(required),
        type(std::move(type)),
        doc(std::move(doc)) {}

  int32_t id = 0;
  std::string name;
  bool required = false;
  Type type;
  std::string doc;

  bool operator==(const NestedField& other) const;
};

/// A table schema: a struct with a schema id.
struct Schema {
  int32_t schema_id = 0;
  std::vector<NestedField> fields;
  std::vector<int32_t> identifier_field_ids;

  /// Return the top-level field named `name`, or nullptr.
  const NestedField* FindField(const std::string& name) const;
  /// Return the field with id `id` at any depth, or nullptr.
  const NestedField* FindFieldById(int32_t id) const;
  /// Return the highest field id at any depth (0 when empty).
  int32_t HighestFieldId() const;
  /// Whether both have the same fields (ignoring schema ids).
  bool SameFields(const Schema& other) const;
};

/// Serialize `type` the way table metadata does: a string or a nested object.
nlohmann::json TypeToJson(const Type& type);
/// Parse a type from table metadata JSON.
arrow::Result<Type> TypeFromJson(const nlohmann::json& j);

/// Serialize a schema: {"type": "struct", "schema-id": ..., "fields": [...]}.
nlohmann::json SchemaToJson(const Schema& schema);
/// Parse a schema from its JSON object.
arrow::Result<Schema> SchemaFromJson(const nlohmann::json& j);

}  // namespace pgtide::iceberg
