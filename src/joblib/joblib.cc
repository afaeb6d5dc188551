#include "joblib/joblib.h"

#include <fmt/format.h>

#include <filesystem>

#include "io/io.h"

namespace skbridge::joblib {
namespace {

bool IsJoblibClass(const Value* cls, std::string_view name) {
  if (!cls || cls->name != name) return false;
  std::string_view m = cls->text;
  return m == "joblib.numpy_pickle" || m == "joblib.numpy_pickle_compat" || m == "sklearn.externals.joblib.numpy_pickle" ||
         m == "sklearn.externals.joblib.numpy_pickle_compat";
}

[[noreturn]] void FailAt(std::uint64_t offset, std::string message) {
  Error e = Error::Format(std::move(message));
  e.AtOffset(offset);
  throw e;
}

const Value& StateField(const Value& state, std::string_view key, std::string_view cls) {
  const Value* v = state.Get(key);
  if (!v) FailAt(state.offset, fmt::format("{}: state has no '{}'", cls, key));
  return *v;
}

}  // namespace

bool IsArrayWrapper(const Value* cls) { return IsJoblibClass(cls, "NumpyArrayWrapper"); }

void ReadInlineArray(Value* object, pickle::Unpickler& vm, const numpy::InputRef& stream, pickle::Budget* budget, bool* seen,
                     bool* aligned) {
  if (!IsArrayWrapper(object->Class())) return;
  *seen = true;
  const Value* state = object->object->state;
  if (!state || state->kind != Kind::kDict) FailAt(object->offset, "NumpyArrayWrapper: state is not a dict");
  DType dtype = numpy::DTypeFromValue(StateField(*state, "dtype", "NumpyArrayWrapper"));
  auto shape = numpy::ShapeFromValue(StateField(*state, "shape", "NumpyArrayWrapper"), "NumpyArrayWrapper shape");
  const Value* order = state->Get("order");
  bool fortran = order && order->is_text() && order->text == "F";
  if (dtype.kind == DTypeKind::kObject) {
    // Object arrays are a complete nested pickle (protocol 2) right after the BUILD.
    Value* nested = vm.RunNested();
    if (nested->kind != Kind::kObject) FailAt(object->offset, "NumpyArrayWrapper: the object array's pickle holds no array");
    *object = *nested;  // the wrapper node now stands for the nested array (decoded with the others)
    return;
  }
  const Value* alignment = state->Get("numpy_array_alignment_bytes");
  if (alignment && !alignment->is_none()) {
    *aligned = true;
    std::uint8_t padding = vm.ReadRawByte("the array's padding length");
    auto pad = vm.ReadRaw(padding, "the array's alignment padding");
    (void)pad;
  }
  std::int64_t count = numpy::CheckedElementCount(shape, dtype.itemsize, vm.absolute_offset());
  std::uint64_t nbytes = static_cast<std::uint64_t>(count) * static_cast<std::uint64_t>(dtype.itemsize);
  std::uint64_t at = vm.absolute_offset();
  if (nbytes > vm.remaining()) {
    FailAt(at, fmt::format("truncated: array of shape {} ({}) needs {} bytes, only {} remain",
                           NdArray::ShapeString(shape), dtype.Str(), nbytes, vm.remaining()));
  }
  auto raw = vm.ReadRaw(nbytes, "array data");
  auto array = numpy::MakeArray(dtype, std::move(shape), fortran, {reinterpret_cast<const char*>(raw.data()), raw.size()},
                                stream, budget, at);
  object->kind = Kind::kArray;
  object->array = std::move(array);
}

void ResolveSideFiles(Graph* graph, const std::string& directory, const Limits& limits, pickle::Budget* budget,
                      std::vector<std::string>* found, std::vector<std::string>* missing) {
  for (std::size_t i = 0; i < graph->node_count(); ++i) {
    Value* node = graph->node(i);
    if (node->kind != Kind::kObject) continue;
    const Value* cls = node->Class();
    bool plain = IsJoblibClass(cls, "NDArrayWrapper");
    bool zipped = IsJoblibClass(cls, "ZNDArrayWrapper");
    if (!plain && !zipped) continue;
    const char* what = plain ? "NDArrayWrapper" : "ZNDArrayWrapper";
    const Value* state = node->object->state;
    if (!state || state->kind != Kind::kDict) FailAt(node->offset, fmt::format("{}: state is not a dict", what));
    const Value& name = StateField(*state, "filename", what);
    if (!name.is_text()) FailAt(state->offset, fmt::format("{}: filename is not a string", what));
    std::string file(name.text);
    // The name comes from an untrusted file: refuse anything that would leave the model's folder.
    if (file.empty() || file.find('/') != std::string::npos || file.find('\\') != std::string::npos || file == "." ||
        file == ".." || file.find('\0') != std::string::npos) {
      throw Error::Unsafe(fmt::format("{}: side-file name '{}' is not a plain file name", what, file)).AtOffset(state->offset);
    }
    if (directory.empty()) {
      // An in-memory stream (ReadPickleBytes) has no folder: never look names up in the cwd.
      missing->push_back(file);
      continue;
    }
    std::string path = directory + "/" + file;
    std::shared_ptr<NdArray> array;
    std::error_code exists_error;
    if (!std::filesystem::exists(path, exists_error)) {
      missing->push_back(path);
      continue;
    }
    try {
      auto mapped = io::MappedFile::Open(path);
      if (plain) {
        array = std::const_pointer_cast<NdArray>(io::ReadNpy(mapped->bytes(), mapped, path, true));
      } else {
        // ZNDArrayWrapper: init_args for _reconstruct, `state` = array state without its data,
        // and the data itself zlib-compressed in the side file.
        auto data = io::DecompressZFile(mapped->bytes(), limits.decompress_factor * mapped->size() + limits.decompress_allowance);
        const Value& st = StateField(*state, "state", what);
        if (st.kind != Kind::kTuple || st.items.size() < 4) FailAt(st.offset, "ZNDArrayWrapper: array state is not (version, shape, dtype, fortran)");
        const std::size_t base = 1;  // (version, shape, dtype, is_fortran)
        auto shape = numpy::ShapeFromValue(*st.items[base], "ZNDArrayWrapper shape");
        DType dtype = numpy::DTypeFromValue(*st.items[base + 1]);
        bool fortran = st.items[base + 2]->kind == Kind::kBool ? st.items[base + 2]->boolean : st.items[base + 2]->integer != 0;
        numpy::InputRef ref{std::span<const std::byte>(data->data(), data->size()), data, false};
        array = numpy::MakeArray(dtype, std::move(shape), fortran,
                                 {reinterpret_cast<const char*>(data->data()), data->size()}, ref, budget, 0);
      }
    } catch (Error& e) {
      throw e.InFile(path);
    }
    node->kind = Kind::kArray;
    node->array = std::move(array);
    found->push_back(path);
  }
}

}  // namespace skbridge::joblib
