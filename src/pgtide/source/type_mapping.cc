#include "pgtide/source/type_mapping.h"

#include <arrow/util/key_value_metadata.h>
#include <fmt/format.h>

#include <optional>

#include "pgtide/common/identifiers.h"
#include "pgtide/source/pg_types.h"

namespace pgtide::source {

using Kind = DecoderSpec::Kind;

namespace {

// numeric's typmod packs ((precision << 16) | scale) + VARHDRSZ; -1 when unconstrained.
constexpr int32_t kVarHdrSz = 4;

/// The native decoding of a scalar base type, or nullopt when it goes through text.
std::optional<DecoderSpec> ScalarSpec(uint32_t oid, int32_t typmod, char typtype) {
  DecoderSpec s;
  if (typtype == 'e') {  // enum_send sends the label's text
    s.kind = Kind::kText;
    return s;
  }
  switch (oid) {
    case kBool: s.kind = Kind::kBool; return s;
    case kInt2: s.kind = Kind::kInt16; return s;
    case kInt4: s.kind = Kind::kInt32; return s;
    case kInt8: s.kind = Kind::kInt64; return s;
    case kFloat4: s.kind = Kind::kFloat32; return s;
    case kFloat8: s.kind = Kind::kFloat64; return s;
    case kText: case kVarchar: case kBpchar: case kName: case kChar:
      s.kind = Kind::kText; return s;
    case kJson: s.kind = Kind::kText; s.json = true; return s;
    case kJsonb: s.kind = Kind::kJsonb; s.json = true; return s;
    case kBytea: s.kind = Kind::kBinary; return s;
    case kDate: s.kind = Kind::kDate; return s;
    case kTimestamp: s.kind = Kind::kTimestamp; return s;
    case kTimestamptz: s.kind = Kind::kTimestamp; s.utc = true; return s;
    case kTime: s.kind = Kind::kTime; return s;
    case kUuid: s.kind = Kind::kUuid; return s;
    case kNumeric:
      if (typmod >= kVarHdrSz) {
        int32_t precision = ((typmod - kVarHdrSz) >> 16) & 0xffff;
        int32_t scale = (typmod - kVarHdrSz) & 0xffff;
        // Negative scales (PG 15) and precision > 38 have no decimal128; keep them exact as text.
        if (precision >= 1 && precision <= 38 && scale <= precision && scale < 0x8000) {
          s.kind = Kind::kDecimal;
          s.precision = precision;
          s.scale = scale;
          return s;
        }
      }
      return std::nullopt;  // unconstrained numeric: exact text, never a lossy double
    default: return std::nullopt;
  }
}

}  // namespace

std::vector<ColumnPlan> PlanColumns(const TableInfo& table) {
  std::vector<ColumnPlan> plans;
  for (const auto& c : table.columns) {
    ColumnPlan p;
    std::string quoted = QuoteIdent(c.name);
    std::optional<DecoderSpec> spec;
    bool is_array = c.elem_oid != 0;
    if (is_array) {
      auto element = ScalarSpec(c.elem_oid, c.typmod, c.elem_type_type);
      if (element) {
        spec = DecoderSpec{};
        spec->kind = Kind::kArray;
        spec->dims = c.ndims > 1 ? c.ndims : 1;
        spec->element = std::make_shared<DecoderSpec>(*element);
      }
    } else {
      spec = ScalarSpec(c.base_oid, c.typmod, c.type_type);
    }
    if (spec) {
      p.spec = *spec;
      p.select_expr = quoted;
    } else {
      p.spec.kind = Kind::kText;
      p.select_expr = quoted + "::text";
      bool quiet = c.base_oid == kNumeric;  // documented: unconstrained numeric is text
      if (!quiet) {
        p.text_fallback_warning =
            fmt::format("column \"{}\" of table {} has type {} with no native Parquet "
                        "mapping; it is exported as its PostgreSQL text form",
                        c.name, table.qualified_name(), c.type_name);
      }
    }
    auto metadata = arrow::key_value_metadata({"pg_type"}, {c.type_name});
    p.field = arrow::field(c.name, ArrowTypeOf(p.spec), !c.not_null, metadata);
    plans.push_back(std::move(p));
  }
  return plans;
}

}  // namespace pgtide::source
