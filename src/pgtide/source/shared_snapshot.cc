#include "pgtide/source/shared_snapshot.h"

#include "pgtide/common/identifiers.h"

namespace pgtide::source {

arrow::Result<SharedSnapshot> ExportSnapshot(Connection* holder,
                                             const ScanRequest& probe) {
  // The scan window's own probe, as for a timestamptz cursor: its horizon is then the
  // instant itself, which each table converts to its cursor's type and zone.
  ScanRequest req = probe;
  req.cursor_kind = CursorKind::kTimestamptz;
  req.cursor_column = "";
  req.incremental = false;
  req.lookback = "";
  req.pinned = nullptr;
  ARROW_ASSIGN_OR_RAISE(ScanWindow w, OpenScanWindow(holder, req));
  // OpenScanWindow began the transaction: its first statement takes the snapshot.
  ARROW_ASSIGN_OR_RAISE(
      auto res, holder->Exec("SELECT pg_export_snapshot(), statement_timestamp()::text"));
  SharedSnapshot s;
  s.id = res.Text(0, 0);
  s.horizon = w.horizon_text;
  s.clock = res.Text(0, 1);
  return s;
}

arrow::Result<std::string> ExportOpenSnapshot(Connection* conn) {
  ARROW_ASSIGN_OR_RAISE(auto res, conn->Exec("SELECT pg_export_snapshot()"));
  return res.Text(0, 0);
}

arrow::Status ImportSnapshot(Connection* conn, const std::string& id) {
  ARROW_RETURN_NOT_OK(
      conn->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY").status());
  auto st = conn->Exec("SET TRANSACTION SNAPSHOT " + QuoteLiteral(id)).status();
  if (!st.ok()) (void)conn->Exec("ROLLBACK");
  return st;
}

}  // namespace pgtide::source
