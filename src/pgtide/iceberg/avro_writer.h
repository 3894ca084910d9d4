#pragma once

// Writes Avro object container files (Avro 1.11 spec, "Object Container Files") into
// memory. The schema's JSON text goes into the header byte for byte, so Iceberg's id
// attributes survive; the caller's metadata (Iceberg's `schema`, `partition-spec`, ...)
// goes beside it.

#include <arrow/result.h>
#include <arrow/status.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pgtide/iceberg/avro_schema.h"
#include "pgtide/iceberg/avro_value.h"

namespace pgtide::iceberg {

/// Block compression of an Avro file.
enum class AvroCodec { kNull, kDeflate };

struct AvroWriterOptions {
  /// Iceberg writers default to deflate ("gzip" in their table properties).
  AvroCodec codec = AvroCodec::kDeflate;
  /// A block is closed once its encoded records reach this size. Manifests are small, so
  /// most files hold one block.
  int64_t block_bytes = 1 << 20;
  /// The 16-byte sync marker; empty means random. Fixed only to make tests reproducible.
  std::string sync_marker;
};

/// Encodes records one by one and returns the whole file from Finish().
class AvroWriter {
 public:
  /// Create a writer for `schema_json`; `metadata` adds header entries beside
  /// `avro.schema` and `avro.codec`, which are reserved.
  static arrow::Result<std::unique_ptr<AvroWriter>> Make(
      std::string schema_json, const std::map<std::string, std::string>& metadata,
      AvroWriterOptions options = {});

  /// Encode one record (any datum matching the schema's root).
  arrow::Status Append(const AvroValue& datum);
  /// Flush the last block and return the file's bytes. The writer is spent afterwards.
  arrow::Result<std::string> Finish();

  int64_t num_records() const { return num_records_; }
  const AvroSchema& schema() const { return schema_; }

 private:
  AvroWriter(AvroSchema schema, AvroWriterOptions options)
      : schema_(std::move(schema)), options_(std::move(options)) {}
  arrow::Status FlushBlock();

  AvroSchema schema_;
  AvroWriterOptions options_;
  std::string out_;
  std::string block_;
  int64_t block_records_ = 0;
  int64_t num_records_ = 0;
  bool finished_ = false;
};

/// Write `records` into one Avro file in a single call.
arrow::Result<std::string> WriteAvroFile(
    std::string schema_json, const std::map<std::string, std::string>& metadata,
    const std::vector<AvroValue>& records, AvroWriterOptions options = {});

/// Encode one datum in Avro binary, without any container (exposed for tests).
arrow::Status EncodeAvroDatum(const AvroNode& node, const AvroValue& value,
                              std::string* out);

}  // namespace pgtide::iceberg
