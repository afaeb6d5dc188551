// skbridge/inspect.h — what a model file holds, without running it.
//
// Inspect() walks the value graph of a ModelFile and reports the file (container, compressor,
// protocol, size, SHA-256), the estimator tree (class, module, hyper-parameters, fitted attributes
// with dtypes and shapes, the scikit-learn version each estimator recorded), the numpy generation
// its module names imply, every global it references with its safety class, and findings (unsafe
// globals, missing side files ...). The report is one JSON document (schema in
// docs/inspect-json.md); the text form is rendered from it. Pure function; thread-safe.
#pragma once

#include <string>

#include "skbridge/reader.h"

namespace skbridge {

struct InspectReport {
  std::string json;         ///< the document, pretty-printed
  std::string text;         ///< the human-readable rendering
  bool has_dangerous_globals = false;
  bool has_unknown_globals = false;
};

InspectReport Inspect(const ModelFile& file, const Limits& limits = {});

}  // namespace skbridge
