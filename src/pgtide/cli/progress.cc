#include "pgtide/cli/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "pgtide/common/log.h"

namespace pgtide::cli {

static std::atomic<bool> g_line_shown{false};

void ProgressLine::Clear() {
  if (g_line_shown.exchange(false)) std::fputs("\r\033[K", stderr);
}

ProgressLine::ProgressLine(const std::vector<job::TablePlan>* plans,
                           job::RunProgress* progress, bool enabled)
    : plans_(plans), progress_(progress) {
  if (!enabled || !::isatty(STDERR_FILENO)) return;
  RunLog::Get().set_before_echo(&ProgressLine::Clear);
  thread_ = std::thread([this] { Loop(); });
}

ProgressLine::~ProgressLine() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  Clear();
  RunLog::Get().set_before_echo(nullptr);
}

void ProgressLine::Loop() {
  using clock = std::chrono::steady_clock;
  std::vector<int64_t> last_rows(plans_->size(), 0);
  auto last = clock::now();
  while (!stop_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto now = clock::now();
    double dt = std::chrono::duration<double>(now - last).count();
    last = now;
    std::string line = fmt::format("[{}/{} tables done]", progress_->tables_done.load(),
                                   progress_->tables_total);
    for (size_t i = 0; i < plans_->size(); ++i) {
      int64_t rows = progress_->rows[i].load();
      if (progress_->running[i].load()) {
        line += fmt::format(" {} {} rows ({:.0f} rows/s)",
                            (*plans_)[i].table.qualified_name(), rows,
                            (rows - last_rows[i]) / dt);
      }
      last_rows[i] = rows;
    }
    if (line.size() > 160) line = line.substr(0, 157) + "...";
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    std::fflush(stderr);
    g_line_shown = true;
  }
}

}  // namespace pgtide::cli
