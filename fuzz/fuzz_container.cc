// libFuzzer target: arbitrary bytes as a whole model file held in memory — the container layer
// (joblib's compressors by magic, the legacy 'ZF' layout, .npy side files) and then the pickle
// reader on what it decoded, as ReadModelFile does for a file on disk.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

#include "fuzz_common.h"
#include "io/io.h"
#include "skbridge/error.h"

namespace {

void ReadContainer(std::span<const std::byte> bytes) {
  using namespace skbridge;
  ReadOptions options = fuzz::SmallLimits();
  std::uint64_t max_out = options.limits.decompress_factor * bytes.size() + options.limits.decompress_allowance;
  std::shared_ptr<const io::ByteBuffer> data;
  if (io::IsZFile(bytes)) {
    data = io::DecompressZFile(bytes, max_out);
  } else if (Compressor c = io::DetectCompressor(bytes); c != Compressor::kNone) {
    data = io::Decompress(c, bytes, max_out);
  }
  std::span<const std::byte> stream = data ? data->span() : bytes;
  ModelFile f = ReadPickleBytes(stream, options, data);
  volatile std::uint64_t sink = fuzz::Walk(f);
  (void)sink;
}

void ReadNpyBytes(std::span<const std::byte> bytes, bool owned) {
  using namespace skbridge;
  // The array may point into `bytes`: give it an owner that outlives the read (a copy).
  auto copy = std::make_shared<std::vector<std::uint64_t>>((bytes.size() + 7) / 8);
  if (!bytes.empty()) std::memcpy(copy->data(), bytes.data(), bytes.size());
  std::span<const std::byte> aligned(reinterpret_cast<const std::byte*>(copy->data()), bytes.size());
  auto array = io::ReadNpy(aligned, owned ? std::shared_ptr<const void>(copy) : nullptr, "<fuzz>");
  std::uint64_t sum = array->dtype.Str().size() + array->ShapeString().size();
  for (std::size_t i = 0; i < array->nbytes; ++i) sum += std::to_integer<std::uint8_t>(array->data[i]);
  volatile std::uint64_t sink = sum;
  (void)sink;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  try {
    if (size >= 6 && std::memcmp(data, "\x93NUMPY", 6) == 0) {
      ReadNpyBytes(bytes, size % 2 == 0);
    } else {
      ReadContainer(bytes);
    }
  } catch (const skbridge::Error& e) {
    volatile std::size_t sink = e.Describe().size();
    (void)sink;
  }
  return 0;
}
