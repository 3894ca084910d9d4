#include "pgtide/source/value_decoder.h"

#include <arrow/extension/json.h>
#include <fmt/format.h>

#include <array>

#include "pgtide/common/time_format.h"
#include "pgtide/source/cursor.h"
#include "pgtide/source/pg_types.h"

namespace pgtide::source {

using Kind = DecoderSpec::Kind;

std::shared_ptr<arrow::DataType> ArrowTypeOf(const DecoderSpec& spec) {
  switch (spec.kind) {
    case Kind::kBool:
      return arrow::boolean();
    case Kind::kInt16:
      return arrow::int16();
    case Kind::kInt32:
      return arrow::int32();
    case Kind::kInt64:
      return arrow::int64();
    case Kind::kFloat32:
      return arrow::float32();
    case Kind::kFloat64:
      return arrow::float64();
    case Kind::kDecimal:
      return arrow::decimal128(spec.precision, spec.scale);
    // json and jsonb are plain strings: Iceberg has no JSON type, and pyiceberg refuses
    // a file whose stored Arrow schema carries the arrow.json extension.
    case Kind::kText:
    case Kind::kJsonb:
      return arrow::utf8();
    case Kind::kBinary:
      return arrow::binary();
    case Kind::kDate:
      return arrow::date32();
    case Kind::kTimestamp:
      return spec.utc ? arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")
                      : arrow::timestamp(arrow::TimeUnit::MICRO);
    // Microseconds since midnight: Spark rejects Parquet TIME (4.1+ only behind a flag).
    case Kind::kTime:
      return arrow::int64();
    // Canonical text: Spark rejects Parquet's UUID logical type (FIXED_LEN_BYTE_ARRAY).
    case Kind::kUuid:
      return arrow::utf8();
    // Parquet has no exact interval (its INTERVAL is milliseconds; Arrow cannot write
    // month_day_nano), so keep PostgreSQL's three fields.
    case Kind::kInterval:
      return IntervalType();
    case Kind::kArray: {
      std::shared_ptr<arrow::DataType> t = ArrowTypeOf(*spec.element);
      for (int i = 0; i < spec.dims; ++i) t = arrow::list(arrow::field("element", t));
      return t;
    }
  }
  return arrow::utf8();
}

std::shared_ptr<arrow::DataType> IntervalType() {
  return arrow::struct_({arrow::field("months", arrow::int32(), false),
                         arrow::field("days", arrow::int32(), false),
                         arrow::field("microseconds", arrow::int64(), false)});
}

arrow::Result<std::shared_ptr<arrow::Array>> ValueDecoder::Finish() {
  std::shared_ptr<arrow::Array> storage;
  ARROW_RETURN_NOT_OK(builder_->Finish(&storage));
  if (!extension_) return storage;
  return arrow::ExtensionType::WrapArray(extension_, storage);
}

arrow::Status ValueDecoder::BadLength(int32_t len, int32_t expected) const {
  return arrow::Status::Invalid(fmt::format(
      "column \"{}\": unexpected value length {} in COPY stream (expected {})", column_,
      len, expected));
}

namespace {

// PostgreSQL's ±infinity sentinels (source/cursor.h) become kDateInfinity /
// kTimestampInfinity and their negations, never shifted.
constexpr int64_t kPgTimestampInfinity = kRawTimestampInfinity;
constexpr int64_t kPgTimestampMinusInfinity = kRawTimestampMinusInfinity;
constexpr int32_t kPgDateInfinity = static_cast<int32_t>(kRawDateInfinity);
constexpr int32_t kPgDateMinusInfinity = static_cast<int32_t>(kRawDateMinusInfinity);
// The last PostgreSQL timestamp that still fits int64 microseconds since 1970 (294247
// AD); PostgreSQL goes on to 294276 AD.
constexpr int64_t kPgTimestampMax = INT64_MAX - 1 - kPgEpochShiftMicros;

template <typename Builder, int32_t kWidth, typename Convert>
class FixedDecoder : public ValueDecoder {
 public:
  FixedDecoder(std::shared_ptr<arrow::DataType> type, arrow::MemoryPool* pool,
               Convert convert)
      : convert_(convert) {
    builder_ = std::make_shared<Builder>(std::move(type), pool);
    typed_ = static_cast<Builder*>(builder_.get());
  }
  arrow::Status Append(const uint8_t* data, int32_t len) override {
    if (len < 0) return typed_->AppendNull();
    if (len != kWidth) return BadLength(len, kWidth);
    return typed_->Append(convert_(data));
  }

 private:
  Builder* typed_;
  Convert convert_;
};

template <typename Builder, int32_t kWidth, typename Convert>
std::unique_ptr<ValueDecoder> MakeFixed(std::shared_ptr<arrow::DataType> type,
                                        arrow::MemoryPool* pool, Convert convert) {
  return std::make_unique<FixedDecoder<Builder, kWidth, Convert>>(std::move(type), pool,
                                                                  convert);
}

class BoolDecoder : public ValueDecoder {
 public:
  explicit BoolDecoder(arrow::MemoryPool* pool) {
    builder_ = std::make_shared<arrow::BooleanBuilder>(pool);
  }
  arrow::Status Append(const uint8_t* data, int32_t len) override {
    auto* b = static_cast<arrow::BooleanBuilder*>(builder_.get());
    if (len < 0) return b->AppendNull();
    if (len != 1) return BadLength(len, 1);
    return b->Append(data[0] != 0);
  }
};

// text, varchar, char(n), name, enums, json, and every type exported through ::text.
// jsonb's binary form is a version byte (1) followed by the JSON text.
template <typename Builder>
class BytesDecoder : public ValueDecoder {
 public:
  BytesDecoder(arrow::MemoryPool* pool, int32_t skip_prefix) : skip_(skip_prefix) {
    builder_ = std::make_shared<Builder>(pool);
  }
  arrow::Status Append(const uint8_t* data, int32_t len) override {
    auto* b = static_cast<Builder*>(builder_.get());
    if (len < 0) return b->AppendNull();
    if (len < skip_) return BadLength(len, skip_);
    return b->Append(data + skip_, len - skip_);
  }

 private:
  int32_t skip_;
};

class DecimalDecoder : public ValueDecoder {
 public:
  DecimalDecoder(int32_t precision, int32_t scale, arrow::MemoryPool* pool)
      : precision_(precision), scale_(scale) {
    builder_ = std::make_shared<arrow::Decimal128Builder>(
        arrow::decimal128(precision, scale), pool);
  }
  arrow::Status Append(const uint8_t* data, int32_t len) override {
    auto* b = static_cast<arrow::Decimal128Builder*>(builder_.get());
    if (len < 0) return b->AppendNull();
    auto value = NumericToDecimal(data, len, precision_, scale_);
    if (!value.ok()) {
      // NaN fits no decimal and a decimal column has no room for a flag: fail loudly.
      return arrow::Status::Invalid(
          fmt::format("column \"{}\": {}", column_, value.status().message()),
          "\nHINT: declare the column as unconstrained numeric (exported as exact text) "
          "or "
          "exclude the table (--exclude)");
    }
    return b->Append(*value);
  }

 private:
  int32_t precision_, scale_;
};

class TimestampDecoder : public ValueDecoder {
 public:
  TimestampDecoder(std::shared_ptr<arrow::DataType> type, arrow::MemoryPool* pool) {
    builder_ = std::make_shared<arrow::TimestampBuilder>(std::move(type), pool);
  }
  arrow::Status Append(const uint8_t* data, int32_t len) override {
    auto* b = static_cast<arrow::TimestampBuilder*>(builder_.get());
    if (len < 0) return b->AppendNull();
    if (len != 8) return BadLength(len, 8);
    int64_t v = ReadI64(data);
    if (v == kPgTimestampInfinity) return b->Append(kTimestampInfinity);
    if (v == kPgTimestampMinusInfinity) return b->Append(-kTimestampInfinity);
    if (v > kPgTimestampMax) {
      return arrow::Status::Invalid(
          fmt::format("column \"{}\": a timestamp on {} is after 294247-01-10, the last "
                      "instant int64 microseconds since 1970 (Parquet) can hold",
                      column_,
                      FormatDate(FloorDiv(v, kMicrosPerDay) + kPgEpochShiftDays)),
          "\nHINT: fix the value (PostgreSQL accepts years up to 294276) or exclude the "
          "table "
          "(--exclude)");
    }
    return b->Append(v + kPgEpochShiftMicros);
  }
};

// uuid_send: the 16 bytes; written as the canonical lowercase text PostgreSQL prints.
class UuidDecoder : public ValueDecoder {
 public:
  explicit UuidDecoder(arrow::MemoryPool* pool) {
    builder_ = std::make_shared<arrow::StringBuilder>(pool);
  }
  arrow::Status Append(const uint8_t* data, int32_t len) override {
    auto* b = static_cast<arrow::StringBuilder*>(builder_.get());
    if (len < 0) return b->AppendNull();
    if (len != 16) return BadLength(len, 16);
    static constexpr char kHex[] = "0123456789abcdef";
    char text[36];
    int out = 0;
    for (int i = 0; i < 16; ++i) {
      if (i == 4 || i == 6 || i == 8 || i == 10) text[out++] = '-';
      text[out++] = kHex[data[i] >> 4];
      text[out++] = kHex[data[i] & 0xf];
    }
    return b->Append(text, 36);
  }
};

// interval_send: int64 microseconds, int32 days, int32 months. Kept as three fields
// because they do not convert into each other (a month is not 30 days, a day not 24 h).
class IntervalDecoder : public ValueDecoder {
 public:
  explicit IntervalDecoder(arrow::MemoryPool* pool) {
    months_ = std::make_shared<arrow::Int32Builder>(pool);
    days_ = std::make_shared<arrow::Int32Builder>(pool);
    micros_ = std::make_shared<arrow::Int64Builder>(pool);
    builder_ = std::make_shared<arrow::StructBuilder>(
        IntervalType(), pool,
        std::vector<std::shared_ptr<arrow::ArrayBuilder>>{months_, days_, micros_});
  }
  arrow::Status Append(const uint8_t* data, int32_t len) override {
    auto* b = static_cast<arrow::StructBuilder*>(builder_.get());
    if (len < 0) return b->AppendNull();  // also appends an empty value to each field
    if (len != 16) return BadLength(len, 16);
    ARROW_RETURN_NOT_OK(b->Append());
    ARROW_RETURN_NOT_OK(months_->Append(ReadI32(data + 12)));
    ARROW_RETURN_NOT_OK(days_->Append(ReadI32(data + 8)));
    return micros_->Append(ReadI64(data));
  }

 private:
  std::shared_ptr<arrow::Int32Builder> months_, days_;
  std::shared_ptr<arrow::Int64Builder> micros_;
};

// Binary array format (array_send): ndim, has-nulls flag, element oid, then per dimension
// its size and lower bound, then every element as length + bytes in row-major order.
class ArrayDecoder : public ValueDecoder {
 public:
  static arrow::Result<std::unique_ptr<ValueDecoder>> Make(const DecoderSpec& spec,
                                                           const std::string& column,
                                                           arrow::MemoryPool* pool) {
    auto d = std::unique_ptr<ArrayDecoder>(new ArrayDecoder());
    d->column_ = column;
    ARROW_ASSIGN_OR_RAISE(d->element_, ValueDecoder::Make(*spec.element, column, pool));
    std::shared_ptr<arrow::ArrayBuilder> inner = d->element_->builder();
    std::shared_ptr<arrow::DataType> type = ArrowTypeOf(*spec.element);
    for (int i = 0; i < spec.dims; ++i) {
      type = arrow::list(arrow::field("element", type));
      auto lb = std::make_shared<arrow::ListBuilder>(pool, inner, type);
      d->levels_.insert(d->levels_.begin(), lb.get());
      inner = lb;
    }
    d->builder_ = inner;
    return d;
  }

  arrow::Status Append(const uint8_t* data, int32_t len) override {
    if (len < 0) return levels_[0]->AppendNull();
    if (len < 12) return BadLength(len, 12);
    int32_t ndim = ReadI32(data);
    if (ndim == 0) return levels_[0]->Append();  // '{}' has no dimensions at all
    if (ndim != static_cast<int32_t>(levels_.size())) {
      return arrow::Status::Invalid(
          fmt::format("column \"{}\": array value has {} dimensions but the column is "
                      "exported with {}",
                      column_, ndim, levels_.size()),
          "\nHINT: declare the column's dimensions (e.g. int[][]) or exclude the table");
    }
    if (len < 12 + 8 * ndim) return BadLength(len, 12 + 8 * ndim);
    dims_.resize(ndim);
    for (int i = 0; i < ndim; ++i) {
      dims_[i] = ReadI32(data + 12 + 8 * i);
      // A list has no lower bound; dropping '[0:2]=' silently would shift every index.
      int32_t lower = ReadI32(data + 16 + 8 * i);
      if (lower != 1) {
        return arrow::Status::Invalid(
            fmt::format("column \"{}\": array value has lower bound {} in dimension {}; "
                        "Parquet lists are exported only for arrays indexed from 1",
                        column_, lower, i + 1),
            "\nHINT: re-base the arrays to 1 (a slice does: UPDATE t SET c = c[:]) or "
            "exclude the table (--exclude)");
      }
    }
    const uint8_t* p = data + 12 + 8 * ndim;
    const uint8_t* end = data + len;
    return AppendLevel(0, &p, end);
  }

 private:
  ArrayDecoder() = default;

  arrow::Status AppendLevel(size_t level, const uint8_t** p, const uint8_t* end) {
    ARROW_RETURN_NOT_OK(levels_[level]->Append());
    for (int32_t i = 0; i < dims_[level]; ++i) {
      if (level + 1 < levels_.size()) {
        ARROW_RETURN_NOT_OK(AppendLevel(level + 1, p, end));
        continue;
      }
      if (end - *p < 4) return BadLength(static_cast<int32_t>(end - *p), 4);
      int32_t elen = ReadI32(*p);
      *p += 4;
      if (elen > end - *p) return BadLength(elen, static_cast<int32_t>(end - *p));
      ARROW_RETURN_NOT_OK(element_->Append(*p, elen));
      if (elen > 0) *p += elen;
    }
    return arrow::Status::OK();
  }

  std::unique_ptr<ValueDecoder> element_;
  std::vector<arrow::ListBuilder*> levels_;  // outermost first
  std::vector<int32_t> dims_;
};

}  // namespace

arrow::Result<std::unique_ptr<ValueDecoder>> ValueDecoder::Make(const DecoderSpec& spec,
                                                                const std::string& column,
                                                                arrow::MemoryPool* pool) {
  std::unique_ptr<ValueDecoder> d;
  switch (spec.kind) {
    case Kind::kBool:
      d = std::make_unique<BoolDecoder>(pool);
      break;
    case Kind::kInt16:
      d = MakeFixed<arrow::Int16Builder, 2>(arrow::int16(), pool,
                                            [](const uint8_t* p) { return ReadI16(p); });
      break;
    case Kind::kInt32:
      d = MakeFixed<arrow::Int32Builder, 4>(arrow::int32(), pool,
                                            [](const uint8_t* p) { return ReadI32(p); });
      break;
    case Kind::kInt64:
      d = MakeFixed<arrow::Int64Builder, 8>(arrow::int64(), pool,
                                            [](const uint8_t* p) { return ReadI64(p); });
      break;
    case Kind::kFloat32:
      d = MakeFixed<arrow::FloatBuilder, 4>(arrow::float32(), pool, [](const uint8_t* p) {
        uint32_t bits = ReadU32(p);
        float f;
        __builtin_memcpy(&f, &bits, 4);
        return f;
      });
      break;
    case Kind::kFloat64:
      d = MakeFixed<arrow::DoubleBuilder, 8>(arrow::float64(), pool,
                                             [](const uint8_t* p) {
                                               uint64_t bits = ReadU64(p);
                                               double f;
                                               __builtin_memcpy(&f, &bits, 8);
                                               return f;
                                             });
      break;
    case Kind::kDecimal:
      d = std::make_unique<DecimalDecoder>(spec.precision, spec.scale, pool);
      break;
    case Kind::kText:
      d = std::make_unique<BytesDecoder<arrow::StringBuilder>>(pool, 0);
      break;
    case Kind::kJsonb:
      d = std::make_unique<BytesDecoder<arrow::StringBuilder>>(pool, 1);
      break;
    case Kind::kBinary:
      d = std::make_unique<BytesDecoder<arrow::BinaryBuilder>>(pool, 0);
      break;
    case Kind::kDate:
      d = MakeFixed<arrow::Date32Builder, 4>(arrow::date32(), pool, [](const uint8_t* p) {
        int32_t v = ReadI32(p);
        if (v == kPgDateInfinity) return kDateInfinity;
        if (v == kPgDateMinusInfinity) return -kDateInfinity;
        // PostgreSQL's last date (5874897-12-31) is 2^31 - 2.4 million days after 2000.
        return static_cast<int32_t>(static_cast<int64_t>(v) + kPgEpochShiftDays);
      });
      break;
    case Kind::kTimestamp:
      d = std::make_unique<TimestampDecoder>(ArrowTypeOf(spec), pool);
      break;
    case Kind::kTime:  // time_send: microseconds since midnight, 0 to 24:00:00
      d = MakeFixed<arrow::Int64Builder, 8>(arrow::int64(), pool,
                                            [](const uint8_t* p) { return ReadI64(p); });
      break;
    case Kind::kUuid:
      d = std::make_unique<UuidDecoder>(pool);
      break;
    case Kind::kInterval:
      d = std::make_unique<IntervalDecoder>(pool);
      break;
    case Kind::kArray:
      return ArrayDecoder::Make(spec, column, pool);
  }
  d->column_ = column;
  return d;
}

namespace {

// 10^0 .. 10^18: every power of ten an int64 holds.
constexpr std::array<int64_t, 19> kPow10 = [] {
  std::array<int64_t, 19> p{};
  p[0] = 1;
  for (size_t i = 1; i < p.size(); ++i) p[i] = p[i - 1] * 10;
  return p;
}();
constexpr int32_t kDiv[] = {1, 10, 100, 1000};

}  // namespace

arrow::Result<arrow::Decimal128> NumericToDecimal(const uint8_t* data, int32_t len,
                                                  int32_t precision, int32_t scale) {
  if (len < 8) return arrow::Status::Invalid("numeric value shorter than its header");
  int16_t ndigits = ReadI16(data);
  int16_t weight = ReadI16(data + 2);
  uint16_t sign = ReadU16(data + 4);
  if (ndigits < 0 || len < 8 + 2 * ndigits)
    return arrow::Status::Invalid("numeric value truncated");
  if (sign == 0xC000 || sign == 0xD000 || sign == 0xF000) {
    return arrow::Status::Invalid(sign == 0xC000 ? "numeric NaN" : "numeric Infinity",
                                  " cannot be stored in decimal128(", precision, ",",
                                  scale, ")");
  }
  // Digit i is worth digit * 10000^(weight - i); scaled by 10^scale that is a power of
  // ten 4*(weight-i)+scale. A negative power only drops zeros (display scale <= scale).
  if (4 * weight + scale + 4 <= 18) {
    // Below 10^18 once scaled (most money and quantity columns): int64 arithmetic, as
    // 128-bit multiplies were the decoder's largest single cost on such tables.
    int64_t acc = 0;
    for (int i = 0; i < ndigits; ++i) {
      const int32_t digit = ReadI16(data + 8 + 2 * i);
      if (digit < 0 || digit > 9999) return arrow::Status::Invalid("bad numeric digit");
      const int32_t power = 4 * (weight - i) + scale;
      if (power <= -4) break;
      acc += power < 0 ? digit / kDiv[-power] : digit * kPow10[power];
    }
    if (sign == 0x4000) acc = -acc;
    if (precision < 19 && (acc >= kPow10[precision] || acc <= -kPow10[precision])) {
      return arrow::Status::Invalid("numeric value does not fit decimal128(", precision,
                                    ",", scale, ")");
    }
    return arrow::Decimal128(acc);
  }
  arrow::Decimal128 acc(0);
  for (int i = 0; i < ndigits; ++i) {
    int32_t digit = ReadI16(data + 8 + 2 * i);
    if (digit < 0 || digit > 9999) return arrow::Status::Invalid("bad numeric digit");
    int32_t power = 4 * (weight - i) + scale;
    if (power < 0) {
      if (power <= -4) continue;
      acc += arrow::Decimal128(digit / kDiv[-power]);
      continue;
    }
    if (power > 38) return arrow::Status::Invalid("numeric value overflows decimal128");
    acc += arrow::Decimal128(digit) * arrow::Decimal128::GetScaleMultiplier(power);
  }
  if (sign == 0x4000) acc.Negate();
  if (!acc.FitsInPrecision(precision)) {
    return arrow::Status::Invalid("numeric value does not fit decimal128(", precision,
                                  ",", scale, ")");
  }
  return acc;
}

}  // namespace pgtide::source
