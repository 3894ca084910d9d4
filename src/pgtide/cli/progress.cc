#include "pgtide/cli/progress.h"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "pgtide/common/log.h"

namespace pgtide::cli {

static std::atomic<bool> g_line_shown{false};

void ProgressLine::Clear() {
  if (g_line_shown.exchange(false)) std::fputs("\r\033[K", stderr);
}

size_t TerminalWidth() {
  winsize ws{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  if (const char* columns = std::getenv("COLUMNS")) {
    const long n = std::strtol(columns, nullptr, 10);
    if (n > 0) return static_cast<size_t>(n);
  }
  return 80;
}

ProgressLine::ProgressLine(const std::vector<job::TablePlan>* plans,
                           job::RunProgress* progress, ProgressSettings settings)
    : plans_(plans),
      progress_(progress),
      settings_(settings),
      meters_(plans->size()),
      started_(plans->size(), -1) {
  if (settings.mode == ProgressMode::kNever) return;
  const bool terminal = ::isatty(STDERR_FILENO);
  const bool live = terminal || settings.mode == ProgressMode::kAlways;
  if (live) RunLog::Get().set_before_echo(&ProgressLine::Clear);
  thread_ = std::thread([this, live] { Loop(live); });
}

ProgressLine::~ProgressLine() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  Clear();
  RunLog::Get().set_before_echo(nullptr);
}

std::vector<TableProgressView> ProgressLine::Running(double now) {
  std::vector<TableProgressView> out;
  for (size_t i = 0; i < plans_->size(); ++i) {
    const auto& scan = progress_->scans[i];
    if (!progress_->running[i].load()) {
      started_[i] = -1;
      continue;
    }
    if (started_[i] < 0) {
      started_[i] = now;
      meters_[i] = RateMeter();
    }
    TableProgressView v;
    v.name = (*plans_)[i].table.qualified_name();
    v.rows = scan.rows.load(std::memory_order_relaxed);
    v.bytes = scan.bytes.load(std::memory_order_relaxed);
    v.estimated_rows = (*plans_)[i].table.estimated_rows;
    v.finishing = scan.scanned.load();
    v.seconds = now - started_[i];
    meters_[i].Sample(now, v.rows, v.bytes);
    v.rows_per_s = meters_[i].rows_per_s();
    v.bytes_per_s = meters_[i].bytes_per_s();
    out.push_back(std::move(v));
  }
  return out;
}

void ProgressLine::Loop(bool live) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  const auto tick = std::chrono::milliseconds(500);
  double next_heartbeat = settings_.heartbeat_seconds;
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, tick, [this] { return stop_; })) {
    const double now = std::chrono::duration<double>(clock::now() - t0).count();
    auto running = Running(now);
    if (live) {
      // Write the line, then clear to its end: nothing of a longer previous line stays.
      std::string line =
          FormatProgressLine(progress_->tables_done.load(), progress_->tables_total,
                             running, TerminalWidth());
      std::fprintf(stderr, "\r%s\033[K", line.c_str());
      std::fflush(stderr);
      g_line_shown = true;
    } else if (now >= next_heartbeat) {
      next_heartbeat = now + settings_.heartbeat_seconds;
      for (const auto& t : running) LogInfo("{}", FormatHeartbeat(t));
    }
  }
}

}  // namespace pgtide::cli
