#include "pgtide/iceberg/avro_binary_internal.h"

#include <zlib.h>

#include <cstring>

namespace pgtide::iceberg::internal {

void PutLong(std::string* out, int64_t v) {
  uint64_t z = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  while (z >= 0x80) {
    out->push_back(static_cast<char>((z & 0x7f) | 0x80));
    z >>= 7;
  }
  out->push_back(static_cast<char>(z));
}

void PutBytes(std::string* out, std::string_view v) {
  PutLong(out, static_cast<int64_t>(v.size()));
  out->append(v);
}

// Avro floats and doubles are little-endian IEEE 754; so is every platform we build on.
void PutFloat(std::string* out, float v) {
  char b[sizeof v];
  std::memcpy(b, &v, sizeof v);
  out->append(b, sizeof v);
}

void PutDouble(std::string* out, double v) {
  char b[sizeof v];
  std::memcpy(b, &v, sizeof v);
  out->append(b, sizeof v);
}

arrow::Result<int64_t> Decoder::Long() {
  uint64_t z = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (pos_ >= data_.size())
      return arrow::Status::Invalid("Avro data ends inside a varint");
    uint8_t b = static_cast<uint8_t>(data_[pos_++]);
    z |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return static_cast<int64_t>((z >> 1) ^ (~(z & 1) + 1));
  }
  return arrow::Status::Invalid("Avro varint longer than 10 bytes");
}

arrow::Result<std::string_view> Decoder::Raw(size_t n) {
  if (n > data_.size() - pos_) {
    return arrow::Status::Invalid("Avro data ends inside a value of ", n, " bytes");
  }
  std::string_view out = data_.substr(pos_, n);
  pos_ += n;
  return out;
}

arrow::Result<std::string_view> Decoder::Bytes() {
  ARROW_ASSIGN_OR_RAISE(int64_t n, Long());
  if (n < 0) return arrow::Status::Invalid("negative Avro byte length ", n);
  return Raw(static_cast<size_t>(n));
}

arrow::Result<float> Decoder::Float() {
  ARROW_ASSIGN_OR_RAISE(auto raw, Raw(sizeof(float)));
  float v;
  std::memcpy(&v, raw.data(), sizeof v);
  return v;
}

arrow::Result<double> Decoder::Double() {
  ARROW_ASSIGN_OR_RAISE(auto raw, Raw(sizeof(double)));
  double v;
  std::memcpy(&v, raw.data(), sizeof v);
  return v;
}

arrow::Result<std::string> Deflate(std::string_view data) {
  z_stream zs{};
  // Negative window bits: raw deflate without the zlib header and checksum.
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return arrow::Status::OutOfMemory("deflateInit2 failed");
  }
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return arrow::Status::IOError("deflate failed: ", rc);
  return out;
}

arrow::Result<std::string> Inflate(std::string_view data) {
  z_stream zs{};
  if (inflateInit2(&zs, -15) != Z_OK)
    return arrow::Status::OutOfMemory("inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char chunk[64 * 1024];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof chunk;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      return arrow::Status::Invalid("corrupt deflate block in Avro file (zlib ", rc, ")");
    }
    out.append(chunk, sizeof chunk - zs.avail_out);
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
      inflateEnd(&zs);
      return arrow::Status::Invalid("truncated deflate block in Avro file");
    }
  }
  inflateEnd(&zs);
  return out;
}

}  // namespace pgtide::iceberg::internal
