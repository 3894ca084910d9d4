#pragma once

#include <arrow/result.h>

#include <cstdint>
#include <optional>
#include <string>

#include "pgtide/source/connection.h"
#include "pgtide/source/cursor.h"

namespace pgtide::source {

/// The bounds of one table's scan, fixed just before its snapshot is taken.
///
/// Why a horizon: `now()` is a transaction's *start* time, so a transaction that began
/// before our snapshot and commits after it writes cursor values below rows we already
/// see. No transaction that is invisible to our snapshot started before the horizon (the
/// oldest transaction start among the sessions of this database, read *before* the
/// snapshot), so every row version with a cursor below the horizon is visible to us now.
/// The next run resumes at the horizon and skips the rows at or above it that this run
/// already wrote (recognised by their fingerprint).
struct ScanWindow {
  /// SQL condition on the cursor for a cdc scan; empty for a full scan.
  std::string predicate;
  /// Rows with a cursor >= this (raw PostgreSQL units) are fingerprinted for the next
  /// run; nullopt for integer cursors, whose threshold follows the highest value seen.
  std::optional<int64_t> horizon_raw;
  /// The next run's resume_from in the cursor's text form (temporal cursors only).
  std::string horizon_text;
  /// The database clock at the snapshot in cursor units: rows beyond it are
  /// "future-dated".
  std::optional<int64_t> clock_raw;
  /// Sessions whose transactions this role cannot see (needs pg_read_all_stats).
  int64_t hidden_sessions = 0;
  std::string oldest_xact_start;  // logged (debug) with the horizon it holds
};

/// What a scan of one table starts from.
struct ScanRequest {
  std::string cursor_column;  // unquoted; empty when the table has none
  CursorKind cursor_kind = CursorKind::kNone;
  /// Resume from a stored mark (cdc); false reads the whole table.
  bool incremental = false;
  /// The stored line's resume point (pgtide, inclusive) and highest value written (the
  /// original job's lines have only this one: resume strictly after it).
  std::string resume_from;
  std::string max_written;
  /// The zone of timestamp-without-time-zone cursors; empty: the server's TimeZone.
  std::string cursor_timezone;
  /// A PostgreSQL interval subtracted from the horizon; empty: none.
  std::string lookback;
};

/// Reads the horizon (outside any transaction), then opens the REPEATABLE READ
/// transaction whose snapshot the COPY will use.
arrow::Result<ScanWindow> OpenScanWindow(Connection* conn, const ScanRequest& request);

/// The integer lookback ("0" when unset) for integer cursors; error when not a number.
arrow::Result<int64_t> IntegerLookback(const std::string& lookback);

}  // namespace pgtide::source
