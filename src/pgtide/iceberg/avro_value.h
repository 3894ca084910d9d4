#pragma once

// A generic, schema-less value tree for Avro data: what the reader produces and what the
// writer consumes. Records keep their fields in order, with names, so callers can build
// them by name and read them back by name.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgtide::iceberg {

/// One Avro datum. Unions are transparent: a union value is its branch's value.
class AvroValue {
 public:
  enum class Kind {
    kNull,
    kBoolean,
    kInt,
    kLong,
    kFloat,
    kDouble,
    kBytes,
    kString,
    kFixed,
    kEnum,
    kRecord,
    kArray,
    kMap
  };
  using Field = std::pair<std::string, AvroValue>;

  /// Construct a null.
  AvroValue() = default;

  static AvroValue Null() { return AvroValue(); }
  static AvroValue Boolean(bool v);
  static AvroValue Int(int32_t v);
  static AvroValue Long(int64_t v);
  static AvroValue Float(float v);
  static AvroValue Double(double v);
  static AvroValue Bytes(std::string v);
  static AvroValue String(std::string v);
  static AvroValue Fixed(std::string v);
  /// An enum symbol; the writer looks up its index in the schema.
  static AvroValue Enum(std::string symbol);
  /// A record whose fields are matched to the schema by name.
  static AvroValue Record(std::vector<Field> fields);
  static AvroValue Array(std::vector<AvroValue> items);
  /// A native Avro map (string keys).
  static AvroValue Map(std::vector<Field> entries);

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool boolean() const { return int_ != 0; }
  /// The integer of an int or long.
  int64_t integer() const { return int_; }
  /// The number of a float or double.
  double real() const { return real_; }
  /// The payload of bytes, string, fixed or an enum symbol.
  const std::string& str() const { return str_; }
  /// The items of an array.
  const std::vector<AvroValue>& items() const { return items_; }
  /// The fields of a record or the entries of a map.
  const std::vector<Field>& fields() const { return fields_; }

  /// Return the record field named `name`, or nullptr when absent.
  const AvroValue* Find(std::string_view name) const;

  bool operator==(const AvroValue& other) const;

  /// Render the value as JSON-like text, for test failure messages.
  std::string ToString() const;

 private:
  Kind kind_ = Kind::kNull;
  int64_t int_ = 0;
  double real_ = 0;
  std::string str_;
  std::vector<AvroValue> items_;
  std::vector<Field> fields_;
};

}  // namespace pgtide::iceberg
