// WholePartStream hands the stream under it whole 10 MiB parts while it is written and
// the rest only on close, byte for byte what was written; an abort reaches it unclosed.

#include "pgtide/storage/whole_part_stream.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pgtide::storage {
namespace {

constexpr int64_t kPart = WholePartStream::kPartBytes;

/// Records what reaches it, as Arrow's S3 stream would receive it.
class RecordingStream : public arrow::io::OutputStream {
 public:
  arrow::Status Write(const void* data, int64_t nbytes) override {
    writes.push_back(nbytes);
    bytes.append(static_cast<const char*>(data), static_cast<size_t>(nbytes));
    return arrow::Status::OK();
  }
  using arrow::io::Writable::Write;
  arrow::Status Close() override {
    closed_ = true;
    return arrow::Status::OK();
  }
  arrow::Status Abort() override {
    aborted = closed_ = true;
    return arrow::Status::OK();
  }
  arrow::Result<int64_t> Tell() const override {
    return static_cast<int64_t>(bytes.size());
  }
  bool closed() const override { return closed_; }

  std::vector<int64_t> writes;
  std::string bytes;
  bool aborted = false;

 private:
  bool closed_ = false;
};

std::string Pattern(int64_t n, int seed) {
  std::string s(static_cast<size_t>(n), '\0');
  for (int64_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 31 + seed) % 251);
  return s;
}

TEST(WholePartStream, HandsOverWholePartsWhileWrittenAndTheRestOnClose) {
  auto inner = std::make_shared<RecordingStream>();
  auto stream = WholePartStream::Make(inner);
  std::string expected;
  // Uneven writes, as a Parquet writer's page headers and pages.
  for (int i = 0; expected.size() < static_cast<size_t>(2 * kPart + 12345); ++i) {
    std::string chunk = Pattern(1000 + (i * 7919) % 300000, i);
    ASSERT_TRUE(stream->Write(chunk.data(), static_cast<int64_t>(chunk.size())).ok());
    expected += chunk;
    EXPECT_EQ(*stream->Tell(), static_cast<int64_t>(expected.size()));
    for (int64_t w : inner->writes)
      EXPECT_EQ(w % kPart, 0) << "a partial part before close";
  }
  EXPECT_EQ(static_cast<int64_t>(inner->bytes.size()), 2 * kPart);
  ASSERT_TRUE(stream->Close().ok());
  EXPECT_TRUE(inner->closed());
  EXPECT_TRUE(inner->bytes == expected);
  EXPECT_TRUE(stream->closed());
  EXPECT_FALSE(stream->Write("x", 1).ok());
}

TEST(WholePartStream, ASmallObjectReachesTheInnerStreamOnlyOnClose) {
  auto inner = std::make_shared<RecordingStream>();
  auto stream = WholePartStream::Make(inner);
  const std::string body = Pattern(300000, 3);
  ASSERT_TRUE(stream->Write(body.data(), static_cast<int64_t>(body.size())).ok());
  ASSERT_TRUE(stream->Flush().ok());
  EXPECT_TRUE(inner->writes.empty());
  ASSERT_TRUE(stream->CloseAsync().status().ok());
  EXPECT_EQ(inner->writes, std::vector<int64_t>{300000});
  EXPECT_TRUE(inner->bytes == body);
}

TEST(WholePartStream, AbortReachesTheInnerStreamWithoutTheBufferedBytes) {
  auto inner = std::make_shared<RecordingStream>();
  auto stream = WholePartStream::Make(inner);
  ASSERT_TRUE(stream->Write("partial", 7).ok());
  ASSERT_TRUE(stream->Abort().ok());
  EXPECT_TRUE(inner->aborted);
  EXPECT_TRUE(inner->bytes.empty());
  ASSERT_TRUE(stream->Close().ok());  // closing an aborted stream changes nothing
  EXPECT_TRUE(inner->bytes.empty());
}

}  // namespace
}  // namespace pgtide::storage
