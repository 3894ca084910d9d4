#include "pgtide/job/iceberg_commit.h"

#include <fmt/format.h>

#include <set>

#include "pgtide/common/error_catalogue.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/common/log.h"
#include "pgtide/common/parallel_for.h"
#include "pgtide/job/iceberg_plan.h"
#include "pgtide/job/snapshot_writer.h"
#include "pgtide/job/table_plan.h"
#include "pgtide/lake/table_cleanup.h"
#include "pgtide/lake/table_files.h"

namespace pgtide::job {

namespace {

constexpr int kMaxSwapAttempts = 10;

std::optional<int64_t> SnapshotOf(const std::optional<lake::PointerState>& p) {
  return p ? p->metadata.current_snapshot_id : std::nullopt;
}

// Whether every snapshot committed after `base` is a compaction ("replace": the same
// rows, the same mark), on top of which this load may still go.
bool OnlyCompactedSince(const std::optional<lake::PointerState>& current,
                        std::optional<int64_t> base) {
  if (!current) return !base;
  const auto& m = current->metadata;
  for (const iceberg::Snapshot* s = m.current_snapshot(); s;
       s = s->parent_snapshot_id ? m.FindSnapshot(*s->parent_snapshot_id) : nullptr) {
    if (base && s->snapshot_id == *base) return true;
    if (s->operation() != "replace") return false;
    // A compaction expires the snapshots before it, the base among them.
    if (base && s->parent_snapshot_id == *base) return true;
  }
  return !base;
}

std::string SnapshotText(std::optional<int64_t> id) {
  return id ? std::to_string(*id) : "none";
}

}  // namespace

std::vector<arrow::Status> IcebergCommit::Commit(std::vector<TableChange>& changes) {
  const size_t n = changes.size();
  std::vector<arrow::Status> status(n);
  // 1. Publish the files of the whole group at once (streamed S3 files are in place).
  std::vector<storage::StagedFile> files;
  std::vector<size_t> owner;
  for (size_t i = 0; i < n; ++i) {
    for (const auto& f : changes[i].files) {
      files.push_back(f);
      owner.push_back(i);
    }
  }
  auto published = storage::PublishFiles(output_.get(), files);
  for (size_t k = 0; k < files.size(); ++k) {
    if (!published[k].ok() && status[owner[k]].ok()) status[owner[k]] = published[k];
  }
  // 2. One snapshot per table; tables side by side where the pointer allows it (200
  // small tables otherwise waited on each other's fsyncs, one table at a time).
  ParallelFor(n, pointer_->max_concurrent_commits(), [&](size_t i) {
    if (!status[i].ok()) return;
    try {
      status[i] = CommitTable(changes[i]);
    } catch (const std::exception& e) {
      status[i] = Error(ExitCode::kInternal, e.what());
    }
  });
  // 3. The original job's max_timestamps.csv, as an export of the committed marks. It
  // governs nothing any more, so a failure to write it is a warning, not a lost load.
  std::vector<state::TableState> lines;
  for (size_t i = 0; i < n; ++i) {
    if (status[i].ok() && changes[i].line) lines.push_back(*changes[i].line);
  }
  if (!lines.empty() && csv_export_) {
    arrow::Status st;
    try {
      st = csv_export_->Commit(lines);
    } catch (const std::exception& e) {
      st = Error(ExitCode::kInternal, e.what());
    }
    if (!st.ok()) {
      LogWarning(
          "{} table(s) committed, but their lines in {} were not written: {}\nDETAIL: "
          "the marks are in the tables' Iceberg snapshots; the next commit writes the "
          "file again",
          lines.size(), csv_export_->location(), st.message());
    }
  }
  return status;
}

arrow::Status IcebergCommit::CommitTable(TableChange& change) {
  const TablePlan& plan = *change.plan;
  const std::string name = plan.table.qualified_name();
  // A cdc run that found nothing new leaves the table exactly as it was.
  if (change.files.empty() && !change.line && change.adopted.empty())
    return arrow::Status::OK();
  const lake::TableIdent ident = IcebergIdentOf(plan);
  const auto base_snapshot = SnapshotOf(plan.lake_base);
  std::optional<lake::PointerState> current = plan.lake_base;
  auto discard = [&](const std::vector<std::string>& metadata_files) {
    for (const auto& f : change.files) ARROW_UNUSED(output_->DeleteFile(f.file.rel_path));
    for (const auto& f : metadata_files) ARROW_UNUSED(output_->DeleteFile(f));
  };
  for (int attempt = 0; attempt < kMaxSwapAttempts; ++attempt) {
    auto next = WriteNextSnapshot(output_.get(), change, current, run_id_);
    if (!next.ok()) {
      discard({});
      return next.status();
    }
    auto swapped = pointer_->Swap(ident, current, next->metadata);
    if (!swapped.ok()) {
      // The outcome is unknown only for a catalog that timed out after the request was
      // sent; then the files stay for the next run to commit or clean.
      return swapped.status();
    }
    if (*swapped == lake::SwapOutcome::kSwapped) {
      if (!next->replaced.empty()) {
        // A full load: the snapshots before it go, then the files only they read.
        ARROW_ASSIGN_OR_RAISE(auto now, pointer_->Load(ident));
        ARROW_ASSIGN_OR_RAISE(
            now, lake::ExpireSnapshots(output_.get(), pointer_, ident, now, retention_));
        ARROW_RETURN_NOT_OK(
            lake::DeleteReplacedFiles(output_.get(), now, next->replaced));
      }
      return arrow::Status::OK();
    }
    // Lost the compare-and-swap: someone else wrote the table's metadata.
    for (const auto& f : next->written) ARROW_UNUSED(output_->DeleteFile(f));
    ARROW_ASSIGN_OR_RAISE(current, pointer_->Load(ident));
    if (SnapshotOf(current) != base_snapshot &&
        !OnlyCompactedSince(current, base_snapshot)) {
      discard({});
      return Error(
          ErrorClass::kCommitConflict,
          fmt::format("table {}: another writer committed it (snapshot {} -> {}) "
                      "after this run read it; this run's {} file(s) for it were "
                      "discarded, so no row version is written twice",
                      name, SnapshotText(base_snapshot),
                      SnapshotText(SnapshotOf(current)), change.files.size()));
    }
    // Same rows and mark, new metadata (a maintenance commit): build again on top of it.
  }
  discard({});
  return Error(
      ErrorClass::kCommitConflict,
      fmt::format("table {}: its metadata kept changing under {} commit attempts; "
                  "not committed",
                  name, kMaxSwapAttempts));
}

}  // namespace pgtide::job
