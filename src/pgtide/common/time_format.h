#pragma once

#include <cstdint>
#include <string>

namespace pgtide {

// PostgreSQL counts timestamps in microseconds and dates in days since 2000-01-01; Arrow
// and Parquet count from 1970-01-01.
constexpr int64_t kPgEpochShiftMicros = 946684800LL * 1000000LL;
constexpr int32_t kPgEpochShiftDays = 10957;
constexpr int64_t kMicrosPerDay = 86400LL * 1000000LL;

/// Microseconds since 1970-01-01 UTC, from the system clock.
int64_t NowMicros();

/// Days since 1970-01-01 of a (proleptic Gregorian) civil date, and back.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);
void CivilFromDays(int64_t days, int64_t* y, unsigned* m, unsigned* d);

/// "2024-01-02" for days since 1970-01-01.
std::string FormatDate(int64_t days_since_1970);

/// Formats microseconds since 1970 the way PostgreSQL prints a timestamp in ISO
/// DateStyle: "2024-01-02 03:04:05.123456", trailing zeros of the fraction dropped, and
/// "+00" appended when `utc_offset` (a timestamptz in a UTC session).
std::string FormatPgTimestamp(int64_t micros_since_1970, bool utc_offset);

/// "20240102T030405Z" — sortable, path-safe.
std::string FormatCompactUtc(int64_t micros_since_1970);

/// "2024-01-02T03:04:05.123456Z" for log lines and JSON.
std::string FormatIsoMicros(int64_t micros_since_1970);

/// Floor division that rounds towards negative infinity, for pre-1970 values.
inline int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

}  // namespace pgtide
