#include <fmt/format.h>

#include <cstdio>

#include "pgtide/cli/commands.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/common/identifiers.h"
#include "pgtide/common/log.h"
#include "pgtide/common/secrets.h"
#include "pgtide/job/preflight.h"

namespace pgtide::cli {

static arrow::Status Plan(job::RunOptions& opts) {
  ARROW_ASSIGN_OR_RAISE(auto pre, job::RunPreflight(opts, /*for_run=*/false));
  const auto& plans = pre.plans;
  size_t w = 5;
  for (const auto& p : plans) {
    w = std::max(w, EscapeControlChars(p.table.qualified_name()).size());
  }
  std::printf("%s\n", fmt::format("{:<{}}  {:<4}  {:<22}  {:<12}  {:>12}  {}", "table", w,
                                  "mode", "reason", "cursor", "est. rows", "stored mark")
                          .c_str());
  for (const auto& p : plans) {
    std::printf("%s\n", fmt::format("{:<{}}  {:<4}  {:<22}  {:<12}  {:>12}  {}",
                                    EscapeControlChars(p.table.qualified_name()), w,
                                    job::LoadTypeName(p.mode), p.reason,
                                    p.cursor_index >= 0 ? p.cursor_column : "-",
                                    p.table.estimated_rows < 0
                                        ? std::string("?")
                                        : std::to_string(p.table.estimated_rows),
                                    p.stored ? p.stored->max_updated_at : "")
                            .c_str());
    for (const auto& warning : p.warnings)
      std::printf("  warning: %s\n", SanitizeLogMessage(warning).c_str());
  }
  std::printf("%zu tables; nothing was written\n", plans.size());
  return arrow::Status::OK();
}

int PlanCommand(CliValues* values) {
  RunLog::Get().set_verbose(values->verbose);
  // Before anything is logged: the DSN's passwords are masked in every output.
  RegisterDsnSecrets(values->run.connect.source);
  arrow::Status st = ResolveRunOptions(values, /*output_required=*/false);
  if (st.ok()) st = Plan(values->run);
  if (!st.ok()) {
    LogError("{}", st.message());
    return static_cast<int>(ExitCodeOf(st));
  }
  return 0;
}

}  // namespace pgtide::cli
