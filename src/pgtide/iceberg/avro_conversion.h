#pragma once

// Iceberg types -> Avro schemas, the way Iceberg's own writers spell them (spec appendix
// A, "Avro"): field-id on record fields, element-id on arrays, key-id/value-id on maps,
// maps with non-string keys as arrays of key/value records, optional as ["null", T].

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pgtide/iceberg/schema.h"

namespace pgtide::iceberg {

/// Return the Avro record schema for `fields`, named `record_name`. Nested records are
/// named "r<field id>", key/value records "k<key id>_v<value id>", as Java names them.
nlohmann::ordered_json AvroRecordSchema(const std::vector<NestedField>& fields,
                                        const std::string& record_name);

/// Return `name` if it is a valid Avro name, else the escaped form Iceberg uses
/// ("a-b" -> "a_x2Db", "1a" -> "_1a").
std::string AvroCompatibleName(const std::string& name);

/// The number of bytes a fixed needs for a decimal of `precision` digits.
int32_t DecimalRequiredBytes(int32_t precision);

}  // namespace pgtide::iceberg
