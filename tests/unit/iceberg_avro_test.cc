#include <fmt/format.h>
#include <gtest/gtest.h>

#include "iceberg_test_util.h"
#include "pgtide/iceberg/avro_reader.h"
#include "pgtide/iceberg/avro_writer.h"

namespace pgtide::iceberg {
namespace {

using V = AvroValue;

std::string Hex(const std::string& s) {
  std::string out;
  for (unsigned char c : s) out += fmt::format("{:02x}", c);
  return out;
}

// One field of every kind the manifests use, with Iceberg's id attributes.
constexpr char kAllTypes[] = R"({"type":"record","name":"all","fields":[
  {"name":"n","type":"null","field-id":1},
  {"name":"b","type":"boolean","field-id":2},
  {"name":"i","type":"int","field-id":3},
  {"name":"l","type":"long","field-id":4},
  {"name":"f","type":"float","field-id":5},
  {"name":"d","type":"double","field-id":6},
  {"name":"by","type":"bytes","field-id":7},
  {"name":"s","type":"string","field-id":8},
  {"name":"fx","type":{"type":"fixed","name":"fixed_3","size":3},"field-id":9},
  {"name":"opt","type":["null","long"],"default":null,"field-id":10},
  {"name":"arr","type":{"type":"array","items":"int","element-id":12},"field-id":11},
  {"name":"m","type":{"type":"map","values":"long","key-id":14,"value-id":15},"field-id":13},
  {"name":"kv","type":{"type":"array","logicalType":"map","items":{"type":"record",
    "name":"k17_v18","fields":[{"name":"key","type":"int","field-id":17},
    {"name":"value","type":"bytes","field-id":18}]}},"field-id":16},
  {"name":"rec","type":{"type":"record","name":"r19","fields":[
    {"name":"x","type":["null",{"type":"int","logicalType":"date"}],"field-id":20}]},
   "field-id":19},
  {"name":"again","type":["null","fixed_3"],"field-id":21},
  {"name":"e","type":{"type":"enum","name":"color","symbols":["red","green"]},"field-id":22}
]})";

V AllTypesRecord(int64_t seed) {
  return V::Record({
      {"n", V::Null()},
      {"b", V::Boolean(seed % 2 == 0)},
      {"i", V::Int(static_cast<int32_t>(-seed))},
      {"l", V::Long(seed * 1'000'000'000'000LL)},
      {"f", V::Float(1.5f)},
      {"d", V::Double(-2.25)},
      {"by", V::Bytes(std::string("\x00\xff\x10", 3))},
      {"s", V::String("zürich")},
      {"fx", V::Fixed("abc")},
      {"opt", seed % 2 ? V::Long(seed) : V::Null()},
      {"arr", V::Array({V::Int(1), V::Int(2), V::Int(3)})},
      {"m", V::Map({{"a", V::Long(1)}, {"b", V::Long(-2)}})},
      {"kv", V::Array({V::Record({{"key", V::Int(7)}, {"value", V::Bytes("x")}})})},
      {"rec", V::Record({{"x", V::Int(19700)}})},
      {"again", V::Fixed("xyz")},
      {"e", V::Enum("green")},
  });
}

TEST(AvroEncoding, ZigZagVarints) {
  AvroSchema long_schema = AvroSchema::Parse(R"("long")").ValueOrDie();
  auto encode = [&](int64_t v) {
    std::string out;
    EXPECT_TRUE(EncodeAvroDatum(long_schema.root(), V::Long(v), &out).ok());
    return Hex(out);
  };
  EXPECT_EQ(encode(0), "00");
  EXPECT_EQ(encode(-1), "01");
  EXPECT_EQ(encode(1), "02");
  EXPECT_EQ(encode(-64), "7f");
  EXPECT_EQ(encode(64), "8001");
  EXPECT_EQ(encode(INT64_MAX), "feffffffffffffffff01");
  EXPECT_EQ(encode(INT64_MIN), "ffffffffffffffffff01");
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{300}, INT64_MIN, INT64_MAX}) {
    std::string out;
    ICE_ASSERT_OK(EncodeAvroDatum(long_schema.root(), V::Long(v), &out));
    ICE_ASSIGN_OR_FAIL(V back, DecodeAvroDatum(long_schema.root(), out));
    EXPECT_EQ(back.integer(), v);
  }
}

TEST(AvroEncoding, StringsAndUnions) {
  ICE_ASSIGN_OR_FAIL(auto schema, AvroSchema::Parse(R"(["null","string"])"));
  std::string out;
  ICE_ASSERT_OK(EncodeAvroDatum(schema.root(), V::String("ab"), &out));
  EXPECT_EQ(Hex(out), "02046162");  // branch 1, length 2, "ab"
  out.clear();
  ICE_ASSERT_OK(EncodeAvroDatum(schema.root(), V::Null(), &out));
  EXPECT_EQ(Hex(out), "00");
}

class AvroFileRoundTrip : public ::testing::TestWithParam<AvroCodec> {};

TEST_P(AvroFileRoundTrip, EveryTypeAndTheHeader) {
  std::vector<V> records;
  for (int i = 0; i < 50; ++i) records.push_back(AllTypesRecord(i));
  AvroWriterOptions options;
  options.codec = GetParam();
  options.block_bytes = 256;  // several blocks
  ICE_ASSIGN_OR_FAIL(
      std::string bytes,
      WriteAvroFile(kAllTypes, {{"format-version", "2"}}, records, options));
  ICE_ASSIGN_OR_FAIL(AvroFile file, ReadAvroFile(bytes));
  EXPECT_EQ(file.schema.json(), kAllTypes);  // verbatim, ids and all
  EXPECT_EQ(file.Meta("format-version"), "2");
  EXPECT_EQ(file.Meta("avro.codec"),
            GetParam() == AvroCodec::kDeflate ? "deflate" : "null");
  ASSERT_EQ(file.records.size(), records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(file.records[i], records[i]) << file.records[i].ToString();
  }
  // The parsed writer schema exposes the ids.
  const AvroNode& root = file.schema.root();
  EXPECT_EQ(root.FindField("kv")->field_id, 16);
  EXPECT_EQ(root.FindField("arr")->node->element_id, 12);
  EXPECT_EQ(root.FindField("m")->node->key_id, 14);
  EXPECT_EQ(root.FindField("kv")->node->logical_type, "map");
}

INSTANTIATE_TEST_SUITE_P(Codecs, AvroFileRoundTrip,
                         ::testing::Values(AvroCodec::kNull, AvroCodec::kDeflate));

TEST(AvroWriter, MissingOptionalFieldIsNullButRequiredFails) {
  constexpr char kSchema[] = R"({"type":"record","name":"r","fields":[
      {"name":"a","type":"int"},{"name":"b","type":["null","string"]}]})";
  ICE_ASSIGN_OR_FAIL(auto w, AvroWriter::Make(kSchema, {}));
  ICE_ASSERT_OK(w->Append(V::Record({{"a", V::Int(1)}})));
  arrow::Status missing = w->Append(V::Record({{"b", V::String("x")}}));
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("\"a\""), std::string::npos) << missing.ToString();
  EXPECT_FALSE(w->Append(V::Record({{"a", V::Int(1)}, {"typo", V::Int(2)}})).ok());
  EXPECT_FALSE(w->Append(V::Record({{"a", V::String("1")}})).ok());
  EXPECT_FALSE(w->Append(V::Record({{"a", V::Long(int64_t{1} << 40)}})).ok());
  ICE_ASSIGN_OR_FAIL(std::string bytes, w->Finish());
  ICE_ASSIGN_OR_FAIL(AvroFile file, ReadAvroFile(bytes));
  ASSERT_EQ(file.records.size(), 1u);
  EXPECT_TRUE(file.records[0].Find("b")->is_null());
}

TEST(AvroWriter, ReservedMetadataKeysAreRefused) {
  EXPECT_FALSE(AvroWriter::Make(R"("int")", {{"avro.schema", "x"}}).ok());
  EXPECT_FALSE(AvroWriter::Make(R"({"type":"nope"})", {}).ok());
}

TEST(AvroReader, NegativeBlockCountsAndNamedReferences) {
  // An array block written with a negative count carries its byte size: [-2, size, 1, 2,
  // 0].
  ICE_ASSIGN_OR_FAIL(auto schema, AvroSchema::Parse(R"({"type":"array","items":"int"})"));
  std::string bytes = "\x03\x04\x02\x04";
  bytes.push_back('\0');
  ICE_ASSIGN_OR_FAIL(V v, DecodeAvroDatum(schema.root(), bytes));
  ASSERT_EQ(v.items().size(), 2u);
  EXPECT_EQ(v.items()[1].integer(), 2);

  ICE_ASSIGN_OR_FAIL(auto named, AvroSchema::Parse(R"({"type":"record","name":"a.outer",
      "fields":[{"name":"x","type":{"type":"fixed","name":"f2","size":2}},
                {"name":"y","type":"f2"},{"name":"z","type":"a.f2"}]})"));
  EXPECT_EQ(named.root().fields[1].node->size, 2);
  EXPECT_EQ(named.root().fields[2].node->size, 2);
}

TEST(AvroReader, RejectsBrokenFiles) {
  ICE_ASSIGN_OR_FAIL(std::string good,
                     WriteAvroFile(R"("long")", {}, {V::Long(1), V::Long(2)}));
  EXPECT_FALSE(ReadAvroFile("Obj").ok());
  EXPECT_FALSE(ReadAvroFile("Objx" + good.substr(4)).ok());
  EXPECT_FALSE(ReadAvroFile(good.substr(0, good.size() - 3)).ok());
  std::string bad_sync = good;
  bad_sync.back() ^= 1;
  EXPECT_FALSE(ReadAvroFile(bad_sync).ok());
  ICE_ASSIGN_OR_FAIL(AvroFile file, ReadAvroFile(good));
  EXPECT_EQ(file.records.size(), 2u);
}

TEST(AvroReader, UnsupportedCodecIsNamed) {
  ICE_ASSIGN_OR_FAIL(std::string bytes,
                     WriteAvroFile(R"("long")", {}, {V::Long(1)}, {AvroCodec::kNull}));
  // Rewrite the codec name in place: "null" -> "zstd" keeps every length.
  auto pos = bytes.find("null");
  ASSERT_NE(pos, std::string::npos);
  bytes.replace(pos, 4, "zstd");
  auto st = ReadAvroFile(bytes).status();
  EXPECT_TRUE(st.IsNotImplemented()) << st.ToString();
  EXPECT_NE(st.message().find("zstd"), std::string::npos);
}

}  // namespace
}  // namespace pgtide::iceberg
