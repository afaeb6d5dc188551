// joblib's layouts on top of pickle: the NumpyArrayWrapper whose array bytes follow its BUILD in the
// stream (joblib >= 0.10, padded to 16 bytes since 1.2), and the legacy NDArrayWrapper /
// ZNDArrayWrapper whose arrays live in side files next to the pickle (joblib < 0.10).
#pragma once

#include <string>
#include <vector>

#include "numpy/numpy.h"
#include "pickle/unpickler.h"

namespace skbridge::joblib {

/// True for joblib.numpy_pickle.NumpyArrayWrapper under any of its module paths.
bool IsArrayWrapper(const Value* cls);

/// The BUILD hook: when `object` is a NumpyArrayWrapper, reads its array from the stream and turns
/// the node into that array. `*seen` is set when a wrapper was found.
/// `*aligned` is set when the wrapper records joblib >= 1.2's alignment padding.
void ReadInlineArray(Value* object, pickle::Unpickler& vm, const numpy::InputRef& stream, pickle::Budget* budget, bool* seen,
                     bool* aligned);

/// Replaces legacy wrappers by the arrays of their side files in `directory`, appending the files
/// read to `found` and the ones that do not exist to `missing` (those wrappers stay as they are).
/// Side-file names must be plain file names: no directories, no "..". An empty `directory` means
/// an in-memory stream: names are checked and listed as missing, the filesystem is not touched.
void ResolveSideFiles(Graph* graph, const std::string& directory, const Limits& limits, pickle::Budget* budget,
                      std::vector<std::string>* found, std::vector<std::string>* missing);

}  // namespace skbridge::joblib
