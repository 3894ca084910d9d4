#pragma once

#include <arrow/io/interfaces.h>
#include <arrow/result.h>
#include <arrow/util/future.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace pgtide::storage {

/// An output stream that hands the S3 object stream under it whole upload parts only,
/// and the rest on close: the object's bytes wait in a buffer that grows as they come.
///
/// Why: Arrow's S3 stream copies any write that does not fill a part into a buffer of a
/// full part's capacity (10 MiB) and keeps it until the part fills or the object closes.
/// An open data file of a few hundred KiB held such a buffer for its whole life; with
/// the buffers recycled (part_buffer_pool.h), each would be resident in full. Written
/// through this stream, a part buffer exists only from the close to the end of its
/// upload, and a recycled one is reused object after object.
class WholePartStream : public arrow::io::OutputStream {
 public:
  /// Arrow's S3 part size (s3fs.cc: kPartUploadSize).
  static constexpr int64_t kPartBytes = 10LL << 20;

  static std::shared_ptr<WholePartStream> Make(
      std::shared_ptr<arrow::io::OutputStream> inner);

  arrow::Status Write(const void* data, int64_t nbytes) override;
  using arrow::io::Writable::Write;
  /// Waits for the parts in flight; the buffered bytes stay buffered.
  arrow::Status Flush() override;
  arrow::Status Close() override;
  /// Hands the buffered bytes over, then completes the inner stream's upload in the
  /// background, as the inner stream's own CloseAsync does.
  arrow::Future<> CloseAsync() override;
  arrow::Status Abort() override;
  arrow::Result<int64_t> Tell() const override { return position_; }
  bool closed() const override { return closed_; }

 private:
  WholePartStream() = default;
  /// Hands the inner stream every whole part buffered (`all`: everything).
  arrow::Status Hand(bool all);

  std::shared_ptr<arrow::io::OutputStream> inner_;
  // Not an Arrow buffer: those zero their unused capacity when finished, which would
  // touch the pages this stream exists to leave alone.
  std::vector<uint8_t> buffer_;
  int64_t position_ = 0;
  bool closed_ = false;
};

}  // namespace pgtide::storage
