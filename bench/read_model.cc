// Reads a model file REPEAT times with skbridge and prints the median wall time and peak RSS, in the
// format bench/read.sh compares with Python's joblib.load.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "skbridge/reader.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: read_model FILE [REPEAT]\n");
    return 2;
  }
  int repeat = argc > 2 ? std::atoi(argv[2]) : 5;
  std::vector<double> times;
  std::size_t nodes = 0;
  for (int i = 0; i < repeat; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    skbridge::ReadOptions options;
    options.compute_sha256 = false;  // joblib.load does not hash either
    skbridge::ModelFile f = skbridge::ReadModelFile(argv[1], options);
    nodes = f.graph.node_count();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("skbridge_read_s=%.4f peak_rss_mb=%.0f nodes=%zu\n", times[times.size() / 2], ru.ru_maxrss / 1024.0, nodes);
}
