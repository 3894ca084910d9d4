#include "pgtide/iceberg/data_file_stats.h"

#include <parquet/metadata.h>
#include <parquet/schema.h>
#include <parquet/statistics.h>

#include <algorithm>
#include <variant>

namespace pgtide::iceberg {

namespace {

// A column statistic in a form that orders the way Iceberg compares values.
using Key = std::variant<bool, int64_t, double, std::string, arrow::Decimal128>;

struct Bounds {
  std::optional<Key> min, max;
};

std::string BytesOf(const parquet::ByteArray& v) {
  return std::string(reinterpret_cast<const char*>(v.ptr), v.len);
}

arrow::Result<Key> DecimalKey(const uint8_t* ptr, int32_t len) {
  ARROW_ASSIGN_OR_RAISE(auto d, arrow::Decimal128::FromBigEndian(ptr, len));
  return Key(d);
}

// Read min and max of one row group's statistics; `decimal` converts integers and
// big-endian bytes to Decimal128 so mixed physical encodings compare right.
arrow::Result<Bounds> ReadBounds(const parquet::Statistics& stats,
                                 const parquet::ColumnDescriptor& descr, bool decimal) {
  Bounds b;
  switch (stats.physical_type()) {
    case parquet::Type::BOOLEAN: {
      const auto& s = static_cast<const parquet::BoolStatistics&>(stats);
      b.min = Key(s.min());
      b.max = Key(s.max());
      break;
    }
    case parquet::Type::INT32: {
      const auto& s = static_cast<const parquet::Int32Statistics&>(stats);
      if (decimal) {
        b.min = Key(arrow::Decimal128(s.min()));
        b.max = Key(arrow::Decimal128(s.max()));
      } else {
        b.min = Key(int64_t{s.min()});
        b.max = Key(int64_t{s.max()});
      }
      break;
    }
    case parquet::Type::INT64: {
      const auto& s = static_cast<const parquet::Int64Statistics&>(stats);
      if (decimal) {
        b.min = Key(arrow::Decimal128(s.min()));
        b.max = Key(arrow::Decimal128(s.max()));
      } else {
        b.min = Key(int64_t{s.min()});
        b.max = Key(int64_t{s.max()});
      }
      break;
    }
    case parquet::Type::FLOAT: {
      const auto& s = static_cast<const parquet::FloatStatistics&>(stats);
      b.min = Key(double{s.min()});
      b.max = Key(double{s.max()});
      break;
    }
    case parquet::Type::DOUBLE: {
      const auto& s = static_cast<const parquet::DoubleStatistics&>(stats);
      b.min = Key(s.min());
      b.max = Key(s.max());
      break;
    }
    case parquet::Type::BYTE_ARRAY: {
      const auto& s = static_cast<const parquet::ByteArrayStatistics&>(stats);
      if (decimal) {
        ARROW_ASSIGN_OR_RAISE(b.min,
                              DecimalKey(s.min().ptr, static_cast<int32_t>(s.min().len)));
        ARROW_ASSIGN_OR_RAISE(b.max,
                              DecimalKey(s.max().ptr, static_cast<int32_t>(s.max().len)));
      } else {
        b.min = Key(BytesOf(s.min()));
        b.max = Key(BytesOf(s.max()));
      }
      break;
    }
    case parquet::Type::FIXED_LEN_BYTE_ARRAY: {
      const auto& s = static_cast<const parquet::FLBAStatistics&>(stats);
      int32_t len = descr.type_length();
      if (decimal) {
        ARROW_ASSIGN_OR_RAISE(b.min, DecimalKey(s.min().ptr, len));
        ARROW_ASSIGN_OR_RAISE(b.max, DecimalKey(s.max().ptr, len));
      } else {
        b.min = Key(std::string(reinterpret_cast<const char*>(s.min().ptr), len));
        b.max = Key(std::string(reinterpret_cast<const char*>(s.max().ptr), len));
      }
      break;
    }
    default:
      break;
  }
  return b;
}

// Serialize a bound for `type`; nullopt when no correct bound can be given.
std::optional<std::string> Serialize(const Type& type, const Key& key, bool upper,
                                     int truncate) {
  switch (type.id) {
    case TypeId::kBoolean:
      return SingleValueBoolean(std::get<bool>(key));
    case TypeId::kInt:
    case TypeId::kDate:
      return SingleValueInt(static_cast<int32_t>(std::get<int64_t>(key)));
    case TypeId::kLong:
    case TypeId::kTime:
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz:
      return SingleValueLong(std::get<int64_t>(key));
    case TypeId::kFloat:
      return SingleValueFloat(static_cast<float>(std::get<double>(key)));
    case TypeId::kDouble:
      return SingleValueDouble(std::get<double>(key));
    case TypeId::kDecimal:
      return SingleValueDecimal(std::get<arrow::Decimal128>(key));
    case TypeId::kString: {
      const auto& s = std::get<std::string>(key);
      if (upper) return TruncateStringUpper(s, truncate);
      return TruncateStringLower(s, truncate);
    }
    case TypeId::kBinary: {
      const auto& s = std::get<std::string>(key);
      if (upper) return TruncateBinaryUpper(s, truncate);
      return TruncateBinaryLower(s, truncate);
    }
    case TypeId::kFixed:
    case TypeId::kUuid:
      return std::get<std::string>(key);
    default:
      return std::nullopt;
  }
}

// Whether the Key alternative matches what Serialize expects for `type`.
bool KeyFits(const Type& type, const Key& key) {
  switch (type.id) {
    case TypeId::kBoolean:
      return std::holds_alternative<bool>(key);
    case TypeId::kInt:
    case TypeId::kDate:
    case TypeId::kLong:
    case TypeId::kTime:
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz:
      return std::holds_alternative<int64_t>(key);
    case TypeId::kFloat:
    case TypeId::kDouble:
      return std::holds_alternative<double>(key);
    case TypeId::kDecimal:
      return std::holds_alternative<arrow::Decimal128>(key);
    case TypeId::kString:
    case TypeId::kBinary:
    case TypeId::kFixed:
    case TypeId::kUuid:
      return std::holds_alternative<std::string>(key);
    default:
      return false;
  }
}

struct ColumnAcc {
  const NestedField* field = nullptr;
  int64_t size = 0;
  int64_t values = 0;
  int64_t nulls = 0;
  bool nulls_known = true;
  bool bounds_known = true;
  std::optional<Key> min, max;
};

}  // namespace

arrow::Result<DataFile> DataFileFromParquet(const parquet::FileMetaData& metadata,
                                            const Schema& schema, std::string file_path,
                                            int64_t file_size_in_bytes,
                                            AvroValue partition,
                                            DataFileStatsOptions options) {
  DataFile f;
  f.file_path = std::move(file_path);
  f.file_format = "PARQUET";
  f.partition = std::move(partition);
  f.record_count = metadata.num_rows();
  f.file_size_in_bytes = file_size_in_bytes;

  const parquet::SchemaDescriptor* pschema = metadata.schema();
  std::vector<ColumnAcc> acc(pschema->num_columns());
  for (int c = 0; c < pschema->num_columns(); ++c) {
    const parquet::ColumnDescriptor* descr = pschema->Column(c);
    auto path = descr->path()->ToDotVector();
    if (path.size() != 1) continue;  // nested: no metrics
    int id = descr->schema_node()->field_id();
    const NestedField* field =
        id >= 0 ? schema.FindFieldById(id) : schema.FindField(path[0]);
    // Only top-level fields: an id that names a nested field is not ours to describe.
    if (field == nullptr || schema.FindField(field->name) != field) continue;
    if (!field->type.is_primitive()) continue;
    acc[c].field = field;
  }

  for (int rg = 0; rg < metadata.num_row_groups(); ++rg) {
    auto row_group = metadata.RowGroup(rg);
    if (row_group->num_columns() > 0) {
      auto first = row_group->ColumnChunk(0);
      f.split_offsets.push_back(first->has_dictionary_page()
                                    ? first->dictionary_page_offset()
                                    : first->data_page_offset());
    }
    for (int c = 0; c < row_group->num_columns(); ++c) {
      ColumnAcc& a = acc[c];
      if (a.field == nullptr) continue;
      auto chunk = row_group->ColumnChunk(c);
      a.size += chunk->total_compressed_size();
      a.values += chunk->num_values();
      std::shared_ptr<parquet::Statistics> stats =
          chunk->is_stats_set() ? chunk->statistics() : nullptr;
      if (stats == nullptr) {
        a.nulls_known = false;
        a.bounds_known = a.bounds_known && chunk->num_values() == 0;
        continue;
      }
      if (stats->HasNullCount()) {
        a.nulls += stats->null_count();
      } else {
        a.nulls_known = false;
      }
      if (!stats->HasMinMax()) {
        // A row group of nulls only has no bounds and needs none.
        bool all_null =
            stats->HasNullCount() && stats->null_count() == chunk->num_values();
        a.bounds_known = a.bounds_known && all_null;
        continue;
      }
      bool decimal = a.field->type.id == TypeId::kDecimal;
      ARROW_ASSIGN_OR_RAISE(Bounds b, ReadBounds(*stats, *pschema->Column(c), decimal));
      if (!b.min || !b.max || !KeyFits(a.field->type, *b.min)) {
        a.bounds_known = false;
        continue;
      }
      if (!a.min || *b.min < *a.min) a.min = b.min;
      if (!a.max || *a.max < *b.max) a.max = b.max;
    }
  }
  std::sort(f.split_offsets.begin(), f.split_offsets.end());

  for (const ColumnAcc& a : acc) {
    if (a.field == nullptr) continue;
    int32_t id = a.field->id;
    f.column_sizes[id] = a.size;
    f.value_counts[id] = a.values;
    if (a.nulls_known) f.null_value_counts[id] = a.nulls;
    if (a.bounds_known && a.min && a.max) {
      if (auto lo = Serialize(a.field->type, *a.min, false, options.truncate_length)) {
        f.lower_bounds[id] = *lo;
      }
      if (auto hi = Serialize(a.field->type, *a.max, true, options.truncate_length)) {
        f.upper_bounds[id] = *hi;
      }
    }
  }
  return f;
}

}  // namespace pgtide::iceberg
