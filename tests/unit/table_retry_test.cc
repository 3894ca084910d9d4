#include "pgtide/job/table_retry.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "pgtide/common/error_catalogue.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/job/worker_budget.h"

namespace pgtide::job {
namespace {

TEST(SourceRetry, RetriesOnlyPostgresOutagesAndOnlyAsOftenAsAllowed) {
  SourceRetry retry(/*retries=*/3, /*retry_wait_s=*/2);
  const auto lost = Error(ErrorClass::kSourceTransient, "connection lost", "57P01");
  const auto refused = Error(ErrorClass::kSourceUnreachable, "connection refused");
  EXPECT_TRUE(retry.ShouldRetry(lost, 0));
  EXPECT_TRUE(retry.ShouldRetry(refused, 2));
  EXPECT_FALSE(retry.ShouldRetry(lost, 3));  // the fourth failure is the last
  EXPECT_FALSE(retry.ShouldRetry(Error(ErrorClass::kSourceAuth, "bad password"), 0));
  EXPECT_FALSE(retry.ShouldRetry(Error(ErrorClass::kSourcePermission, "denied"), 0));
  EXPECT_FALSE(retry.ShouldRetry(Error(ErrorClass::kStorageFull, "ENOSPC"), 0));
  EXPECT_FALSE(retry.ShouldRetry(Error(ErrorClass::kSourceQuery, "syntax"), 0));
}

TEST(SourceRetry, WaitsDoubleUpToThirtySeconds) {
  SourceRetry retry(10, 2);
  EXPECT_DOUBLE_EQ(retry.WaitSeconds(0), 2);
  EXPECT_DOUBLE_EQ(retry.WaitSeconds(1), 4);
  EXPECT_DOUBLE_EQ(retry.WaitSeconds(3), 16);
  EXPECT_DOUBLE_EQ(retry.WaitSeconds(4), 30);
  EXPECT_DOUBLE_EQ(retry.WaitSeconds(9), 30);
  // The defaults (5 retries from 2 s) span about a minute: 2+4+8+16+30.
  SourceRetry defaults(5, 2);
  double total = 0;
  for (int i = 0; i < 5; ++i) total += defaults.WaitSeconds(i);
  EXPECT_DOUBLE_EQ(total, 60);
}

TEST(SourceRetry, ASourceDownStopsFurtherRetriesAndKeepsTheFirstReason) {
  SourceRetry retry(5, 1);
  const auto lost = Error(ErrorClass::kSourceTransient, "first");
  retry.MarkSourceDown(lost);
  retry.MarkSourceDown(Error(ErrorClass::kSourceTransient, "second"));
  EXPECT_TRUE(retry.source_down());
  EXPECT_EQ(retry.down_reason().message(), "first");
  EXPECT_FALSE(retry.ShouldRetry(lost, 0));
}

TEST(SourceRetry, RecognisesTooManyConnections) {
  EXPECT_TRUE(IsConnectionLimit(Error(ErrorClass::kSourceTransient, "full", "53300")));
  EXPECT_FALSE(IsConnectionLimit(Error(ErrorClass::kSourceTransient, "lost", "57P01")));
}

TEST(TableQueue, AWorkerThatGivesWayHandsItsTableToTheOthers) {
  TableQueue q(3, /*workers=*/2);
  auto a = q.Next();
  ASSERT_TRUE(a.has_value());
  EXPECT_TRUE(q.GiveWay(*a));  // worker 1 retires; its table is next again
  EXPECT_EQ(q.Next(), a);
  // Worker 2 is now the last one: it may not give way, it carries on alone.
  EXPECT_FALSE(q.GiveWay(*a));
  EXPECT_TRUE(q.Next().has_value());
  EXPECT_TRUE(q.Next().has_value());
  EXPECT_FALSE(q.Next().has_value());
}

TEST(TableQueue, NoTableIsLostWhenWorkersRetireConcurrently) {
  constexpr size_t kTables = 200;
  TableQueue q(kTables, 8);
  std::mutex mu;
  std::vector<size_t> done;
  std::vector<std::thread> workers;
  for (int w = 0; w < 8; ++w) {
    workers.emplace_back([&, w] {
      int taken = 0;
      while (auto t = q.Next()) {
        // Odd workers give way on their third table, as if the server were full.
        if (w % 2 == 1 && ++taken == 3 && q.GiveWay(*t)) return;
        std::lock_guard<std::mutex> lock(mu);
        done.push_back(*t);
      }
    });
  }
  for (auto& t : workers) t.join();
  std::set<size_t> unique(done.begin(), done.end());
  EXPECT_EQ(done.size(), kTables);
  EXPECT_EQ(unique.size(), kTables);
}

}  // namespace
}  // namespace pgtide::job
