#include "pgtide/common/time_format.h"

#include <fmt/format.h>

#include <chrono>

namespace pgtide {

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Howard Hinnant's days_from_civil / civil_from_days, valid for the whole int64 range we
// use.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

std::string FormatDate(int64_t days) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  return fmt::format("{:04d}-{:02d}-{:02d}", y, m, d);
}

std::string FormatPgTimestamp(int64_t micros, bool utc_offset) {
  int64_t days = FloorDiv(micros, kMicrosPerDay);
  int64_t rem = micros - days * kMicrosPerDay;
  int64_t secs = rem / 1000000, frac = rem % 1000000;
  std::string out = fmt::format("{} {:02d}:{:02d}:{:02d}", FormatDate(days), secs / 3600,
                                (secs / 60) % 60, secs % 60);
  if (frac != 0) {
    std::string f = fmt::format("{:06d}", frac);
    while (!f.empty() && f.back() == '0') f.pop_back();
    out += "." + f;
  }
  if (utc_offset) out += "+00";
  return out;
}

std::string FormatCompactUtc(int64_t micros) {
  int64_t days = FloorDiv(micros, kMicrosPerDay);
  int64_t secs = (micros - days * kMicrosPerDay) / 1000000;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  return fmt::format("{:04d}{:02d}{:02d}T{:02d}{:02d}{:02d}Z", y, m, d, secs / 3600,
                     (secs / 60) % 60, secs % 60);
}

std::string FormatIsoMicros(int64_t micros) {
  int64_t days = FloorDiv(micros, kMicrosPerDay);
  int64_t rem = micros - days * kMicrosPerDay;
  int64_t secs = rem / 1000000;
  return fmt::format("{}T{:02d}:{:02d}:{:02d}.{:06d}Z", FormatDate(days), secs / 3600,
                     (secs / 60) % 60, secs % 60, rem % 1000000);
}

}  // namespace pgtide
