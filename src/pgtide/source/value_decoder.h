#pragma once

#include <arrow/api.h>

#include <climits>
#include <memory>
#include <string>

namespace pgtide::source {

/// How one column arrives in the binary COPY stream and which Arrow type it becomes.
/// Built by type_mapping.cc from the catalog; see the README's type map.
struct DecoderSpec {
  enum class Kind {
    kBool,
    kInt16,
    kInt32,
    kInt64,
    kFloat32,
    kFloat64,
    kDecimal,
    kText,
    kJsonb,
    kBinary,
    kDate,
    kTimestamp,
    kTime,
    kUuid,
    kInterval,
    kArray,
  };
  Kind kind = Kind::kText;
  int32_t precision = 0, scale = 0;      // kDecimal
  bool utc = false;                      // kTimestamp: timestamptz (UTC-adjusted)
  bool json = false;                     // kText/kJsonb: use the arrow.json extension
  int32_t dims = 1;                      // kArray: nesting depth
  std::shared_ptr<DecoderSpec> element;  // kArray
};

/// The Arrow type a spec decodes into (the json extension type for json and jsonb).
std::shared_ptr<arrow::DataType> ArrowTypeOf(const DecoderSpec& spec);

/// struct<months int32, days int32, microseconds int64>: PostgreSQL's interval fields.
std::shared_ptr<arrow::DataType> IntervalType();

/// Appends binary-format PostgreSQL values of one type to an Arrow builder.
class ValueDecoder {
 public:
  virtual ~ValueDecoder() = default;
  /// Appends the value of `len` bytes at `data`; `len` < 0 means NULL.
  virtual arrow::Status Append(const uint8_t* data, int32_t len) = 0;
  /// Returns the column so far (wrapped in its extension type) and resets the builder.
  arrow::Result<std::shared_ptr<arrow::Array>> Finish();
  const std::shared_ptr<arrow::ArrayBuilder>& builder() const { return builder_; }
  const std::string& column() const { return column_; }

  static arrow::Result<std::unique_ptr<ValueDecoder>> Make(const DecoderSpec& spec,
                                                           const std::string& column,
                                                           arrow::MemoryPool* pool);

 protected:
  arrow::Status BadLength(int32_t len, int32_t expected) const;
  std::shared_ptr<arrow::ArrayBuilder> builder_;
  std::shared_ptr<arrow::DataType> extension_;  // set when the storage needs wrapping
  std::string column_;
};

/// The sentinels ±infinity dates and timestamps become: ±INT32_MAX days and ±INT64_MAX
/// microseconds, which DuckDB reads back as ±infinity (PostgreSQL's own -infinity,
/// INT_MIN, would show as a date 5.8 million years BC there).
inline constexpr int32_t kDateInfinity = INT32_MAX;
inline constexpr int64_t kTimestampInfinity = INT64_MAX;

/// Converts a binary numeric (base-10000 digits) to an unscaled decimal at `scale`.
/// Fails for NaN and ±Infinity, which no decimal can hold, and on overflow.
arrow::Result<arrow::Decimal128> NumericToDecimal(const uint8_t* data, int32_t len,
                                                  int32_t precision, int32_t scale);

}  // namespace pgtide::source
