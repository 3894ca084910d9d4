#include "pgtide/sink/spill_file.h"

#include <arrow/io/buffered.h>
#include <arrow/io/file.h>
#include <arrow/ipc/api.h>

#include <cstdio>

#include "pgtide/storage/object_store.h"

namespace pgtide::sink {

arrow::Result<std::unique_ptr<SpillFile>> SpillFile::Write(
    const std::string& path, const std::shared_ptr<arrow::Schema>& schema,
    const std::vector<std::pair<int64_t, std::shared_ptr<arrow::RecordBatch>>>& parts) {
  auto spill = std::unique_ptr<SpillFile>(new SpillFile());
  spill->path_ = path;  // from here on the destructor removes it
  auto st = [&]() -> arrow::Status {
    auto options = arrow::ipc::IpcWriteOptions::Defaults();
    // Uncompressed: LZ4 made the spill of 5,000,000 interleaved rows only 1.3x smaller
    // (random ids, prices and timestamps) for 12 % of the table's CPU (compress and
    // decompress); without it the table took 7 % less time (generations are sized for
    // uncompressed files, partitioned_writer.h).
    // One batch per date, each a few hundred KiB: compressing its buffers as tasks on
    // Arrow's thread pool cost more in wake-ups (futexes, context switches) than it
    // saved, on cores the scan and the server already keep busy.
    options.use_threads = false;
    ARROW_ASSIGN_OR_RAISE(auto file, arrow::io::FileOutputStream::Open(path));
    // Buffered: the IPC writer writes every buffer and its padding separately.
    ARROW_ASSIGN_OR_RAISE(auto out, arrow::io::BufferedOutputStream::Create(
                                        1 << 20, arrow::default_memory_pool(), file));
    ARROW_ASSIGN_OR_RAISE(auto writer, arrow::ipc::MakeFileWriter(out, schema, options));
    int index = 0;
    for (const auto& [key, rows] : parts) {
      ARROW_RETURN_NOT_OK(writer->WriteRecordBatch(*rows));
      spill->batch_of_key_[key] = index++;
    }
    ARROW_RETURN_NOT_OK(writer->Close());
    ARROW_ASSIGN_OR_RAISE(spill->bytes_, out->Tell());
    return out->Close();
  }();
  if (!st.ok()) return storage::StorageError(st, "write spill file " + path);
  return spill;
}

SpillFile::~SpillFile() { std::remove(path_.c_str()); }

SpillFile::Reader::~Reader() {
  reader_.reset();
  if (file_) (void)file_->Close();
}

arrow::Result<std::shared_ptr<arrow::RecordBatch>> SpillFile::Reader::Read(int64_t key) {
  auto it = spill_->batch_of_key_.find(key);
  if (it == spill_->batch_of_key_.end()) return nullptr;
  auto st = [&]() -> arrow::Result<std::shared_ptr<arrow::RecordBatch>> {
    if (!reader_) {
      // Plain reads, not a memory map: mapped pages would count as our memory.
      ARROW_ASSIGN_OR_RAISE(file_, arrow::io::ReadableFile::Open(spill_->path_));
      auto read_options = arrow::ipc::IpcReadOptions::Defaults();
      read_options.use_threads = false;  // as when written: small batches, busy cores
      ARROW_ASSIGN_OR_RAISE(reader_,
                            arrow::ipc::RecordBatchFileReader::Open(file_, read_options));
    }
    return reader_->ReadRecordBatch(it->second);
  }();
  if (!st.ok())
    return storage::StorageError(st.status(), "read spill file " + spill_->path_);
  return st;
}

}  // namespace pgtide::sink
