#pragma once

#include <memory>
#include <string>

#include "pgtide/job/table_commit.h"
#include "pgtide/lake/table_cleanup.h"
#include "pgtide/lake/table_pointer.h"
#include "pgtide/state/state_store.h"
#include "pgtide/storage/object_store.h"

namespace pgtide::job {

/// The lake as Iceberg tables (README "Lake layout" and "What pgtide guarantees"). Per
/// table: publish its data files, write a manifest and a manifest list, then the next
/// metadata, and move the table's pointer to it by compare-and-swap; only that last step
/// makes the load visible, with its mark in the snapshot's summary. If another writer
/// committed the table since this run planned it, the table's files are discarded and
/// it is reported (never a second copy of a row version). After the commit: what a full
/// load replaced is expired and deleted, and max_timestamps.csv is written as an export.
class IcebergCommit : public TableCommitTarget {
 public:
  IcebergCommit(std::shared_ptr<storage::ObjectStore> output, lake::TablePointer* pointer,
                state::StateStore* csv_export, std::string run_id,
                lake::RetentionPolicy retention)
      : output_(std::move(output)),
        pointer_(pointer),
        csv_export_(csv_export),
        run_id_(std::move(run_id)),
        retention_(retention) {}
  std::vector<arrow::Status> Commit(std::vector<TableChange>& changes) override;

 private:
  arrow::Status CommitTable(TableChange& change);

  std::shared_ptr<storage::ObjectStore> output_;
  lake::TablePointer* pointer_;
  state::StateStore* csv_export_;
  std::string run_id_;
  lake::RetentionPolicy retention_;
};

}  // namespace pgtide::job
