#include "pgtide/job/worker_budget.h"

#include "pgtide/common/log.h"
#include "pgtide/source/connection_limits.h"

namespace pgtide::job {

int CapWorkersToConnectionBudget(source::Connection* conn, int jobs) {
  if (conn == nullptr || jobs <= 1) return jobs;
  auto budget = source::ReadConnectionBudget(conn);
  if (!budget.ok()) {
    LogDebug("could not read the connection limits: {}", budget.status().message());
    return jobs;
  }
  const int allowed = budget->more < 0 ? jobs : 1 + budget->more;
  if (allowed >= jobs) return jobs;
  LogWarning("--jobs {} lowered to {}: PostgreSQL allows no more connections ({})", jobs,
             std::max(1, allowed), budget->reason);
  return std::max(1, allowed);
}

TableQueue::TableQueue(size_t tables, int workers) : active_(workers) {
  for (size_t i = 0; i < tables; ++i) pending_.push_back(i);
}

std::optional<size_t> TableQueue::Next() {
  std::lock_guard<std::mutex> lock(mu_);
  if (pending_.empty()) {
    --active_;
    return std::nullopt;
  }
  size_t next = pending_.front();
  pending_.pop_front();
  return next;
}

bool TableQueue::GiveWay(size_t table) {
  std::lock_guard<std::mutex> lock(mu_);
  if (active_ <= 1) return false;
  --active_;
  pending_.push_front(table);
  return true;
}

}  // namespace pgtide::job
