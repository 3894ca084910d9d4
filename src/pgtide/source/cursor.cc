#include "pgtide/source/cursor.h"

#include "pgtide/common/time_format.h"

namespace pgtide::source {

CursorKind CursorKindOfType(uint32_t base_oid, uint32_t elem_oid) {
  if (elem_oid != 0) return CursorKind::kNone;
  switch (base_oid) {
    case kTimestamptz:
      return CursorKind::kTimestamptz;
    case kTimestamp:
      return CursorKind::kTimestamp;
    case kDate:
      return CursorKind::kDate;
    case kInt2:
    case kInt4:
    case kInt8:
      return CursorKind::kInteger;
    default:
      return CursorKind::kNone;
  }
}

const char* CursorSqlType(CursorKind k) {
  switch (k) {
    case CursorKind::kTimestamptz:
      return "timestamptz";
    case CursorKind::kTimestamp:
      return "timestamp";
    case CursorKind::kDate:
      return "date";
    default:
      return "bigint";
  }
}

std::string FormatCursor(CursorKind kind, int64_t raw) {
  switch (kind) {
    case CursorKind::kTimestamptz:
    case CursorKind::kTimestamp:
      if (raw == kRawTimestampInfinity) return "infinity";
      if (raw == kRawTimestampMinusInfinity) return "-infinity";
      return FormatPgTimestamp(raw + kPgEpochShiftMicros,
                               kind == CursorKind::kTimestamptz);
    case CursorKind::kDate:
      if (raw == kRawDateInfinity) return "infinity";
      if (raw == kRawDateMinusInfinity) return "-infinity";
      return FormatDate(raw + kPgEpochShiftDays);
    default:
      return std::to_string(raw);
  }
}

}  // namespace pgtide::source
