#pragma once

// Avro's binary encoding primitives (zig-zag varints, length-prefixed bytes) and the raw
// deflate codec, shared by the writer and the reader. Private to this folder.

#include <arrow/result.h>
#include <arrow/status.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace pgtide::iceberg::internal {

/// Append `v` as a zig-zag varint (Avro int and long).
void PutLong(std::string* out, int64_t v);
/// Append a length-prefixed byte string (Avro bytes and string).
void PutBytes(std::string* out, std::string_view v);
void PutFloat(std::string* out, float v);
void PutDouble(std::string* out, double v);

/// Reads Avro binary values from a byte range, failing cleanly at its end.
class Decoder {
 public:
  explicit Decoder(std::string_view data) : data_(data) {}

  arrow::Result<int64_t> Long();
  arrow::Result<std::string_view> Bytes();
  arrow::Result<std::string_view> Raw(size_t n);
  arrow::Result<float> Float();
  arrow::Result<double> Double();
  bool AtEnd() const { return pos_ >= data_.size(); }
  size_t position() const { return pos_; }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

/// Compress with raw deflate (RFC 1951, no zlib header), as Avro's "deflate" codec says.
arrow::Result<std::string> Deflate(std::string_view data);
/// Decompress raw deflate.
arrow::Result<std::string> Inflate(std::string_view data);

}  // namespace pgtide::iceberg::internal
