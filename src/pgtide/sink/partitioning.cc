#include "pgtide/sink/partitioning.h"

#include <climits>

#include "pgtide/common/identifiers.h"
#include "pgtide/common/time_format.h"

namespace pgtide::sink {

int64_t DatePartitioning::KeyOf(int64_t raw, bool is_null) const {
  using source::CursorKind;
  if (kind_ == CursorKind::kNone) return 0;
  if (is_null) return kNullKey;
  if (kind_ != CursorKind::kDate) {
    if (raw == source::kRawTimestampInfinity) return kInfinityKey;
    if (raw == source::kRawTimestampMinusInfinity) return kMinusInfinityKey;
    return FloorDiv(raw, kMicrosPerDay) + kPgEpochShiftDays;
  }
  if (raw == source::kRawDateInfinity) return kInfinityKey;
  if (raw == source::kRawDateMinusInfinity) return kMinusInfinityKey;
  return raw + kPgEpochShiftDays;
}

std::string DatePartitioning::FolderOf(int64_t key) const {
  if (kind_ == source::CursorKind::kNone) return "";
  std::string value;
  if (key == kNullKey) {
    value = "__HIVE_DEFAULT_PARTITION__";
  } else if (key == kInfinityKey) {
    value = "infinity";
  } else if (key == kMinusInfinityKey) {
    value = "-infinity";
  } else {
    value = FormatDate(key);
  }
  return EncodePathSegment(column_) + "=" + value;
}

}  // namespace pgtide::sink
