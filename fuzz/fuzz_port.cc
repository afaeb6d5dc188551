// libFuzzer target: arbitrary bytes as a pickle stream, then what doctor and port do with the
// graph for every measured target, then the writer on the ported graph. The graph is hostile:
// trees with child indices out of range, arrays of the wrong dtype or shape, states of the wrong
// kind. Any input must end in a report, a written stream or a skbridge::Error — never a crash.
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz_common.h"
#include "skbridge/compat.h"
#include "skbridge/error.h"
#include "skbridge/port.h"
#include "skbridge/writer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace skbridge;
  std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  static const char* kTargets[] = {"sklearn=0.23.2", "sklearn=1.2.1", "sklearn=1.4.2", "sklearn=1.9.0"};
  for (const char* spec : kTargets) {
    try {
      ModelFile f = ReadPickleBytes(bytes, fuzz::SmallLimits());  // a fresh graph: port edits it
      Target target = Target::Parse(spec);
      DoctorReport d = Doctor(f, target);
      volatile std::size_t sink = d.findings.size();
      PortReport r = Port(f, target);
      sink = sink + r.Text().size() + WritePickle(f.graph, f.graph.root, r.write).size();
      (void)sink;
    } catch (const Error& e) {
      volatile std::size_t sink = e.Describe().size();
      (void)sink;
    }
  }
  return 0;
}
