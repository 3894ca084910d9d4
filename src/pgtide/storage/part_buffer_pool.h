#pragma once

#include <arrow/memory_pool.h>

#include <memory>

namespace pgtide::storage {

/// The memory pool of the S3 file system's I/O: it keeps a few freed upload-part buffers
/// for the next upload instead of returning them to the kernel.
///
/// Why: Arrow's S3 output stream buffers every object (and the last part of a multipart
/// one) in a buffer of a full part's capacity, 10 MiB, and zeroes the capacity it did not
/// use when the object is sent (`BufferOutputStream::Finish` pads). Each buffer was a
/// fresh mmap above malloc's threshold, so every object under 10 MiB (a data file of one
/// date, a manifest, a one-byte version hint) faulted in and zeroed 2,560 pages:
/// 2,000,000 rows to S3 spent 0.6-0.8 s more system time than to local disk, most of it
/// in `clear_page_erms`. A recycled buffer is already resident: the padding is a memset.
///
/// At most `kKeptBuffers` buffers of at least `kMinRecycledBytes` are kept; everything
/// else goes straight to Arrow's default pool.
arrow::MemoryPool* PartBufferPool();

/// The same kind of pool over another backend (tests count what reaches the backend).
std::unique_ptr<arrow::MemoryPool> MakeRecyclingPool(arrow::MemoryPool* backend);

}  // namespace pgtide::storage
