// libFuzzer target: arbitrary bytes as a pickle stream. Any input must end in a value graph or a
// skbridge::Error — never a crash, a sanitizer report, a hang or runaway memory.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "fuzz_common.h"
#include "skbridge/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace skbridge;
  std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  // Both paths: values pointing into the input (as for a memory-mapped file) and copies.
  std::shared_ptr<const void> owner;
  if (size % 2 == 0) owner = std::shared_ptr<const void>(data, [](const void*) {});
  try {
    ModelFile f = ReadPickleBytes(bytes, fuzz::SmallLimits(), owner);
    volatile std::uint64_t sink = fuzz::Walk(f);
    (void)sink;
  } catch (const Error& e) {
    volatile std::size_t sink = e.Describe().size();  // the message itself must be well-formed
    (void)sink;
  }
  return 0;
}
