#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pgtide::cli {

/// One running table as the progress display shows it.
struct TableProgressView {
  std::string name;             // schema.table
  int64_t rows = 0;             // read so far
  int64_t bytes = 0;            // COPY bytes read so far
  int64_t estimated_rows = -1;  // the catalog's estimate (reltuples); <= 0: unknown
  double rows_per_s = 0;
  double bytes_per_s = 0;
  double seconds = 0;      // since the table started
  bool finishing = false;  // the COPY is over; its files are being written and committed
};

/// Rates from successive samples of a table's counters: a moving average over a few
/// seconds, so that rows arriving in batches do not make the figure jump.
class RateMeter {
 public:
  void Sample(double seconds, int64_t rows, int64_t bytes);
  double rows_per_s() const { return rows_per_s_; }
  double bytes_per_s() const { return bytes_per_s_; }

 private:
  bool started_ = false;
  double last_seconds_ = 0;
  int64_t last_rows_ = 0;
  int64_t last_bytes_ = 0;
  double rows_per_s_ = 0;
  double bytes_per_s_ = 0;
};

/// "1234", "12.3k", "4.50M", "1.20G".
std::string HumanCount(double n);
/// "512 B", "12.3 KiB", "4.5 MiB", "1.2 GiB".
std::string HumanBytes(double bytes);
/// "45s", "3m20s", "2h05m".
std::string HumanDuration(double seconds);

/// Columns `text` takes on a terminal (UTF-8 code points; every one counted as one).
size_t DisplayWidth(std::string_view text);
/// `text` cut to at most `width` columns, ending in "..." when cut; never splits a UTF-8
/// sequence. Control characters (a table name may hold a newline) become '?', so the
/// line stays one line.
std::string FitToWidth(std::string_view text, size_t width);

/// One table: "public.orders 1.20M/~5.00M rows ~24% 120k rows/s 35.0 MiB/s ETA ~32s".
/// Percent and ETA come from the catalog's estimate ("~"); without one, rows and rates.
std::string FormatTableProgress(const TableProgressView& t);

/// The terminal line: "[3/10 tables done] <table> | <table> ...", at most `width - 1`
/// columns (a character in the last column makes some terminals wrap).
std::string FormatProgressLine(int tables_done, int tables_total,
                               const std::vector<TableProgressView>& running,
                               size_t width);

/// The heartbeat log line of one table when stderr is not a terminal:
/// "progress: table public.orders: 1234567 of ~5000000 rows (~24%), 120.0 MiB read,
/// 120k rows/s, 35.0 MiB/s, ETA ~32s, running for 10s".
std::string FormatHeartbeat(const TableProgressView& t);

}  // namespace pgtide::cli
