#include "pgtide/common/log.h"

#include <chrono>
#include <cstdio>

#include "pgtide/common/time_format.h"

namespace pgtide {

RunLog& RunLog::Get() {
  static RunLog log;
  return log;
}

static const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarning:
      return "WARNING";
    case LogLevel::kError:
      return "ERROR";
  }
  return "?";
}

void RunLog::Write(LogLevel level, std::string msg) {
  std::string line = FormatIsoMicros(NowMicros()) + " " + LevelName(level) + ": " + msg;
  std::lock_guard<std::mutex> lock(mu_);
  if (level == LogLevel::kWarning) ++warnings_;
  if (level == LogLevel::kDebug && !verbose_) return;
  if (echo_) {
    if (before_echo_) before_echo_();
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  if (sink_) sink_(line);
  lines_.push_back(std::move(line));
}

void RunLog::set_sink(std::function<void(const std::string& line)> sink) {
  std::lock_guard<std::mutex> lock(mu_);
  sink_ = std::move(sink);
  if (sink_) {
    for (const auto& l : lines_) sink_(l);
  }
}

std::vector<std::string> RunLog::Lines() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lines_;
}

std::string RunLog::Text() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& l : lines_) {
    out += l;
    out += '\n';
  }
  return out;
}

int RunLog::warnings() const {
  std::lock_guard<std::mutex> lock(mu_);
  return warnings_;
}

}  // namespace pgtide
