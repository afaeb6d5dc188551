// skbridge/port.h — rewriting a model's pickled state so that another scikit-learn / numpy /
// Python / joblib environment loads it and predicts exactly the same.
//
// Port() edits a ModelFile's graph in place, transform by transform (module paths, tree layouts and
// value semantics, renamed and added attributes), chooses the writer options the target reads
// (pickle protocol, numpy module paths, joblib alignment) and returns what it changed, each change
// with the object path it concerns. When a faithful port is impossible (a class the target lacks,
// NaN routing the target cannot express, a behaviour the target changed, an attribute that cannot be
// derived) it throws Error::Unsupported saying why; the caller then writes nothing. After the
// transforms, the doctor is run on the result as a final check: anything it still finds that
// breaks loading or predicting is a refusal too.
#pragma once

#include <string>
#include <vector>

#include "skbridge/compat.h"
#include "skbridge/reader.h"
#include "skbridge/writer.h"

namespace skbridge {

struct PortOptions {
  WriteOptions::Format format = WriteOptions::Format::kJoblib;
  Compressor compressor = Compressor::kNone;
};

struct PortChange {
  std::string path;  ///< object path ("pipeline.steps[1].clf.tree_") or "file"
  std::string what;  ///< "tree nodes 8 -> 7 fields (missing_go_to_left dropped)"
};

struct PortReport {
  Target target;
  std::vector<PortChange> changes;
  /// Inputs the ported file rejects that the original accepted (it never answers them differently).
  std::vector<std::string> restrictions;
  WriteOptions write;  ///< the options the port must be written with
  std::string Text() const;
};

/// Mutates file.graph (and file.globals) for `target`. Throws Error::Unsupported when the port
/// would not be faithful, Error::InvalidInput when the target is unknown.
PortReport Port(ModelFile& file, const Target& target, const PortOptions& options = {});

}  // namespace skbridge
