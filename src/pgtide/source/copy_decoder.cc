#include "pgtide/source/copy_decoder.h"

#include <fmt/format.h>

#include <cstring>

#include "pgtide/source/cursor.h"
#include "pgtide/source/pg_types.h"

namespace pgtide::source {

// "PGCOPY\n\377\r\n\0", then int32 flags and int32 header-extension length.
static constexpr uint8_t kSignature[11] = {'P',  'G',  'C',  'O',  'P', 'Y',
                                           '\n', 0xff, '\r', '\n', 0};

arrow::Result<std::unique_ptr<CopyDecoder>> CopyDecoder::Make(
    const std::vector<ColumnPlan>& columns, int cursor_column, arrow::MemoryPool* pool) {
  auto d = std::unique_ptr<CopyDecoder>(new CopyDecoder());
  arrow::FieldVector fields;
  for (const auto& c : columns) {
    ARROW_ASSIGN_OR_RAISE(auto dec, ValueDecoder::Make(c.spec, c.field->name(), pool));
    d->decoders_.push_back(std::move(dec));
    fields.push_back(c.field);
  }
  d->schema_ = arrow::schema(fields);
  d->cursor_column_ = cursor_column;
  d->field_ptr_.resize(columns.size());
  d->field_len_.resize(columns.size());
  return d;
}

arrow::Result<bool> CopyDecoder::Consume(const uint8_t* data, int32_t len) {
  if (done_) return arrow::Status::Invalid("COPY data after the trailer");
  if (!header_seen_) {
    if (len < 19 || std::memcmp(data, kSignature, 11) != 0) {
      return arrow::Status::Invalid(
          "COPY stream does not start with the binary signature");
    }
    int32_t ext = ReadI32(data + 15);
    int32_t skip = 19 + ext;
    if (ext < 0 || skip > len) return arrow::Status::Invalid("bad COPY header extension");
    header_seen_ = true;
    data += skip;
    len -= skip;
    if (len == 0) return true;
  }
  if (len == 2 && ReadI16(data) == -1) {
    done_ = true;
    return false;
  }
  ARROW_RETURN_NOT_OK(ConsumeTuple(data, len));
  return true;
}

arrow::Status CopyDecoder::ConsumeTuple(const uint8_t* data, int32_t len) {
  const size_t ncols = decoders_.size();
  if (len < 2) return arrow::Status::Invalid("truncated COPY tuple");
  int16_t nfields = ReadI16(data);
  if (nfields != static_cast<int16_t>(ncols)) {
    return arrow::Status::Invalid(
        fmt::format("COPY tuple has {} fields, expected {}", nfields, ncols));
  }
  // First pass: locate the fields, so the gate can look at the cursor before any builder
  // is touched.
  const uint8_t* p = data + 2;
  const uint8_t* end = data + len;
  for (size_t i = 0; i < ncols; ++i) {
    if (end - p < 4) return arrow::Status::Invalid("truncated COPY tuple");
    int32_t flen = ReadI32(p);
    p += 4;
    if (flen > end - p) return arrow::Status::Invalid("truncated COPY field");
    field_ptr_[i] = p;
    field_len_[i] = flen;
    if (flen > 0) p += flen;
  }
  int64_t cursor = 0;
  bool cursor_null = true;
  if (cursor_column_ >= 0 && field_len_[cursor_column_] >= 0) {
    cursor_null = false;
    cursor = ReadCursorValue(field_ptr_[cursor_column_], field_len_[cursor_column_]);
  }
  if (gate_ && !gate_(cursor, cursor_null, data, len)) return arrow::Status::OK();
  for (size_t i = 0; i < ncols; ++i) {
    ARROW_RETURN_NOT_OK(decoders_[i]->Append(field_ptr_[i], field_len_[i]));
  }
  if (cursor_column_ >= 0) {
    current_.cursor.push_back(cursor);
    current_.cursor_null.push_back(cursor_null ? 1 : 0);
  }
  ++rows_;
  bytes_ += len;
  return arrow::Status::OK();
}

arrow::Result<DecodedBatch> CopyDecoder::Flush() {
  arrow::ArrayVector arrays;
  for (auto& d : decoders_) {
    ARROW_ASSIGN_OR_RAISE(auto a, d->Finish());
    arrays.push_back(std::move(a));
  }
  DecodedBatch out = std::move(current_);
  out.batch = arrow::RecordBatch::Make(schema_, rows_, std::move(arrays));
  out.copy_bytes = bytes_;
  // The next batch is most likely as long as this one: size the builders once instead of
  // letting them double (and copy) sixteen times on the way to 64k rows.
  current_ = DecodedBatch{};
  if (cursor_column_ >= 0) {
    current_.cursor.reserve(rows_);
    current_.cursor_null.reserve(rows_);
  }
  for (auto& d : decoders_) ARROW_RETURN_NOT_OK(d->builder()->Reserve(rows_));
  rows_ = 0;
  bytes_ = 0;
  return out;
}

}  // namespace pgtide::source
