#pragma once

// Partition specs: pgtide tables are either unpartitioned or partitioned by day(cursor),
// but specs of other writers are parsed and kept as they are.

#include <arrow/result.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pgtide/iceberg/schema.h"

namespace pgtide::iceberg {

/// Spec: "Partition field ids start at 1000".
constexpr int32_t kFirstPartitionFieldId = 1000;

struct PartitionField {
  int32_t source_id = 0;
  int32_t field_id = kFirstPartitionFieldId;
  std::string name;
  /// "identity", "day", "bucket[16]", ... as the spec writes transforms.
  std::string transform;

  bool operator==(const PartitionField&) const = default;
};

struct PartitionSpec {
  int32_t spec_id = 0;
  std::vector<PartitionField> fields;

  /// The spec with no fields.
  static PartitionSpec Unpartitioned(int32_t spec_id = 0);
  /// day(<column>) with partition field id 1000, named "<column>_day". The column must be
  /// a top-level date, timestamp or timestamptz of `schema`.
  static arrow::Result<PartitionSpec> Day(const Schema& schema, const std::string& column,
                                          int32_t spec_id = 0);

  bool is_unpartitioned() const { return fields.empty(); }
  /// Whether both partition the same way (ignoring spec ids).
  bool SameFields(const PartitionSpec& other) const { return fields == other.fields; }
  /// The highest partition field id, or 999 when there is none (as the spec's
  /// last-partition-id starts).
  int32_t LastFieldId() const;

  /// The Iceberg type of each partition field's value (day -> date, identity -> source).
  arrow::Result<std::vector<NestedField>> PartitionType(const Schema& schema) const;
};

/// Serialize as in table metadata: {"spec-id": 0, "fields": [...]}.
nlohmann::json PartitionSpecToJson(const PartitionSpec& spec);
/// Serialize only the fields array, as manifest headers carry it.
nlohmann::json PartitionFieldsToJson(const PartitionSpec& spec);
arrow::Result<PartitionSpec> PartitionSpecFromJson(const nlohmann::json& j);

/// The day transform of a date: days since 1970-01-01, unchanged.
inline int32_t DayOfDate(int32_t days_since_epoch) { return days_since_epoch; }
/// The day transform of a timestamp in microseconds since the epoch (floor division, so
/// instants before 1970 fall on the right day).
int32_t DayOfTimestampMicros(int64_t micros_since_epoch);

}  // namespace pgtide::iceberg
