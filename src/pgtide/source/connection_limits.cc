#include "pgtide/source/connection_limits.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>

namespace pgtide::source {

// Sessions of other roles show a NULL backend_type to a role without pg_read_all_stats;
// they are counted as client sessions (over-counting is the safe side). Superusers are
// bound by neither role nor database limits and may use the reserved slots.
static constexpr const char* kBudgetSql = R"sql(
SELECT r.rolname, r.rolsuper, r.rolconnlimit, d.datname, d.datconnlimit,
       current_setting('max_connections')::int,
       current_setting('superuser_reserved_connections')::int
         + coalesce(nullif(current_setting('reserved_connections', true), ''), '0')::int,
       (SELECT count(*) FROM pg_stat_activity a
         WHERE a.usesysid = r.oid AND a.backend_type = 'client backend'),
       (SELECT count(*) FROM pg_stat_activity a
         WHERE a.datid = d.oid
           AND (a.backend_type = 'client backend' OR a.backend_type IS NULL)),
       (SELECT count(*) FROM pg_stat_activity a
         WHERE a.backend_type = 'client backend'
            OR (a.backend_type IS NULL AND a.usesysid IS NOT NULL))
  FROM pg_roles r, pg_database d
 WHERE r.rolname = current_user AND d.datname = current_database()
)sql";

arrow::Result<ConnectionBudget> ReadConnectionBudget(Connection* conn) {
  ARROW_ASSIGN_OR_RAISE(auto res, conn->Exec(kBudgetSql));
  ConnectionBudget budget;
  if (res.rows() != 1) return budget;
  auto num = [&](int col) { return std::stoi(res.Text(0, col)); };
  const std::string role = res.Text(0, 0);
  const bool superuser = res.Text(0, 1) == "t";
  const std::string db = res.Text(0, 3);
  auto consider = [&](int limit, int open, std::string what) {
    if (limit < 0) return;
    const int more = std::max(0, limit - open);
    if (budget.more < 0 || more < budget.more) {
      budget.more = more;
      budget.reason = fmt::format("{}: limit {}, {} open", what, limit, open);
    }
  };
  const int max_connections = num(5);
  const int reserved = num(6);
  if (!superuser) {
    consider(num(2), num(7), fmt::format("role {} CONNECTION LIMIT", role));
    consider(num(4), num(8), fmt::format("database {} CONNECTION LIMIT", db));
    consider(max_connections - reserved, num(9),
             fmt::format("server max_connections {} less {} reserved", max_connections,
                         reserved));
  } else {
    consider(max_connections, num(9),
             fmt::format("server max_connections {}", max_connections));
  }
  return budget;
}

}  // namespace pgtide::source
