#include "pgtide/job/preflight.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "pgtide/common/log.h"
#include "pgtide/job/iceberg_plan.h"
#include "pgtide/job/range_split.h"
#include "pgtide/job/shard_assignment.h"
#include "pgtide/job/shard_pin.h"
#include "pgtide/job/value_checks.h"
#include "pgtide/lake/table_pointer_factory.h"

namespace pgtide::job {

arrow::Result<Preflight> RunPreflight(const RunOptions& opts, bool for_run) {
  Preflight p;
  ARROW_ASSIGN_OR_RAISE(p.conn, source::Connection::Open(opts.connect));
  if (for_run) {
    LogInfo("connected to {} (server {}, TimeZone {})", p.conn->description(),
            p.conn->server_version(), p.conn->server_timezone());
  }
  // Check every location before reading any data: a bad state file or an unwritable
  // output stops the run with nothing written.
  if (for_run || !opts.state.empty()) {
    ARROW_ASSIGN_OR_RAISE(p.state, state::StateStore::Open(opts.state, opts.s3));
    ARROW_ASSIGN_OR_RAISE(p.stored, p.state->Load());
    if (for_run) {
      LogInfo("state file {}: {} table marks", p.state->location(),
              p.stored.rows().size());
    }
  }
  if (for_run || !opts.output.empty()) {
    ARROW_ASSIGN_OR_RAISE(p.output, storage::ObjectStore::Open(opts.output, opts.s3));
    if (for_run) ARROW_RETURN_NOT_OK(p.output->CheckWritable());
    ARROW_ASSIGN_OR_RAISE(p.pointer, lake::OpenTablePointer(opts.catalog, p.output));
    if (for_run) LogInfo("table pointers: {}", p.pointer->Describe());
  }
  if (for_run && p.state) ARROW_RETURN_NOT_OK(p.state->CheckWritable());
  ARROW_ASSIGN_OR_RAISE(
      p.tables, source::DiscoverTables(p.conn.get(), opts.discover, &p.every_table));
  if (p.pointer) {
    ARROW_ASSIGN_OR_RAISE(
        p.plans, PlanFromLake(p.pointer.get(), p.stored, p.tables, opts, &p.every_table));
  } else {
    ARROW_ASSIGN_OR_RAISE(p.plans, PlanTables(p.tables, p.stored, opts, &p.every_table));
  }
  // Every value is judged before the first table, so that a mistake fails the run (exit
  // 2 or 4) instead of every table (exit 1), and `plan` reports it too.
  ARROW_RETURN_NOT_OK(CheckOptionValues(p.conn.get(), opts, p.plans));
  ARROW_RETURN_NOT_OK(CheckStoredMarks(p.conn.get(), opts, &p.plans));
  if (opts.shard_count > 0) {
    std::vector<ShardUnit> units;
    for (const auto& plan : p.plans)
      units.push_back({plan.table.qualified_name(), plan.table.estimated_bytes});
    auto shards = AssignShards(units, opts.shard_count);
    // A run keeps the shards earlier runs of this output chose (job/shard_pin.h).
    if (for_run) {
      ARROW_RETURN_NOT_OK(
          PinShardAssignment(p.output.get(), opts.shard_count, units, &shards));
    }
    for (size_t i = 0; i < p.plans.size(); ++i) p.plans[i].shard = shards[i];
    if (for_run) {
      const size_t all = p.plans.size();
      int64_t bytes = 0;
      std::vector<TablePlan> mine;
      for (auto& plan : p.plans) {
        if (plan.shard != opts.shard_index) continue;
        bytes += plan.table.estimated_bytes;
        mine.push_back(std::move(plan));
      }
      p.plans = std::move(mine);
      LogInfo("shard {} of {}: {} of {} tables (~{} bytes)", opts.shard_index,
              opts.shard_count, p.plans.size(), all, bytes);
    }
  }
  // Only this shard's tables: the catalog is asked about no other.
  ARROW_RETURN_NOT_OK(SplitLargeTables(p.conn.get(), opts, &p.plans));
  if (for_run && p.plans.empty() && opts.shard_count == 0) {
    LogWarning("no table matched: schemas {}, include {}, exclude {}",
               fmt::join(opts.discover.schemas, ","),
               fmt::join(opts.discover.include, ","),
               fmt::join(opts.discover.exclude, ","));
  }
  return p;
}

}  // namespace pgtide::job
