#include "pgtide/job/runner.h"

#include <thread>

#include "pgtide/common/exit_code.h"
#include "pgtide/common/log.h"

namespace pgtide::job {

std::vector<TableResult> RunTables(RunContext* ctx, const std::vector<TablePlan>& plans,
                                   RunProgress* progress,
                                   std::unique_ptr<source::Connection> first) {
  std::vector<TableResult> results(plans.size());
  std::atomic<size_t> next{0};
  auto worker = [&](std::unique_ptr<source::Connection> conn) {
    for (size_t i = next++; i < plans.size(); i = next++) {
      TableResult& r = results[i];
      r.table = plans[i].table.qualified_name();
      r.mode = LoadTypeName(plans[i].mode);
      try {
        if (!conn) {
          auto c = source::Connection::Open(ctx->options->connect);
          if (!c.ok()) {
            r.status = "failed";
            r.error = c.status().message();
            r.exit_code = static_cast<int>(ExitCodeOf(c.status()));
            LogError("table {} failed: {}", r.table, r.error);
            progress->tables_done++;
            continue;
          }
          conn = std::move(*c);
        }
        progress->running[i] = 1;
        TableLoader loader(ctx, conn.get());
        auto st = loader.Load(plans[i], &r, &progress->rows[i]);
        // A broken connection is replaced for the next table.
        if (!st.ok() && PQstatus(conn->raw()) != CONNECTION_OK) conn.reset();
      } catch (const std::exception& e) {
        r.status = "failed";
        r.error = e.what();
        r.exit_code = static_cast<int>(ExitCode::kInternal);
        LogError("table {} failed: {}", r.table, e.what());
        conn.reset();
      }
      progress->running[i] = 0;
      progress->tables_done++;
    }
  };
  int jobs = std::max(1, std::min<int>(ctx->options->jobs, static_cast<int>(plans.size())));
  std::vector<std::thread> threads;
  for (int j = 1; j < jobs; ++j) threads.emplace_back(worker, nullptr);
  worker(std::move(first));
  for (auto& t : threads) t.join();
  return results;
}

}  // namespace pgtide::job
