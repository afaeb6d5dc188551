// src/io/io.h — the byte layer: mapping files, detecting and undoing joblib's compressors, the
// legacy joblib 'ZF' layout, SHA-256, and .npy files (read and write).
//
// Everything here works on immutable byte spans and returns immutable, shared results, so the
// functions are safe to call concurrently from several threads (each call has its own decoder
// state). Every failure is a skbridge::Error carrying, where it applies, the byte offset.
// Internal to the library: not installed, not part of the public API.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "skbridge/error.h"
#include "skbridge/ndarray.h"
#include "skbridge/reader.h"

namespace skbridge::io {

/// A whole file mapped read-only. The mapping lives as long as the object; arrays that point into
/// it hold a shared_ptr to it. An empty file gives an empty span (no mapping).
/// The file must not be truncated by someone else while mapped (that would raise SIGBUS).
class MappedFile {
 public:
  /// Throws Error::Io (with InFile(path)) when the file cannot be opened, is a directory or is not
  /// a regular file.
  static std::shared_ptr<const MappedFile> Open(const std::string& path);

  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const std::byte> bytes() const { return {data_, size_}; }
  std::size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile(std::string path, const std::byte* data, std::size_t size)
      : path_(std::move(path)), data_(data), size_(size) {}

  std::string path_;
  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

/// A byte buffer in anonymous memory that grows and shrinks with mremap: growing never copies
/// (the kernel moves pages), so decompressing N bytes peaks at N bytes, not 2N. Move-only.
class ByteBuffer {
 public:
  ByteBuffer() = default;
  explicit ByteBuffer(std::size_t size) { Resize(size); }
  ByteBuffer(std::span<const std::byte> bytes);
  ByteBuffer(ByteBuffer&& other) noexcept;
  ByteBuffer& operator=(ByteBuffer&& other) noexcept;
  ByteBuffer(const ByteBuffer&) = delete;
  ByteBuffer& operator=(const ByteBuffer&) = delete;
  ~ByteBuffer();

  /// New bytes are zero. Throws std::bad_alloc when the memory cannot be had.
  void Resize(std::size_t size);
  std::byte* data() { return data_; }
  const std::byte* data() const { return data_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::byte& operator[](std::size_t i) { return data_[i]; }
  const std::byte& operator[](std::size_t i) const { return data_[i]; }
  const std::byte& back() const { return data_[size_ - 1]; }
  const std::byte* begin() const { return data_; }
  const std::byte* end() const { return data_ + size_; }
  std::span<std::byte> span() { return {data_, size_}; }
  std::span<const std::byte> span() const { return {data_, size_}; }
  friend bool operator==(const ByteBuffer& a, const std::vector<std::byte>& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
  }

 private:
  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t mapped_ = 0;  // bytes mapped (page multiple), 0 when nothing is mapped
};

/// The compressor joblib would detect from the first bytes (its magic prefixes); kNone for
/// anything else, including plain pickles (which start with 0x80 or an opcode, never one of the
/// magics) and the legacy 'ZF' layout (see IsZFile).
Compressor DetectCompressor(std::span<const std::byte> bytes);

/// Short lowercase name used in messages: "zlib", "gzip", "bz2", "lzma", "xz", "lz4", "none".
const char* CompressorLabel(Compressor c);

/// Decompresses a whole stream in memory. Concatenated gzip members, bz2 streams, xz streams and
/// lz4 frames are decoded one after the other (as Python's readers do); other trailing bytes are
/// an error. kNone copies the input (still within max_output).
/// Throws Error::Limit when the output would exceed max_output bytes (checked before the buffer
/// grows), Error::Format("corrupt <name> stream: ...") with the compressed offset of the failure,
/// Error::Format("truncated <name> stream: ...") when the input ends early.
std::shared_ptr<const ByteBuffer> Decompress(Compressor c, std::span<const std::byte> in,
                                                         std::uint64_t max_output);

/// joblib < 0.10 compressed files: "ZF" + hex length padded to 19 characters (20 when written by
/// Python 2 joblib <= 0.8.4), then one zlib stream.
bool IsZFile(std::span<const std::byte> bytes);
/// Decodes a ZF file; the decompressed size must equal the length in the header. Error::Limit
/// when that length exceeds max_output.
std::shared_ptr<const ByteBuffer> DecompressZFile(std::span<const std::byte> bytes,
                                                              std::uint64_t max_output);

/// Lowercase hex SHA-256 of the bytes.
std::string Sha256Hex(std::span<const std::byte> bytes);

/// Reads a .npy file (format versions 1.0, 2.0, 3.0) held in `bytes`. The array's data points
/// into `bytes` (no copy) when `owner` is given, the data is aligned for the dtype and stored
/// little-endian (or byte order does not apply); otherwise it is copied, and big-endian data is
/// swapped to native order (stored_byteorder keeps '>'). `memory_mapped` says whether `bytes` is a
/// file mapping (recorded on the array when no copy was made). Errors name `file_for_errors`.
/// Object arrays ('|O', stored as a pickle) and structured dtypes are Error::Unsupported.
std::shared_ptr<const NdArray> ReadNpy(std::span<const std::byte> bytes, std::shared_ptr<const void> owner,
                                       const std::string& file_for_errors, bool memory_mapped = false);
/// Maps `path` and reads it with ReadNpy (data stays in the mapping when possible).
std::shared_ptr<const NdArray> ReadNpyFile(const std::string& path);

/// Appends `array` as a .npy file (version 1.0, or 2.0 when the header needs it) to `out`.
/// Data is written as held (native little-endian); 'fortran_order' follows the array.
/// Throws Error::Unsupported for object and structured arrays, Error::InvalidInput when the
/// array's byte count does not match its shape.
void WriteNpy(const NdArray& array, std::string* out);
/// Writes the .npy file to `path` (Error::Io on failure).
void WriteNpyFile(const NdArray& array, const std::string& path);

}  // namespace skbridge::io
