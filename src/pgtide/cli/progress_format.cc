#include "pgtide/cli/progress_format.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace pgtide::cli {

void RateMeter::Sample(double seconds, int64_t rows, int64_t bytes) {
  if (!started_) {
    started_ = true;
    last_seconds_ = seconds;
    last_rows_ = rows;
    last_bytes_ = bytes;
    return;
  }
  const double dt = seconds - last_seconds_;
  if (dt <= 0) return;
  const double r = (rows - last_rows_) / dt;
  const double b = (bytes - last_bytes_) / dt;
  // Exponential average with a time constant of 3 s; the first interval sets it.
  const double alpha =
      rows_per_s_ == 0 && bytes_per_s_ == 0 ? 1.0 : 1 - std::exp(-dt / 3);
  rows_per_s_ += alpha * (r - rows_per_s_);
  bytes_per_s_ += alpha * (b - bytes_per_s_);
  last_seconds_ = seconds;
  last_rows_ = rows;
  last_bytes_ = bytes;
}

std::string HumanCount(double n) {
  if (n < 10000) return fmt::format("{:.0f}", n);
  if (n < 1e6) return fmt::format("{:.1f}k", n / 1e3);
  if (n < 1e9) return fmt::format("{:.2f}M", n / 1e6);
  return fmt::format("{:.2f}G", n / 1e9);
}

std::string HumanBytes(double bytes) {
  if (bytes < 1024) return fmt::format("{:.0f} B", bytes);
  if (bytes < 1024.0 * 1024) return fmt::format("{:.1f} KiB", bytes / 1024);
  if (bytes < 1024.0 * 1024 * 1024) return fmt::format("{:.1f} MiB", bytes / (1 << 20));
  return fmt::format("{:.2f} GiB", bytes / (1 << 30));
}

std::string HumanDuration(double seconds) {
  const int64_t s = static_cast<int64_t>(std::llround(std::max(0.0, seconds)));
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

size_t DisplayWidth(std::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;  // not a continuation byte
  return n;
}

std::string FitToWidth(std::string_view text, size_t width) {
  std::string clean(text);
  for (char& c : clean) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = '?';
  }
  if (DisplayWidth(clean) <= width) return clean;
  const std::string_view dots = width >= 3 ? "..." : "";
  const size_t keep = width - dots.size();
  size_t cols = 0, cut = 0;
  for (size_t i = 0; i < clean.size(); ++i) {
    const auto u = static_cast<unsigned char>(clean[i]);
    if ((u & 0xC0) != 0x80) {  // a character starts here
      if (cols == keep) break;
      ++cols;
    }
    cut = i + 1;
  }
  // Complete the last character's continuation bytes, never half a sequence.
  while (cut < clean.size() && (static_cast<unsigned char>(clean[cut]) & 0xC0) == 0x80) {
    ++cut;
  }
  return clean.substr(0, cut) + std::string(dots);
}

namespace {

bool HasEstimate(const TableProgressView& t) { return t.estimated_rows > 0; }

// "~24%": the estimate is the catalog's, so never 100% (or more) before the end.
std::string Percent(const TableProgressView& t) {
  double pct = 100.0 * t.rows / t.estimated_rows;
  return fmt::format("~{:.0f}%", std::min(pct, 99.0));
}

// Seconds left, or a negative number when there is no sensible figure.
double EtaSeconds(const TableProgressView& t) {
  if (!HasEstimate(t) || t.rows >= t.estimated_rows || t.rows_per_s <= 0) return -1;
  return (t.estimated_rows - t.rows) / t.rows_per_s;
}

double AverageRowsPerSecond(const TableProgressView& t) {
  return t.seconds > 0 ? t.rows / t.seconds : 0;
}

}  // namespace

std::string FormatTableProgress(const TableProgressView& t) {
  if (t.finishing) {
    return fmt::format("{} {} rows, writing files (avg {} rows/s)", t.name,
                       HumanCount(t.rows), HumanCount(AverageRowsPerSecond(t)));
  }
  std::string s = t.name + " " + HumanCount(t.rows);
  if (HasEstimate(t)) s += "/~" + HumanCount(t.estimated_rows);
  s += " rows";
  if (HasEstimate(t)) s += " " + Percent(t);
  s +=
      fmt::format(" {} rows/s {}/s", HumanCount(t.rows_per_s), HumanBytes(t.bytes_per_s));
  const double eta = EtaSeconds(t);
  if (eta >= 0) s += " ETA ~" + HumanDuration(eta);
  return s;
}

std::string FormatProgressLine(int tables_done, int tables_total,
                               const std::vector<TableProgressView>& running,
                               size_t width) {
  std::string line = fmt::format("[{}/{} tables done]", tables_done, tables_total);
  for (size_t i = 0; i < running.size(); ++i) {
    line += (i == 0 ? " " : " | ") + FormatTableProgress(running[i]);
  }
  return FitToWidth(line, width > 1 ? width - 1 : 1);
}

std::string FormatHeartbeat(const TableProgressView& t) {
  std::string s = fmt::format("progress: table {}: ", FitToWidth(t.name, 1000));
  if (t.finishing) {
    return s + fmt::format(
                   "{} rows read ({}), writing files; average {:.0f} rows/s, running "
                   "for {}",
                   t.rows, HumanBytes(t.bytes), AverageRowsPerSecond(t),
                   HumanDuration(t.seconds));
  }
  s += fmt::format("{}", t.rows);
  if (HasEstimate(t)) {
    s += fmt::format(" of ~{} rows ({})", t.estimated_rows, Percent(t));
  } else {
    s += " rows (no row estimate: the table was never analyzed)";
  }
  s += fmt::format(", {} read, {:.0f} rows/s, {}/s", HumanBytes(t.bytes), t.rows_per_s,
                   HumanBytes(t.bytes_per_s));
  const double eta = EtaSeconds(t);
  if (eta >= 0) s += ", ETA ~" + HumanDuration(eta);
  return s + ", running for " + HumanDuration(t.seconds);
}

}  // namespace pgtide::cli
