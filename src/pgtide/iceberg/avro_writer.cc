#include "pgtide/iceberg/avro_writer.h"

#include <limits>
#include <random>

#include "pgtide/iceberg/avro_binary_internal.h"

namespace pgtide::iceberg {

namespace {

using Kind = AvroValue::Kind;
using Type = AvroNode::Type;

constexpr char kMagic[] = {'O', 'b', 'j', '\x01'};

bool IsNumber(Kind k) {
  return k == Kind::kInt || k == Kind::kLong || k == Kind::kFloat || k == Kind::kDouble;
}

// Whether `value` can be written as `node`; picks the branch of a union.
bool Accepts(const AvroNode& node, const AvroValue& value) {
  Kind k = value.kind();
  switch (node.type) {
    case Type::kNull:
      return k == Kind::kNull;
    case Type::kBoolean:
      return k == Kind::kBoolean;
    case Type::kInt:
    case Type::kLong:
      return k == Kind::kInt || k == Kind::kLong;
    case Type::kFloat:
    case Type::kDouble:
      return IsNumber(k);
    case Type::kBytes:
    case Type::kString:
      return k == Kind::kBytes || k == Kind::kString;
    case Type::kFixed:
      return (k == Kind::kFixed || k == Kind::kBytes) &&
             value.str().size() == static_cast<size_t>(node.size);
    case Type::kEnum:
      return k == Kind::kEnum;
    case Type::kRecord:
      return k == Kind::kRecord;
    case Type::kArray:
      return k == Kind::kArray;
    case Type::kMap:
      return k == Kind::kMap;
    case Type::kUnion:
      return false;
  }
  return false;
}

arrow::Status Mismatch(const AvroNode& node, const AvroValue& value) {
  static const char* kNames[] = {"null",   "boolean", "int",    "long",  "float",
                                 "double", "bytes",   "string", "fixed", "enum",
                                 "record", "array",   "map",    "union"};
  return arrow::Status::TypeError("cannot write ", value.ToString(), " as Avro ",
                                  kNames[static_cast<int>(node.type)]);
}

}  // namespace

arrow::Status EncodeAvroDatum(const AvroNode& node, const AvroValue& value,
                              std::string* out) {
  if (node.type == Type::kUnion) {
    for (size_t i = 0; i < node.children.size(); ++i) {
      if (Accepts(*node.children[i], value)) {
        internal::PutLong(out, static_cast<int64_t>(i));
        return EncodeAvroDatum(*node.children[i], value, out);
      }
    }
    return arrow::Status::TypeError("no branch of the Avro union accepts ",
                                    value.ToString());
  }
  if (!Accepts(node, value)) return Mismatch(node, value);
  switch (node.type) {
    case Type::kNull:
      return arrow::Status::OK();
    case Type::kBoolean:
      out->push_back(value.boolean() ? 1 : 0);
      return arrow::Status::OK();
    case Type::kInt:
      if (value.integer() < std::numeric_limits<int32_t>::min() ||
          value.integer() > std::numeric_limits<int32_t>::max()) {
        return arrow::Status::Invalid("value ", value.integer(),
                                      " out of range of Avro int");
      }
      internal::PutLong(out, value.integer());
      return arrow::Status::OK();
    case Type::kLong:
      internal::PutLong(out, value.integer());
      return arrow::Status::OK();
    case Type::kFloat:
    case Type::kDouble: {
      double d = value.kind() == Kind::kInt || value.kind() == Kind::kLong
                     ? static_cast<double>(value.integer())
                     : value.real();
      if (node.type == Type::kFloat) {
        internal::PutFloat(out, static_cast<float>(d));
      } else {
        internal::PutDouble(out, d);
      }
      return arrow::Status::OK();
    }
    case Type::kBytes:
    case Type::kString:
      internal::PutBytes(out, value.str());
      return arrow::Status::OK();
    case Type::kFixed:
      out->append(value.str());
      return arrow::Status::OK();
    case Type::kEnum:
      for (size_t i = 0; i < node.symbols.size(); ++i) {
        if (node.symbols[i] == value.str()) {
          internal::PutLong(out, static_cast<int64_t>(i));
          return arrow::Status::OK();
        }
      }
      return arrow::Status::Invalid("\"", value.str(), "\" is not a symbol of enum ",
                                    node.name);
    case Type::kRecord: {
      for (const auto& [name, unused] : value.fields()) {
        if (node.FindField(name) == nullptr) {
          return arrow::Status::Invalid("record ", node.name, " has no field \"", name,
                                        "\"");
        }
      }
      static const AvroValue kNull;
      for (const auto& field : node.fields) {
        const AvroValue* v = value.Find(field.name);
        arrow::Status st = EncodeAvroDatum(*field.node, v ? *v : kNull, out);
        if (!st.ok()) {
          return st.WithMessage("field \"", field.name, "\" of ", node.name, ": ",
                                st.message());
        }
      }
      return arrow::Status::OK();
    }
    case Type::kArray:
      if (!value.items().empty()) {
        internal::PutLong(out, static_cast<int64_t>(value.items().size()));
        for (const auto& item : value.items()) {
          ARROW_RETURN_NOT_OK(EncodeAvroDatum(*node.children[0], item, out));
        }
      }
      internal::PutLong(out, 0);
      return arrow::Status::OK();
    case Type::kMap:
      if (!value.fields().empty()) {
        internal::PutLong(out, static_cast<int64_t>(value.fields().size()));
        for (const auto& [key, v] : value.fields()) {
          internal::PutBytes(out, key);
          ARROW_RETURN_NOT_OK(EncodeAvroDatum(*node.children[0], v, out));
        }
      }
      internal::PutLong(out, 0);
      return arrow::Status::OK();
    case Type::kUnion:
      break;
  }
  return arrow::Status::UnknownError("unreachable Avro type");
}

arrow::Result<std::unique_ptr<AvroWriter>> AvroWriter::Make(
    std::string schema_json, const std::map<std::string, std::string>& metadata,
    AvroWriterOptions options) {
  ARROW_ASSIGN_OR_RAISE(AvroSchema schema, AvroSchema::Parse(std::move(schema_json)));
  if (options.sync_marker.empty()) {
    // Seeded once per thread: a std::random_device per file was 1 % of the CPU of a run
    // of 200 small tables (a marker needs to be unlikely in the data, not secret).
    static thread_local std::mt19937_64 rng(std::random_device{}());
    for (int i = 0; i < 2; ++i) {
      const uint64_t r = rng();
      for (int b = 0; b < 8; ++b)
        options.sync_marker.push_back(static_cast<char>((r >> (8 * b)) & 0xff));
    }
  }
  if (options.sync_marker.size() != 16) {
    return arrow::Status::Invalid("Avro sync marker must be 16 bytes");
  }
  std::unique_ptr<AvroWriter> w(new AvroWriter(std::move(schema), std::move(options)));
  w->out_.append(kMagic, sizeof kMagic);
  std::map<std::string, std::string> header = metadata;
  for (const char* reserved : {"avro.schema", "avro.codec"}) {
    if (header.count(reserved)) {
      return arrow::Status::Invalid("Avro metadata key ", reserved, " is reserved");
    }
  }
  header["avro.schema"] = w->schema_.json();
  header["avro.codec"] = w->options_.codec == AvroCodec::kDeflate ? "deflate" : "null";
  internal::PutLong(&w->out_, static_cast<int64_t>(header.size()));
  for (const auto& [key, value] : header) {
    internal::PutBytes(&w->out_, key);
    internal::PutBytes(&w->out_, value);
  }
  internal::PutLong(&w->out_, 0);
  w->out_.append(w->options_.sync_marker);
  return w;
}

arrow::Status AvroWriter::Append(const AvroValue& datum) {
  if (finished_) return arrow::Status::Invalid("Avro writer already finished");
  ARROW_RETURN_NOT_OK(EncodeAvroDatum(schema_.root(), datum, &block_));
  ++block_records_;
  ++num_records_;
  if (static_cast<int64_t>(block_.size()) >= options_.block_bytes) return FlushBlock();
  return arrow::Status::OK();
}

arrow::Status AvroWriter::FlushBlock() {
  if (block_records_ == 0) return arrow::Status::OK();
  std::string payload;
  if (options_.codec == AvroCodec::kDeflate) {
    ARROW_ASSIGN_OR_RAISE(payload, internal::Deflate(block_));
  } else {
    payload.swap(block_);
  }
  internal::PutLong(&out_, block_records_);
  internal::PutBytes(&out_, payload);
  out_.append(options_.sync_marker);
  block_.clear();
  block_records_ = 0;
  return arrow::Status::OK();
}

arrow::Result<std::string> AvroWriter::Finish() {
  if (finished_) return arrow::Status::Invalid("Avro writer already finished");
  ARROW_RETURN_NOT_OK(FlushBlock());
  finished_ = true;
  return std::move(out_);
}

arrow::Result<std::string> WriteAvroFile(
    std::string schema_json, const std::map<std::string, std::string>& metadata,
    const std::vector<AvroValue>& records, AvroWriterOptions options) {
  ARROW_ASSIGN_OR_RAISE(auto writer, AvroWriter::Make(std::move(schema_json), metadata,
                                                      std::move(options)));
  for (const auto& r : records) ARROW_RETURN_NOT_OK(writer->Append(r));
  return writer->Finish();
}

}  // namespace pgtide::iceberg
