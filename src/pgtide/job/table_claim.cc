#include "pgtide/job/table_claim.h"

#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "pgtide/common/error_catalogue.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/common/log.h"

namespace pgtide::job {

TableClaim::~TableClaim() {
  auto st = session_->Unlock(key_);
  // A failed unlock means the session is gone, and with it the lock: nothing is stale.
  if (!st.ok()) LogDebug("table {}: unlock: {}", table_, st.message());
}

arrow::Status TableClaim::Verify() {
  auto held = session_->Holds(key_);
  if (held.ok() && *held) return arrow::Status::OK();
  return Error(
      ErrorClass::kTableLocked,
      fmt::format("table {}: this run lost its lock on the table ({}), so "
                  "another run may be loading it; not committed, the next run "
                  "retries it",
                  table_, held.ok() ? "no longer held" : held.status().message()));
}

arrow::Status TableClaims::Replan(TablePlan* plan) {
  // Another run may be replacing the object as we read it (a torn read on some S3
  // servers): a corrupt read is retried before it fails the table.
  auto loaded = state_->Load();
  for (int i = 0;
       i < 10 && !loaded.ok() && ErrorClassOf(loaded.status()) == ErrorClass::kState;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    loaded = state_->Load();
  }
  ARROW_ASSIGN_OR_RAISE(state::StateFile fresh, std::move(loaded));
  ARROW_ASSIGN_OR_RAISE(auto plans, PlanTables({plan->table}, fresh, *options_));
  if (plans.size() != 1) {
    return Error(ExitCode::kInternal,
                 fmt::format("table {}: re-planning gave {} plans",
                             plan->table.qualified_name(), plans.size()));
  }
  const auto& before = plan->stored;
  const auto& now = plans[0].stored;
  if ((before.has_value() != now.has_value()) ||
      (before && now && before->committed_run != now->committed_run)) {
    LogInfo(
        "table {}: committed by another run (run {}) since this run started; "
        "loading from that commit's mark",
        plan->table.qualified_name(), now ? now->committed_run : "(none)");
  }
  *plan = std::move(plans[0]);
  return arrow::Status::OK();
}

arrow::Result<std::unique_ptr<TableClaim>> TableClaims::Claim(TablePlan* plan,
                                                              TableResult* r) {
  const std::string name = plan->table.qualified_name();
  const auto key =
      source::LockKeyFor(output_location_, plan->table.schema, plan->table.name);
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::milliseconds(options_->lock_wait_ms);
  bool logged = false;
  while (true) {
    ARROW_ASSIGN_OR_RAISE(bool got, session_->TryLock(key));
    if (got) break;
    std::string holder = session_->HolderPid(key);
    if (std::chrono::steady_clock::now() >= deadline) {
      r->status = TableStatus::kLocked;
      r->error_class = ErrorClass::kTableLocked;
      r->error = fmt::format(
          "table {} is being loaded by another pgtide run (PostgreSQL backend pid {}) "
          "into {}; skipped\nHINT: {}",
          name, holder.empty() ? "unknown" : holder, output_location_,
          InfoOf(ErrorClass::kTableLocked).hint);
      r->seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      LogWarning("{}", r->error);
      return nullptr;
    }
    if (!logged) {
      LogInfo(
          "table {}: another pgtide run (backend pid {}) is loading it; waiting up "
          "to {} ms (--lock-wait)",
          name, holder.empty() ? "unknown" : holder, options_->lock_wait_ms);
      logged = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  auto claim = std::make_unique<TableClaim>(session_, key, name);
  ARROW_RETURN_NOT_OK(Replan(plan));
  return claim;
}

}  // namespace pgtide::job
