#include "pgtide/iceberg/avro_reader.h"

#include <cstring>

#include "pgtide/iceberg/avro_binary_internal.h"

namespace pgtide::iceberg {

namespace {

using Type = AvroNode::Type;
using internal::Decoder;

// Both arrays and maps come in blocks: a count, then items; a negative count is followed
// by the block's size in bytes; a zero count ends the sequence.
arrow::Result<int64_t> BlockCount(Decoder* d) {
  ARROW_ASSIGN_OR_RAISE(int64_t n, d->Long());
  if (n < 0) {
    ARROW_ASSIGN_OR_RAISE(int64_t unused_size, d->Long());
    (void)unused_size;
    n = -n;
  }
  return n;
}

arrow::Result<AvroValue> Decode(const AvroNode& node, Decoder* d, int depth) {
  if (depth > 64) return arrow::Status::Invalid("Avro value nested deeper than 64");
  switch (node.type) {
    case Type::kNull:
      return AvroValue::Null();
    case Type::kBoolean: {
      ARROW_ASSIGN_OR_RAISE(auto b, d->Raw(1));
      return AvroValue::Boolean(b[0] != 0);
    }
    case Type::kInt: {
      ARROW_ASSIGN_OR_RAISE(int64_t v, d->Long());
      return AvroValue::Int(static_cast<int32_t>(v));
    }
    case Type::kLong: {
      ARROW_ASSIGN_OR_RAISE(int64_t v, d->Long());
      return AvroValue::Long(v);
    }
    case Type::kFloat: {
      ARROW_ASSIGN_OR_RAISE(float v, d->Float());
      return AvroValue::Float(v);
    }
    case Type::kDouble: {
      ARROW_ASSIGN_OR_RAISE(double v, d->Double());
      return AvroValue::Double(v);
    }
    case Type::kBytes: {
      ARROW_ASSIGN_OR_RAISE(auto v, d->Bytes());
      return AvroValue::Bytes(std::string(v));
    }
    case Type::kString: {
      ARROW_ASSIGN_OR_RAISE(auto v, d->Bytes());
      return AvroValue::String(std::string(v));
    }
    case Type::kFixed: {
      ARROW_ASSIGN_OR_RAISE(auto v, d->Raw(static_cast<size_t>(node.size)));
      return AvroValue::Fixed(std::string(v));
    }
    case Type::kEnum: {
      ARROW_ASSIGN_OR_RAISE(int64_t i, d->Long());
      if (i < 0 || i >= static_cast<int64_t>(node.symbols.size())) {
        return arrow::Status::Invalid("enum index ", i, " out of range in ", node.name);
      }
      return AvroValue::Enum(node.symbols[i]);
    }
    case Type::kRecord: {
      std::vector<AvroValue::Field> fields;
      fields.reserve(node.fields.size());
      for (const auto& f : node.fields) {
        ARROW_ASSIGN_OR_RAISE(auto v, Decode(*f.node, d, depth + 1));
        fields.emplace_back(f.name, std::move(v));
      }
      return AvroValue::Record(std::move(fields));
    }
    case Type::kArray: {
      std::vector<AvroValue> items;
      for (;;) {
        ARROW_ASSIGN_OR_RAISE(int64_t n, BlockCount(d));
        if (n == 0) break;
        for (int64_t i = 0; i < n; ++i) {
          ARROW_ASSIGN_OR_RAISE(auto v, Decode(*node.children[0], d, depth + 1));
          items.push_back(std::move(v));
        }
      }
      return AvroValue::Array(std::move(items));
    }
    case Type::kMap: {
      std::vector<AvroValue::Field> entries;
      for (;;) {
        ARROW_ASSIGN_OR_RAISE(int64_t n, BlockCount(d));
        if (n == 0) break;
        for (int64_t i = 0; i < n; ++i) {
          ARROW_ASSIGN_OR_RAISE(auto key, d->Bytes());
          ARROW_ASSIGN_OR_RAISE(auto v, Decode(*node.children[0], d, depth + 1));
          entries.emplace_back(std::string(key), std::move(v));
        }
      }
      return AvroValue::Map(std::move(entries));
    }
    case Type::kUnion: {
      ARROW_ASSIGN_OR_RAISE(int64_t i, d->Long());
      if (i < 0 || i >= static_cast<int64_t>(node.children.size())) {
        return arrow::Status::Invalid("union branch ", i, " out of range");
      }
      return Decode(*node.children[i], d, depth + 1);
    }
  }
  return arrow::Status::UnknownError("unreachable Avro type");
}

}  // namespace

std::string AvroFile::Meta(const std::string& key) const {
  auto it = metadata.find(key);
  return it == metadata.end() ? std::string() : it->second;
}

arrow::Result<AvroValue> DecodeAvroDatum(const AvroNode& node, std::string_view bytes) {
  Decoder d(bytes);
  return Decode(node, &d, 0);
}

arrow::Result<AvroFile> ReadAvroFile(std::string_view bytes) {
  if (bytes.size() < 4 || std::memcmp(bytes.data(), "Obj\x01", 4) != 0) {
    return arrow::Status::Invalid("not an Avro object container file (bad magic)");
  }
  Decoder d(bytes.substr(4));
  AvroFile file;
  for (;;) {
    ARROW_ASSIGN_OR_RAISE(int64_t n, BlockCount(&d));
    if (n == 0) break;
    for (int64_t i = 0; i < n; ++i) {
      ARROW_ASSIGN_OR_RAISE(auto key, d.Bytes());
      ARROW_ASSIGN_OR_RAISE(auto value, d.Bytes());
      file.metadata[std::string(key)] = std::string(value);
    }
  }
  ARROW_ASSIGN_OR_RAISE(auto sync, d.Raw(16));
  auto schema_it = file.metadata.find("avro.schema");
  if (schema_it == file.metadata.end()) {
    return arrow::Status::Invalid("Avro file header has no avro.schema");
  }
  ARROW_ASSIGN_OR_RAISE(file.schema, AvroSchema::Parse(schema_it->second));
  std::string codec = file.Meta("avro.codec");
  if (codec.empty()) codec = "null";
  if (codec != "null" && codec != "deflate") {
    return arrow::Status::NotImplemented("Avro codec \"", codec, "\" is not supported",
                                         " (only null and deflate)");
  }
  while (!d.AtEnd()) {
    ARROW_ASSIGN_OR_RAISE(int64_t count, d.Long());
    ARROW_ASSIGN_OR_RAISE(auto payload, d.Bytes());
    ARROW_ASSIGN_OR_RAISE(auto marker, d.Raw(16));
    if (marker != sync) return arrow::Status::Invalid("Avro block sync marker mismatch");
    std::string inflated;
    if (codec == "deflate") {
      ARROW_ASSIGN_OR_RAISE(inflated, internal::Inflate(payload));
      payload = inflated;
    }
    Decoder block(payload);
    for (int64_t i = 0; i < count; ++i) {
      ARROW_ASSIGN_OR_RAISE(auto v, Decode(file.schema.root(), &block, 0));
      file.records.push_back(std::move(v));
    }
  }
  return file;
}

}  // namespace pgtide::iceberg
