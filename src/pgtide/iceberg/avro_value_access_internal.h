#pragma once

// Reading fields of decoded Avro records by name, with the defaults that let one reader
// take v1 and v2 files. Private to this folder.

#include <arrow/result.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pgtide/iceberg/avro_value.h"

namespace pgtide::iceberg::internal {

/// The int or long field `name`; nullopt when missing, null or not an integer.
inline std::optional<int64_t> FindInt(const AvroValue& r, std::string_view name) {
  const AvroValue* v = r.Find(name);
  if (v == nullptr) return std::nullopt;
  if (v->kind() != AvroValue::Kind::kInt && v->kind() != AvroValue::Kind::kLong) {
    return std::nullopt;
  }
  return v->integer();
}

inline std::optional<bool> FindBool(const AvroValue& r, std::string_view name) {
  const AvroValue* v = r.Find(name);
  if (v == nullptr || v->kind() != AvroValue::Kind::kBoolean) return std::nullopt;
  return v->boolean();
}

/// The bytes, string or fixed field `name`; nullopt when missing or null.
inline std::optional<std::string> FindBytes(const AvroValue& r, std::string_view name) {
  const AvroValue* v = r.Find(name);
  if (v == nullptr || v->is_null()) return std::nullopt;
  return v->str();
}

/// The required int or long field `name`.
inline arrow::Result<int64_t> GetInt(const AvroValue& r, std::string_view name) {
  auto v = FindInt(r, name);
  if (!v) return arrow::Status::Invalid("required field \"", name, "\" is missing");
  return *v;
}

/// The required string field `name`.
inline arrow::Result<std::string> GetString(const AvroValue& r, std::string_view name) {
  const AvroValue* v = r.Find(name);
  if (v == nullptr || v->kind() != AvroValue::Kind::kString) {
    return arrow::Status::Invalid("required string field \"", name, "\" is missing");
  }
  return v->str();
}

}  // namespace pgtide::iceberg::internal
