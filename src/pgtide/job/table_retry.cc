#include "pgtide/job/table_retry.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include "pgtide/common/error_catalogue.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/common/log.h"
#include "pgtide/job/staged_table.h"

namespace pgtide::job {

constexpr double kMaxWaitSeconds = 30;

static bool IsSourceOutage(ErrorClass cls) {
  return cls == ErrorClass::kSourceTransient || cls == ErrorClass::kSourceUnreachable;
}

bool IsConnectionLimit(const arrow::Status& st) { return SqlStateOf(st) == "53300"; }

bool SourceRetry::ShouldRetry(const arrow::Status& st, int attempt) const {
  return !down_ && attempt < retries_ && IsSourceOutage(ErrorClassOf(st));
}

double SourceRetry::WaitSeconds(int attempt) const {
  return std::min(kMaxWaitSeconds, wait_s_ * std::pow(2.0, attempt));
}

void SourceRetry::MarkSourceDown(const arrow::Status& why) {
  if (down_claimed_.exchange(true)) return;
  down_reason_ = why;
  down_ = true;
}

std::unique_ptr<StagedTable> StageWithRetries(RunContext* ctx, TablePlan* plan_ptr,
                                              TableResult* r, ScanProgress* progress,
                                              std::unique_ptr<source::Connection>* conn,
                                              SourceRetry* retry, TableClaims* claims,
                                              std::unique_ptr<TableClaim>* claim,
                                              const std::function<bool()>& give_way,
                                              bool* gave_way) {
  const TablePlan& plan = *plan_ptr;
  const auto start = std::chrono::steady_clock::now();
  const std::string name = plan.table.qualified_name();
  *gave_way = false;
  if (retry->source_down()) {
    const auto& why = retry->down_reason();
    ReportTable(plan, r,
                Error(ErrorClassOf(why),
                      fmt::format("not attempted: PostgreSQL stayed unavailable through "
                                  "{} retries ({})",
                                  retry->retries(), why.message())),
                start);
    return nullptr;
  }
  for (int attempt = 0;; ++attempt) {
    arrow::Status st;
    if (!*conn) {
      auto opened = source::Connection::Open(ctx->options->connect);
      if (opened.ok()) {
        *conn = std::move(*opened);
      } else {
        st = opened.status();
      }
    }
    if (*conn && claims && !*claim) {
      auto claimed = claims->Claim(plan_ptr, r);
      if (!claimed.ok()) {
        st = claimed.status();
      } else if (!*claimed) {
        return nullptr;  // another run is loading it: recorded in `r` as locked
      } else {
        *claim = std::move(*claimed);
      }
    }
    if (*conn && st.ok()) {
      if (progress) {
        progress->rows = 0;
        progress->bytes = 0;
        progress->scanned = false;
      }
      TableLoader loader(ctx, conn->get());
      auto staged = loader.Stage(plan, r, progress);
      if (staged.ok()) return std::move(*staged);
      st = staged.status();
      if (!(*conn)->is_healthy()) conn->reset();  // replaced on the next try
    }
    claim->reset();  // a retry locks the table and reads its state line again
    if (IsConnectionLimit(st) && give_way()) {
      LogWarning(
          "table {}: no connection slot for another worker ({}); this worker stops and "
          "the table goes to the others",
          name, st.message());
      *gave_way = true;
      return nullptr;
    }
    if (retry->ShouldRetry(st, attempt)) {
      const double wait = retry->WaitSeconds(attempt);
      LogWarning(
          "table {}: {} (try {} of {}); discarding its staged files, retrying in "
          "{:.1f} s{}",
          name, st.message(), attempt + 1, retry->retries() + 1, wait,
          *conn ? "" : " on a new connection");
      std::this_thread::sleep_for(std::chrono::duration<double>(wait));
      continue;
    }
    // A table that failed for want of a server (not for its own sake) means the server
    // is gone: the remaining tables do not each wait as long again.
    if (IsSourceOutage(ErrorClassOf(st)) && !*conn && attempt >= retry->retries()) {
      retry->MarkSourceDown(st);
    }
    ReportTable(plan, r, st, start);
    return nullptr;
  }
}

}  // namespace pgtide::job
