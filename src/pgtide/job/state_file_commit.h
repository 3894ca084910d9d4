#pragma once

#include <memory>

#include "pgtide/job/table_commit.h"
#include "pgtide/state/state_store.h"
#include "pgtide/storage/object_store.h"

namespace pgtide::job {

/// The lake as folders of Parquet plus max_timestamps.csv: publish every file of every
/// table of the group (in parallel), then write the lines of the tables whose files are
/// all out in one replace of the state file, then delete what committed full loads
/// superseded. No line is written before every file of its table is published.
class StateFileCommit : public TableCommitTarget {
 public:
  StateFileCommit(std::shared_ptr<storage::ObjectStore> output, state::StateStore* state)
      : output_(std::move(output)), state_(state) {}
  std::vector<arrow::Status> Commit(std::vector<TableChange>& changes) override;

 private:
  std::shared_ptr<storage::ObjectStore> output_;
  state::StateStore* state_;
};

}  // namespace pgtide::job
