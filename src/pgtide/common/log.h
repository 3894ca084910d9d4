#pragma once

#include <fmt/format.h>

#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace pgtide {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

/// `msg` as the run log writes it: registered secrets and DSN passwords masked
/// (common/secrets.h), control characters escaped except the line breaks before
/// "HINT: " / "DETAIL: ".
std::string SanitizeLogMessage(std::string_view msg);

/// The run log: every line is kept in memory for the upload at the end of the run and
/// echoed to stderr. Thread-safe. Every line goes through SanitizeLogMessage, so neither
/// a password nor a raw control character reaches it.
class RunLog {
 public:
  static RunLog& Get();

  void Write(LogLevel level, std::string msg);
  /// Returns all lines so far, one per element, already formatted.
  std::vector<std::string> Lines() const;
  std::string Text() const;
  int warnings() const;
  void set_echo(bool echo) { echo_ = echo; }
  void set_verbose(bool verbose) { verbose_ = verbose; }
  /// Called around each echoed line so a progress line on the terminal can be cleared
  /// first.
  void set_before_echo(void (*hook)()) { before_echo_ = hook; }
  /// Also hands every kept line to `sink` as it is written (under the log's lock, so
  /// lines arrive in order), starting with the lines so far; an empty function stops it.
  /// The run log on local disk (runlog/partial_log.h) is such a sink.
  void set_sink(std::function<void(const std::string& line)> sink);

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
  int warnings_ = 0;
  bool echo_ = true;
  bool verbose_ = false;
  void (*before_echo_)() = nullptr;
  std::function<void(const std::string&)> sink_;
};

template <typename... Args>
void LogInfo(fmt::format_string<Args...> f, Args&&... args) {
  RunLog::Get().Write(LogLevel::kInfo, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void LogWarning(fmt::format_string<Args...> f, Args&&... args) {
  RunLog::Get().Write(LogLevel::kWarning, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void LogError(fmt::format_string<Args...> f, Args&&... args) {
  RunLog::Get().Write(LogLevel::kError, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void LogDebug(fmt::format_string<Args...> f, Args&&... args) {
  RunLog::Get().Write(LogLevel::kDebug, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace pgtide
