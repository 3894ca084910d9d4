#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

#include "pgtide/source/connection.h"

namespace pgtide::job {

/// `jobs`, lowered (with a warning) to the connections the role, the database and the
/// server still allow, counting `conn` as the first worker's.
int CapWorkersToConnectionBudget(source::Connection* conn, int jobs);

/// The tables still to load, shared by the workers. A worker that gives way (the server
/// has no slot for its connection) hands its table back — unless it is the last worker
/// still taking tables, which then carries on alone.
class TableQueue {
 public:
  TableQueue(size_t tables, int workers);
  /// The next table, or none: the calling worker is then done.
  std::optional<size_t> Next();
  /// Returns `table` to the queue and retires the caller; false if it is the last one.
  bool GiveWay(size_t table);

 private:
  std::mutex mu_;
  std::deque<size_t> pending_;
  int active_;
};

}  // namespace pgtide::job
