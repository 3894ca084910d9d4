#pragma once

// Reads Avro object container files from memory into generic values, decoding with the
// writer schema found in the file's header. Reads what AvroWriter writes and what
// Iceberg's Java and Python writers produce (codecs null and deflate).

#include <arrow/result.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "pgtide/iceberg/avro_schema.h"
#include "pgtide/iceberg/avro_value.h"

namespace pgtide::iceberg {

/// A whole Avro file, decoded.
struct AvroFile {
  /// The writer schema from `avro.schema`, with its JSON text as stored.
  AvroSchema schema;
  /// Every header entry, `avro.schema` and `avro.codec` included.
  std::map<std::string, std::string> metadata;
  std::vector<AvroValue> records;

  /// Return the header entry `key`, or an empty string.
  std::string Meta(const std::string& key) const;
};

/// Decode an Avro object container file.
arrow::Result<AvroFile> ReadAvroFile(std::string_view bytes);

/// Decode one datum in Avro binary from the front of `bytes` (exposed for tests).
arrow::Result<AvroValue> DecodeAvroDatum(const AvroNode& node, std::string_view bytes);

}  // namespace pgtide::iceberg
