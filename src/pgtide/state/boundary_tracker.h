#pragma once

#include <cstdint>
#include <optional>
#include <unordered_set>
#include <vector>

#include "pgtide/common/row_hash.h"

namespace pgtide::state {

/// Decides, row by row, what a scan writes: it skips rows that the previous commit
/// already wrote (their fingerprints are in its boundary set) and collects the
/// fingerprints of the rows at or above this run's horizon, which the next run will see
/// again.
class BoundaryTracker {
 public:
  /// `threshold`: the horizon in raw cursor units; nullopt for integer cursors, where it
  /// is the highest value seen minus `integer_lookback`.
  BoundaryTracker(const std::vector<RowHash>& previous, std::optional<int64_t> threshold,
                  int64_t integer_lookback, std::optional<int64_t> clock);

  /// Returns false for a row to skip.
  bool Admit(int64_t cursor, bool cursor_null, const uint8_t* tuple, int32_t len);

  /// The fingerprints of every row seen (written or skipped) at or above the final
  /// threshold.
  std::vector<RowHash> TakeBoundary();
  /// The final threshold (integer cursors), valid when any row had a cursor.
  std::optional<int64_t> final_threshold() const;

  int64_t skipped() const { return skipped_; }
  /// Highest cursor written that is not beyond the database clock.
  std::optional<int64_t> max_written() const { return max_written_; }
  int64_t future_rows() const { return future_rows_; }
  std::optional<int64_t> max_future() const { return max_future_; }

 private:
  void Prune();

  std::unordered_set<RowHash, RowHashHasher> previous_;
  std::optional<int64_t> threshold_;
  int64_t integer_lookback_;
  std::optional<int64_t> clock_;
  std::vector<std::pair<int64_t, RowHash>> collected_;
  size_t prune_at_ = 1024;
  std::optional<int64_t> max_seen_;
  std::optional<int64_t> max_written_;
  std::optional<int64_t> max_future_;
  int64_t skipped_ = 0;
  int64_t future_rows_ = 0;
};

}  // namespace pgtide::state
