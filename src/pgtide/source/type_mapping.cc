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

// money is int64 in units of lc_monetary's fractional digits: at most 19 digits.
constexpr int32_t kMoneyPrecision = 19;

/// How a scalar base type is read natively: its decoder and the cast its SELECT applies.
struct Native {
  DecoderSpec spec;
  std::string cast;  // e.g. "::numeric"; applied to the element type for arrays
};

/// The native decoding of a scalar base type, or nullopt when it goes through text.
std::optional<Native> ScalarSpec(uint32_t oid, int32_t typmod, char typtype,
                                 int32_t money_scale) {
  Native n;
  DecoderSpec& s = n.spec;
  if (typtype == 'e') {  // enum_send sends the label's text
    s.kind = Kind::kText;
    return n;
  }
  switch (oid) {
    case kBool:
      s.kind = Kind::kBool;
      return n;
    case kInt2:
      s.kind = Kind::kInt16;
      return n;
    case kInt4:
      s.kind = Kind::kInt32;
      return n;
    case kInt8:
      s.kind = Kind::kInt64;
      return n;
    case kFloat4:
      s.kind = Kind::kFloat32;
      return n;
    case kFloat8:
      s.kind = Kind::kFloat64;
      return n;
    // "char" is not here: its binary form is a raw byte, not always valid UTF-8.
    case kText:
    case kVarchar:
    case kBpchar:
    case kName:
      s.kind = Kind::kText;
      return n;
    case kJson:
      s.kind = Kind::kText;
      s.json = true;
      return n;
    case kJsonb:
      s.kind = Kind::kJsonb;
      s.json = true;
      return n;
    case kBytea:
      s.kind = Kind::kBinary;
      return n;
    case kDate:
      s.kind = Kind::kDate;
      return n;
    case kTimestamp:
      s.kind = Kind::kTimestamp;
      return n;
    case kTimestamptz:
      s.kind = Kind::kTimestamp;
      s.utc = true;
      return n;
    case kTime:
      s.kind = Kind::kTime;
      return n;
    case kInterval:
      s.kind = Kind::kInterval;
      return n;
    case kUuid:
      s.kind = Kind::kUuid;
      return n;
    case kMoney:
      // The cast to numeric is exact and carries the scale, so the value decodes as any
      // decimal does.
      s.kind = Kind::kDecimal;
      s.precision = kMoneyPrecision;
      s.scale = money_scale;
      n.cast = "::numeric";
      return n;
    case kNumeric:
      if (typmod >= kVarHdrSz) {
        int32_t precision = ((typmod - kVarHdrSz) >> 16) & 0xffff;
        int32_t scale = (typmod - kVarHdrSz) & 0xffff;
        // Negative scales (PG 15) and precision > 38 have no decimal128; keep them exact
        // as text.
        if (precision >= 1 && precision <= 38 && scale <= precision && scale < 0x8000) {
          s.kind = Kind::kDecimal;
          s.precision = precision;
          s.scale = scale;
          return n;
        }
      }
      return std::nullopt;  // unconstrained numeric: exact text, never a lossy double
    default:
      return std::nullopt;
  }
}

/// Built-in types whose cast to text is not their output function: inet's shows the
/// netmask of a host ("::1/128" for "::1"), xml's keeps the <?xml version="1.0"?> that
/// xml_out drops. Every other cast to text is the output function (an I/O cast).
bool CastIsNotOutput(uint32_t oid) { return oid == kInet || oid == kCidr || oid == kXml; }

/// Text forms that are the documented rule rather than a fallback: no warning.
/// Unconstrained numeric is exact text by design; "char" only goes through text because
/// its binary form is a raw byte. Every other text form is warned about (issue 3).
bool QuietTextForm(uint32_t oid) { return oid == kNumeric || oid == kChar; }

}  // namespace

std::vector<ColumnPlan> PlanColumns(const TableInfo& table) {
  std::vector<ColumnPlan> plans;
  for (const auto& c : table.columns) {
    ColumnPlan p;
    std::string quoted = QuoteIdent(c.name);
    bool is_array = c.elem_oid != 0;
    uint32_t oid = is_array ? c.elem_oid : c.base_oid;
    char typtype = is_array ? c.elem_type_type : c.type_type;
    std::optional<Native> native = ScalarSpec(oid, c.typmod, typtype, c.money_scale);
    DecoderSpec scalar;
    std::string cast;
    if (native) {
      scalar = native->spec;
      cast = native->cast;
    } else {
      // Arrays go through text[] so they stay lists of their elements' text forms.
      scalar.kind = Kind::kText;
      cast = "::text";
      if (CastIsNotOutput(oid)) {
        // format() calls the output function; for arrays, array_out and then text[]'s
        // array_in keep the dimensions, NULLs and bounds.
        p.select_expr =
            fmt::format("CASE WHEN {0} IS NOT NULL THEN format('%s', {0}){1} END", quoted,
                        is_array ? "::text[]" : "");
      }
      if (!QuietTextForm(oid)) {
        p.text_fallback_warning = fmt::format(
            "column \"{}\" of table {} has type {} with no native Parquet "
            "mapping; it is exported as its PostgreSQL text form",
            c.name, table.qualified_name(), c.type_name);
      }
    }
    if (is_array) {
      p.spec.kind = Kind::kArray;
      p.spec.dims = c.ndims > 1 ? c.ndims : 1;
      p.spec.element = std::make_shared<DecoderSpec>(scalar);
      if (p.select_expr.empty())
        p.select_expr = quoted + (cast.empty() ? "" : cast + "[]");
    } else {
      p.spec = scalar;
      if (p.select_expr.empty()) p.select_expr = quoted + cast;
    }
    auto metadata = arrow::key_value_metadata({"pg_type"}, {c.type_name});
    p.field = arrow::field(c.name, ArrowTypeOf(p.spec), !c.not_null, metadata);
    plans.push_back(std::move(p));
  }
  return plans;
}

}  // namespace pgtide::source
