#include "pgtide/state/boundary_tracker.h"

#include <gtest/gtest.h>

#include <string>

namespace pgtide::state {
namespace {

const uint8_t* Bytes(const std::string& s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}
int32_t Len(const std::string& s) { return static_cast<int32_t>(s.size()); }

TEST(BoundaryTracker, CollectsRowsAtOrAboveTheHorizonAndSkipsThemNextTime) {
  BoundaryTracker first({}, /*threshold=*/100, 0, /*clock=*/200);
  EXPECT_TRUE(first.Admit(50, false, Bytes("old"), 3));
  EXPECT_TRUE(first.Admit(100, false, Bytes("tie"), 3));
  EXPECT_TRUE(first.Admit(150, false, Bytes("new"), 3));
  auto boundary = first.TakeBoundary();
  EXPECT_EQ(boundary.size(), 2u);
  EXPECT_EQ(*first.max_written(), 150);

  // The next scan starts at the horizon (100): it sees "tie" and "new" again, plus a late
  // commit at 120 and a second row that ties at 100.
  BoundaryTracker second(boundary, 180, 0, 300);
  EXPECT_FALSE(second.Admit(100, false, Bytes("tie"), 3));
  EXPECT_FALSE(second.Admit(150, false, Bytes("new"), 3));
  EXPECT_TRUE(second.Admit(100, false, Bytes("tie2"), 4));
  EXPECT_TRUE(second.Admit(120, false, Bytes("late"), 4));
  EXPECT_EQ(second.skipped(), 2);
}

TEST(BoundaryTracker, FutureRowsDoNotMoveTheMark) {
  BoundaryTracker t({}, 100, 0, /*clock=*/200);
  EXPECT_TRUE(t.Admit(150, false, Bytes("a"), 1));
  EXPECT_TRUE(t.Admit(99999, false, Bytes("b"), 1));
  EXPECT_EQ(*t.max_written(), 150);
  EXPECT_EQ(t.future_rows(), 1);
  EXPECT_EQ(t.TakeBoundary().size(), 2u);  // the future row is remembered
}

TEST(BoundaryTracker, NullCursorsAreAlwaysWrittenAndNeverRemembered) {
  BoundaryTracker t({}, 0, 0, std::nullopt);
  EXPECT_TRUE(t.Admit(0, true, Bytes("n"), 1));
  EXPECT_TRUE(t.TakeBoundary().empty());
}

TEST(BoundaryTracker, IntegerCursorsFollowTheMaximumMinusLookback) {
  BoundaryTracker t({}, std::nullopt, /*lookback=*/2, std::nullopt);
  for (int i = 1; i <= 5000; ++i) {
    std::string row = "row" + std::to_string(i);
    EXPECT_TRUE(t.Admit(i, false, Bytes(row), Len(row)));
  }
  EXPECT_EQ(*t.final_threshold(), 4998);
  EXPECT_EQ(t.TakeBoundary().size(), 3u);  // 4998, 4999, 5000
}

}  // namespace
}  // namespace pgtide::state
