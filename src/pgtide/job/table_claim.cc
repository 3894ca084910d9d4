#include "pgtide/job/table_claim.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "pgtide/common/cancellation.h"
#include "pgtide/common/error_catalogue.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/common/log.h"
#include "pgtide/job/iceberg_plan.h"

namespace pgtide::job {

TableClaim::~TableClaim() {
  auto st = session_->Unlock(key_, generation_);
  // A failed unlock means the session is gone, and with it the lock: nothing is stale.
  if (!st.ok()) LogDebug("table {}: unlock: {}", table_, st.message());
}

arrow::Status TableClaim::LostLock(const std::string& why) const {
  return Error(
      ErrorClass::kTableLocked,
      fmt::format("table {}: this run lost its lock on the table ({}), so another run "
                  "may be loading it; not committed, the next run retries it",
                  table_, why));
}

// The same line: the same last commit, mark and resume point.
static bool SameLine(const std::optional<state::TableState>& a,
                     const std::optional<state::TableState>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a ||
         (a->snapshot_id == b->snapshot_id && a->committed_run == b->committed_run &&
          a->max_updated_at == b->max_updated_at && a->resume_from == b->resume_from);
}

arrow::Status TableClaim::Verify() {
  auto held = session_->Holds(key_, generation_);
  if (held.ok() && *held) return arrow::Status::OK();
  const std::string why = held.ok() ? "no longer held" : held.status().message();
  // The server may still be restarting: the run's retry policy (--retries,
  // --retry-wait) bounds the wait for it.
  const RunOptions& opts = *owner_->options_;
  uint64_t generation = 0;
  auto got = session_->TryLock(key_, &generation);
  double wait = opts.retry_wait_s;
  for (int attempt = 0; !got.ok() && InfoOf(ErrorClassOf(got.status())).retryable &&
                        attempt < opts.retries && !StopRequested();
       ++attempt) {
    std::this_thread::sleep_for(std::chrono::duration<double>(wait));
    wait = std::min(wait * 2, 30.0);
    got = session_->TryLock(key_, &generation);
  }
  if (!got.ok() || !*got) {
    return LostLock(
        why + (got.ok() ? "; another run holds it now" : "; " + got.status().message()));
  }
  TablePlan now = plan_;
  auto replanned = owner_->Replan(&now);
  if (!replanned.ok() || !SameLine(plan_.stored, now.stored)) {
    ARROW_UNUSED(session_->Unlock(key_, generation));
    return LostLock(why + (replanned.ok() ? "; another run committed it meanwhile"
                                          : "; " + replanned.message()));
  }
  generation_ = generation;
  LogInfo(
      "table {}: its lock was lost ({}) and taken again; its state line is "
      "unchanged, so no other run loaded it meanwhile",
      table_, why);
  return arrow::Status::OK();
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
  // The whole run's tables, not this one alone: whether an original-job line is
  // ambiguous depends on every table (table_keys.h).
  const std::string name = plan->table.qualified_name();
  ARROW_ASSIGN_OR_RAISE(auto plans, PlanFromLake(pointer_, fresh, *tables_, *options_,
                                                 every_table_, &name));
  auto it = std::find_if(plans.begin(), plans.end(), [&](const TablePlan& p) {
    return p.table.qualified_name() == name;
  });
  if (it == plans.end()) {
    return Error(ExitCode::kInternal,
                 fmt::format("table {}: not planned again from the fresh state", name));
  }
  // Unchanged: the plan checked before the first table (its marks, its warnings) stands,
  // with the metadata as read now (a maintenance commit may have moved it).
  if (SameLine(plan->stored, it->stored)) {
    plan->lake_base = std::move(it->lake_base);
    plan->lake_schema = std::move(it->lake_schema);
    plan->lake_last_column_id = it->lake_last_column_id;
    plan->lake_spec = std::move(it->lake_spec);
    return arrow::Status::OK();
  }
  LogInfo(
      "table {}: committed by another run (run {}) since this run started; loading from "
      "that commit's mark",
      name, it->stored ? it->stored->committed_run : "(none)");
  // How the table is read (its ranges) and where (its shard) are the run's, not the
  // line's.
  it->ranges = std::move(plan->ranges);
  it->shard = plan->shard;
  *plan = std::move(*it);
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
  uint64_t generation = 0;
  while (true) {
    ARROW_ASSIGN_OR_RAISE(bool got, session_->TryLock(key, &generation));
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
  if (auto st = Replan(plan); !st.ok()) {
    ARROW_UNUSED(session_->Unlock(key, generation));
    return st;
  }
  return std::make_unique<TableClaim>(this, session_, key, generation, *plan);
}

}  // namespace pgtide::job
