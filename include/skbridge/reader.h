// skbridge/reader.h — reading pickle and joblib files into a value graph, safely.
//
// ReadModelFile() identifies the container (plain pickle, joblib with its compressors, joblib's legacy
// side-file and ZF layouts), decompresses it within limits, runs the pickle opcodes into an inert
// Graph (nothing is imported or called), decodes numpy arrays and records every global the stream
// references together with its safety class. Errors are skbridge::Error with file and byte offset.
// Concurrent calls on different files are safe.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "skbridge/value.h"

namespace skbridge {

/// Resource limits, checked before anything is allocated. They stop pickle and decompression bombs.
struct Limits {
  std::size_t max_depth = 3000;         ///< nesting of containers and objects
  std::size_t max_memo_index = 1u << 26;  ///< largest memo key a PUT may use
  std::size_t max_stack = 1u << 26;     ///< values on the stack and mark stack together
  /// Bytes the reader may allocate for decoded values, as a multiple of the (decompressed) input
  /// size, plus a fixed allowance. A pickle cannot legitimately expand much beyond its own size.
  std::uint64_t alloc_factor = 8;
  std::uint64_t alloc_allowance = 64u << 20;
  /// Largest decompressed stream accepted, as a multiple of the compressed size plus an allowance.
  std::uint64_t decompress_factor = 2000;
  std::uint64_t decompress_allowance = 256u << 20;
};

enum class Container : std::uint8_t {
  kPickle,             ///< a plain pickle stream (maybe compressed)
  kJoblib,             ///< joblib >= 0.10: NumpyArrayWrapper with array bytes inline
  kJoblibLegacyNpy,    ///< joblib < 0.10: NDArrayWrapper, arrays in side .npy files
  kJoblibLegacyZfile,  ///< joblib < 0.10 compressed: 'ZF' header, ZNDArrayWrapper side files
};
enum class Compressor : std::uint8_t { kNone, kZlib, kGzip, kBz2, kLzma, kXz, kLz4 };

const char* ContainerName(Container c);
const char* CompressorName(Compressor c);

/// Safety class of a global reference.
enum class GlobalSafety : std::uint8_t {
  kData,       ///< on the allowlist: a data-only class or reconstructor
  kUnknown,    ///< not on the allowlist (a third-party or user class); never imported
  kDangerous,  ///< a known code-execution gadget (os.system, builtins.eval, subprocess ...)
};
const char* GlobalSafetyName(GlobalSafety s);

struct GlobalRef {
  std::string module;
  std::string name;
  GlobalSafety safety = GlobalSafety::kData;
  std::uint64_t first_offset = 0;  ///< byte offset of its first GLOBAL / STACK_GLOBAL / EXT
  std::size_t uses = 0;
  bool called = false;  ///< used as a callable (REDUCE, NEWOBJ, INST, OBJ): Python would run it at load
  std::string Path() const { return module + "." + name; }
};

/// Everything read from one model file.
struct ModelFile {
  std::string path;
  std::uint64_t file_size = 0;
  std::uint64_t stream_size = 0;  ///< size of the (decompressed) pickle stream
  std::string sha256;             ///< of the file's bytes, lowercase hex
  Container container = Container::kPickle;
  Compressor compressor = Compressor::kNone;
  bool joblib_aligned = false;  ///< joblib arrays carry 16-byte alignment padding (joblib >= 1.2)
  int protocol = 0;      ///< the stream's PROTO, 0..5 (0 when absent: protocol 0 or 1)
  int max_protocol = 0;  ///< highest protocol of any nested stream too (joblib object arrays)
  std::vector<std::string> side_files;  ///< legacy joblib: the array files read beside it
  /// Legacy joblib side files the pickle names but that do not exist; their arrays stay
  /// unresolved NDArrayWrapper objects, and anything that needs them fails naming the file.
  std::vector<std::string> missing_side_files;
  std::vector<GlobalRef> globals;  ///< in order of first use
  Graph graph;

  bool HasUnsafeGlobals() const;
};

struct ReadOptions {
  Limits limits;
  bool compute_sha256 = true;
};

/// Reads a model file. Throws skbridge::Error (with file and offset) on any problem.
ModelFile ReadModelFile(const std::string& path, const ReadOptions& options = {});

/// Reads a pickle stream held in memory (no container detection, no decompression). `owner`, when
/// given, keeps `bytes` alive so that arrays may point into it instead of copying.
ModelFile ReadPickleBytes(std::span<const std::byte> bytes, const ReadOptions& options = {},
                          std::shared_ptr<const void> owner = nullptr);

/// The safety class of module.name (see src/pickle/allowlist.cc for the table).
GlobalSafety ClassifyGlobal(std::string_view module, std::string_view name);

}  // namespace skbridge
