// skbridge/writer.h — turning a value graph back into pickle or joblib bytes.
//
// WritePickle() is the inverse of ReadModelFile(): it walks a (possibly edited) Graph from `root`
// and emits the opcodes CPython's pickler would have written for the same Python objects, so that
// plain pickle.load / joblib.load in a real Python reconstructs them. It replays every recorded call
// the way it was made (REDUCE, NEWOBJ, NEWOBJ_EX, then APPENDS, SETITEMS and BUILD, in the order of
// CPython's save_reduce), memoizes every value CPython memoizes so that shared nodes and cycles
// survive, and writes numpy arrays as numpy itself pickles them (multiarray._reconstruct + BUILD,
// numpy.dtype REDUCE + BUILD, multiarray.scalar) or, in joblib format, as joblib's
// NumpyArrayWrapper followed by the raw array bytes. Nothing is imported or called.
//
// The walk uses an explicit stack (no C++ recursion); nesting deeper than `max_depth` is an
// Error::Limit. A graph pickle cannot express (an out-of-band buffer, a cycle through constructor
// arguments with no mutable container to break it) is an Error::Unsupported. Pure function of its
// inputs; concurrent calls are safe (the graph is only read).
#pragma once

#include <cstddef>
#include <string>

#include "skbridge/reader.h"
#include "skbridge/value.h"

namespace skbridge {

struct WriteOptions {
  /// Pickle protocol, 2..5. Protocol 2 writes bytes as _codecs.encode(latin-1 text, 'latin1') and
  /// sets/frozensets as builtins calls, as Python 3 does; 4 adds MEMOIZE, SHORT_BINUNICODE,
  /// STACK_GLOBAL, EMPTY_SET/FROZENSET and NEWOBJ_EX; 5 adds BYTEARRAY8. No FRAMEs are written
  /// (they are optional; joblib needs the array bytes outside any frame anyway).
  int protocol = 4;
  enum class Format {
    kPickle,  ///< a plain pickle: numpy arrays as numpy pickles them; loads with pickle.load
    kJoblib,  ///< joblib's layout: NumpyArrayWrapper + raw array bytes; loads with joblib.load only
  };
  Format format = Format::kPickle;
  /// Compresses the whole stream as joblib does (zlib/gzip/bz2/xz/lzma/lz4 at `compress_level`);
  /// joblib.load reads such files in either format, plain pickle.load only uncompressed ones.
  Compressor compressor = Compressor::kNone;
  int compress_level = 3;  ///< joblib's default (compress=True means ('zlib', 3))
  /// Array reconstructors under numpy._core (numpy >= 2) instead of numpy.core (numpy 1.x, which
  /// numpy 2 also still loads). Also selects numpy 2's spelling of dtype flags and metadata.
  bool numpy2_paths = false;
  /// joblib only: alignment of the raw array bytes (joblib >= 1.2 writes 16). 0 writes no
  /// 'numpy_array_alignment_bytes' key and no padding byte, which joblib < 1.2 requires.
  int joblib_alignment = 16;
  /// Deepest nesting of containers and objects accepted (a guard against runaway graphs; Python's
  /// own pickler stops near 1000).
  std::size_t max_depth = 3000;
};

/// The file's bytes (compressed when options.compressor says so). Throws skbridge::Error:
/// kInvalidInput for bad options, kLimit when nesting exceeds max_depth, kUnsupported for values
/// pickle cannot express. `graph` owns `root` (it is only read).
std::string WritePickle(const Graph& graph, const Value* root, const WriteOptions& options = {});

/// WritePickle() into `path`, written to a temporary file beside it and renamed into place (an
/// existing file is replaced; refusing to overwrite is the caller's policy). Error::Io on failure.
void WriteModelFile(const std::string& path, const Graph& graph, const Value* root, const WriteOptions& options = {});

}  // namespace skbridge
