#include "pgtide/state/state_file.h"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "pgtide/common/exit_code.h"

namespace pgtide::state {

static const std::vector<std::string> kColumns = {
    "table_name",    "max_updated_at", "cursor_column", "resume_from",
    "committed_run", "full_run",       "boundary",      "updated_at"};

arrow::Result<std::vector<std::vector<std::string>>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool in_quotes = false, field_started = false;
  size_t line = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"') {
      if (!field.empty()) {
        return arrow::Status::Invalid(
            fmt::format("line {}: stray quote inside a field", line));
      }
      in_quotes = field_started = true;
    } else if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
      field_started = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (field_started || !field.empty() || !record.empty()) {
        record.push_back(std::move(field));
        records.push_back(std::move(record));
      }
      record.clear();
      field.clear();
      field_started = false;
      ++line;
    } else {
      field += c;
      field_started = true;
    }
  }
  if (in_quotes)
    return arrow::Status::Invalid("unterminated quoted field at end of file");
  if (field_started || !field.empty() || !record.empty()) {
    record.push_back(std::move(field));
    records.push_back(std::move(record));
  }
  return records;
}

std::string CsvField(const std::string& v) {
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

arrow::Result<StateFile> StateFile::Parse(const std::string& raw,
                                          const std::string& name) {
  static const std::string kBom = "\xEF\xBB\xBF";
  const std::string text = raw.rfind(kBom, 0) == 0 ? raw.substr(kBom.size()) : raw;
  auto fail = [&](const std::string& why) {
    return Error(
        ExitCode::kState,
        fmt::format("state file {} is corrupt: {}\nDETAIL: The run was stopped and "
                    "the file was not changed.\nHINT: Restore it from a backup or "
                    "fix the line; delete it only to reload every table in full.",
                    name, why));
  };
  StateFile out;
  if (text.find('\0') != std::string::npos) return fail("it contains NUL bytes");
  auto records = ParseCsv(text);
  if (!records.ok()) return fail(records.status().message());
  if (records->empty()) return out;  // an empty file: no table has a mark yet
  const auto& header = (*records)[0];
  std::map<std::string, size_t> idx;
  for (size_t i = 0; i < header.size(); ++i) idx[header[i]] = i;
  if (!idx.count("table_name") || !idx.count("max_updated_at")) {
    return fail("the header must name the columns table_name and max_updated_at");
  }
  for (const auto& h : header) {
    if (std::find(kColumns.begin(), kColumns.end(), h) == kColumns.end()) {
      out.extra_columns_.push_back(h);
    }
  }
  auto get = [&](const std::vector<std::string>& r, const char* col) {
    auto it = idx.find(col);
    return it == idx.end() || it->second >= r.size() ? std::string() : r[it->second];
  };
  for (size_t line = 1; line < records->size(); ++line) {
    const auto& r = (*records)[line];
    if (r.size() != header.size()) {
      return fail(fmt::format("record {} has {} fields, the header has {}", line + 1,
                              r.size(), header.size()));
    }
    TableState s;
    s.table_name = get(r, "table_name");
    if (s.table_name.empty() || s.table_name.find('.') == std::string::npos) {
      return fail(fmt::format("record {}: table_name \"{}\" is not schema.table",
                              line + 1, s.table_name));
    }
    if (out.Find(s.table_name)) {
      return fail(fmt::format("table {} appears twice", s.table_name));
    }
    s.max_updated_at = get(r, "max_updated_at");
    s.cursor_column = get(r, "cursor_column");
    s.resume_from = get(r, "resume_from");
    s.committed_run = get(r, "committed_run");
    s.full_run = get(r, "full_run");
    s.updated_at = get(r, "updated_at");
    std::istringstream hashes(get(r, "boundary"));
    for (std::string h; hashes >> h;) {
      RowHash rh;
      if (!RowHash::FromHex(h, &rh)) {
        return fail(
            fmt::format("record {}: bad boundary fingerprint \"{}\"", line + 1, h));
      }
      s.boundary.push_back(rh);
    }
    std::vector<std::string> extras;
    for (const auto& e : out.extra_columns_) extras.push_back(r[idx[e]]);
    out.extra_values_[s.table_name] = std::move(extras);
    out.rows_.push_back(std::move(s));
  }
  return out;
}

std::string StateFile::Serialize() const {
  std::string out;
  std::vector<std::string> header = kColumns;
  header.insert(header.end(), extra_columns_.begin(), extra_columns_.end());
  for (size_t i = 0; i < header.size(); ++i) out += (i ? "," : "") + CsvField(header[i]);
  out += "\n";
  std::vector<TableState> sorted = rows_;
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.table_name < b.table_name; });
  for (const auto& s : sorted) {
    std::string boundary;
    for (const auto& h : s.boundary)
      boundary += (boundary.empty() ? "" : " ") + h.ToHex();
    std::vector<std::string> fields = {s.table_name,  s.max_updated_at, s.cursor_column,
                                       s.resume_from, s.committed_run,  s.full_run,
                                       boundary,      s.updated_at};
    auto it = extra_values_.find(s.table_name);
    for (size_t e = 0; e < extra_columns_.size(); ++e) {
      fields.push_back(it != extra_values_.end() ? it->second[e] : "");
    }
    for (size_t i = 0; i < fields.size(); ++i)
      out += (i ? "," : "") + CsvField(fields[i]);
    out += "\n";
  }
  return out;
}

const TableState* StateFile::Find(const std::string& table) const {
  for (const auto& r : rows_) {
    if (r.table_name == table) return &r;
  }
  return nullptr;
}

void StateFile::Upsert(const TableState& row) {
  if (!row.replaces.empty() && row.replaces != row.table_name) {
    rows_.erase(
        std::remove_if(rows_.begin(), rows_.end(),
                       [&](const auto& r) { return r.table_name == row.replaces; }),
        rows_.end());
    // The original job's extra columns follow the line to its new name.
    if (auto it = extra_values_.find(row.replaces); it != extra_values_.end()) {
      extra_values_.emplace(row.table_name, std::move(it->second));
      extra_values_.erase(it);
    }
  }
  for (auto& r : rows_) {
    if (r.table_name == row.table_name) {
      r = row;
      return;
    }
  }
  rows_.push_back(row);
}

}  // namespace pgtide::state
