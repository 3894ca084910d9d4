#pragma once

#include <cstdint>
#include <string>

#include "pgtide/source/pg_types.h"

namespace pgtide::source {

/// The one home of the cursor: the column whose value orders a table's changes. Every
/// other layer (decoder, partitioning, marks, scan predicates) asks this header what a
/// cursor value means, so a new cursor kind is added here and nowhere else.
enum class CursorKind { kNone, kTimestamptz, kTimestamp, kDate, kInteger };

/// Raw cursor values are kept in PostgreSQL's own binary units: microseconds since
/// 2000-01-01 for timestamps, days since 2000-01-01 for dates, the number for integers.
/// PostgreSQL's ±infinity sentinels (DT_NOEND/DT_NOBEGIN, DATEVAL_NOEND/DATEVAL_NOBEGIN).
inline constexpr int64_t kRawTimestampInfinity = INT64_MAX;
inline constexpr int64_t kRawTimestampMinusInfinity = INT64_MIN;
inline constexpr int64_t kRawDateInfinity = INT32_MAX;
inline constexpr int64_t kRawDateMinusInfinity = INT32_MIN;

/// The cursor kind of a column of PostgreSQL type `base_oid` (domains resolved); kNone
/// for arrays (`elem_oid` != 0) and types that cannot order changes.
CursorKind CursorKindOfType(uint32_t base_oid, uint32_t elem_oid);

/// True for the kinds whose values are points in time (and partition the lake by date).
inline bool IsTemporal(CursorKind k) {
  return k == CursorKind::kTimestamptz || k == CursorKind::kTimestamp ||
         k == CursorKind::kDate;
}

/// The SQL type a cursor literal is cast to in predicates and comparisons.
const char* CursorSqlType(CursorKind k);

/// A raw cursor value in PostgreSQL's text form ("2024-01-02 03:04:05.123456+00",
/// "2024-01-02", "infinity", "42"), as stored in the state file.
std::string FormatCursor(CursorKind kind, int64_t raw);

/// Reads a cursor field from the COPY stream (8 bytes: timestamp, timestamptz, bigint;
/// 4: date, integer; 2: smallint) as int64 in PostgreSQL's own units.
inline int64_t ReadCursorValue(const uint8_t* data, int32_t len) {
  switch (len) {
    case 8:
      return ReadI64(data);
    case 4:
      return ReadI32(data);
    case 2:
      return ReadI16(data);
    default:
      return 0;
  }
}

}  // namespace pgtide::source
