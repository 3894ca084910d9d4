#include "pgtide/source/table_filter.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cctype>

#include "pgtide/common/exit_code.h"
#include "pgtide/common/identifiers.h"
#include "pgtide/common/near_match.h"

namespace pgtide::source {

static bool HasSchema(const std::string& pattern) {
  bool quoted = false;
  for (char c : pattern) {
    if (c == '"') quoted = !quoted;
    if (c == '.' && !quoted) return true;
  }
  return false;
}

/// A schema-less pattern as PostgreSQL reads an identifier: "Quoted" kept, else folded.
static std::string FoldName(const std::string& pattern) {
  if (pattern.size() >= 2 && pattern.front() == '"' && pattern.back() == '"') {
    std::string out;
    for (size_t i = 1; i + 1 < pattern.size(); ++i) {
      out += pattern[i];
      if (pattern[i] == '"' && pattern[i + 1] == '"') ++i;
    }
    return out;
  }
  std::string out = pattern;
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool PatternMatches(const std::string& pattern, const TableName& t) {
  if (!HasSchema(pattern)) return GlobMatch(FoldName(pattern), t.name);
  return GlobMatch(pattern, t.schema + "." + t.name) ||
         GlobMatch(pattern, TableKey(t.schema, t.name));
}

static arrow::Status NoMatch(const char* flag, const std::string& pattern,
                             const std::vector<TableName>& all,
                             const DiscoverOptions& options) {
  std::vector<std::string> candidates;
  const bool bare = !HasSchema(pattern);
  for (const auto& t : all)
    candidates.push_back(bare ? t.name : TableKey(t.schema, t.name));
  std::string near = DidYouMean(bare ? FoldName(pattern) : pattern, candidates);
  if (near.empty() && bare) near = DidYouMean(pattern, candidates);
  return Error(
      ExitCode::kUsage,
      fmt::format("{} \"{}\" matches no table in schema(s) {} ({} tables){}\n"
                  "HINT: Fix the pattern (a glob on schema.table, or on the table "
                  "name in every --schema; unquoted names fold to lower case, "
                  "\"Quoted\" ones keep it) or add the right --schema; list the "
                  "tables with: psql -c '\\dt {}.*'",
                  flag, pattern, fmt::join(options.schemas, ","), all.size(), near,
                  options.schemas.empty() ? "public" : options.schemas[0]));
}

arrow::Result<std::vector<size_t>> SelectTables(const std::vector<TableName>& all,
                                                const DiscoverOptions& options) {
  auto check_each = [&](const std::vector<std::string>& patterns,
                        const char* flag) -> arrow::Status {
    for (const auto& p : patterns) {
      bool any = false;
      for (const auto& t : all) any = any || PatternMatches(p, t);
      if (!any) return NoMatch(flag, p, all, options);
    }
    return arrow::Status::OK();
  };
  ARROW_RETURN_NOT_OK(check_each(options.include, "--include"));
  ARROW_RETURN_NOT_OK(check_each(options.exclude, "--exclude"));
  std::vector<size_t> out;
  for (size_t i = 0; i < all.size(); ++i) {
    bool included = options.include.empty();
    for (const auto& p : options.include)
      included = included || PatternMatches(p, all[i]);
    for (const auto& p : options.exclude)
      included = included && !PatternMatches(p, all[i]);
    if (included) out.push_back(i);
  }
  return out;
}

}  // namespace pgtide::source
