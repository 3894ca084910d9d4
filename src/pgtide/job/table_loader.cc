#include "pgtide/job/table_loader.h"

#include <fmt/format.h>

#include <chrono>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "pgtide/common/cancellation.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/common/identifiers.h"
#include "pgtide/common/log.h"
#include "pgtide/common/time_format.h"
#include "pgtide/iceberg/arrow_schema.h"
#include "pgtide/job/file_sweeper.h"
#include "pgtide/job/iceberg_plan.h"
#include "pgtide/job/staged_table.h"
#include "pgtide/job/writer_pipe.h"
#include "pgtide/lake/table_cleanup.h"
#include "pgtide/sink/lake_names.h"
#include "pgtide/source/copy_decoder.h"
#include "pgtide/state/next_mark.h"

namespace pgtide::job {

std::string BuildCopySql(const TablePlan& plan, const std::string& predicate) {
  std::string cols;
  for (const auto& c : plan.columns) cols += (cols.empty() ? "" : ", ") + c.select_expr;
  if (cols.empty()) cols = "NULL::int AS __pgtide_empty";
  // ONLY: a table with old-style inheritance children would otherwise also return the
  // children's rows, which are extracted as tables of their own. A partitioned table is
  // read through its parent, so it needs its partitions.
  std::string from =
      fmt::format("{}{}.{}", plan.table.kind == 'p' ? "" : "ONLY ",
                  QuoteIdent(plan.table.schema), QuoteIdent(plan.table.name));
  return fmt::format("COPY (SELECT {} FROM {}{}) TO STDOUT (FORMAT binary)", cols, from,
                     predicate.empty() ? "" : " WHERE " + predicate);
}

// Returns memory freed by the allocators (Arrow's pool, and malloc's heap, where libpq's
// copies live) to the system.
static void ReleaseFreedMemory() {
  arrow::default_memory_pool()->ReleaseUnused();
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

// Batches are cut by rows and by bytes: an eighth of the memory budget (at most 32 MiB),
// so that decoded batches, the writer's queue and its buffered rows together stay within
// the budget; a row larger than that is a batch of its own.
static int64_t MaxBatchBytes(int64_t memory_budget_bytes) {
  return std::max<int64_t>(1 << 20,
                           std::min<int64_t>(32LL << 20, memory_budget_bytes / 8));
}

arrow::Status TableLoader::Scan(source::Connection* conn, const TablePlan& plan,
                                state::BoundaryTracker* tracker,
                                PartitionedWriterPipe* pipe, ScanProgress* progress,
                                std::mutex* shared, std::atomic<bool>* abort) {
  ARROW_ASSIGN_OR_RAISE(auto decoder,
                        source::CopyDecoder::Make(plan.columns, plan.cursor_index,
                                                  arrow::default_memory_pool()));
  if (tracker && shared) {
    decoder->set_row_gate(
        [tracker, shared](int64_t cursor, bool null, const uint8_t* t, int32_t n) {
          std::lock_guard<std::mutex> lock(*shared);
          return tracker->Admit(cursor, null, t, n);
        });
  } else if (tracker) {
    decoder->set_row_gate(
        [tracker](int64_t cursor, bool null, const uint8_t* t, int32_t n) {
          return tracker->Admit(cursor, null, t, n);
        });
  }
  auto push_batch = [&](source::DecodedBatch batch) {
    if (!shared) return pipe->Push(std::move(batch));
    std::lock_guard<std::mutex> lock(*shared);
    return pipe->Push(std::move(batch));
  };
  const auto& opts = *ctx_->options;
  const int64_t batch_bytes = MaxBatchBytes(opts.writer.memory_budget_bytes);
  auto push = [&]() -> arrow::Status {
    const bool wide = decoder->pending_bytes() > batch_bytes;
    ARROW_ASSIGN_OR_RAISE(auto batch, decoder->Flush());
    ARROW_RETURN_NOT_OK(push_batch(std::move(batch)));
    // A batch past the budget is one wide row: read on only once it is written, so at
    // most one such row is in memory (plus libpq's buffer for the next message); then
    // hand the freed copies back to the system rather than keep them for small rows.
    if (wide) {
      pipe->WaitIdle();
      ReleaseFreedMemory();
    }
    return arrow::Status::OK();
  };
  while (true) {
    if (StopRequested()) {
      conn->CancelQuery();
      return InterruptedError("table " + plan.table.qualified_name());
    }
    if (abort && abort->load()) {
      conn->CancelQuery();
      return arrow::Status::Cancelled("another range of the table failed");
    }
    const char* data = nullptr;
    ARROW_ASSIGN_OR_RAISE(int n, conn->ReadCopyMessage(&data));
    if (n == 0) break;
    arrow::Status st;
    // A wide row goes in a batch of its own, decoded once the writer is idle.
    if (n > batch_bytes && decoder->pending_rows() > 0) st = push();
    if (st.ok() && n > batch_bytes) pipe->WaitIdle();
    if (!st.ok()) {
      conn->CancelQuery();
      return st;
    }
    const int64_t rows_before = decoder->pending_rows();
    auto more = decoder->Consume(reinterpret_cast<const uint8_t*>(data), n);
    conn->ReleaseCopyMessage();  // decoded: libpq's copy is not needed any more
    if (!more.ok()) {
      conn->CancelQuery();
      return arrow::Status::Invalid(fmt::format(
          "table {}: {}", plan.table.qualified_name(), more.status().message()));
    }
    if (progress) {
      progress->rows.fetch_add(decoder->pending_rows() - rows_before,
                               std::memory_order_relaxed);
      progress->bytes.fetch_add(n, std::memory_order_relaxed);
    }
    if (decoder->pending_rows() >= opts.batch_rows ||
        decoder->pending_bytes() >= batch_bytes) {
      st = push();
      if (!st.ok()) {
        conn->CancelQuery();
        return st;
      }
    }
  }
  ARROW_ASSIGN_OR_RAISE(auto last, decoder->Flush());
  ARROW_RETURN_NOT_OK(push_batch(std::move(last)));
  if (progress) progress->scanned = true;
  return arrow::Status::OK();
}

const char* TableStatusName(TableStatus s) {
  switch (s) {
    case TableStatus::kOk:
      return "ok";
    case TableStatus::kFailed:
      return "failed";
    case TableStatus::kInterrupted:
      return "interrupted";
    case TableStatus::kLocked:
      return "locked";
    default:
      return "pending";
  }
}

arrow::Result<std::unique_ptr<StagedTable>> TableLoader::Stage(const TablePlan& plan,
                                                               TableResult* r,
                                                               ScanProgress* progress) {
  auto staged = std::make_unique<StagedTable>();
  staged->start = std::chrono::steady_clock::now();
  staged->plan = &plan;
  staged->result = r;
  staged->change.table = plan.table.qualified_name();
  staged->change.plan = &plan;
  r->table = plan.table.qualified_name();
  r->mode = LoadTypeName(plan.mode);
  r->reason = plan.reason;
  if (plan.stored) r->old_mark = plan.stored->max_updated_at;
  for (const auto& w : plan.warnings) LogWarning("{}", w);

  arrow::Status st = StageSteps(plan, r, staged.get(), progress);
  // Whatever failed once a stop was asked for (a COPY cancelled by the signal, say)
  // failed because of it.
  if (!st.ok() && StopRequested() && ErrorClassOf(st) != ErrorClass::kInterrupted)
    st = InterruptedError("table " + plan.table.qualified_name());
  if (!st.ok()) {
    // Its staged files are discarded: a retry starts the table from scratch.
    if (staged->pipe) staged->pipe->Abort();
    return st;
  }
  return staged;
}

arrow::Status TableLoader::StageSteps(const TablePlan& plan, TableResult* r,
                                      StagedTable* staged, ScanProgress* progress) {
  const std::string name = plan.table.qualified_name();
  const auto& opts = *ctx_->options;
  if (StopRequested()) return InterruptedError("table " + name);
  // 1. Sweep what no commit accounts for. With Iceberg metadata, the snapshots say what
  // is committed (lake/table_cleanup.h); a lake without it yet is swept by its state
  // line, as before Iceberg, and its files are taken into the first snapshot.
  std::vector<std::string> existing;
  if (plan.lake_base) {
    const auto ident = IcebergIdentOf(plan);
    // Completes the clean-up of a full load whose run died before it.
    ARROW_ASSIGN_OR_RAISE(auto current,
                          lake::ExpireSnapshots(ctx_->output.get(), ctx_->pointer, ident,
                                                plan.lake_base, opts.retention));
    ARROW_RETURN_NOT_OK(lake::DeleteOrphanFiles(ctx_->output.get(), ident, current,
                                                opts.retention, lake::TableLock::kHeld)
                            .status());
  } else {
    int deleted = 0;
    ARROW_ASSIGN_OR_RAISE(
        existing, SweepTableFolder(ctx_->output.get(), plan.table_dir,
                                   plan.stored ? plan.stored->committed_run : "",
                                   plan.stored ? plan.stored->full_run : "", &deleted));
  }

  // 2. Horizon, then the snapshot.
  source::ScanRequest request;
  request.cursor_column = plan.cursor_index >= 0 ? plan.cursor_column : "";
  request.cursor_kind = plan.cursor_kind;
  request.incremental = plan.mode == LoadType::kCdc;
  if (plan.stored) {
    request.resume_from = plan.stored->resume_from;
    request.max_written = plan.stored->max_updated_at;
  }
  request.cursor_timezone = opts.cursor_timezone;
  request.lookback = opts.lookback;
  request.table = name;
  request.horizon_wait_ms = opts.horizon_wait_ms;
  request.stuck = &ctx_->stuck_transactions;
  request.pinned = ctx_->run_snapshot;
  ARROW_ASSIGN_OR_RAISE(source::ScanWindow window,
                        source::OpenScanWindow(conn_, request));
  if (!window.oldest_xact_start.empty()) {
    LogDebug("table {}: horizon {} (oldest open transaction started {})", name,
             window.horizon_text, window.oldest_xact_start);
  }
  std::unique_ptr<state::BoundaryTracker> tracker;
  if (plan.cursor_index >= 0) {
    std::vector<RowHash> previous;
    if (plan.mode == LoadType::kCdc && plan.stored) previous = plan.stored->boundary;
    int64_t lookback = 0;
    if (plan.cursor_kind == CursorKind::kInteger) {
      ARROW_ASSIGN_OR_RAISE(lookback, source::IntegerLookback(opts.lookback));
    }
    tracker = std::make_unique<state::BoundaryTracker>(previous, window.horizon_raw,
                                                       lookback, window.clock_raw);
  }

  // 3. Scan into the writer (one COPY, or one per range in the same snapshot).
  if (StopRequested()) {
    (void)conn_->Exec("ROLLBACK");
    return InterruptedError("table " + name);
  }
  if (plan.ranges.size() <= 1) {
    std::string sql = BuildCopySql(plan, window.predicate);
    LogDebug("table {}: {}", name, sql);
    auto started = conn_->StartCopyOut(sql);
    if (!started.ok()) {
      (void)conn_->Exec("ROLLBACK");
      return started;
    }
  }
  arrow::FieldVector fields;
  for (const auto& c : plan.columns) fields.push_back(c.field);
  // Every file carries the Iceberg field ids (PARQUET:field_id).
  ARROW_ASSIGN_OR_RAISE(auto file_schema,
                        iceberg::WithFieldIds(arrow::Schema(fields), plan.lake_schema));
  ARROW_ASSIGN_OR_RAISE(auto writer,
                        sink::PartitionedWriter::Make(
                            ctx_->output, plan.table_dir, file_schema, plan.partitioning,
                            sink::FilePrefix(ctx_->run_id), opts.writer));
  staged->pipe = std::make_unique<PartitionedWriterPipe>(
      std::move(writer), plan.partitioning, opts.writer.memory_budget_bytes / 4);
  auto scanned = plan.ranges.size() <= 1
                     ? Scan(conn_, plan, tracker.get(), staged->pipe.get(), progress)
                     : ScanRanges(plan, window.predicate, tracker.get(),
                                  staged->pipe.get(), progress);
  (void)conn_->Exec(scanned.ok() ? "COMMIT" : "ROLLBACK");
  ARROW_RETURN_NOT_OK(scanned);

  // 4. The next state line, and what a full load replaces (deleted after its commit).
  ARROW_RETURN_NOT_OK(DecideNextLine(plan, window, tracker.get(),
                                     staged->pipe->rows_pushed(), r, staged));
  // A lake not yet in Iceberg: its committed files are replaced by a full load, or
  // taken into the first snapshot by a cdc load.
  for (auto& f : existing) {
    if (sink::RunIdOfFile(f) == ctx_->run_id) continue;
    if (plan.mode == LoadType::kFull) {
      staged->change.superseded.push_back(std::move(f));
    } else {
      staged->change.adopted.push_back(std::move(f));
    }
  }
  return arrow::Status::OK();
}

arrow::Status TableLoader::DecideNextLine(const TablePlan& plan,
                                          const source::ScanWindow& window,
                                          state::BoundaryTracker* tracker, int64_t rows,
                                          TableResult* r, StagedTable* staged) {
  const std::string name = plan.table.qualified_name();
  state::MarkInputs in;
  in.table_name = name;
  in.run_id = ctx_->run_id;
  in.now_iso = FormatIsoMicros(NowMicros());
  in.has_cursor = plan.cursor_index >= 0;
  in.full_load = plan.mode == LoadType::kFull;
  in.cursor_column = plan.cursor_column;
  in.cursor_kind = plan.cursor_kind;
  in.stored = plan.stored ? &*plan.stored : nullptr;
  in.rows_written = rows;
  in.horizon_text = window.horizon_text;
  if (tracker) {
    r->skipped_rows = tracker->skipped();
    r->future_rows = tracker->future_rows();
    if (tracker->future_rows() > 0) {
      LogWarning(
          "table {}: {} row(s) have a cursor beyond the database clock (up to {}); "
          "they are written now, recognised and not written again, and the mark "
          "stays at the clock",
          name, tracker->future_rows(),
          source::FormatCursor(plan.cursor_kind, *tracker->max_future()));
    }
    in.max_written = tracker->max_written();
    in.boundary = tracker->TakeBoundary();
    in.final_threshold = tracker->final_threshold();
  }
  if (plan.resume_ahead && plan.stored && !in.full_load && IsTemporal(plan.cursor_kind)) {
    // The stored point (resume_from, or the original job's exclusive max_updated_at).
    const auto& st = *plan.stored;
    const std::string& point =
        st.resume_from.empty() ? st.max_updated_at : st.resume_from;
    ARROW_ASSIGN_OR_RAISE(
        auto ahead, conn_->Exec(fmt::format("SELECT ($1::{0} > $2::{0})::text",
                                            source::CursorSqlType(plan.cursor_kind)),
                                {point, window.horizon_text}));
    in.keep_resume_point = ahead.Text(0, 0) == "true";
  }
  auto greatest = [this](const std::string& type, const std::string& a,
                         const std::string& b) -> arrow::Result<std::string> {
    ARROW_ASSIGN_OR_RAISE(
        auto g, conn_->Exec(fmt::format("SELECT greatest($1::{0}, $2::{0})::text", type),
                            {a, b}));
    return g.Text(0, 0);
  };
  ARROW_ASSIGN_OR_RAISE(staged->change.line, state::NextStateLine(in, greatest));
  if (staged->change.line && plan.stored && plan.stored->table_name != name) {
    staged->change.line->replaces = plan.stored->table_name;  // the original job's form
  }
  if (staged->change.line) {
    if (in.has_cursor) {
      r->new_mark = staged->change.line->max_updated_at;
      r->resume_from = staged->change.line->resume_from;
    }
  } else {
    r->new_mark = r->old_mark;  // nothing new: the line stays exactly as it was
  }
  return arrow::Status::OK();
}

void ReportTable(const TablePlan& plan, TableResult* r, const arrow::Status& st,
                 std::chrono::steady_clock::time_point start) {
  const std::string name = plan.table.qualified_name();
  r->seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (st.ok()) {
    r->status = TableStatus::kOk;
    LogInfo(
        "table {}: {} load wrote {} rows in {} files ({} bytes) in {:.2f}s; mark {} -> "
        "{}",
        name, r->mode, r->rows, r->files, r->bytes, r->seconds,
        r->old_mark.empty() ? "(none)" : r->old_mark,
        r->new_mark.empty() ? "(none)" : r->new_mark);
  } else if (StopRequested() && ErrorClassOf(st) == ErrorClass::kInterrupted) {
    r->status = TableStatus::kInterrupted;
    r->error = st.message();
    r->error_class = ErrorClass::kInterrupted;
    r->new_mark.clear();
    r->resume_from.clear();
    LogWarning(
        "table {} was not committed: {}\nDETAIL: its files were removed and its state "
        "line was not changed; the next run loads it",
        name, st.message());
  } else {
    r->status = TableStatus::kFailed;
    r->error = st.message();
    r->error_class = ErrorClassOf(st);
    r->new_mark.clear();  // not advanced
    r->resume_from.clear();
    LogError(
        "table {} failed: {}\nDETAIL: its state line was not changed; the next run "
        "retries it",
        name, st.message());
  }
}

}  // namespace pgtide::job
