// rewrite_model: reads model files with skbridge and writes them back with chosen writer options.
// Used by the live writer test (tests/live/writer_roundtrip.py), which then loads the rewritten
// files with plain pickle.load / joblib.load in the real scikit-learn environments.
//
//   rewrite_model [OPTIONS] IN OUT           one file
//   rewrite_model [OPTIONS] -                one job per stdin line: IN OUT [key=value ...]
//
// OPTIONS (and the keys of a line, which override them for that job):
//   --protocol N / protocol=N          pickle protocol 2..5 (default 4)
//   --format F / format=F              pickle | joblib (default pickle)
//   --compress C / compress=C          none | zlib | gzip | bz2 | xz | lzma | lz4 (default none)
//   --level N / level=N                compression level (default 3, as joblib)
//   --numpy2 / numpy2=0|1              numpy._core instead of numpy.core for array reconstructors
//   --alignment N / alignment=N        joblib array alignment; 0 for joblib < 1.2 (default 16)
// Exit status: 0 when every file was written, 1 when one failed (the others are still written),
// 2 on a usage error.
#include <fmt/format.h>

#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "skbridge/error.h"
#include "skbridge/reader.h"
#include "skbridge/writer.h"

namespace {

using skbridge::Compressor;
using skbridge::WriteOptions;

struct Usage : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Compressor ParseCompressor(const std::string& s) {
  if (s == "none") return Compressor::kNone;
  if (s == "zlib") return Compressor::kZlib;
  if (s == "gzip") return Compressor::kGzip;
  if (s == "bz2") return Compressor::kBz2;
  if (s == "xz") return Compressor::kXz;
  if (s == "lzma") return Compressor::kLzma;
  if (s == "lz4") return Compressor::kLz4;
  throw Usage("unknown compressor '" + s + "'");
}

int ParseInt(const std::string& s) {
  try {
    std::size_t used = 0;
    int v = std::stoi(s, &used);
    if (used == s.size()) return v;
  } catch (const std::exception&) {
  }
  throw Usage("not a number: '" + s + "'");
}

void Set(WriteOptions* o, const std::string& key, const std::string& value) {
  if (key == "protocol") {
    o->protocol = ParseInt(value);
  } else if (key == "format") {
    if (value != "pickle" && value != "joblib") throw Usage("format must be pickle or joblib");
    o->format = value == "joblib" ? WriteOptions::Format::kJoblib : WriteOptions::Format::kPickle;
  } else if (key == "compress") {
    o->compressor = ParseCompressor(value);
  } else if (key == "level") {
    o->compress_level = ParseInt(value);
  } else if (key == "numpy2") {
    o->numpy2_paths = value != "0";
  } else if (key == "alignment") {
    o->joblib_alignment = ParseInt(value);
  } else {
    throw Usage("unknown option '" + key + "'");
  }
}

bool Rewrite(const std::string& in, const std::string& out, const WriteOptions& o) {
  try {
    skbridge::ReadOptions ro;
    ro.compute_sha256 = false;
    skbridge::ModelFile m = skbridge::ReadModelFile(in, ro);
    skbridge::WriteModelFile(out, m.graph, m.graph.root, o);
    return true;
  } catch (const skbridge::Error& e) {
    std::cerr << "rewrite_model: " << in << ": " << e.Describe() << "\n";
    return false;
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    WriteOptions defaults;
    std::vector<std::string> positional;
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      if (a == "--numpy2") {
        defaults.numpy2_paths = true;
      } else if (a.size() > 2 && a.rfind("--", 0) == 0) {
        if (i + 1 >= argc) throw Usage(a + " needs a value");
        Set(&defaults, a.substr(2), argv[++i]);
      } else {
        positional.push_back(a);
      }
    }
    bool ok = true;
    if (positional.size() == 1 && positional[0] == "-") {
      std::string line;
      while (std::getline(std::cin, line)) {
        std::istringstream words(line);
        std::string in, out, kv;
        if (!(words >> in >> out)) continue;
        WriteOptions o = defaults;
        while (words >> kv) {
          auto eq = kv.find('=');
          if (eq == std::string::npos) throw Usage("expected key=value, found '" + kv + "'");
          Set(&o, kv.substr(0, eq), kv.substr(eq + 1));
        }
        ok = Rewrite(in, out, o) && ok;
      }
    } else if (positional.size() == 2) {
      ok = Rewrite(positional[0], positional[1], defaults);
    } else {
      throw Usage("expected IN OUT, or - to read jobs from stdin");
    }
    return ok ? 0 : 1;
  } catch (const Usage& e) {
    std::cerr << "rewrite_model: " << e.what() << "\n";
    return 2;
  }
}
