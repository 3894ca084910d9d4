#include "pgtide/job/range_split.h"

#include <fmt/format.h>

#include <algorithm>

#include "pgtide/common/identifiers.h"
#include "pgtide/common/log.h"

namespace pgtide::job {

std::vector<std::string> RangeConditions(const std::string& column_sql,
                                         const std::vector<std::string>& boundaries) {
  std::vector<std::string> out;
  if (boundaries.empty()) return out;
  out.push_back(fmt::format("{} < {}", column_sql, boundaries.front()));
  for (size_t i = 1; i < boundaries.size(); ++i) {
    out.push_back(fmt::format("{0} >= {1} AND {0} < {2}", column_sql, boundaries[i - 1],
                              boundaries[i]));
  }
  out.push_back(fmt::format("{} >= {}", column_sql, boundaries.back()));
  return out;
}

std::vector<int64_t> EvenBoundaries(int64_t lo, int64_t hi, int k) {
  std::vector<int64_t> out;
  if (k < 2 || hi <= lo) return out;
  // In long double: hi - lo may overflow int64.
  const long double span = static_cast<long double>(hi) - static_cast<long double>(lo);
  for (int j = 1; j < k; ++j) {
    auto b = static_cast<int64_t>(static_cast<long double>(lo) + span * j / k);
    if (b > lo && (out.empty() || b > out.back())) out.push_back(b);
  }
  return out;
}

// Parses pg_stats' histogram_bounds text "{1,5,9}" of an integer column.
static std::vector<int64_t> ParseIntArray(const std::string& text) {
  std::vector<int64_t> out;
  std::string cur;
  for (char c : text) {
    if (c == '{' || c == '}' || c == ',') {
      if (!cur.empty()) out.push_back(std::stoll(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  return out;
}

static std::string Relation(const TablePlan& plan) {
  return fmt::format("{}.{}", QuoteIdent(plan.table.schema), QuoteIdent(plan.table.name));
}

// Boundaries on the single-column integer primary key, or nothing when there is none.
static arrow::Result<std::vector<std::string>> KeyRanges(source::Connection* conn,
                                                         const TablePlan& plan, int k,
                                                         std::string* how) {
  ARROW_ASSIGN_OR_RAISE(auto key, conn->Exec(R"SQL(
    SELECT a.attname FROM pg_index i
      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
     WHERE i.indrelid = $1::oid AND i.indisprimary AND i.indnkeyatts = 1
       AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype))SQL",
                                             {std::to_string(plan.table.oid)}));
  if (key.rows() == 0) return std::vector<std::string>{};
  const std::string column = key.Text(0, 0);
  ARROW_ASSIGN_OR_RAISE(auto hist,
                        conn->Exec("SELECT coalesce(histogram_bounds::text, '') "
                                   "FROM pg_stats WHERE schemaname = $1 AND "
                                   "tablename = $2 AND attname = $3",
                                   {plan.table.schema, plan.table.name, column}));
  std::vector<int64_t> bounds;
  if (hist.rows() > 0) {
    auto h = ParseIntArray(hist.Text(0, 0));
    if (static_cast<int>(h.size()) > k) {
      // Equal-frequency buckets: the j-th k-quantile of the histogram's bounds.
      for (int j = 1; j < k; ++j) {
        int64_t b = h[static_cast<size_t>(j) * (h.size() - 1) / k];
        if (bounds.empty() || b > bounds.back()) bounds.push_back(b);
      }
      *how = fmt::format("primary key {} (histogram)", column);
    }
  }
  if (bounds.empty()) {
    ARROW_ASSIGN_OR_RAISE(
        auto mm,
        conn->Exec(fmt::format("SELECT min({0})::text, max({0})::text FROM {1}{2}",
                               QuoteIdent(column), plan.table.kind == 'p' ? "" : "ONLY ",
                               Relation(plan))));
    if (mm.rows() == 0 || mm.Text(0, 0).empty()) return std::vector<std::string>{};
    bounds = EvenBoundaries(std::stoll(mm.Text(0, 0)), std::stoll(mm.Text(0, 1)), k);
    *how = fmt::format("primary key {} (min..max)", column);
  }
  std::vector<std::string> text;
  for (auto b : bounds) text.push_back(std::to_string(b));
  return RangeConditions(QuoteIdent(column), text);
}

static std::vector<std::string> BlockRanges(const TablePlan& plan, int k) {
  std::vector<std::string> bounds;
  // relpages is 0 until the first VACUUM or ANALYZE: then the size says it.
  const int64_t pages =
      plan.table.pages > 0 ? plan.table.pages : plan.table.estimated_bytes / 8192;
  for (auto b : EvenBoundaries(0, pages, k)) bounds.push_back(fmt::format("'({},0)'", b));
  return RangeConditions("ctid", bounds);
}

arrow::Status SplitLargeTables(source::Connection* conn, const RunOptions& options,
                               std::vector<TablePlan>* plans) {
  if (options.split_larger_than_bytes <= 0 || options.split_ranges < 2) {
    return arrow::Status::OK();
  }
  for (auto& plan : *plans) {
    if (plan.table.estimated_bytes <= options.split_larger_than_bytes) continue;
    std::string how;
    ARROW_ASSIGN_OR_RAISE(plan.ranges, KeyRanges(conn, plan, options.split_ranges, &how));
    // A partitioned parent has no ctid of its own to split on (each partition's blocks
    // start at 0): it is split on its key or read whole.
    if (plan.ranges.empty() && plan.table.kind != 'p') {
      plan.ranges = BlockRanges(plan, options.split_ranges);
      how = "ctid block ranges";
    }
    if (plan.ranges.size() > 1) {
      LogInfo("table {}: {} bytes, split into {} ranges by {}",
              plan.table.qualified_name(), plan.table.estimated_bytes, plan.ranges.size(),
              how);
    } else {
      plan.ranges.clear();
    }
  }
  return arrow::Status::OK();
}

}  // namespace pgtide::job
