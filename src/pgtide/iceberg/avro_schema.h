#pragma once

// A parsed Avro schema, enough to encode and decode binary data. The JSON text it came
// from is kept as given: Iceberg's `field-id`, `element-id`, `key-id` and `value-id`
// attributes must reach the file header unchanged, so nothing here re-serializes it.

#include <arrow/result.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pgtide::iceberg {

/// One node of an Avro schema.
struct AvroNode {
  enum class Type {
    kNull,
    kBoolean,
    kInt,
    kLong,
    kFloat,
    kDouble,
    kBytes,
    kString,
    kFixed,
    kEnum,
    kRecord,
    kArray,
    kMap,
    kUnion
  };
  struct Field {
    std::string name;
    std::shared_ptr<const AvroNode> node;
    /// Iceberg's `field-id`, or -1 when the field has none.
    int32_t field_id = -1;
  };

  Type type = Type::kNull;
  /// Full name of a record, enum or fixed.
  std::string name;
  /// The `logicalType` attribute, empty when absent.
  std::string logical_type;
  /// Size of a fixed.
  int32_t size = 0;
  /// Fields of a record.
  std::vector<Field> fields;
  /// Symbols of an enum.
  std::vector<std::string> symbols;
  /// Items of an array, values of a map, or the branches of a union.
  std::vector<std::shared_ptr<const AvroNode>> children;
  /// Iceberg's `element-id` (arrays) or `key-id`/`value-id` (maps), -1 when absent.
  int32_t element_id = -1;
  int32_t key_id = -1;
  int32_t value_id = -1;

  /// Return the index of the null branch of a union, or -1.
  int NullBranch() const;
  /// Return the record field named `name`, or nullptr.
  const Field* FindField(std::string_view name) const;
};

/// A parsed schema together with the exact JSON text it was parsed from.
class AvroSchema {
 public:
  /// Parse an Avro schema from its JSON text.
  static arrow::Result<AvroSchema> Parse(std::string json);

  const AvroNode& root() const { return *root_; }
  const std::string& json() const { return json_; }

 private:
  std::string json_;
  std::shared_ptr<const AvroNode> root_;
};

}  // namespace pgtide::iceberg
