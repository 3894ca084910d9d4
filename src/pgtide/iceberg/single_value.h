#pragma once

// Iceberg's binary single-value serialization (spec appendix D), used for lower and upper
// bounds in manifests and partition summaries in manifest lists.

#include <arrow/util/decimal.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pgtide::iceberg {

/// Iceberg's default metrics mode truncates strings and binaries in bounds to 16.
constexpr int kDefaultTruncateLength = 16;

/// boolean: one byte, 0 or 1.
std::string SingleValueBoolean(bool v);
/// int and date: 4 bytes little-endian.
std::string SingleValueInt(int32_t v);
/// long, time, timestamp, timestamptz: 8 bytes little-endian.
std::string SingleValueLong(int64_t v);
/// float and double: IEEE 754 little-endian.
std::string SingleValueFloat(float v);
std::string SingleValueDouble(double v);
/// decimal: the unscaled value as big-endian two's complement in the fewest bytes.
std::string SingleValueDecimal(const arrow::Decimal128& unscaled);

/// Decode the little-endian integers back (for tests and readers).
std::optional<int32_t> ReadSingleValueInt(std::string_view bytes);
std::optional<int64_t> ReadSingleValueLong(std::string_view bytes);

/// A lower bound for a UTF-8 string: its first `length` code points.
std::string TruncateStringLower(std::string_view utf8,
                                int length = kDefaultTruncateLength);
/// An upper bound for a UTF-8 string: the string itself when short enough, else its first
/// `length` code points with the last one incremented; nullopt when no such bound exists.
std::optional<std::string> TruncateStringUpper(std::string_view utf8,
                                               int length = kDefaultTruncateLength);
/// The same for raw bytes, counting bytes.
std::string TruncateBinaryLower(std::string_view bytes,
                                int length = kDefaultTruncateLength);
std::optional<std::string> TruncateBinaryUpper(std::string_view bytes,
                                               int length = kDefaultTruncateLength);

}  // namespace pgtide::iceberg
