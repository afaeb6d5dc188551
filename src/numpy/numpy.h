// numpy arrays from the value graph: dtype objects, _reconstruct/BUILD pairs, numpy scalars,
// protocol-5 _frombuffer calls and joblib's inline array data, all turned into NdArray nodes.
// Functions here run single-threaded at load time and throw skbridge::Error.
#pragma once

#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "pickle/unpickler.h"
#include "skbridge/ndarray.h"
#include "skbridge/value.h"

namespace skbridge::numpy {

/// The decoded input a graph was read from; arrays may point into it instead of copying.
struct InputRef {
  std::span<const std::byte> bytes;
  std::shared_ptr<const void> owner;
  bool memory_mapped = false;
};

/// Decodes a numpy.dtype object node (or a dtype given as a string such as '<f8').
DType DTypeFromValue(const Value& v);

/// Builds an array over `raw` (shape/dtype/order given). Points into the input when `raw` lies in it
/// and is aligned and native-endian; copies (and byte-swaps) otherwise. Checks sizes first.
std::shared_ptr<NdArray> MakeArray(const DType& dtype, std::vector<std::int64_t> shape, bool fortran,
                                   std::string_view raw, const InputRef& input, pickle::Budget* budget,
                                   std::uint64_t offset_for_errors);

/// Element count of `shape`, or throws Error::Format when it overflows or is negative.
std::int64_t CheckedElementCount(const std::vector<std::int64_t>& shape, std::int64_t itemsize, std::uint64_t offset);

/// Replaces, in place, every recognised numpy construct in `graph` by a kArray node.
void DecodeArrays(Graph* graph, const InputRef& input, pickle::Budget* budget);

/// A shape tuple (ints) -> vector; throws Error::Format naming `what` otherwise.
std::vector<std::int64_t> ShapeFromValue(const Value& v, std::string_view what);

}  // namespace skbridge::numpy
