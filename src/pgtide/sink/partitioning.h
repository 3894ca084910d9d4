#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pgtide/source/cursor.h"

namespace pgtide::sink {

/// How rows are spread over hive-style folders: by the UTC date of a timestamp cursor (or
/// a date cursor), as "<cursor>_date=YYYY-MM-DD". Tables without a temporal cursor are
/// not partitioned.
class DatePartitioning {
 public:
  DatePartitioning() = default;
  /// Partitions by the cursor's date when it is temporal; otherwise not at all.
  DatePartitioning(source::CursorKind kind, std::string cursor_column)
      : kind_(source::IsTemporal(kind) ? kind : source::CursorKind::kNone),
        column_(std::move(cursor_column) + "_date") {}

  bool enabled() const { return kind_ != source::CursorKind::kNone; }
  const std::string& column() const { return column_; }

  // Keys for values that are not dates.
  static constexpr int64_t kNullKey = INT64_MIN;
  static constexpr int64_t kMinusInfinityKey = INT64_MIN + 1;
  static constexpr int64_t kInfinityKey = INT64_MAX;

  /// The partition of a raw cursor value (PostgreSQL units); days since 1970 for dates.
  int64_t KeyOf(int64_t raw_cursor, bool is_null) const;
  /// "updated_at_date=2024-01-02", "...=__HIVE_DEFAULT_PARTITION__" for NULL,
  /// "...=infinity" / "...=-infinity"; "" when not partitioned.
  std::string FolderOf(int64_t key) const;

 private:
  source::CursorKind kind_ = source::CursorKind::kNone;
  std::string column_;
};

}  // namespace pgtide::sink
