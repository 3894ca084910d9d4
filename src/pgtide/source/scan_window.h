#pragma once

#include <arrow/result.h>

#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

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
///
/// Sessions of other roles whose xact_start this role may not read (no
/// pg_read_all_stats): every transaction holds a lock on its own virtual transaction id
/// for its whole life, and pg_locks is readable by every role. So the probe at time P
/// lists those sessions' vxids, waits (bounded) until they are all gone, and only then
/// takes the snapshot: every hidden transaction still running at the snapshot started
/// after P, so horizon = least(P, oldest visible xact_start) is proven for them too.
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
  /// Transactions of sessions whose start this role cannot read, which the probe waited
  /// for (0 when every session is visible: superuser or pg_read_all_stats).
  int64_t waited_transactions = 0;
  std::string oldest_xact_start;  // logged (debug) with the horizon it holds
};

struct SharedSnapshot;

/// Hidden transactions that already made a table give up waiting in this run: a later
/// table that finds one of them still open fails at once instead of waiting again.
/// Shared by the run's workers.
class StuckTransactions {
 public:
  void Add(const std::vector<std::string>& ids);
  bool AnyOf(const std::vector<std::string>& ids) const;

 private:
  mutable std::mutex mu_;
  std::set<std::string> ids_;  // "pid:vxid"
};

/// What a scan of one table starts from.
struct ScanRequest {
  std::string table;          // schema.table, for messages
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
  /// How long to wait for transactions whose start this role cannot see (--horizon-wait).
  int64_t horizon_wait_ms = 300000;
  StuckTransactions* stuck = nullptr;  // optional, shared by the run
  /// Read in this exported snapshot (--consistent) instead of one of the table's own:
  /// the horizon and clock are then the snapshot holder's, read once for every table.
  const SharedSnapshot* pinned = nullptr;
};

/// Reads the horizon (outside any transaction), waits for the hidden transactions that
/// started before it, then opens the REPEATABLE READ transaction whose snapshot the COPY
/// will use (with `request.pinned`: imports that snapshot, no probe). A wait that times
/// out is an error of class kHorizonWait; nothing is open.
arrow::Result<ScanWindow> OpenScanWindow(Connection* conn, const ScanRequest& request);

/// The integer lookback ("0" when unset) for integer cursors; error when not a number.
arrow::Result<int64_t> IntegerLookback(const std::string& lookback);

}  // namespace pgtide::source
