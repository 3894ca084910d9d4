#pragma once

#include <arrow/result.h>

#include <string>

#include "pgtide/source/connection.h"
#include "pgtide/source/scan_window.h"

namespace pgtide::source {

/// A snapshot exported by a holding connection whose REPEATABLE READ transaction stays
/// open, with the horizon that was read for it: every reader that imports it sees the
/// same rows, so the horizon and the "future-dated" clock are the holder's for all of
/// them (source/scan_window.h explains the horizon).
struct SharedSnapshot {
  std::string id;       // pg_export_snapshot()
  std::string horizon;  // timestamptz text: no invisible transaction started before it
  std::string clock;    // timestamptz text: statement_timestamp() at the snapshot
};

/// Reads the horizon on `holder` (waiting, like a table's scan, for transactions whose
/// start this role cannot read), then opens the holder's REPEATABLE READ transaction and
/// exports its snapshot. The transaction stays open until the holder is closed or
/// rolled back: that is what keeps the snapshot importable (and VACUUM held back).
arrow::Result<SharedSnapshot> ExportSnapshot(Connection* holder,
                                             const ScanRequest& probe);

/// Exports the snapshot of the REPEATABLE READ transaction already open on `conn`.
arrow::Result<std::string> ExportOpenSnapshot(Connection* conn);

/// Opens a REPEATABLE READ, READ ONLY transaction on `conn` in snapshot `id`.
arrow::Status ImportSnapshot(Connection* conn, const std::string& id);

}  // namespace pgtide::source
