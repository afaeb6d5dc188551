#include <cstdio>
#include "skbridge/reader.h"
#include "skbridge/error.h"
int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    try {
      auto f = skbridge::ReadModelFile(argv[i]);
      std::printf("%s: ok proto=%d container=%s root=%s globals=%zu nodes=%zu\n", argv[i], f.protocol, skbridge::ContainerName(f.container), f.graph.root->Repr().c_str(), f.globals.size(), f.graph.node_count());
    } catch (const skbridge::Error& e) {
      std::printf("ERR %s\n", e.Describe().c_str());
    }
  }
}
