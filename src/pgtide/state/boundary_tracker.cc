#include "pgtide/state/boundary_tracker.h"

#include <algorithm>

namespace pgtide::state {

BoundaryTracker::BoundaryTracker(const std::vector<RowHash>& previous,
                                 std::optional<int64_t> threshold,
                                 int64_t integer_lookback, std::optional<int64_t> clock)
    : previous_(previous.begin(), previous.end()),
      threshold_(threshold),
      integer_lookback_(integer_lookback),
      clock_(clock) {}

bool BoundaryTracker::Admit(int64_t cursor, bool cursor_null, const uint8_t* tuple,
                            int32_t len) {
  if (cursor_null) return true;  // NULL cursors are never re-scanned by cdc
  if (!max_seen_ || cursor > *max_seen_) max_seen_ = cursor;
  int64_t threshold = threshold_ ? *threshold_ : *max_seen_ - integer_lookback_;
  bool collect = cursor >= threshold;
  bool known = false;
  if (collect || !previous_.empty()) {
    RowHash h = HashBytes(tuple, static_cast<size_t>(len));
    known = !previous_.empty() && previous_.count(h) > 0;
    if (collect) {
      collected_.emplace_back(cursor, h);
      if (!threshold_ && collected_.size() >= prune_at_) Prune();
    }
  }
  if (known) {
    ++skipped_;
    return false;
  }
  if (clock_ && cursor > *clock_) {
    ++future_rows_;
    if (!max_future_ || cursor > *max_future_) max_future_ = cursor;
  } else if (!max_written_ || cursor > *max_written_) {
    max_written_ = cursor;
  }
  return true;
}

std::optional<int64_t> BoundaryTracker::final_threshold() const {
  if (threshold_) return threshold_;
  if (!max_seen_) return std::nullopt;
  return *max_seen_ - integer_lookback_;
}

void BoundaryTracker::Prune() {
  if (auto t = final_threshold()) {
    std::erase_if(collected_, [&](const auto& e) { return e.first < *t; });
  }
  prune_at_ = std::max<size_t>(1024, collected_.size() * 2);
}

std::vector<RowHash> BoundaryTracker::TakeBoundary() {
  Prune();
  std::vector<RowHash> out;
  out.reserve(collected_.size());
  for (const auto& e : collected_) out.push_back(e.second);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  collected_.clear();
  return out;
}

}  // namespace pgtide::state
