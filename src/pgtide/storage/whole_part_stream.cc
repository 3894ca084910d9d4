#include "pgtide/storage/whole_part_stream.h"

namespace pgtide::storage {

namespace {
// A data file of one date is typically a few hundred KiB; the buffer doubles from here.
constexpr size_t kInitialBytes = 256 << 10;
}  // namespace

std::shared_ptr<WholePartStream> WholePartStream::Make(
    std::shared_ptr<arrow::io::OutputStream> inner) {
  auto out = std::shared_ptr<WholePartStream>(new WholePartStream());
  out->inner_ = std::move(inner);
  out->buffer_.reserve(kInitialBytes);
  return out;
}

arrow::Status WholePartStream::Write(const void* data, int64_t nbytes) {
  if (closed_) return arrow::Status::Invalid("write to a closed stream");
  const auto* bytes = static_cast<const uint8_t*>(data);
  buffer_.insert(buffer_.end(), bytes, bytes + nbytes);
  position_ += nbytes;
  if (static_cast<int64_t>(buffer_.size()) >= kPartBytes) return Hand(/*all=*/false);
  return arrow::Status::OK();
}

arrow::Status WholePartStream::Hand(bool all) {
  const int64_t buffered = static_cast<int64_t>(buffer_.size());
  const int64_t whole = all ? buffered : buffered / kPartBytes * kPartBytes;
  if (whole == 0) return arrow::Status::OK();
  // Whole parts go straight to their upload (the inner stream copies what it keeps);
  // a last, partial part only on close.
  ARROW_RETURN_NOT_OK(inner_->Write(buffer_.data(), whole));
  buffer_.erase(buffer_.begin(), buffer_.begin() + whole);
  return arrow::Status::OK();
}

arrow::Status WholePartStream::Flush() { return inner_->Flush(); }

arrow::Status WholePartStream::Close() { return CloseAsync().status(); }

arrow::Future<> WholePartStream::CloseAsync() {
  if (closed_) return arrow::Future<>::MakeFinished();
  closed_ = true;
  auto handed = Hand(/*all=*/true);
  std::vector<uint8_t>().swap(buffer_);
  if (!handed.ok()) {
    ARROW_UNUSED(inner_->Abort());
    return arrow::Future<>::MakeFinished(handed);
  }
  return inner_->CloseAsync();
}

arrow::Status WholePartStream::Abort() {
  if (closed_) return arrow::Status::OK();
  closed_ = true;
  std::vector<uint8_t>().swap(buffer_);
  return inner_->Abort();
}

}  // namespace pgtide::storage
