#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "numpy/numpy.h"

namespace skbridge::numpy {
namespace {

[[noreturn]] void FailAt(std::uint64_t offset, std::string message) {
  Error e = Error::Format(std::move(message));
  e.AtOffset(offset);
  throw e;
}

bool IsNumpyGlobal(const Value* g, std::string_view module_tail, std::string_view name) {
  if (!g || g->kind != Kind::kGlobal || g->name != name) return false;
  // numpy 1.x writes numpy.core.*, numpy 2.x numpy._core.*
  return g->text == fmt::format("numpy.core.{}", module_tail) || g->text == fmt::format("numpy._core.{}", module_tail);
}

std::int64_t IntOf(const Value* v, std::string_view what, std::uint64_t offset) {
  if (v->kind == Kind::kInt && !v->is_big_int()) return v->integer;
  if (v->kind == Kind::kBool) return v->boolean;
  if (v->kind == Kind::kArray && v->array->is_scalar && (v->array->dtype.kind == DTypeKind::kInt || v->array->dtype.kind == DTypeKind::kUInt)) {
    std::int64_t x = 0;
    std::memcpy(&x, v->array->data, std::min<std::size_t>(8, v->array->nbytes));
    return x;
  }
  FailAt(offset, fmt::format("{}: expected an integer, found {}", what, v->Repr(40)));
}

// Swaps every element (or every field of every record) from big- to little-endian, in place.
void SwapToLittle(const DType& d, std::byte* p, std::int64_t count) {
  if (d.IsStructured()) {
    for (std::int64_t i = 0; i < count; ++i) {
      for (const auto& f : d.fields) SwapToLittle(f.type, p + i * d.itemsize + f.offset, 1);
    }
    return;
  }
  std::int64_t width = d.itemsize;
  if (d.kind == DTypeKind::kComplex) width /= 2;
  if (d.kind == DTypeKind::kUnicode) width = 4;
  if (width <= 1 || d.kind == DTypeKind::kBytes || d.kind == DTypeKind::kVoid || d.kind == DTypeKind::kBool) return;
  std::int64_t units = count * d.itemsize / width;
  for (std::int64_t i = 0; i < units; ++i) std::reverse(p + i * width, p + (i + 1) * width);
}

void MarkNative(DType* d) {
  if (d->byteorder == '>') d->byteorder = '<';
  for (auto& f : d->fields) MarkNative(&f.type);
}

bool HasBigEndian(const DType& d) {
  if (d.byteorder == '>') return true;
  return std::any_of(d.fields.begin(), d.fields.end(), [](const DTypeField& f) { return HasBigEndian(f.type); });
}

std::int64_t Alignment(const DType& d) {
  if (d.IsStructured()) {
    std::int64_t a = 1;
    for (const auto& f : d.fields) a = std::max(a, Alignment(f.type));
    return a;
  }
  if (d.kind == DTypeKind::kComplex) return std::min<std::int64_t>(d.itemsize / 2, 8);
  if (d.kind == DTypeKind::kUnicode) return 4;
  if (d.kind == DTypeKind::kBytes || d.kind == DTypeKind::kVoid) return 1;
  return std::min<std::int64_t>(d.itemsize, 8);
}

}  // namespace

std::vector<std::int64_t> ShapeFromValue(const Value& v, std::string_view what) {
  std::vector<std::int64_t> shape;
  if (v.kind == Kind::kInt) {  // numpy accepts a bare int for 1-d
    shape.push_back(IntOf(&v, what, v.offset));
  } else if (v.kind == Kind::kTuple || v.kind == Kind::kList) {
    for (const Value* d : v.items) shape.push_back(IntOf(d, what, v.offset));
  } else {
    FailAt(v.offset, fmt::format("{}: expected a shape tuple, found {}", what, v.Repr(40)));
  }
  for (auto d : shape) {
    if (d < 0) FailAt(v.offset, fmt::format("{}: negative dimension {}", what, d));
  }
  return shape;
}

std::int64_t CheckedElementCount(const std::vector<std::int64_t>& shape, std::int64_t itemsize, std::uint64_t offset) {
  std::int64_t n = 1;
  constexpr std::int64_t kMax = std::int64_t(1) << 48;
  for (auto d : shape) {
    if (d < 0 || (d != 0 && n > kMax / d)) FailAt(offset, "array shape is too large");
    n *= d;
  }
  if (itemsize > 0 && n > kMax / itemsize) FailAt(offset, "array byte size is too large");
  return n;
}

namespace {

// numpy nests structured dtypes only a few levels; a cycle through the memo would recurse forever.
constexpr int kMaxDTypeDepth = 32;

DType DTypeFromValueAt(const Value& v, int depth);

}  // namespace

DType DTypeFromValue(const Value& v) { return DTypeFromValueAt(v, 0); }

namespace {

DType DTypeFromValueAt(const Value& v, int depth) {
  if (depth > kMaxDTypeDepth) {
    throw Error::Limit(fmt::format("numpy.dtype: structured dtype nested deeper than {} levels", kMaxDTypeDepth)).AtOffset(v.offset);
  }
  if (v.kind == Kind::kStr) {
    DType d;
    if (!ParseDTypeStr(v.text, &d)) FailAt(v.offset, fmt::format("unknown dtype string '{}'", v.text.substr(0, 40)));
    return d;
  }
  const Value* cls = v.Class();
  if (v.kind != Kind::kObject || !cls || cls->name != "dtype" || (cls->text != "numpy" && cls->text != "numpy.core.multiarray" && cls->text != "numpy._core.multiarray")) {
    FailAt(v.offset, fmt::format("expected a numpy.dtype, found {}", v.Repr(60)));
  }
  const Value* args = v.object->args;
  if (!args || args->items.empty() || !args->items[0]->is_text()) FailAt(v.offset, "numpy.dtype: missing its type string");
  std::string_view type = args->items[0]->text;
  DType d;
  if (!ParseDTypeStr(type, &d)) FailAt(v.offset, fmt::format("numpy.dtype: unknown type '{}'", type.substr(0, 40)));
  const Value* state = v.object->state;
  if (!state) return d;  // e.g. dtype('O8') without BUILD
  if (state->kind != Kind::kTuple || state->items.size() < 8) FailAt(state->offset, "numpy.dtype: state is not the expected 8- or 9-tuple");
  const auto& s = state->items;
  // (version, endian, subarray, names, fields, elsize, alignment, flags[, metadata])
  if (s[1]->is_text() && s[1]->text.size() == 1) {
    char e = s[1]->text[0];
    d.byteorder = e == '=' ? '<' : e;
  }
  std::int64_t elsize = s[5]->kind == Kind::kInt ? s[5]->integer : -1;
  if (elsize > 0 && (d.kind == DTypeKind::kUnicode || d.kind == DTypeKind::kBytes || d.kind == DTypeKind::kVoid)) d.itemsize = elsize;
  if (!s[2]->is_none()) FailAt(state->offset, "numpy.dtype: sub-array dtypes are not supported");
  if (s[3]->kind == Kind::kTuple) {
    if (s[4]->kind != Kind::kDict) FailAt(state->offset, "numpy.dtype: structured dtype without its fields dict");
    for (const Value* name : s[3]->items) {
      if (!name->is_text()) FailAt(state->offset, "numpy.dtype: field name is not a string");
      const Value* spec = s[4]->Get(name->text);
      if (!spec || spec->kind != Kind::kTuple || spec->items.size() < 2) {
        FailAt(state->offset, fmt::format("numpy.dtype: field '{}' has no (dtype, offset) entry", name->text));
      }
      DTypeField f;
      f.name = std::string(name->text);
      f.type = DTypeFromValueAt(*spec->items[0], depth + 1);
      f.offset = IntOf(spec->items[1], "field offset", state->offset);
      if (f.offset < 0 || f.offset + f.type.itemsize > d.itemsize) {
        FailAt(state->offset, fmt::format("numpy.dtype: field '{}' at offset {} overruns the record of {} bytes", f.name, f.offset, d.itemsize));
      }
      d.fields.push_back(std::move(f));
    }
  }
  if ((d.kind == DTypeKind::kDateTime || d.kind == DTypeKind::kTimeDelta) && s.size() >= 9 && s[8]->kind == Kind::kTuple &&
      !s[8]->items.empty() && s[8]->items[0]->is_text()) {
    d.unit = std::string(s[8]->items[0]->text);
  }
  if (d.itemsize == 1 || d.kind == DTypeKind::kBytes || d.kind == DTypeKind::kVoid || d.kind == DTypeKind::kObject || d.kind == DTypeKind::kBool) d.byteorder = '|';
  return d;
}

}  // namespace

std::shared_ptr<NdArray> MakeArray(const DType& dtype, std::vector<std::int64_t> shape, bool fortran, std::string_view raw,
                                   const InputRef& input, pickle::Budget* budget, std::uint64_t offset) {
  if (dtype.kind == DTypeKind::kObject) FailAt(offset, "object arrays carry a list of values, not raw bytes");
  std::int64_t count = CheckedElementCount(shape, dtype.itemsize, offset);
  std::uint64_t need = static_cast<std::uint64_t>(count) * static_cast<std::uint64_t>(dtype.itemsize);
  if (raw.size() != need) {
    FailAt(offset, fmt::format("array data has {} bytes but shape {} of dtype {} needs {}", raw.size(),
                               NdArray::ShapeString(shape), dtype.Str(), need));
  }
  auto array = std::make_shared<NdArray>();
  array->dtype = dtype;
  array->shape = std::move(shape);
  array->fortran_order = fortran;
  array->stored_byteorder = HasBigEndian(dtype) ? '>' : dtype.byteorder;
  array->nbytes = need;
  const auto* raw_ptr = reinterpret_cast<const std::byte*>(raw.data());
  bool in_input = !input.bytes.empty() && raw_ptr >= input.bytes.data() && raw_ptr + need <= input.bytes.data() + input.bytes.size();
  bool aligned = reinterpret_cast<std::uintptr_t>(raw_ptr) % static_cast<std::uintptr_t>(Alignment(dtype)) == 0;
  bool big = HasBigEndian(dtype);
  if (in_input && input.owner && aligned && !big) {
    array->data = raw_ptr;
    array->owner = input.owner;
    array->memory_mapped = input.memory_mapped;
  } else {
    budget->Charge(need, "array data");
    auto buffer = std::make_shared<std::vector<std::uint64_t>>((need + 7) / 8);
    auto* dst = reinterpret_cast<std::byte*>(buffer->data());
    if (need) std::memcpy(dst, raw_ptr, need);
    if (big) SwapToLittle(dtype, dst, count);
    array->data = dst;
    array->owner = std::move(buffer);
  }
  MarkNative(&array->dtype);
  return array;
}

namespace {

// Converts `node` (an Object) into an Array node holding `array`; the callable stays for provenance.
void BecomeArray(Value* node, std::shared_ptr<NdArray> array) {
  node->kind = Kind::kArray;
  node->array = std::move(array);
}

std::shared_ptr<NdArray> ObjectArray(const DType& dtype, std::vector<std::int64_t> shape, bool fortran, const Value& items,
                                     pickle::Budget* budget, std::uint64_t offset) {
  std::int64_t count = CheckedElementCount(shape, 8, offset);
  if (items.kind != Kind::kList && items.kind != Kind::kTuple) {
    FailAt(offset, fmt::format("object array: expected a list of elements, found {}", items.Repr(40)));
  }
  if (static_cast<std::int64_t>(items.items.size()) != count) {
    FailAt(offset, fmt::format("object array of shape {} needs {} elements, the list has {}", NdArray::ShapeString(shape),
                               count, items.items.size()));
  }
  budget->Charge(items.items.size() * sizeof(void*), "object arrays");
  auto array = std::make_shared<NdArray>();
  array->dtype = dtype;
  array->shape = std::move(shape);
  array->fortran_order = fortran;
  array->stored_byteorder = '|';
  array->objects = items.items;
  return array;
}

// _reconstruct(ndarray, (0,), b'b') + BUILD (version, shape, dtype, is_fortran, data)
void DecodeReconstruct(Value* node, const InputRef& input, pickle::Budget* budget) {
  const Value* state = node->object->state;
  if (!state) FailAt(node->offset, "numpy array without its state (no BUILD after _reconstruct)");
  if (state->kind != Kind::kTuple || (state->items.size() != 5 && state->items.size() != 4)) {
    FailAt(state->offset, fmt::format("numpy array state: expected (version, shape, dtype, is_fortran, data), found {}", state->Repr(60)));
  }
  const auto& s = state->items;
  std::size_t base = s.size() == 5 ? 1 : 0;  // the version field is absent in very old pickles
  auto shape = ShapeFromValue(*s[base], "numpy array shape");
  DType dtype = DTypeFromValue(*s[base + 1]);
  bool fortran = s[base + 2]->kind == Kind::kBool ? s[base + 2]->boolean : s[base + 2]->integer != 0;
  const Value* data = s[base + 3];
  if (dtype.kind == DTypeKind::kObject) {
    BecomeArray(node, ObjectArray(dtype, std::move(shape), fortran, *data, budget, state->offset));
    return;
  }
  if (data->kind == Kind::kPickleBuffer) {
    throw Error::Unsupported(fmt::format("array data is in out-of-band buffer {} that the file does not contain", data->integer))
        .AtOffset(data->offset);
  }
  if (!data->is_text() && data->kind != Kind::kByteArray) {
    FailAt(state->offset, fmt::format("numpy array data: expected bytes, found {}", data->Repr(40)));
  }
  BecomeArray(node, MakeArray(dtype, std::move(shape), fortran, data->text, input, budget, data->offset));
}

// dill pickles an ndarray as dill._dill._create_array(f, args, state, npdict): f(*args) then
// __setstate__(state), with f = numpy's _reconstruct and args / state exactly numpy's own reduce
// triple (dill _dill.py). Decoded as that array; any other f stays an unknown call.
bool IsDillArray(const Value* node) {
  const Value* cls = node->Class();
  if (!cls || cls->kind != Kind::kGlobal || cls->name != "_create_array" || (cls->text != "dill._dill" && cls->text != "dill.dill")) {
    return false;
  }
  const Value* args = node->object->args;
  if (!args || args->kind != Kind::kTuple || args->items.size() < 3 || args->items.size() > 4) return false;
  const Value* f = args->items[0];
  return IsNumpyGlobal(f, "multiarray", "_reconstruct") || IsNumpyGlobal(f, "_multiarray_umath", "_reconstruct");
}

void DecodeDillArray(Value* node, const InputRef& input, pickle::Budget* budget) {
  const auto& a = node->object->args->items;
  const Value* npdict = a.size() == 4 ? a[3] : nullptr;
  if (npdict && !npdict->is_none() && !(npdict->kind == Kind::kDict && npdict->entries.empty())) {
    throw Error::Unsupported("a dill-pickled array with attributes of an ndarray subclass").AtOffset(npdict->offset);
  }
  if (node->object->state) FailAt(node->offset, "a dill-pickled array with a state of its own");
  node->object->state = a[2];  // the (version, shape, dtype, is_fortran, data) that _reconstruct's BUILD takes
  DecodeReconstruct(node, input, budget);
}

// scalar(dtype, bytes) or scalar(dtype('O'), obj)
void DecodeScalar(Value* node, const InputRef& input, pickle::Budget* budget) {
  const Value* args = node->object->args;
  if (!args || args->items.empty()) FailAt(node->offset, "numpy scalar without arguments");
  DType dtype = DTypeFromValue(*args->items[0]);
  std::shared_ptr<NdArray> array;
  if (dtype.kind == DTypeKind::kObject) {
    if (args->items.size() != 2) FailAt(node->offset, "object scalar needs one value");
    auto a = std::make_shared<NdArray>();
    a->dtype = dtype;
    a->objects = {args->items[1]};
    array = a;
  } else {
    if (args->items.size() != 2 || !args->items[1]->is_text()) FailAt(node->offset, "numpy scalar: expected (dtype, bytes)");
    array = MakeArray(dtype, {}, false, args->items[1]->text, input, budget, node->offset);
  }
  array->is_scalar = true;
  BecomeArray(node, std::move(array));
}

// Protocol 5: _frombuffer(buffer, dtype, shape, order[, axis_order]). numpy 2 writes arrays that are
// neither C- nor F-contiguous in memory ('K') order: the buffer is C-ordered over `shape`, and the
// array is that, transposed by axis_order. We materialise the transpose in C order.
void DecodeFromBuffer(Value* node, const InputRef& input, pickle::Budget* budget) {
  const Value* args = node->object->args;
  if (!args || (args->items.size() != 4 && args->items.size() != 5)) {
    FailAt(node->offset, "numpy _frombuffer: expected (buffer, dtype, shape, order[, axis_order])");
  }
  const Value* buffer = args->items[0];
  if (buffer->kind == Kind::kPickleBuffer) {
    throw Error::Unsupported(fmt::format("array data is in out-of-band buffer {} that the file does not contain", buffer->integer))
        .AtOffset(buffer->offset);
  }
  if (!buffer->is_text() && buffer->kind != Kind::kByteArray) FailAt(node->offset, "numpy _frombuffer: the buffer is not bytes");
  DType dtype = DTypeFromValue(*args->items[1]);
  auto shape = ShapeFromValue(*args->items[2], "numpy _frombuffer shape");
  std::string_view order = args->items[3]->is_text() ? args->items[3]->text : "C";
  const Value* axes = args->items.size() == 5 ? args->items[4] : nullptr;
  if (order != "K" || !axes || axes->is_none()) {
    BecomeArray(node, MakeArray(dtype, std::move(shape), order == "F", buffer->text, input, budget, buffer->offset));
    return;
  }
  auto axis_order = ShapeFromValue(*axes, "numpy _frombuffer axis_order");
  const std::size_t nd = shape.size();
  std::vector<bool> seen(nd, false);
  bool valid = axis_order.size() == nd;
  for (auto a : axis_order) valid = valid && a >= 0 && static_cast<std::size_t>(a) < nd && !seen[a] && (seen[a] = true);
  if (!valid) FailAt(node->offset, "numpy _frombuffer: axis_order is not a permutation of the array's axes");
  auto stored = MakeArray(dtype, shape, false, buffer->text, input, budget, buffer->offset);
  std::vector<std::int64_t> final_shape(nd), src_stride(nd);
  for (std::size_t k = 0; k < nd; ++k) final_shape[k] = shape[static_cast<std::size_t>(axis_order[k])];
  std::int64_t stride = 1;
  for (std::size_t d = nd; d-- > 0;) {
    src_stride[d] = stride;
    stride *= shape[d];
  }
  const std::size_t item = static_cast<std::size_t>(dtype.itemsize);
  budget->Charge(stored->nbytes, "array data");
  auto out = std::make_shared<std::vector<std::uint64_t>>((stored->nbytes + 7) / 8);
  auto* dst = reinterpret_cast<std::byte*>(out->data());
  std::vector<std::int64_t> idx(nd, 0);
  const std::int64_t count = stored->size();
  for (std::int64_t flat = 0; flat < count; ++flat) {
    std::int64_t src = 0;
    for (std::size_t k = 0; k < nd; ++k) src += idx[k] * src_stride[static_cast<std::size_t>(axis_order[k])];
    std::memcpy(dst + flat * item, stored->data + src * static_cast<std::int64_t>(item), item);
    for (std::size_t k = nd; k-- > 0;) {
      if (++idx[k] < final_shape[k]) break;
      idx[k] = 0;
    }
  }
  auto array = std::make_shared<NdArray>(*stored);
  array->shape = std::move(final_shape);
  array->data = dst;
  array->owner = std::move(out);
  array->memory_mapped = false;
  BecomeArray(node, std::move(array));
}

}  // namespace

void DecodeArrays(Graph* graph, const InputRef& input, pickle::Budget* budget) {
  for (std::size_t i = 0; i < graph->node_count(); ++i) {
    Value* node = graph->node(i);
    if (node->kind != Kind::kObject) continue;
    const Value* cls = node->Class();
    if (!cls) continue;
    try {
      if (IsNumpyGlobal(cls, "multiarray", "_reconstruct") || IsNumpyGlobal(cls, "_multiarray_umath", "_reconstruct")) {
        DecodeReconstruct(node, input, budget);
      } else if (IsNumpyGlobal(cls, "multiarray", "scalar")) {
        DecodeScalar(node, input, budget);
      } else if (IsNumpyGlobal(cls, "numeric", "_frombuffer")) {
        DecodeFromBuffer(node, input, budget);
      } else if (IsDillArray(node)) {
        DecodeDillArray(node, input, budget);
      }
    } catch (Error& e) {
      e.AtOffset(node->offset);  // budget errors carry no position of their own
      throw;
    }
  }
}

}  // namespace skbridge::numpy
