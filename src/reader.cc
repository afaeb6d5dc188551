// ReadModelFile: bytes -> container -> pickle VM -> numpy arrays -> joblib side files.
#include <fmt/format.h>

#include <filesystem>

#include "io/io.h"
#include "joblib/joblib.h"
#include "numpy/numpy.h"
#include "pickle/unpickler.h"
#include "skbridge/reader.h"

namespace skbridge {

const char* ContainerName(Container c) {
  switch (c) {
    case Container::kPickle: return "pickle";
    case Container::kJoblib: return "joblib";
    case Container::kJoblibLegacyNpy: return "joblib-legacy-npy";
    case Container::kJoblibLegacyZfile: return "joblib-legacy-zfile";
  }
  return "?";
}

const char* CompressorName(Compressor c) { return io::CompressorLabel(c); }

const char* GlobalSafetyName(GlobalSafety s) {
  switch (s) {
    case GlobalSafety::kData: return "data";
    case GlobalSafety::kUnknown: return "unknown";
    case GlobalSafety::kDangerous: return "dangerous";
  }
  return "?";
}

bool ModelFile::HasUnsafeGlobals() const {
  for (const auto& g : globals) {
    if (g.safety != GlobalSafety::kData) return true;
  }
  return false;
}

namespace {

// Runs the VM and the array passes over one decoded stream.
void DecodeStream(ModelFile* out, numpy::InputRef stream, const ReadOptions& options, const std::string& directory) {
  std::uint64_t budget_bytes = options.limits.alloc_factor * stream.bytes.size() + options.limits.alloc_allowance;
  pickle::Budget budget(budget_bytes);
  pickle::GlobalTable globals;
  pickle::VmContext ctx;
  ctx.graph = &out->graph;
  ctx.limits = &options.limits;
  ctx.budget = &budget;
  ctx.globals = &globals;
  ctx.owner = stream.owner;
  bool saw_wrapper = false;
  ctx.on_build = [&](Value* object, pickle::Unpickler& vm) {
    joblib::ReadInlineArray(object, vm, stream, &budget, &saw_wrapper, &out->joblib_aligned);
  };
  if (stream.owner) out->graph.keep_alive.push_back(stream.owner);
  pickle::Unpickler vm(stream.bytes, 0, &ctx);
  out->graph.root = vm.Run();
  out->protocol = std::max(ctx.first_protocol, 0);
  out->max_protocol = ctx.max_protocol_seen;
  numpy::DecodeArrays(&out->graph, stream, &budget);
  if (saw_wrapper && out->container == Container::kPickle) out->container = Container::kJoblib;
  joblib::ResolveSideFiles(&out->graph, directory, options.limits, &budget, &out->side_files, &out->missing_side_files);
  bool legacy = !out->side_files.empty() || !out->missing_side_files.empty();
  if (legacy && out->container == Container::kPickle) out->container = Container::kJoblibLegacyNpy;
  out->globals = globals.Take();
  // dill's array constructor is a code-running name; where every use of it was decoded as an
  // array around numpy's _reconstruct (numpy::DecodeArrays), the file holds only data there.
  for (auto& g : out->globals) {
    if (g.name != "_create_array" || (g.module != "dill._dill" && g.module != "dill.dill")) continue;
    bool undecoded = false;
    for (std::size_t i = 0; i < out->graph.node_count() && !undecoded; ++i) {
      const Value* v = out->graph.node(i);
      undecoded = v->kind == Kind::kObject && v->GlobalPath() == g.Path();
    }
    if (!undecoded) g.safety = GlobalSafety::kData;
  }
}

}  // namespace

ModelFile ReadModelFile(const std::string& path, const ReadOptions& options) {
  ModelFile out;
  out.path = path;
  try {
    auto mapped = io::MappedFile::Open(path);
    auto bytes = mapped->bytes();
    out.file_size = bytes.size();
    if (options.compute_sha256) out.sha256 = io::Sha256Hex(bytes);
    if (bytes.empty()) throw Error::Format("the file is empty; a pickle starts with an opcode (0x80 PROTO for protocol 2 and later)").AtOffset(0);
    std::uint64_t max_out = options.limits.decompress_factor * bytes.size() + options.limits.decompress_allowance;
    numpy::InputRef stream;
    // A zip archive (torch.save, numpy .npz, skops) is not a pickle: say so rather than fail on opcodes.
    if (bytes.size() >= 4 && bytes[0] == std::byte{'P'} && bytes[1] == std::byte{'K'} && bytes[2] == std::byte{3} && bytes[3] == std::byte{4}) {
      throw Error::Unsupported("this is a zip archive (torch.save, numpy .npz or skops files are zips), not a pickle or joblib file")
          .AtOffset(0);
    }
    if (io::IsZFile(bytes)) {
      out.container = Container::kJoblibLegacyZfile;
      out.compressor = Compressor::kZlib;
      auto data = io::DecompressZFile(bytes, max_out);
      stream = {std::span<const std::byte>(data->data(), data->size()), data, false};
    } else if (Compressor c = io::DetectCompressor(bytes); c != Compressor::kNone) {
      out.compressor = c;
      auto data = io::Decompress(c, bytes, max_out);
      stream = {std::span<const std::byte>(data->data(), data->size()), data, false};
    } else {
      stream = {bytes, mapped, true};
    }
    out.stream_size = stream.bytes.size();
    std::string directory = std::filesystem::path(path).parent_path().string();
    if (directory.empty()) directory.assign(1, '.');  // "" means an in-memory stream (no side files)
    DecodeStream(&out, stream, options, directory);
  } catch (Error& e) {
    e.InFile(path);
    throw;
  }
  return out;
}

ModelFile ReadPickleBytes(std::span<const std::byte> bytes, const ReadOptions& options, std::shared_ptr<const void> owner) {
  ModelFile out;
  out.path = "<memory>";
  out.file_size = out.stream_size = bytes.size();
  if (options.compute_sha256) out.sha256 = io::Sha256Hex(bytes);
  DecodeStream(&out, {bytes, std::move(owner), false}, options, "");
  return out;
}

}  // namespace skbridge
