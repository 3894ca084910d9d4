#include "pgtide/common/log.h"

#include <chrono>
#include <cstdio>

#include "pgtide/common/identifiers.h"
#include "pgtide/common/secrets.h"
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

/// One log entry as it is written: passwords masked, and control characters escaped so
/// that a name (a table called "x\n2024-01-01 ERROR: ..." or holding ESC[2J) can neither
/// forge a line nor drive the terminal. The only line breaks kept are pgtide's own before
/// "HINT: " and "DETAIL: ".
std::string SanitizeLogMessage(std::string_view msg) {
  std::string redacted = Redact(msg);
  std::string out;
  size_t begin = 0;
  for (size_t i = 0; i <= redacted.size(); ++i) {
    if (i < redacted.size() && redacted[i] != '\n') continue;
    std::string_view rest =
        std::string_view(redacted).substr(std::min(i + 1, redacted.size()));
    bool structural = i < redacted.size() &&
                      (rest.rfind("HINT: ", 0) == 0 || rest.rfind("DETAIL: ", 0) == 0);
    if (i < redacted.size() && !structural) continue;
    out += EscapeControlChars(std::string_view(redacted).substr(begin, i - begin));
    if (structural) out += '\n';
    begin = i + 1;
  }
  return out;
}

void RunLog::Write(LogLevel level, std::string msg) {
  std::string line = FormatIsoMicros(NowMicros()) + " " + LevelName(level) + ": " +
                     SanitizeLogMessage(msg);
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
