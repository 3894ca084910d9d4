#pragma once

#include <arrow/api.h>

#include <functional>
#include <memory>
#include <vector>

#include "pgtide/source/type_mapping.h"
#include "pgtide/source/value_decoder.h"

namespace pgtide::source {

/// Rows decoded from the COPY stream, plus each row's raw cursor value (PostgreSQL units:
/// microseconds or days since 2000-01-01, or the integer itself) for partitioning and
/// marks.
struct DecodedBatch {
  std::shared_ptr<arrow::RecordBatch> batch;
  std::vector<int64_t> cursor;       // empty when the table has no cursor column
  std::vector<uint8_t> cursor_null;  // 1 where the cursor is NULL
  int64_t copy_bytes = 0;            // COPY bytes of its rows, to bound queues by memory
};

/// Decides per row whether it is emitted; sees the raw tuple bytes (for row identity).
using RowGate = std::function<bool(int64_t cursor, bool cursor_null, const uint8_t* tuple,
                                   int32_t tuple_len)>;

/// Decodes `COPY ... TO STDOUT (FORMAT binary)` messages straight into Arrow builders.
/// Expects the server's framing: the first CopyData message starts with the 19-byte
/// header, then one tuple per message, then the 2-byte trailer (-1).
class CopyDecoder {
 public:
  /// `cursor_column` is the index of the cursor in `columns`, or -1. Fields are validated
  /// against the cursor's kind: timestamps and ints are 8 bytes, dates and int4 are 4.
  static arrow::Result<std::unique_ptr<CopyDecoder>> Make(
      const std::vector<ColumnPlan>& columns, int cursor_column, arrow::MemoryPool* pool);

  void set_row_gate(RowGate gate) { gate_ = std::move(gate); }

  /// Consumes one CopyData message. Returns false once the trailer is seen.
  arrow::Result<bool> Consume(const uint8_t* data, int32_t len);

  int64_t pending_rows() const { return rows_; }
  /// Bytes held by the builders so far, to bound batches by memory as well as rows.
  int64_t pending_bytes() const { return bytes_; }
  /// Hands over the rows decoded so far and starts a new batch.
  arrow::Result<DecodedBatch> Flush();

 private:
  CopyDecoder() = default;
  arrow::Status ConsumeTuple(const uint8_t* data, int32_t len);

  std::shared_ptr<arrow::Schema> schema_;
  std::vector<std::unique_ptr<ValueDecoder>> decoders_;
  int cursor_column_ = -1;
  RowGate gate_;
  bool header_seen_ = false;
  bool done_ = false;
  int64_t rows_ = 0;
  int64_t bytes_ = 0;
  std::vector<const uint8_t*> field_ptr_;
  std::vector<int32_t> field_len_;
  DecodedBatch current_;
};

}  // namespace pgtide::source
