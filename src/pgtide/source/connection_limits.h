#pragma once

#include <arrow/result.h>

#include <string>

#include "pgtide/source/connection.h"

namespace pgtide::source {

/// How many more connections the current role may open right now, as far as the
/// catalogue says: its CONNECTION LIMIT, the database's, and the server's
/// max_connections less the reserved slots and the sessions already open.
struct ConnectionBudget {
  int more = -1;  // -1: no limit applies
  std::string
      reason;  // the tightest limit, for the warning ("role etl: limit 2, 1 open")
};

/// Reads the budget over `conn` (which itself counts as open).
arrow::Result<ConnectionBudget> ReadConnectionBudget(Connection* conn);

}  // namespace pgtide::source
