#include "pgtide/job/table_loader.h"

#include <fmt/format.h>

#include <chrono>

#include "pgtide/common/exit_code.h"
#include "pgtide/common/identifiers.h"
#include "pgtide/common/log.h"
#include "pgtide/common/time_format.h"
#include "pgtide/job/boundary_tracker.h"
#include "pgtide/job/file_sweeper.h"
#include "pgtide/job/scan_window.h"
#include "pgtide/job/staged_table.h"
#include "pgtide/job/writer_pipe.h"
#include "pgtide/source/copy_decoder.h"

namespace pgtide::job {

std::string BuildCopySql(const TablePlan& plan, const std::string& predicate) {
  std::string cols;
  for (const auto& c : plan.columns) cols += (cols.empty() ? "" : ", ") + c.select_expr;
  if (cols.empty()) cols = "NULL::int AS __pgtide_empty";
  // ONLY: a table with old-style inheritance children would otherwise also return the
  // children's rows, which are extracted as tables of their own. A partitioned table is
  // read through its parent, so it needs its partitions.
  std::string from = fmt::format("{}{}.{}", plan.table.kind == 'p' ? "" : "ONLY ",
                                 QuoteIdent(plan.table.schema), QuoteIdent(plan.table.name));
  return fmt::format("COPY (SELECT {} FROM {}{}) TO STDOUT (FORMAT binary)", cols, from,
                     predicate.empty() ? "" : " WHERE " + predicate);
}

std::string FormatCursor(CursorKind kind, int64_t raw) {
  switch (kind) {
    case CursorKind::kTimestamptz:
    case CursorKind::kTimestamp:
      if (raw == INT64_MAX) return "infinity";
      if (raw == INT64_MIN) return "-infinity";
      return FormatPgTimestamp(raw + kPgEpochShiftMicros, kind == CursorKind::kTimestamptz);
    case CursorKind::kDate:
      if (raw == INT32_MAX) return "infinity";
      if (raw == INT32_MIN) return "-infinity";
      return FormatDate(raw + kPgEpochShiftDays);
    default: return std::to_string(raw);
  }
}

arrow::Status TableLoader::Scan(const TablePlan& plan, BoundaryTracker* tracker,
                                PartitionedWriterPipe* pipe,
                                std::atomic<int64_t>* progress_rows) {
  ARROW_ASSIGN_OR_RAISE(auto decoder,
                        source::CopyDecoder::Make(plan.columns, plan.cursor_index,
                                                  arrow::default_memory_pool()));
  if (tracker) {
    decoder->set_row_gate([tracker](int64_t cursor, bool null, const uint8_t* t, int32_t n) {
      return tracker->Admit(cursor, null, t, n);
    });
  }
  const auto& opts = *ctx_->options;
  // Batches are cut by rows and by bytes, so wide rows (large text, bytea) stay bounded.
  constexpr int64_t kMaxBatchBytes = 32LL << 20;
  while (true) {
    const char* data = nullptr;
    ARROW_ASSIGN_OR_RAISE(int n, conn_->ReadCopyMessage(&data));
    if (n == 0) break;
    auto more = decoder->Consume(reinterpret_cast<const uint8_t*>(data), n);
    if (!more.ok()) {
      conn_->CancelQuery();
      return arrow::Status::Invalid(fmt::format("table {}: {}", plan.table.qualified_name(),
                                                more.status().message()));
    }
    if (decoder->pending_rows() >= opts.batch_rows || decoder->pending_bytes() >= kMaxBatchBytes) {
      if (progress_rows) *progress_rows += decoder->pending_rows();
      ARROW_ASSIGN_OR_RAISE(auto batch, decoder->Flush());
      auto st = pipe->Push(std::move(batch));
      if (!st.ok()) {
        conn_->CancelQuery();
        return st;
      }
    }
  }
  if (progress_rows) *progress_rows += decoder->pending_rows();
  ARROW_ASSIGN_OR_RAISE(auto last, decoder->Flush());
  return pipe->Push(std::move(last));
}

arrow::Result<std::unique_ptr<StagedTable>> TableLoader::Stage(
    const TablePlan& plan, TableResult* r, std::atomic<int64_t>* progress_rows) {
  auto staged = std::make_unique<StagedTable>();
  staged->start = std::chrono::steady_clock::now();
  staged->plan = &plan;
  staged->result = r;
  const std::string name = plan.table.qualified_name();
  const auto& opts = *ctx_->options;
  r->table = name;
  r->mode = LoadTypeName(plan.mode);
  r->reason = plan.reason;
  if (plan.stored) r->old_mark = plan.stored->max_updated_at;
  for (const auto& w : plan.warnings) LogWarning("{}", w);

  auto st = [&]() -> arrow::Status {
    // 1. Sweep what no commit accounts for.
    int deleted = 0;
    std::string committed = plan.stored ? plan.stored->committed_run : "";
    std::string full_run = plan.stored ? plan.stored->full_run : "";
    ARROW_ASSIGN_OR_RAISE(auto existing, SweepTableFolder(ctx_->output.get(), plan.table_dir,
                                                          committed, full_run, &deleted));
    // 2. Horizon, snapshot, scan.
    ARROW_ASSIGN_OR_RAISE(ScanWindow window, OpenScanWindow(conn_, plan, opts));
    if (window.hidden_sessions > 0) {
      LogWarning("table {}: {} session(s) of other roles hide their transaction start from "
                 "this role, so rows they commit late may be missed. HINT: GRANT "
                 "pg_read_all_stats TO the pgtide role", name, window.hidden_sessions);
    }
    std::unique_ptr<BoundaryTracker> tracker;
    if (plan.cursor_index >= 0) {
      std::vector<RowHash> previous;
      if (plan.mode == LoadType::kCdc && plan.stored) previous = plan.stored->boundary;
      int64_t lookback = 0;
      if (plan.cursor_kind == CursorKind::kInteger) {
        ARROW_ASSIGN_OR_RAISE(lookback, IntegerLookback(opts.lookback));
      }
      tracker = std::make_unique<BoundaryTracker>(previous, window.horizon_raw, lookback,
                                                  window.clock_raw);
    }
    std::string sql = BuildCopySql(plan, window.predicate);
    LogDebug("table {}: {}", name, sql);
    ARROW_RETURN_NOT_OK(conn_->StartCopyOut(sql));

    arrow::FieldVector fields;
    for (const auto& c : plan.columns) fields.push_back(c.field);
    ARROW_ASSIGN_OR_RAISE(auto writer, sink::PartitionedWriter::Make(
                                           ctx_->output, plan.table_dir, arrow::schema(fields),
                                           plan.partitioning, FilePrefix(ctx_->run_id),
                                           opts.writer));
    staged->pipe = std::make_unique<PartitionedWriterPipe>(std::move(writer));
    auto scanned = Scan(plan, tracker.get(), staged->pipe.get(), progress_rows);
    (void)conn_->Exec(scanned.ok() ? "COMMIT" : "ROLLBACK");
    ARROW_RETURN_NOT_OK(scanned);
    const int64_t rows = staged->pipe->rows_pushed();
    if (tracker) {
      r->skipped_rows = tracker->skipped();
      r->future_rows = tracker->future_rows();
      if (tracker->future_rows() > 0) {
        LogWarning("table {}: {} row(s) have a cursor beyond the database clock (up to {}); "
                   "they are written now, recognised and not written again, and the mark "
                   "stays at the clock", name, tracker->future_rows(),
                   FormatCursor(plan.cursor_kind, *tracker->max_future()));
      }
    }
    // 3. The table's next state line, written by the committer once its files are out.
    if (plan.cursor_index < 0) {
      // No cursor: nothing to resume from, but the full_run marks older files superseded.
      state::TableState s;
      s.table_name = name;
      s.committed_run = ctx_->run_id;
      s.full_run = ctx_->run_id;
      s.updated_at = FormatIsoMicros(NowMicros());
      staged->line = std::move(s);
    } else if (plan.mode == LoadType::kFull || rows > 0) {
      state::TableState s;
      s.table_name = name;
      s.cursor_column = plan.cursor_column;
      s.committed_run = ctx_->run_id;
      s.full_run = plan.mode == LoadType::kFull ? ctx_->run_id : full_run;
      s.max_updated_at = plan.mode == LoadType::kCdc ? plan.stored->max_updated_at : "";
      if (auto m = tracker->max_written()) {
        s.max_updated_at = FormatCursor(plan.cursor_kind, *m);
        // Late commits can land below the previous maximum: keep the higher one, compared
        // by PostgreSQL itself so any format of an older line is understood.
        if (plan.mode == LoadType::kCdc && !r->old_mark.empty()) {
          std::string type = plan.cursor_kind == CursorKind::kInteger ? "bigint"
                             : plan.cursor_kind == CursorKind::kDate  ? "date"
                             : plan.cursor_kind == CursorKind::kTimestamp ? "timestamp"
                                                                          : "timestamptz";
          ARROW_ASSIGN_OR_RAISE(
              auto g, conn_->Exec(fmt::format("SELECT greatest($1::{0}, $2::{0})::text", type),
                                  {r->old_mark, s.max_updated_at}));
          s.max_updated_at = source::GetText(g.get(), 0, 0);
        }
      }
      s.boundary = tracker->TakeBoundary();
      if (plan.cursor_kind == CursorKind::kInteger) {
        auto t = tracker->final_threshold();
        s.resume_from = t ? std::to_string(*t)
                          : (plan.stored ? plan.stored->resume_from : "");
      } else {
        s.resume_from = window.horizon_text;
      }
      s.updated_at = FormatIsoMicros(NowMicros());
      r->new_mark = s.max_updated_at;
      r->resume_from = s.resume_from;
      staged->line = std::move(s);
    } else {
      r->new_mark = r->old_mark;  // nothing new: the line stays exactly as it was
    }
    // 4. A full load replaces the table: the files it supersedes go after its commit.
    if (plan.mode == LoadType::kFull) {
      for (auto& f : existing) {
        if (RunIdOfFile(f) < ctx_->run_id) staged->superseded.push_back(std::move(f));
      }
    }
    return arrow::Status::OK();
  }();
  if (!st.ok()) {
    if (staged->pipe) staged->pipe->Abort();
    ReportTable(plan, r, st, staged->start);
    return st;
  }
  return staged;
}

void ReportTable(const TablePlan& plan, TableResult* r, const arrow::Status& st,
                 std::chrono::steady_clock::time_point start) {
  const std::string name = plan.table.qualified_name();
  r->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (st.ok()) {
    r->status = "ok";
    LogInfo("table {}: {} load wrote {} rows in {} files ({} bytes) in {:.2f}s; mark {} -> {}",
            name, r->mode, r->rows, r->files, r->bytes, r->seconds,
            r->old_mark.empty() ? "(none)" : r->old_mark,
            r->new_mark.empty() ? "(none)" : r->new_mark);
  } else {
    r->status = "failed";
    r->error = st.message();
    r->exit_code = static_cast<int>(ExitCodeOf(st));
    r->new_mark.clear();  // not advanced
    r->resume_from.clear();
    LogError("table {} failed: {}\nDETAIL: its state line was not changed; the next run "
             "retries it", name, st.message());
  }
}

}  // namespace pgtide::job
