#pragma once

// Loads a golden binary COPY stream (captured by golden/make_golden.sh) and cuts it into
// the CopyData messages the server sends: header + first tuple, one tuple each, the
// trailer.

#include <arrow/api.h>
#include <arrow/json/from_string.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "pgtide/source/copy_decoder.h"
#include "pgtide/source/pg_types.h"

namespace pgtide::testing {

inline std::string ReadGolden(const std::string& name) {
  std::ifstream in(std::string(PGTIDE_GOLDEN_DIR) + "/" + name + ".bin",
                   std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::vector<std::string> SplitMessages(const std::string& s) {
  using source::ReadI16;
  using source::ReadI32;
  auto p = reinterpret_cast<const uint8_t*>(s.data());
  size_t pos = 19 + ReadI32(p + 15);
  std::vector<std::string> out;
  size_t start = 0;
  while (pos < s.size()) {
    int16_t n = ReadI16(p + pos);
    size_t end = pos + 2;
    for (int i = 0; i < n; ++i) {
      int32_t len = ReadI32(p + end);
      end += 4 + (len > 0 ? len : 0);
    }
    out.push_back(s.substr(start, end - start));
    start = pos = end;
  }
  return out;
}

/// Decodes a golden stream with the given column plans into one record batch.
inline std::shared_ptr<arrow::RecordBatch> DecodeGolden(
    const std::string& name, const std::vector<source::ColumnPlan>& plans,
    int cursor = -1, source::DecodedBatch* raw = nullptr) {
  auto decoder = source::CopyDecoder::Make(plans, cursor, arrow::default_memory_pool());
  EXPECT_TRUE(decoder.ok()) << decoder.status().ToString();
  for (const auto& m : SplitMessages(ReadGolden(name))) {
    auto r = (*decoder)->Consume(reinterpret_cast<const uint8_t*>(m.data()),
                                 static_cast<int32_t>(m.size()));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
  }
  auto batch = (*decoder)->Flush();
  EXPECT_TRUE(batch.ok());
  EXPECT_TRUE(batch->batch->ValidateFull().ok())
      << batch->batch->ValidateFull().ToString();
  if (raw) *raw = *batch;
  return batch->batch;
}

inline std::shared_ptr<arrow::Array> FromJson(
    const std::shared_ptr<arrow::DataType>& type, const std::string& json) {
  return *arrow::json::ArrayFromJSONString(type, json);
}

inline source::ColumnPlan Plan(source::DecoderSpec spec, const std::string& name = "c") {
  source::ColumnPlan p;
  p.spec = spec;
  p.field = arrow::field(name, source::ArrowTypeOf(spec));
  return p;
}

inline source::DecoderSpec Spec(source::DecoderSpec::Kind kind) {
  source::DecoderSpec s;
  s.kind = kind;
  return s;
}

}  // namespace pgtide::testing
