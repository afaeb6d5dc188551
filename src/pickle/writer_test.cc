// The pickle/joblib writer: exact bytes against what CPython, numpy and joblib write; read -> write ->
// read round trips of hand-made graphs (every Value kind, sharing, cycles, limits) and of the whole
// fixture corpus (tests/fixtures/<version>, every protocol 2..5, pickle and joblib formats);
// compression as joblib writes it.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <unordered_map>
#include <unordered_set>

#include "pickle/test_util.h"
#include "skbridge/reader.h"
#include "skbridge/writer.h"

namespace skbridge {
namespace {

using testing::AsBytes;
using testing::ExpectError;
using testing::NoHash;
using testing::PickleBuilder;
using testing::SourceDir;
using Format = WriteOptions::Format;

// ---- reading back ----------------------------------------------------------------------------

// Reads written bytes: in memory when uncompressed (arrays may point into the buffer, which the
// ModelFile keeps alive), through a temporary file otherwise (container detection + decompression).
ModelFile ReadBack(std::string bytes) {
  if (!bytes.empty() && static_cast<unsigned char>(bytes[0]) == 0x80) {
    auto owner = std::make_shared<std::string>(std::move(bytes));
    return ReadPickleBytes(AsBytes(*owner), NoHash(), owner);
  }
  static int counter = 0;
  auto path = std::filesystem::temp_directory_path() /
              ("skbridge_writer_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  {
    std::ofstream f(path, std::ios::binary);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  ModelFile m = ReadModelFile(path.string(), NoHash());
  std::filesystem::remove(path);
  return m;
}

std::string Hex(std::string_view s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(d[c >> 4]);
    out.push_back(d[c & 15]);
  }
  return out;
}
std::string Unhex(std::string_view h) {
  std::string out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  return out;
}

// ---- structural comparison -------------------------------------------------------------------

std::string_view CanonicalModule(std::string_view m) {
  if (m == "__builtin__" || m == "exceptions") return "builtins";
  if (m == "copy_reg") return "copyreg";
  return m;
}

// "module.qualname" of a global, or of the getattr(getattr(module.A, 'B'), 'C') chain protocols
// below 4 use for nested names; empty when `v` is neither.
std::string GlobalName(const Value* v) {
  if (v->kind == Kind::kGlobal) return std::string(CanonicalModule(v->text)) + "." + std::string(v->name);
  if (v->kind == Kind::kObject && v->object->callable && v->object->callable->kind == Kind::kGlobal &&
      v->object->callable->name == "getattr" && CanonicalModule(v->object->callable->text) == "builtins" && v->object->args &&
      v->object->args->items.size() == 2 && v->object->args->items[1]->kind == Kind::kStr) {
    std::string parent = GlobalName(v->object->args->items[0]);
    if (!parent.empty()) return parent + "." + std::string(v->object->args->items[1]->text);
  }
  return {};
}

// Values Python does not keep identity of: numbers, and the strings and bytes CPython keeps a single
// object for (empty, one latin-1 character, one byte), which the writer shares by content.
bool IsAtom(const Value* v) {
  if (v->kind == Kind::kStr) {
    return v->text.size() <= 1 || (v->text.size() == 2 && (static_cast<unsigned char>(v->text[0]) & 0xfe) == 0xc2);
  }
  if (v->kind == Kind::kBytes) return v->text.size() <= 1;
  return v->kind == Kind::kNone || v->kind == Kind::kBool || v->kind == Kind::kInt || v->kind == Kind::kFloat;
}

bool FortranOnly(const NdArray& a) {
  int big = 0;
  for (auto n : a.shape) big += n > 1;
  return a.fortran_order && big > 1;
}

// How the reader sees a re-written call may differ from the original in form only where Python's
// result is the same: INST -> NEWOBJ/REDUCE, a folded copyreg._reconstructor -> NEWOBJ, NEWOBJ_EX
// without keywords below protocol 4 -> NEWOBJ.
bool FormsCompatible(const Value* a, const Value* b) {
  ObjectForm fa = a->object->form, fb = b->object->form;
  if (fa == fb) return true;
  bool no_args = !a->object->args || a->object->args->items.empty();
  if (fa == ObjectForm::kInst) return fb == (no_args ? ObjectForm::kNewObj : ObjectForm::kReduce);
  if (fa == ObjectForm::kReduce && fb == ObjectForm::kNewObj && no_args) return true;
  if (fa == ObjectForm::kNewObjEx && fb == ObjectForm::kNewObj && (!a->object->kwargs || a->object->kwargs->entries.empty())) return true;
  return false;
}

// Compares two graphs node by node: kinds, scalar values (floats bit for bit), strings, globals,
// calls, arrays (dtype, shape, order, bytes, elements) — and sharing: a node reached twice in `a`
// must be one node in `b`, and distinct nodes must stay distinct. Joblib writes an array each time
// it is reached and pickles object arrays separately, so there arrays are exempt.
class Differ {
 public:
  explicit Differ(bool joblib) : joblib_(joblib) {}

  std::string Compare(const Value* a, const Value* b) {
    stack_.push_back({a, b, false, "root"});
    while (!stack_.empty()) {
      Item it = stack_.back();
      stack_.pop_back();
      std::string d = Step(it);
      if (!d.empty()) return it.path + ": " + d;
    }
    return {};
  }

 private:
  struct Item {
    const Value* a;
    const Value* b;
    bool loose;  // inside a joblib object array: no sharing checks
    std::string path;
  };

  void Push(const Value* a, const Value* b, bool loose, std::string path) { stack_.push_back({a, b, loose, std::move(path)}); }

  std::string Step(const Item& it) {
    const Value* a = it.a;
    const Value* b = it.b;
    if (!a || !b) return a == b ? "" : "one side is null";
    bool array_exempt = joblib_ && a->kind == Kind::kArray && !a->array->is_scalar;
    bool shareable = !IsAtom(a) && a->kind != Kind::kGlobal && !(a->kind == Kind::kTuple && a->items.empty()) && !array_exempt;
    if (it.loose) {
      if (!loose_seen_.insert(a).second) return {};
    } else if (shareable) {
      if (auto f = fwd_.find(a); f != fwd_.end()) return f->second == b ? "" : "sharing lost: a node reached twice became two nodes";
      if (auto r = rev_.find(b); r != rev_.end()) return "spurious sharing: two nodes became one";
      fwd_[a] = b;
      rev_[b] = a;
    }
    if (a->kind == Kind::kGlobal) {
      std::string nb = GlobalName(b);
      return GlobalName(a) == nb ? "" : "global " + GlobalName(a) + " became " + (nb.empty() ? b->Repr(60) : nb);
    }
    if (a->kind != b->kind) return std::string("kind ") + KindName(a->kind) + " became " + KindName(b->kind) + " " + b->Repr(60);
    const std::string& p = it.path;
    switch (a->kind) {
      case Kind::kNone: return {};
      case Kind::kBool: return a->boolean == b->boolean ? "" : "bool differs";
      case Kind::kInt:
        if (a->is_big_int() != b->is_big_int()) return "int size differs";
        return (a->is_big_int() ? a->text == b->text : a->integer == b->integer) ? "" : "int " + a->IntDecimal() + " became " + b->IntDecimal();
      case Kind::kFloat: return std::memcmp(&a->real, &b->real, 8) == 0 ? "" : "float " + a->Repr() + " became " + b->Repr();
      case Kind::kComplex:
        return std::memcmp(&a->real, &b->real, 8) == 0 && std::memcmp(&a->imag, &b->imag, 8) == 0 ? "" : "complex differs";
      case Kind::kStr:
      case Kind::kBytes:
      case Kind::kByteArray: return a->text == b->text ? "" : "text " + a->Repr(40) + " became " + b->Repr(40);
      case Kind::kList:
      case Kind::kTuple:
      case Kind::kSet:
      case Kind::kFrozenSet:
        if (a->items.size() != b->items.size()) return "length " + std::to_string(a->items.size()) + " became " + std::to_string(b->items.size());
        for (std::size_t i = a->items.size(); i-- > 0;) Push(a->items[i], b->items[i], it.loose, p + "[" + std::to_string(i) + "]");
        return {};
      case Kind::kDict: {
        std::string_view na = a->name == "dict" ? "" : a->name, nb = b->name == "dict" ? "" : b->name;
        if (na != nb) return "mapping type " + std::string(na) + " became " + std::string(nb);
        if (a->entries.size() != b->entries.size()) return "dict size differs";
        for (std::size_t i = a->entries.size(); i-- > 0;) {
          const auto& [ka, va] = a->entries[i];
          const auto& [kb, vb] = b->entries[i];
          std::string key = ka->Repr(30);
          Push(va, vb, it.loose, p + "[" + key + "]");
          Push(ka, kb, it.loose, p + ".key(" + key + ")");
        }
        return {};
      }
      case Kind::kObject: {
        if (!FormsCompatible(a, b)) return "call form " + std::to_string(int(a->object->form)) + " became " + std::to_string(int(b->object->form));
        const ObjectData& oa = *a->object;
        const ObjectData& ob = *b->object;
        if (oa.list_items.size() != ob.list_items.size() || oa.dict_items.size() != ob.dict_items.size()) return "appended items differ";
        if (!oa.state != !ob.state) return "state present on one side only";
        std::string q = p + "<" + a->GlobalPath() + ">";
        for (std::size_t i = oa.dict_items.size(); i-- > 0;) {
          Push(oa.dict_items[i].second, ob.dict_items[i].second, it.loose, q + ".setitem" + std::to_string(i));
          Push(oa.dict_items[i].first, ob.dict_items[i].first, it.loose, q + ".setkey" + std::to_string(i));
        }
        for (std::size_t i = oa.list_items.size(); i-- > 0;) Push(oa.list_items[i], ob.list_items[i], it.loose, q + ".append" + std::to_string(i));
        if (oa.state) Push(oa.state, ob.state, it.loose, q + ".state");
        bool a_kw = oa.kwargs && !oa.kwargs->entries.empty(), b_kw = ob.kwargs && !ob.kwargs->entries.empty();
        if (a_kw != b_kw) return "keyword arguments differ";
        if (a_kw) Push(oa.kwargs, ob.kwargs, it.loose, q + ".kwargs");
        std::size_t na = oa.args ? oa.args->items.size() : 0, nb = ob.args ? ob.args->items.size() : 0;
        if (na != nb) return "argument count " + std::to_string(na) + " became " + std::to_string(nb);
        if (na) Push(oa.args, ob.args, it.loose, q + ".args");
        Push(oa.callable, ob.callable, it.loose, q + ".callable");
        return {};
      }
      case Kind::kArray: {
        const NdArray& x = *a->array;
        const NdArray& y = *b->array;
        DType ydt = y.dtype;
        // The reader does not recover datetime units from numpy's dtype metadata (it reads the first
        // item of the 9th state field, which numpy fills with a metadata dict or None, not the
        // (unit, num, 1, 1) tuple after it); the writer's unit is checked on the bytes instead.
        if ((x.dtype.kind == DTypeKind::kDateTime || x.dtype.kind == DTypeKind::kTimeDelta) && ydt.unit.empty()) ydt.unit = x.dtype.unit;
        if (!(x.dtype == ydt)) return "dtype " + x.dtype.Str() + " became " + y.dtype.Str();
        if (x.shape != y.shape) return "shape " + x.ShapeString() + " became " + y.ShapeString();
        if (x.is_scalar != y.is_scalar) return "scalar flag differs";
        if (FortranOnly(x) != FortranOnly(y)) return "memory order differs";
        if (x.dtype.kind == DTypeKind::kObject) {
          if (x.objects.size() != y.objects.size()) return "object count differs";
          bool loose = it.loose || (joblib_ && !x.is_scalar);
          for (std::size_t i = x.objects.size(); i-- > 0;) Push(x.objects[i], y.objects[i], loose, p + "{" + std::to_string(i) + "}");
          return {};
        }
        if (x.nbytes != y.nbytes || (x.nbytes && std::memcmp(x.data, y.data, x.nbytes) != 0)) return "array bytes differ";
        return {};
      }
      case Kind::kGlobal:
      case Kind::kPickleBuffer: return {};
    }
    return "unknown kind";
  }

  bool joblib_;
  std::vector<Item> stack_;
  std::unordered_map<const Value*, const Value*> fwd_, rev_;
  std::unordered_set<const Value*> loose_seen_;
};

std::string Diff(const Value* a, const Value* b, bool joblib) { return Differ(joblib).Compare(a, b); }

WriteOptions Opts(int protocol, Format format, Compressor c = Compressor::kNone) {
  WriteOptions o;
  o.protocol = protocol;
  o.format = format;
  o.compressor = c;
  return o;
}

// ---- hand-made graphs ------------------------------------------------------------------------

class G {
 public:
  Graph g;
  Value* None() { return g.New(Kind::kNone); }
  Value* Bool(bool b) {
    Value* v = g.New(Kind::kBool);
    v->boolean = b;
    return v;
  }
  Value* Int(std::int64_t i) {
    Value* v = g.New(Kind::kInt);
    v->integer = i;
    return v;
  }
  Value* BigInt(std::string le) {
    Value* v = g.New(Kind::kInt);
    v->text = g.Store(std::move(le));
    return v;
  }
  Value* Float(double d) {
    Value* v = g.New(Kind::kFloat);
    v->real = d;
    return v;
  }
  Value* Complex(double re, double im) {
    Value* v = g.New(Kind::kComplex);
    v->real = re;
    v->imag = im;
    return v;
  }
  Value* Text(Kind k, std::string s) {
    Value* v = g.New(k);
    v->text = g.Store(std::move(s));
    return v;
  }
  Value* Str(std::string s) { return Text(Kind::kStr, std::move(s)); }
  Value* Bytes(std::string s) { return Text(Kind::kBytes, std::move(s)); }
  Value* Seq(Kind k, std::vector<const Value*> items) {
    Value* v = g.New(k);
    v->items = std::move(items);
    return v;
  }
  Value* List(std::vector<const Value*> items = {}) { return Seq(Kind::kList, std::move(items)); }
  Value* Tuple(std::vector<const Value*> items = {}) { return Seq(Kind::kTuple, std::move(items)); }
  Value* Dict(std::vector<std::pair<const Value*, const Value*>> entries = {}, std::string name = "") {
    Value* v = g.New(Kind::kDict);
    v->entries = std::move(entries);
    if (!name.empty()) v->name = g.Store(name);
    return v;
  }
  Value* Global(std::string module, std::string name) {
    Value* v = g.New(Kind::kGlobal);
    v->text = g.Store(std::move(module));
    v->name = g.Store(std::move(name));
    return v;
  }
  Value* Obj(ObjectForm form, const Value* callable, const Value* args, const Value* state = nullptr) {
    Value* v = g.New(Kind::kObject);
    v->object->form = form;
    v->object->callable = callable;
    v->object->args = args;
    v->object->state = state;
    return v;
  }
  Value* Array(const DType& dtype, std::vector<std::int64_t> shape, std::string raw, bool fortran = false, bool scalar = false) {
    auto buffer = std::make_shared<std::vector<std::uint64_t>>((raw.size() + 7) / 8 + 1);
    std::memcpy(buffer->data(), raw.data(), raw.size());
    auto a = std::make_shared<NdArray>();
    a->dtype = dtype;
    a->shape = std::move(shape);
    a->fortran_order = fortran;
    a->is_scalar = scalar;
    a->data = reinterpret_cast<const std::byte*>(buffer->data());
    a->nbytes = raw.size();
    a->owner = buffer;
    Value* v = g.New(Kind::kArray);
    v->array = a;
    return v;
  }
  Value* ObjectArray(std::vector<std::int64_t> shape, std::vector<const Value*> items, bool scalar = false) {
    auto a = std::make_shared<NdArray>();
    ParseDTypeStr("|O", &a->dtype);
    a->shape = std::move(shape);
    a->is_scalar = scalar;
    a->objects = std::move(items);
    Value* v = g.New(Kind::kArray);
    v->array = a;
    return v;
  }
};

DType Dt(std::string_view s) {
  DType d;
  EXPECT_TRUE(ParseDTypeStr(s, &d)) << s;
  return d;
}

template <class T>
std::string Raw(std::initializer_list<T> values) {
  std::string out;
  for (T v : values) out.append(reinterpret_cast<const char*>(&v), sizeof(T));
  return out;
}

// scikit-learn's tree node record (8 fields, as of 1.3).
DType NodeDType() {
  DType d;
  d.kind = DTypeKind::kVoid;
  d.itemsize = 64;
  d.byteorder = '|';
  const char* names[] = {"left_child", "right_child", "feature", "threshold", "impurity", "n_node_samples",
                         "weighted_n_node_samples", "missing_go_to_left"};
  const char* types[] = {"<i8", "<i8", "<i8", "<f8", "<f8", "<i8", "<f8", "|u1"};
  for (int i = 0; i < 8; ++i) d.fields.push_back({names[i], Dt(types[i]), 8 * i});
  return d;
}

// One value of every kind, arrays of every dtype family, shared nodes and cycles.
const Value* EveryKind(G& b) {
  std::vector<std::pair<const Value*, const Value*>> e;
  auto add = [&](const char* k, const Value* v) { e.emplace_back(b.Str(k), v); };
  add("none", b.None());
  add("true", b.Bool(true));
  add("false", b.Bool(false));
  std::int64_t ints[] = {0, 1, 255, 256, 65535, 65536, -1, -256, INT32_MIN, INT32_MAX, std::int64_t(INT32_MAX) + 1,
                         std::int64_t(INT32_MIN) - 1, INT64_MIN, INT64_MAX, 1ll << 40, -(1ll << 40)};
  std::vector<const Value*> int_values;
  for (auto i : ints) int_values.push_back(b.Int(i));
  add("ints", b.List(int_values));
  std::string big(9, '\0');  // 2**64 + 5: nine bytes of two's complement
  big[0] = 5;
  big[8] = 1;
  std::string neg(40, '\xff');  // a 320-bit negative number
  neg[3] = '\x12';
  neg[30] = '\x7f';  // does not fit 64 bits
  std::string huge(300, '\x01');  // LONG4
  add("bigints", b.List({b.BigInt(big), b.BigInt(neg), b.BigInt(huge)}));
  add("floats", b.List({b.Float(1.5), b.Float(-0.0), b.Float(std::numeric_limits<double>::infinity()),
                        b.Float(std::numeric_limits<double>::quiet_NaN()), b.Float(1e-310)}));
  add("complex", b.Complex(1.5, -2));
  add("strs", b.List({b.Str(""), b.Str("abc"), b.Str("h\xc3\xa9llo \xe2\x82\xac"), b.Str(std::string(300, 'x'))}));
  add("bytes", b.List({b.Bytes(""), b.Bytes(std::string("a\0\xff\x80", 4)), b.Bytes(std::string(300, '\xe9'))}));
  add("bytearrays", b.List({b.Text(Kind::kByteArray, ""), b.Text(Kind::kByteArray, "xy\xff")}));
  add("tuples", b.List({b.Tuple(), b.Tuple({b.Int(1)}), b.Tuple({b.Int(1), b.Int(2)}), b.Tuple({b.Int(1), b.Int(2), b.Int(3)}),
                        b.Tuple({b.Int(1), b.Int(2), b.Int(3), b.Int(4), b.Str("five")})}));
  add("set", b.Seq(Kind::kSet, {b.Int(3), b.Str("a")}));
  add("empty_set", b.Seq(Kind::kSet, {}));
  add("frozenset", b.Seq(Kind::kFrozenSet, {b.Int(1), b.Tuple({b.Int(2), b.Int(3)})}));
  add("empty_frozenset", b.Seq(Kind::kFrozenSet, {}));
  add("dict", b.Dict({{b.Int(1), b.Str("one")}, {b.Tuple({b.Int(2)}), b.None()}}));
  add("ordered", b.Dict({{b.Str("k"), b.Int(1)}, {b.Str("l"), b.List({})}}, "OrderedDict"));
  add("empty_ordered", b.Dict({}, "OrderedDict"));
  add("globals", b.List({b.Global("sklearn.tree._classes", "DecisionTreeClassifier"), b.Global("builtins", "len"),
                         b.Global("collections", "OrderedDict"), b.Global("mod", "Outer.Inner.Leaf")}));
  // Calls of every form, with items and state.
  Value* est = b.Obj(ObjectForm::kNewObj, b.Global("sklearn.linear_model._logistic", "LogisticRegression"), b.Tuple(),
                     b.Dict({{b.Str("C"), b.Float(1.0)}, {b.Str("classes_"), b.Array(Dt("<i8"), {2}, Raw<std::int64_t>({0, 1}))}}));
  add("newobj", est);
  Value* red = b.Obj(ObjectForm::kReduce, b.Global("mod", "factory"), b.Tuple({b.Int(1), b.Str("x")}), b.Tuple({b.None(), b.Dict()}));
  red->object->list_items = {b.Int(7), b.Int(8)};
  red->object->dict_items = {{b.Str("k"), b.Int(9)}};
  add("reduce", red);
  Value* ex = b.Obj(ObjectForm::kNewObjEx, b.Global("mod", "Cls"), b.Tuple({b.Int(1)}));
  ex->object->kwargs = b.Dict();
  add("newobj_ex", ex);
  add("none_state", b.Obj(ObjectForm::kNewObj, b.Global("mod", "WithSetstate"), b.Tuple(), b.None()));
  // Arrays.
  DType datetime = Dt("<M8[ns]");
  std::string unicode = Raw<std::uint32_t>({'a', 'b', 0, 'c', 0, 0});
  std::string nodes(2 * 64, '\0');
  nodes[3 * 8] = 1;  // some non-zero bytes
  nodes[64 + 56] = 1;
  Value* shared_array = b.Array(Dt("<f8"), {3}, Raw<double>({1, 2, 3}));
  add("arrays", b.List({
                    b.Array(Dt("<f8"), {2, 3}, Raw<double>({0, 0.5, 1, 1.5, 2, 2.5})),
                    b.Array(Dt("<f8"), {2, 3}, Raw<double>({0, 0.5, 1, 1.5, 2, 2.5}), /*fortran=*/true),
                    b.Array(Dt("<i4"), {3}, Raw<std::int32_t>({-1, 0, 1})),
                    b.Array(Dt("<f4"), {2}, Raw<float>({1.5f, -2})),
                    b.Array(Dt("|u1"), {3}, "\x01\x02\xff"),
                    b.Array(Dt("|b1"), {2}, std::string("\x01\x00", 2)),
                    b.Array(Dt("<c16"), {1}, Raw<double>({1, -1})),
                    b.Array(Dt("<U2"), {3}, unicode),
                    b.Array(Dt("|S3"), {2}, std::string("ab\0cde", 6)),
                    b.Array(Dt("|V4"), {1}, "wxyz"),
                    b.Array(datetime, {1}, Raw<std::int64_t>({1700000000000000000})),
                    b.Array(NodeDType(), {2}, nodes),
                    b.Array(Dt("<f8"), {0, 4}, ""),
                    b.Array(Dt("<f8"), {}, Raw<double>({42})),  // 0-d, not a scalar
                    b.Array(Dt("<f8"), {}, Raw<double>({2.5}), false, /*scalar=*/true),
                    b.Array(Dt("<i8"), {}, Raw<std::int64_t>({-3}), false, true),
                    b.ObjectArray({3}, {b.Str("x"), b.Int(1), b.None()}),
                    b.ObjectArray({}, {b.Str("obj scalar")}, true),
                    shared_array,
                    shared_array,
                }));
  // Sharing and cycles.
  Value* shared = b.List({b.Int(1)});
  add("shared1", shared);
  add("shared2", shared);
  Value* self_list = b.List();
  self_list->items.push_back(self_list);
  add("self_list", self_list);
  Value* loop_list = b.List();
  Value* loop_tuple = b.Tuple({b.Str("t"), loop_list});  // tuple -> list -> tuple: written twice, kept once
  loop_list->items.push_back(loop_tuple);
  add("tuple_cycle", loop_tuple);
  Value* holder = b.List();
  Value* obj = b.Obj(ObjectForm::kReduce, b.Global("mod", "Node"), b.Tuple({holder}));  // args -> list -> object
  holder->items.push_back(obj);
  add("args_cycle", obj);
  Value* selfref = b.Obj(ObjectForm::kNewObj, b.Global("mod", "Node"), b.Tuple());
  selfref->object->state = b.Dict({{b.Str("me"), selfref}});
  add("state_cycle", selfref);
  return b.Dict(std::move(e));
}

// ---- exact bytes -------------------------------------------------------------------------------

// Streams written by real Python (host 3.11: plain values) and in the environments (bookworm:
// numpy 1.24.2 + joblib 1.2.0; sid: numpy 2.4 + joblib 1.5.3), by pickle.dumps / joblib.dump at the
// protocol given, then loaded and dumped again (as the objects a Python program would hold: e.g. one
// object per one-character str), with the FRAME header of protocols 4-5 removed (the writer writes
// no frames). Reading one and writing it back must give the very same bytes. The values:
//   plain:  {'a': [1, 2.5, None, True, False, -7, 70000, 2**40, -(2**70)], 'b': (b'\xff\x00', 'h\xe9llo', b''),
//            'c': {1, 2}, 'f': frozenset({3}), 'z': 1+2j, 'ba': bytearray(b'xy'), 'e': (), 'five': (1, 2, 3, 4, 5),
//            's1': lst, 's2': lst, 'od': OrderedDict([('k', 1), ('l', 2)]), 'g': OrderedDict, 'ba0': bytearray(),
//            'nan': -inf}
//   arrays: {'f': arange(3.0), 'i': int32 2x3, 'F': Fortran 2x3 float64, 'u': ['ab', 'c'], 'o': object ['x', 1, None],
//            's': float64(1.5), 'si': int64(-3), 'n': zeros(2, [('left_child','<i8'), ('right_child','<i8'),
//            ('threshold','<f8'), ('missing','u1')]), 'b': [True, False], 'e': zeros((0, 2)), 'S': [b'ab', b'c'],
//            'ff': arange(4.0, float32), 'dt': [1, 2] M8[ns], 'td': [3] m8[10s]}
//           (joblib with numpy 2: without 'o', which joblib 1.5 nests at protocol 5)
// plain: protocols 2-5; arrays: pickle 2-4 (numpy uses _frombuffer at 5); joblib: 2-3 (from 4 on, joblib
// starts a new frame after every array, which cannot be removed without moving the padding).
struct Reference {
  const char* name;
  int protocol;
  Format format;
  bool numpy2;
  int alignment;
  const char* hex;
};
const Reference kReferences[] = {
    {"plain", 2, WriteOptions::Format::kPickle, false, 16,
     "80027d71002858010000006171015d7102284b014740040000000000004e88894af9ffffff4a701101008a06000000000001"
     "8a090000000000000000c0655801000000627103635f636f646563730a656e636f64650a71045803000000c3bf0071055806"
     "0000006c6174696e317106867107527108580600000068c3a96c6c6f7109635f5f6275696c74696e5f5f0a62797465730a71"
     "0a2952710b87710c580100000063710d635f5f6275696c74696e5f5f0a7365740a710e5d710f284b014b0265857110527111"
     "5801000000667112635f5f6275696c74696e5f5f0a66726f7a656e7365740a71135d71144b03618571155271165801000000"
     "7a7117635f5f6275696c74696e5f5f0a636f6d706c65780a7118473ff000000000000047400000000000000086711952711a"
     "58020000006261711b635f5f6275696c74696e5f5f0a6279746561727261790a711c680458020000007879711d680686711e"
     "52711f8571205271215801000000657122295804000000666976657123284b014b024b034b044b0574712458020000007331"
     "71255d71264b0161580200000073327127682658020000006f64712863636f6c6c656374696f6e730a4f7264657265644469"
     "63740a71292952712a2858010000006b712b4b0158010000006c712c4b0275580100000067712d6829580300000062613071"
     "2e681c2952712f58030000006e616e713047fff0000000000000752e"},
    {"plain", 3, WriteOptions::Format::kPickle, false, 16,
     "80037d71002858010000006171015d7102284b014740040000000000004e88894af9ffffff4a701101008a06000000000001"
     "8a090000000000000000c06558010000006271034302ff007104580600000068c3a96c6c6f71054300710687710758010000"
     "00637108636275696c74696e730a7365740a71095d710a284b014b026585710b52710c580100000066710d636275696c7469"
     "6e730a66726f7a656e7365740a710e5d710f4b036185711052711158010000007a7112636275696c74696e730a636f6d706c"
     "65780a7113473ff0000000000000474000000000000000867114527115580200000062617116636275696c74696e730a6279"
     "746561727261790a711743027879711885711952711a580100000065711b29580400000066697665711c284b014b024b034b"
     "044b0574711d58020000007331711e5d711f4b0161580200000073327120681f58020000006f64712163636f6c6c65637469"
     "6f6e730a4f726465726564446963740a7122295271232858010000006b71244b0158010000006c71254b0275580100000067"
     "712668225803000000626130712768172952712858030000006e616e712947fff0000000000000752e"},
    {"plain", 4, WriteOptions::Format::kPickle, false, 16,
     "80047d94288c0161945d94284b014740040000000000004e88894af9ffffff4a701101008a060000000000018a0900000000"
     "00000000c0658c0162944302ff00948c0668c3a96c6c6f9443009487948c0163948f94284b014b02908c016694284b039194"
     "8c017a948c086275696c74696e73948c07636f6d706c6578949394473ff0000000000000474000000000000000869452948c"
     "02626194680d8c096279746561727261799493944302787994859452948c016594298c046669766594284b014b024b034b04"
     "4b0574948c027331945d944b01618c02733294681c8c026f64948c0b636f6c6c656374696f6e73948c0b4f72646572656444"
     "696374949394295294288c016b944b018c016c944b02758c01679468218c036261309468142952948c036e616e9447fff000"
     "0000000000752e"},
    {"plain", 5, WriteOptions::Format::kPickle, false, 16,
     "80057d94288c0161945d94284b014740040000000000004e88894af9ffffff4a701101008a060000000000018a0900000000"
     "00000000c0658c0162944302ff00948c0668c3a96c6c6f9443009487948c0163948f94284b014b02908c016694284b039194"
     "8c017a948c086275696c74696e73948c07636f6d706c6578949394473ff0000000000000474000000000000000869452948c"
     "026261949602000000000000007879948c016594298c046669766594284b014b024b034b044b0574948c027331945d944b01"
     "618c0273329468188c026f64948c0b636f6c6c656374696f6e73948c0b4f72646572656444696374949394295294288c016b"
     "944b018c016c944b02758c016794681d8c0362613094960000000000000000948c036e616e9447fff0000000000000752e"},
    {"np1_arrays", 2, WriteOptions::Format::kPickle, false, 16,
     "80027d7100285801000000667101636e756d70792e636f72652e6d756c746961727261790a5f7265636f6e7374727563740a"
     "7102636e756d70790a6e6461727261790a71034b00857104635f636f646563730a656e636f64650a71055801000000627106"
     "58060000006c6174696e31710786710852710987710a52710b284b014b0385710c636e756d70790a64747970650a710d5802"
     "0000006638710e898887710f527110284b0358010000003c71114e4e4e4affffffff4affffffff4b00747112628968055819"
     "0000000000000000000000000000000000c3b03f000000000000004071136807867114527115747116625801000000697117"
     "680268034b00857118680987711952711a284b014b024b0386711b680d58020000006934711c898887711d52711e284b0368"
     "114e4e4e4affffffff4affffffff4b0074711f62896805581800000001000000020000000300000004000000050000000600"
     "000071206807867121527122747123625801000000467124680268034b008571256809877126527127284b014b024b038671"
     "286810886805583100000000000000000000000000000000000840000000000000c3b03f0000000000001040000000000000"
     "004000000000000014407129680786712a52712b74712c62580100000075712d680268034b0085712e680987712f52713028"
     "4b014b02857131680d5802000000553271328988877133527134284b0368114e4e4e4b084b044b0874713562896805581000"
     "000061000000620000006300000000000000713668078671375271387471396258010000006f713a680268034b0085713b68"
     "0987713c52713d284b014b0385713e680d58020000004f38713f8988877140527141284b0358010000007c71424e4e4e4aff"
     "ffffff4affffffff4b3f74714362895d71442858010000007871454b014e65747146625801000000737147636e756d70792e"
     "636f72652e6d756c746961727261790a7363616c61720a7148680d580200000066387149898887714a52714b284b0368114e"
     "4e4e4affffffff4affffffff4b0074714c6268055809000000000000000000c3b83f714d680786714e52714f867150527151"
     "5802000000736971526848680d5802000000693871538988877154527155284b0368114e4e4e4affffffff4affffffff4b00"
     "7471566268055810000000c3bdc3bfc3bfc3bfc3bfc3bfc3bfc3bf7157680786715852715986715a52715b58010000006e71"
     "5c680268034b0085715d680987715e52715f284b014b02857160680d580300000056323571618988877162527163284b0368"
     "424e28580a0000006c6566745f6368696c647164580b00000072696768745f6368696c64716558090000007468726573686f"
     "6c64716658070000006d697373696e6771677471687d7169286864680d58020000006938716a898887716b52716c284b0368"
     "114e4e4e4affffffff4affffffff4b0074716d624b0086716e6865686c4b0886716f686668104b108671706867680d580200"
     "0000753171718988877172527173284b0368424e4e4e4affffffff4affffffff4b00747174624b18867175754b194b014b10"
     "7471766289680558320000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000007177680786717852717974717a626806680268034b0085717b680987717c52717d284b014b02"
     "85717e680d58020000006231717f8988877180527181284b0368424e4e4e4affffffff4affffffff4b007471826289680558"
     "02000000010071836807867184527185747186625801000000657187680268034b00857188680987718952718a284b014b00"
     "4b0286718b681089635f5f6275696c74696e5f5f0a62797465730a718c2952718d74718e62580100000053718f680268034b"
     "008571906809877191527192284b014b02857193680d5802000000533271948988877195527196284b0368424e4e4e4b024b"
     "014b00747197628968055804000000616263007198680786719952719a74719b6258020000006666719c680268034b008571"
     "9d680987719e52719f284b014b048571a0680d5802000000663471a189888771a25271a3284b0368114e4e4e4affffffff4a"
     "ffffffff4b007471a4628968055811000000000000000000c2803f000000400000404071a568078671a65271a77471a86258"
     "02000000647471a9680268034b008571aa68098771ab5271ac284b014b028571ad680d58020000004d3871ae89888771af52"
     "71b0284b0468114e4e4e4affffffff4affffffff4b007d71b128680558020000006e7371b268078671b35271b44b014b014b"
     "017471b58671b67471b76289680558100000000100000000000000020000000000000071b868078671b95271ba7471bb6258"
     "02000000746471bc680268034b008571bd68098771be5271bf284b014b018571c0680d58020000006d3871c189888771c252"
     "71c3284b0468114e4e4e4affffffff4affffffff4b007d71c4286805684768078671c55271c64b0a4b014b017471c78671c8"
     "7471c9628968055808000000030000000000000071ca68078671cb5271cc7471cd62752e"},
    {"np1_arrays", 3, WriteOptions::Format::kPickle, false, 16,
     "80037d7100285801000000667101636e756d70792e636f72652e6d756c746961727261790a5f7265636f6e7374727563740a"
     "7102636e756d70790a6e6461727261790a71034b008571044301627105877106527107284b014b03857108636e756d70790a"
     "64747970650a710958020000006638710a898887710b52710c284b0358010000003c710d4e4e4e4affffffff4affffffff4b"
     "0074710e628943180000000000000000000000000000f03f0000000000000040710f74711062580100000069711168026803"
     "4b008571126805877113527114284b014b024b0386711568095802000000693471168988877117527118284b03680d4e4e4e"
     "4affffffff4affffffff4b0074711962894318010000000200000003000000040000000500000006000000711a74711b6258"
     "0100000046711c680268034b0085711d680587711e52711f284b014b024b03867120680c8843300000000000000000000000"
     "0000000840000000000000f03f00000000000010400000000000000040000000000000144071217471226258010000007571"
     "23680268034b008571246805877125527126284b014b028571276809580200000055327128898887712952712a284b03680d"
     "4e4e4e4b084b044b0874712b6289431061000000620000006300000000000000712c74712d6258010000006f712e68026803"
     "4b0085712f6805877130527131284b014b03857132680958020000004f3871338988877134527135284b0358010000007c71"
     "364e4e4e4affffffff4affffffff4b3f74713762895d71382858010000007871394b014e6574713a62580100000073713b63"
     "6e756d70792e636f72652e6d756c746961727261790a7363616c61720a713c680958020000006638713d898887713e52713f"
     "284b03680d4e4e4e4affffffff4affffffff4b00747140624308000000000000f83f71418671425271435802000000736971"
     "44683c68095802000000693871458988877146527147284b03680d4e4e4e4affffffff4affffffff4b00747148624308fdff"
     "ffffffffffff714986714a52714b58010000006e714c680268034b0085714d680587714e52714f284b014b02857150680958"
     "0300000056323571518988877152527153284b0368364e28580a0000006c6566745f6368696c647154580b00000072696768"
     "745f6368696c64715558090000007468726573686f6c64715658070000006d697373696e6771577471587d71592868546809"
     "58020000006938715a898887715b52715c284b03680d4e4e4e4affffffff4affffffff4b0074715d624b0086715e6855685c"
     "4b0886715f6856680c4b10867160685768095802000000753171618988877162527163284b0368364e4e4e4affffffff4aff"
     "ffffff4b00747164624b18867165754b194b014b107471666289433200000000000000000000000000000000000000000000"
     "000000000000000000000000000000000000000000000000000000007167747168625801000000627169680268034b008571"
     "6a680587716b52716c284b014b0285716d680958020000006231716e898887716f527170284b0368364e4e4e4affffffff4a"
     "ffffffff4b007471716289430201007172747173625801000000657174680268034b008571756805877176527177284b014b"
     "004b02867178680c894300717974717a62580100000053717b680268034b0085717c680587717d52717e284b014b0285717f"
     "68095802000000533271808988877181527182284b0368364e4e4e4b024b014b007471836289430461626300718474718562"
     "580200000066667186680268034b008571876805877188527189284b014b0485718a680958020000006634718b898887718c"
     "52718d284b03680d4e4e4e4affffffff4affffffff4b0074718e62894310000000000000803f0000004000004040718f7471"
     "9062580200000064747191680268034b008571926805877193527194284b014b02857195680958020000004d387196898887"
     "7197527198284b04680d4e4e4e4affffffff4affffffff4b007d71992843026e73719a4b014b014b0174719b86719c74719d"
     "6289431001000000000000000200000000000000719e74719f625802000000746471a0680268034b008571a168058771a252"
     "71a3284b014b018571a4680958020000006d3871a589888771a65271a7284b04680d4e4e4e4affffffff4affffffff4b007d"
     "71a82843017371a94b0a4b014b017471aa8671ab7471ac62894308030000000000000071ad7471ae62752e"},
    {"np1_arrays", 4, WriteOptions::Format::kPickle, false, 16,
     "80047d94288c0166948c156e756d70792e636f72652e6d756c74696172726179948c0c5f7265636f6e737472756374949394"
     "8c056e756d7079948c076e6461727261799493944b0085944301629487945294284b014b03859468058c0564747970659493"
     "948c02663894898887945294284b038c013c944e4e4e4affffffff4affffffff4b0074946289431800000000000000000000"
     "00000000f03f0000000000000040947494628c016994680468074b008594680987945294284b014b024b038694680e8c0269"
     "3494898887945294284b0368124e4e4e4affffffff4affffffff4b0074946289431801000000020000000300000004000000"
     "0500000006000000947494628c014694680468074b008594680987945294284b014b024b0386946811884330000000000000"
     "00000000000000000840000000000000f03f000000000000104000000000000000400000000000001440947494628c017594"
     "680468074b008594680987945294284b014b028594680e8c02553294898887945294284b0368124e4e4e4b084b044b087494"
     "6289431061000000620000006300000000000000947494628c016f94680468074b008594680987945294284b014b03859468"
     "0e8c024f3894898887945294284b038c017c944e4e4e4affffffff4affffffff4b3f749462895d94288c0178944b014e6574"
     "94628c01739468028c067363616c6172949394680e8c02663894898887945294284b0368124e4e4e4affffffff4affffffff"
     "4b007494624308000000000000f83f94869452948c027369946842680e8c02693894898887945294284b0368124e4e4e4aff"
     "ffffff4affffffff4b007494624308fdffffffffffffff94869452948c016e94680468074b008594680987945294284b014b"
     "028594680e8c0356323594898887945294284b03683b4e288c0a6c6566745f6368696c64948c0b72696768745f6368696c64"
     "948c097468726573686f6c64948c076d697373696e679474947d9428685a680e8c02693894898887945294284b0368124e4e"
     "4e4affffffff4affffffff4b007494624b008694685b68624b088694685c68114b108694685d680e8c027531948988879452"
     "94284b03683b4e4e4e4affffffff4affffffff4b007494624b188694754b194b014b10749462894332000000000000000000"
     "0000000000000000000000000000000000000000000000000000000000000000000000000000000000947494628c01629468"
     "0468074b008594680987945294284b014b028594680e8c02623194898887945294284b03683b4e4e4e4affffffff4affffff"
     "ff4b007494628943020100947494628c016594680468074b008594680987945294284b014b004b0286946811894300947494"
     "628c015394680468074b008594680987945294284b014b028594680e8c02533294898887945294284b03683b4e4e4e4b024b"
     "014b0074946289430461626300947494628c02666694680468074b008594680987945294284b014b048594680e8c02663494"
     "898887945294284b0368124e4e4e4affffffff4affffffff4b00749462894310000000000000803f00000040000040409474"
     "94628c02647494680468074b008594680987945294284b014b028594680e8c024d3894898887945294284b0468124e4e4e4a"
     "ffffffff4affffffff4b007d942843026e73944b014b014b0174948694749462894310010000000000000002000000000000"
     "00947494628c02746494680468074b008594680987945294284b014b018594680e8c026d3894898887945294284b0468124e"
     "4e4e4affffffff4affffffff4b007d9428430173944b0a4b014b017494869474946289430803000000000000009474946275"
     "2e"},
    {"np1_joblib", 2, WriteOptions::Format::kJoblib, false, 16,
     "80027d7100285801000000667101636a6f626c69622e6e756d70795f7069636b6c650a4e756d707941727261795772617070"
     "65720a7102298171037d7104285808000000737562636c6173737105636e756d70790a6e6461727261790a71065805000000"
     "736861706571074b0385710858050000006f726465727109580100000043710a58050000006474797065710b636e756d7079"
     "0a64747970650a710c58020000006638710d898887710e52710f284b0358010000003c71104e4e4e4affffffff4affffffff"
     "4b0074711162580a000000616c6c6f775f6d6d6170711288581b0000006e756d70795f61727261795f616c69676e6d656e74"
     "5f627974657371134b10756209ffffffffffffffffff0000000000000000000000000000f03f000000000000004058010000"
     "006971146802298171157d7116286805680668074b024b038671176809680a680b680c580200000069347118898887711952"
     "711a284b0368104e4e4e4affffffff4affffffff4b0074711b6268128868134b1075620effffffffffffffffffffffffffff"
     "010000000200000003000000040000000500000006000000580100000046711c68022981711d7d711e286805680668074b02"
     "4b0386711f6809681c680b680f68128868134b10756207ffffffffffffff0000000000000000000000000000084000000000"
     "0000f03f00000000000010400000000000000040000000000000144058010000007571206802298171217d71222868056806"
     "68074b028571236809680a680b680c5802000000553271248988877125527126284b0368104e4e4e4b084b044b0874712762"
     "68128868134b1075620effffffffffffffffffffffffffff6100000062000000630000000000000058010000006f71286802"
     "298171297d712a286805680668074b0385712b6809680a680b680c58020000004f38712c898887712d52712e284b03580100"
     "00007c712f4e4e4e4affffffff4affffffff4b3f7471306268128968134b1075628002636e756d70792e636f72652e6d756c"
     "746961727261790a5f7265636f6e7374727563740a7100636e756d70790a6e6461727261790a71014b00857102635f636f64"
     "6563730a656e636f64650a7103580100000062710458060000006c6174696e317105867106527107877108527109284b014b"
     "0385710a636e756d70790a64747970650a710b58020000004f38710c898887710d52710e284b0358010000007c710f4e4e4e"
     "4affffffff4affffffff4b3f74711062895d71112858010000007871124b014e65747113622e5801000000737131636e756d"
     "70792e636f72652e6d756c746961727261790a7363616c61720a7132680c5802000000663871338988877134527135284b03"
     "68104e4e4e4affffffff4affffffff4b0074713662635f636f646563730a656e636f64650a71375809000000000000000000"
     "c3b83f713858060000006c6174696e31713986713a52713b86713c52713d58020000007369713e6832680c58020000006938"
     "713f8988877140527141284b0368104e4e4e4affffffff4affffffff4b007471426268375810000000c3bdc3bfc3bfc3bfc3"
     "bfc3bfc3bfc3bf7143683986714452714586714652714758010000006e71486802298171497d714a286805680668074b0285"
     "714b6809680a680b680c5803000000563235714c898887714d52714e284b03682f4e28580a0000006c6566745f6368696c64"
     "714f580b00000072696768745f6368696c64715058090000007468726573686f6c64715158070000006d697373696e677152"
     "7471537d715428684f680c5802000000693871558988877156527157284b0368104e4e4e4affffffff4affffffff4b007471"
     "58624b00867159685068574b0886715a6851680f4b1086715b6852680c58020000007531715c898887715d52715e284b0368"
     "2f4e4e4e4affffffff4affffffff4b0074715f624b18867160754b194b014b107471616268128868134b1075620affffffff"
     "ffffffffffff0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "00000000000058010000006271626802298171637d7164286805680668074b028571656809680a680b680c58020000006231"
     "71668988877167527168284b03682f4e4e4e4affffffff4affffffff4b007471696268128868134b10756206ffffffffffff"
     "0100580100000065716a68022981716b7d716c286805680668074b004b0286716d6809680a680b680f68128868134b107562"
     "0dffffffffffffffffffffffffff580100000053716e68022981716f7d7170286805680668074b028571716809680a680b68"
     "0c5802000000533271728988877173527174284b03682f4e4e4e4b024b014b007471756268128868134b1075620effffffff"
     "ffffffffffffffffffff616263005802000000666671766802298171777d7178286805680668074b048571796809680a680b"
     "680c58020000006634717a898887717b52717c284b0368104e4e4e4affffffff4affffffff4b0074717d6268128868134b10"
     "756203ffffff000000000000803f000000400000404058020000006474717e68022981717f7d7180286805680668074b0285"
     "71816809680a680b680c58020000004d3871828988877183527184284b0468104e4e4e4affffffff4affffffff4b007d7185"
     "28683758020000006e73718668398671875271884b014b014b0174718986718a74718b6268128868134b10756204ffffffff"
     "0100000000000000020000000000000058020000007464718c68022981718d7d718e286805680668074b0185718f6809680a"
     "680b680c58020000006d3871908988877191527192284b0468104e4e4e4affffffff4affffffff4b007d7193286837683168"
     "398671945271954b0a4b014b017471968671977471986268128868134b1075620bffffffffffffffffffffff030000000000"
     "0000752e"},
    {"np1_joblib", 3, WriteOptions::Format::kJoblib, false, 16,
     "80037d7100285801000000667101636a6f626c69622e6e756d70795f7069636b6c650a4e756d707941727261795772617070"
     "65720a7102298171037d7104285808000000737562636c6173737105636e756d70790a6e6461727261790a71065805000000"
     "736861706571074b0385710858050000006f726465727109580100000043710a58050000006474797065710b636e756d7079"
     "0a64747970650a710c58020000006638710d898887710e52710f284b0358010000003c71104e4e4e4affffffff4affffffff"
     "4b0074711162580a000000616c6c6f775f6d6d6170711288581b0000006e756d70795f61727261795f616c69676e6d656e74"
     "5f627974657371134b10756209ffffffffffffffffff0000000000000000000000000000f03f000000000000004058010000"
     "006971146802298171157d7116286805680668074b024b038671176809680a680b680c580200000069347118898887711952"
     "711a284b0368104e4e4e4affffffff4affffffff4b0074711b6268128868134b1075620effffffffffffffffffffffffffff"
     "010000000200000003000000040000000500000006000000580100000046711c68022981711d7d711e286805680668074b02"
     "4b0386711f6809681c680b680f68128868134b10756207ffffffffffffff0000000000000000000000000000084000000000"
     "0000f03f00000000000010400000000000000040000000000000144058010000007571206802298171217d71222868056806"
     "68074b028571236809680a680b680c5802000000553271248988877125527126284b0368104e4e4e4b084b044b0874712762"
     "68128868134b1075620effffffffffffffffffffffffffff6100000062000000630000000000000058010000006f71286802"
     "298171297d712a286805680668074b0385712b6809680a680b680c58020000004f38712c898887712d52712e284b03580100"
     "00007c712f4e4e4e4affffffff4affffffff4b3f7471306268128968134b1075628002636e756d70792e636f72652e6d756c"
     "746961727261790a5f7265636f6e7374727563740a7100636e756d70790a6e6461727261790a71014b00857102635f636f64"
     "6563730a656e636f64650a7103580100000062710458060000006c6174696e317105867106527107877108527109284b014b"
     "0385710a636e756d70790a64747970650a710b58020000004f38710c898887710d52710e284b0358010000007c710f4e4e4e"
     "4affffffff4affffffff4b3f74711062895d71112858010000007871124b014e65747113622e5801000000737131636e756d"
     "70792e636f72652e6d756c746961727261790a7363616c61720a7132680c5802000000663871338988877134527135284b03"
     "68104e4e4e4affffffff4affffffff4b00747136624308000000000000f83f713786713852713958020000007369713a6832"
     "680c58020000006938713b898887713c52713d284b0368104e4e4e4affffffff4affffffff4b0074713e624308fdffffffff"
     "ffffff713f86714052714158010000006e71426802298171437d7144286805680668074b028571456809680a680b680c5803"
     "00000056323571468988877147527148284b03682f4e28580a0000006c6566745f6368696c647149580b0000007269676874"
     "5f6368696c64714a58090000007468726573686f6c64714b58070000006d697373696e67714c74714d7d714e286849680c58"
     "020000006938714f8988877150527151284b0368104e4e4e4affffffff4affffffff4b00747152624b00867153684a68514b"
     "08867154684b680f4b10867155684c680c5802000000753171568988877157527158284b03682f4e4e4e4affffffff4affff"
     "ffff4b00747159624b1886715a754b194b014b1074715b6268128868134b10756208ffffffffffffffff0000000000000000"
     "000000000000000000000000000000000000000000000000000000000000000000000000000000000000580100000062715c"
     "68022981715d7d715e286805680668074b0285715f6809680a680b680c5802000000623171608988877161527162284b0368"
     "2f4e4e4e4affffffff4affffffff4b007471636268128868134b10756206ffffffffffff0100580100000065716468022981"
     "71657d7166286805680668074b004b028671676809680a680b680f68128868134b1075620dffffffffffffffffffffffffff"
     "58010000005371686802298171697d716a286805680668074b0285716b6809680a680b680c58020000005332716c89888771"
     "6d52716e284b03682f4e4e4e4b024b014b0074716f6268128868134b1075620effffffffffffffffffffffffffff61626300"
     "5802000000666671706802298171717d7172286805680668074b048571736809680a680b680c580200000066347174898887"
     "7175527176284b0368104e4e4e4affffffff4affffffff4b007471776268128868134b10756203ffffff000000000000803f"
     "00000040000040405802000000647471786802298171797d717a286805680668074b0285717b6809680a680b680c58020000"
     "004d38717c898887717d52717e284b0468104e4e4e4affffffff4affffffff4b007d717f2843026e7371804b014b014b0174"
     "71818671827471836268128868134b10756201ff010000000000000002000000000000005802000000746471846802298171"
     "857d7186286805680668074b018571876809680a680b680c58020000006d387188898887718952718a284b0468104e4e4e4a"
     "ffffffff4affffffff4b007d718b28430173718c4b0a4b014b0174718d86718e74718f6268128868134b10756202ffff0300"
     "000000000000752e"},
    {"np2_arrays", 2, WriteOptions::Format::kPickle, true, 16,
     "80027d7100285801000000667101636e756d70792e5f636f72652e6d756c746961727261790a5f7265636f6e737472756374"
     "0a7102636e756d70790a6e6461727261790a71034b00857104635f636f646563730a656e636f64650a710558010000006271"
     "0658060000006c6174696e31710786710852710987710a52710b284b014b0385710c636e756d70790a64747970650a710d58"
     "020000006638710e898887710f527110284b0358010000003c71114e4e4e4affffffff4affffffff4b007471126289680558"
     "190000000000000000000000000000000000c3b03f0000000000000040711368078671145271157471166258010000006971"
     "17680268034b00857118680987711952711a284b014b024b0386711b680d58020000006934711c898887711d52711e284b03"
     "68114e4e4e4affffffff4affffffff4b0074711f628968055818000000010000000200000003000000040000000500000006"
     "00000071206807867121527122747123625801000000467124680268034b008571256809877126527127284b014b024b0386"
     "71286810886805583100000000000000000000000000000000000840000000000000c3b03f00000000000010400000000000"
     "00004000000000000014407129680786712a52712b74712c62580100000075712d680268034b0085712e680987712f527130"
     "284b014b02857131680d5802000000553271328988877133527134284b0368114e4e4e4b084b044b08747135628968055810"
     "00000061000000620000006300000000000000713668078671375271387471396258010000006f713a680268034b0085713b"
     "680987713c52713d284b014b0385713e680d58020000004f38713f8988877140527141284b0358010000007c71424e4e4e4a"
     "ffffffff4affffffff4b3f74714362895d71442858010000007871454b014e65747146625801000000737147636e756d7079"
     "2e5f636f72652e6d756c746961727261790a7363616c61720a7148680d580200000066387149898887714a52714b284b0368"
     "114e4e4e4affffffff4affffffff4b0074714c6268055809000000000000000000c3b83f714d680786714e52714f86715052"
     "71515802000000736971526848680d5802000000693871538988877154527155284b0368114e4e4e4affffffff4affffffff"
     "4b007471566268055810000000c3bdc3bfc3bfc3bfc3bfc3bfc3bfc3bf7157680786715852715986715a52715b5801000000"
     "6e715c680268034b0085715d680987715e52715f284b014b02857160680d580300000056323571618988877162527163284b"
     "0368424e28580a0000006c6566745f6368696c647164580b00000072696768745f6368696c64716558090000007468726573"
     "686f6c64716658070000006d697373696e6771677471687d7169286864680d58020000006938716a898887716b52716c284b"
     "0368114e4e4e4affffffff4affffffff4b0074716d624b0086716e6865686c4b0886716f686668104b108671706867680d58"
     "02000000753171718988877172527173284b0368424e4e4e4affffffff4affffffff4b00747174624b18867175754b194b01"
     "4b10747176628968055832000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "00000000000000000000000000007177680786717852717974717a626806680268034b0085717b680987717c52717d284b01"
     "4b0285717e680d58020000006231717f8988877180527181284b0368424e4e4e4affffffff4affffffff4b00747182628968"
     "055802000000010071836807867184527185747186625801000000657187680268034b00857188680987718952718a284b01"
     "4b004b0286718b681089635f5f6275696c74696e5f5f0a62797465730a718c2952718d74718e62580100000053718f680268"
     "034b008571906809877191527192284b014b02857193680d5802000000533271948988877195527196284b0368424e4e4e4b"
     "024b014b00747197628968055804000000616263007198680786719952719a74719b6258020000006666719c680268034b00"
     "85719d680987719e52719f284b014b048571a0680d5802000000663471a189888771a25271a3284b0368114e4e4e4affffff"
     "ff4affffffff4b007471a4628968055811000000000000000000c2803f000000400000404071a568078671a65271a77471a8"
     "625802000000647471a9680268034b008571aa68098771ab5271ac284b014b028571ad680d58020000004d3871ae89888771"
     "af5271b0284b0468114e4e4e4affffffff4affffffff4b004e28680558020000006e7371b168078671b25271b34b014b014b"
     "017471b48671b57471b66289680558100000000100000000000000020000000000000071b768078671b85271b97471ba6258"
     "02000000746471bb680268034b008571bc68098771bd5271be284b014b018571bf680d58020000006d3871c089888771c152"
     "71c2284b0468114e4e4e4affffffff4affffffff4b004e286805684768078671c35271c44b0a4b014b017471c58671c67471"
     "c7628968055808000000030000000000000071c868078671c95271ca7471cb62752e"},
    {"np2_arrays", 3, WriteOptions::Format::kPickle, true, 16,
     "80037d7100285801000000667101636e756d70792e5f636f72652e6d756c746961727261790a5f7265636f6e737472756374"
     "0a7102636e756d70790a6e6461727261790a71034b008571044301627105877106527107284b014b03857108636e756d7079"
     "0a64747970650a710958020000006638710a898887710b52710c284b0358010000003c710d4e4e4e4affffffff4affffffff"
     "4b0074710e628943180000000000000000000000000000f03f0000000000000040710f747110625801000000697111680268"
     "034b008571126805877113527114284b014b024b0386711568095802000000693471168988877117527118284b03680d4e4e"
     "4e4affffffff4affffffff4b0074711962894318010000000200000003000000040000000500000006000000711a74711b62"
     "580100000046711c680268034b0085711d680587711e52711f284b014b024b03867120680c88433000000000000000000000"
     "000000000840000000000000f03f000000000000104000000000000000400000000000001440712174712262580100000075"
     "7123680268034b008571246805877125527126284b014b028571276809580200000055327128898887712952712a284b0368"
     "0d4e4e4e4b084b044b0874712b6289431061000000620000006300000000000000712c74712d6258010000006f712e680268"
     "034b0085712f6805877130527131284b014b03857132680958020000004f3871338988877134527135284b0358010000007c"
     "71364e4e4e4affffffff4affffffff4b3f74713762895d71382858010000007871394b014e6574713a62580100000073713b"
     "636e756d70792e5f636f72652e6d756c746961727261790a7363616c61720a713c680958020000006638713d898887713e52"
     "713f284b03680d4e4e4e4affffffff4affffffff4b00747140624308000000000000f83f7141867142527143580200000073"
     "697144683c68095802000000693871458988877146527147284b03680d4e4e4e4affffffff4affffffff4b00747148624308"
     "fdffffffffffffff714986714a52714b58010000006e714c680268034b0085714d680587714e52714f284b014b0285715068"
     "09580300000056323571518988877152527153284b0368364e28580a0000006c6566745f6368696c647154580b0000007269"
     "6768745f6368696c64715558090000007468726573686f6c64715658070000006d697373696e6771577471587d7159286854"
     "680958020000006938715a898887715b52715c284b03680d4e4e4e4affffffff4affffffff4b0074715d624b0086715e6855"
     "685c4b0886715f6856680c4b10867160685768095802000000753171618988877162527163284b0368364e4e4e4affffffff"
     "4affffffff4b00747164624b18867165754b194b014b10747166628943320000000000000000000000000000000000000000"
     "0000000000000000000000000000000000000000000000000000000000007167747168625801000000627169680268034b00"
     "85716a680587716b52716c284b014b0285716d680958020000006231716e898887716f527170284b0368364e4e4e4affffff"
     "ff4affffffff4b007471716289430201007172747173625801000000657174680268034b008571756805877176527177284b"
     "014b004b02867178680c894300717974717a62580100000053717b680268034b0085717c680587717d52717e284b014b0285"
     "717f68095802000000533271808988877181527182284b0368364e4e4e4b024b014b00747183628943046162630071847471"
     "8562580200000066667186680268034b008571876805877188527189284b014b0485718a680958020000006634718b898887"
     "718c52718d284b03680d4e4e4e4affffffff4affffffff4b0074718e62894310000000000000803f0000004000004040718f"
     "74719062580200000064747191680268034b008571926805877193527194284b014b02857195680958020000004d38719689"
     "88877197527198284b04680d4e4e4e4affffffff4affffffff4b004e2843026e7371994b014b014b0174719a86719b74719c"
     "6289431001000000000000000200000000000000719d74719e6258020000007464719f680268034b008571a068058771a152"
     "71a2284b014b018571a3680958020000006d3871a489888771a55271a6284b04680d4e4e4e4affffffff4affffffff4b004e"
     "2843017371a74b0a4b014b017471a88671a97471aa62894308030000000000000071ab7471ac62752e"},
    {"np2_arrays", 4, WriteOptions::Format::kPickle, true, 16,
     "80047d94288c0166948c166e756d70792e5f636f72652e6d756c74696172726179948c0c5f7265636f6e7374727563749493"
     "948c056e756d7079948c076e6461727261799493944b0085944301629487945294284b014b03859468058c05647479706594"
     "93948c02663894898887945294284b038c013c944e4e4e4affffffff4affffffff4b00749462894318000000000000000000"
     "0000000000f03f0000000000000040947494628c016994680468074b008594680987945294284b014b024b038694680e8c02"
     "693494898887945294284b0368124e4e4e4affffffff4affffffff4b00749462894318010000000200000003000000040000"
     "000500000006000000947494628c014694680468074b008594680987945294284b014b024b03869468118843300000000000"
     "0000000000000000000840000000000000f03f000000000000104000000000000000400000000000001440947494628c0175"
     "94680468074b008594680987945294284b014b028594680e8c02553294898887945294284b0368124e4e4e4b084b044b0874"
     "946289431061000000620000006300000000000000947494628c016f94680468074b008594680987945294284b014b038594"
     "680e8c024f3894898887945294284b038c017c944e4e4e4affffffff4affffffff4b3f749462895d94288c0178944b014e65"
     "7494628c01739468028c067363616c6172949394680e8c02663894898887945294284b0368124e4e4e4affffffff4affffff"
     "ff4b007494624308000000000000f83f94869452948c027369946842680e8c02693894898887945294284b0368124e4e4e4a"
     "ffffffff4affffffff4b007494624308fdffffffffffffff94869452948c016e94680468074b008594680987945294284b01"
     "4b028594680e8c0356323594898887945294284b03683b4e288c0a6c6566745f6368696c64948c0b72696768745f6368696c"
     "64948c097468726573686f6c64948c076d697373696e679474947d9428685a680e8c02693894898887945294284b0368124e"
     "4e4e4affffffff4affffffff4b007494624b008694685b68624b088694685c68114b108694685d680e8c0275319489888794"
     "5294284b03683b4e4e4e4affffffff4affffffff4b007494624b188694754b194b014b107494628943320000000000000000"
     "000000000000000000000000000000000000000000000000000000000000000000000000000000000000947494628c016294"
     "680468074b008594680987945294284b014b028594680e8c02623194898887945294284b03683b4e4e4e4affffffff4affff"
     "ffff4b007494628943020100947494628c016594680468074b008594680987945294284b014b004b02869468118943009474"
     "94628c015394680468074b008594680987945294284b014b028594680e8c02533294898887945294284b03683b4e4e4e4b02"
     "4b014b0074946289430461626300947494628c02666694680468074b008594680987945294284b014b048594680e8c026634"
     "94898887945294284b0368124e4e4e4affffffff4affffffff4b00749462894310000000000000803f000000400000404094"
     "7494628c02647494680468074b008594680987945294284b014b028594680e8c024d3894898887945294284b0468124e4e4e"
     "4affffffff4affffffff4b004e2843026e73944b014b014b0174948694749462894310010000000000000002000000000000"
     "00947494628c02746494680468074b008594680987945294284b014b018594680e8c026d3894898887945294284b0468124e"
     "4e4e4affffffff4affffffff4b004e28430173944b0a4b014b0174948694749462894308030000000000000094749462752e"},
    {"np2_joblib", 2, WriteOptions::Format::kJoblib, true, 16,
     "80027d7100285801000000667101636a6f626c69622e6e756d70795f7069636b6c650a4e756d707941727261795772617070"
     "65720a7102298171037d7104285808000000737562636c6173737105636e756d70790a6e6461727261790a71065805000000"
     "736861706571074b0385710858050000006f726465727109580100000043710a58050000006474797065710b636e756d7079"
     "0a64747970650a710c58020000006638710d898887710e52710f284b0358010000003c71104e4e4e4affffffff4affffffff"
     "4b0074711162580a000000616c6c6f775f6d6d6170711288581b0000006e756d70795f61727261795f616c69676e6d656e74"
     "5f627974657371134b10756209ffffffffffffffffff0000000000000000000000000000f03f000000000000004058010000"
     "006971146802298171157d7116286805680668074b024b038671176809680a680b680c580200000069347118898887711952"
     "711a284b0368104e4e4e4affffffff4affffffff4b0074711b6268128868134b1075620effffffffffffffffffffffffffff"
     "010000000200000003000000040000000500000006000000580100000046711c68022981711d7d711e286805680668074b02"
     "4b0386711f6809681c680b680f68128868134b10756207ffffffffffffff0000000000000000000000000000084000000000"
     "0000f03f00000000000010400000000000000040000000000000144058010000007571206802298171217d71222868056806"
     "68074b028571236809680a680b680c5802000000553271248988877125527126284b0368104e4e4e4b084b044b0874712762"
     "68128868134b1075620effffffffffffffffffffffffffff610000006200000063000000000000005801000000737128636e"
     "756d70792e5f636f72652e6d756c746961727261790a7363616c61720a7129680c58020000006638712a898887712b52712c"
     "284b0368104e4e4e4affffffff4affffffff4b0074712d62635f636f646563730a656e636f64650a712e5809000000000000"
     "000000c3b83f712f58060000006c6174696e3171308671315271328671335271345802000000736971356829680c58020000"
     "00693871368988877137527138284b0368104e4e4e4affffffff4affffffff4b0074713962682e5810000000c3bdc3bfc3bf"
     "c3bfc3bfc3bfc3bfc3bf713a683086713b52713c86713d52713e58010000006e713f6802298171407d714128680568066807"
     "4b028571426809680a680b680c580300000056323571438988877144527145284b0358010000007c71464e28580a0000006c"
     "6566745f6368696c647147580b00000072696768745f6368696c64714858090000007468726573686f6c6471495807000000"
     "6d697373696e67714a74714b7d714c286847680c58020000006938714d898887714e52714f284b0368104e4e4e4affffffff"
     "4affffffff4b00747150624b008671516848684f4b088671526849680f4b10867153684a680c580200000075317154898887"
     "7155527156284b0368464e4e4e4affffffff4affffffff4b00747157624b18867158754b194b014b10747159626812886813"
     "4b1075620dffffffffffffffffffffffffff0000000000000000000000000000000000000000000000000000000000000000"
     "000000000000000000000000000000000000580100000062715a68022981715b7d715c286805680668074b0285715d680968"
     "0a680b680c58020000006231715e898887715f527160284b0368464e4e4e4affffffff4affffffff4b007471616268128868"
     "134b10756206ffffffffffff010058010000006571626802298171637d7164286805680668074b004b028671656809680a68"
     "0b680f68128868134b1075620dffffffffffffffffffffffffff58010000005371666802298171677d716828680568066807"
     "4b028571696809680a680b680c58020000005332716a898887716b52716c284b0368464e4e4e4b024b014b0074716d626812"
     "8868134b1075620effffffffffffffffffffffffffff6162630058020000006666716e68022981716f7d7170286805680668"
     "074b048571716809680a680b680c5802000000663471728988877173527174284b0368104e4e4e4affffffff4affffffff4b"
     "007471756268128868134b10756203ffffff000000000000803f00000040000040405802000000647471766802298171777d"
     "7178286805680668074b028571796809680a680b680c58020000004d38717a898887717b52717c284b0468104e4e4e4affff"
     "ffff4affffffff4b004e28682e58020000006e73717d683086717e52717f4b014b014b017471808671817471826268128868"
     "134b10756206ffffffffffff010000000000000002000000000000005802000000746471836802298171847d718528680568"
     "0668074b018571866809680a680b680c58020000006d3871878988877188527189284b0468104e4e4e4affffffff4affffff"
     "ff4b004e28682e6828683086718a52718b4b0a4b014b0174718c86718d74718e6268128868134b1075620dffffffffffffff"
     "ffffffffffff0300000000000000752e"},
    {"np2_joblib", 3, WriteOptions::Format::kJoblib, true, 16,
     "80037d7100285801000000667101636a6f626c69622e6e756d70795f7069636b6c650a4e756d707941727261795772617070"
     "65720a7102298171037d7104285808000000737562636c6173737105636e756d70790a6e6461727261790a71065805000000"
     "736861706571074b0385710858050000006f726465727109580100000043710a58050000006474797065710b636e756d7079"
     "0a64747970650a710c58020000006638710d898887710e52710f284b0358010000003c71104e4e4e4affffffff4affffffff"
     "4b0074711162580a000000616c6c6f775f6d6d6170711288581b0000006e756d70795f61727261795f616c69676e6d656e74"
     "5f627974657371134b10756209ffffffffffffffffff0000000000000000000000000000f03f000000000000004058010000"
     "006971146802298171157d7116286805680668074b024b038671176809680a680b680c580200000069347118898887711952"
     "711a284b0368104e4e4e4affffffff4affffffff4b0074711b6268128868134b1075620effffffffffffffffffffffffffff"
     "010000000200000003000000040000000500000006000000580100000046711c68022981711d7d711e286805680668074b02"
     "4b0386711f6809681c680b680f68128868134b10756207ffffffffffffff0000000000000000000000000000084000000000"
     "0000f03f00000000000010400000000000000040000000000000144058010000007571206802298171217d71222868056806"
     "68074b028571236809680a680b680c5802000000553271248988877125527126284b0368104e4e4e4b084b044b0874712762"
     "68128868134b1075620effffffffffffffffffffffffffff610000006200000063000000000000005801000000737128636e"
     "756d70792e5f636f72652e6d756c746961727261790a7363616c61720a7129680c58020000006638712a898887712b52712c"
     "284b0368104e4e4e4affffffff4affffffff4b0074712d624308000000000000f83f712e86712f5271305802000000736971"
     "316829680c5802000000693871328988877133527134284b0368104e4e4e4affffffff4affffffff4b00747135624308fdff"
     "ffffffffffff713686713752713858010000006e713968022981713a7d713b286805680668074b0285713c6809680a680b68"
     "0c5803000000563235713d898887713e52713f284b0358010000007c71404e28580a0000006c6566745f6368696c64714158"
     "0b00000072696768745f6368696c64714258090000007468726573686f6c64714358070000006d697373696e677144747145"
     "7d7146286841680c5802000000693871478988877148527149284b0368104e4e4e4affffffff4affffffff4b0074714a624b"
     "0086714b684268494b0886714c6843680f4b1086714d6844680c58020000007531714e898887714f527150284b0368404e4e"
     "4e4affffffff4affffffff4b00747151624b18867152754b194b014b107471536268128868134b1075620bffffffffffffff"
     "ffffffff00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "0000000058010000006271546802298171557d7156286805680668074b028571576809680a680b680c580200000062317158"
     "898887715952715a284b0368404e4e4e4affffffff4affffffff4b0074715b6268128868134b10756206ffffffffffff0100"
     "580100000065715c68022981715d7d715e286805680668074b004b0286715f6809680a680b680f68128868134b1075620dff"
     "ffffffffffffffffffffffff58010000005371606802298171617d7162286805680668074b028571636809680a680b680c58"
     "02000000533271648988877165527166284b0368404e4e4e4b024b014b007471676268128868134b1075620effffffffffff"
     "ffffffffffffffff616263005802000000666671686802298171697d716a286805680668074b0485716b6809680a680b680c"
     "58020000006634716c898887716d52716e284b0368104e4e4e4affffffff4affffffff4b0074716f6268128868134b107562"
     "03ffffff000000000000803f00000040000040405802000000647471706802298171717d7172286805680668074b02857173"
     "6809680a680b680c58020000004d3871748988877175527176284b0468104e4e4e4affffffff4affffffff4b004e2843026e"
     "7371774b014b014b0174717886717974717a6268128868134b10756203ffffff010000000000000002000000000000005802"
     "0000007464717b68022981717c7d717d286805680668074b0185717e6809680a680b680c58020000006d38717f8988877180"
     "527181284b0468104e4e4e4affffffff4affffffff4b004e2843017371824b0a4b014b017471838671847471856268128868"
     "134b10756204ffffffff0300000000000000752e"},
};

TEST(WriterExact, SameBytesAsPythonNumpyAndJoblib) {
  for (const Reference& r : kReferences) {
    SCOPED_TRACE(std::string(r.name) + " protocol " + std::to_string(r.protocol));
    std::string expected = Unhex(r.hex);
    ModelFile m = ReadPickleBytes(AsBytes(expected), NoHash());
    WriteOptions o = Opts(r.protocol, r.format);
    o.numpy2_paths = r.numpy2;
    o.joblib_alignment = r.alignment;
    std::string written = WritePickle(m.graph, m.graph.root, o);
    if (written != expected) {
      std::size_t at = 0;
      while (at < written.size() && at < expected.size() && written[at] == expected[at]) ++at;
      ADD_FAILURE() << "first difference at byte " << at << " of " << expected.size() << "\n  python: "
                    << Hex(std::string_view(expected).substr(at > 16 ? at - 16 : 0, 64)) << "\n  writer: "
                    << Hex(std::string_view(written).substr(at > 16 ? at - 16 : 0, 64));
    }
  }
}

// ---- hand-made graphs --------------------------------------------------------------------------

TEST(WriterRoundTrip, EveryKindEveryProtocolBothFormats) {
  G b;
  const Value* root = EveryKind(b);
  for (int protocol = 2; protocol <= 5; ++protocol) {
    for (Format format : {Format::kPickle, Format::kJoblib}) {
      SCOPED_TRACE(fmt::format("protocol {} {}", protocol, format == Format::kJoblib ? "joblib" : "pickle"));
      std::string bytes = WritePickle(b.g, root, Opts(protocol, format));
      if (protocol >= 3) {
        EXPECT_NE(bytes.find("C\x02ns"), std::string::npos);  // the M8[ns] metadata (b'ns', 1, 1, 1)
      }
      ModelFile m = ReadBack(bytes);
      EXPECT_EQ(m.protocol, protocol);
      EXPECT_EQ(m.container, format == Format::kJoblib ? Container::kJoblib : Container::kPickle);
      EXPECT_EQ(Diff(root, m.graph.root, format == Format::kJoblib), "");
    }
  }
}

TEST(WriterRoundTrip, ProtocolSpecificForms) {
  G b;
  Value* ex = b.Obj(ObjectForm::kNewObjEx, b.Global("mod", "Cls"), b.Tuple({b.Int(1)}));
  ex->object->kwargs = b.Dict({{b.Str("k"), b.Int(2)}});
  const Value* root = b.List({ex, b.Global("mod", "A.B")});
  // Protocol 4+: NEWOBJ_EX and STACK_GLOBAL with a dotted name, read back as they were.
  ModelFile m4 = ReadBack(WritePickle(b.g, root, Opts(4, Format::kPickle)));
  EXPECT_EQ(Diff(root, m4.graph.root, false), "");
  // Protocols 2-3: copyreg.__newobj_ex__(cls, args, kwargs) and getattr(mod.A, 'B').
  for (int protocol : {2, 3}) {
    ModelFile m = ReadBack(WritePickle(b.g, root, Opts(protocol, Format::kPickle)));
    const Value* call = m.graph.root->items[0];
    ASSERT_EQ(call->kind, Kind::kObject);
    EXPECT_EQ(call->GlobalPath(), protocol == 2 ? "copy_reg.__newobj_ex__" : "copyreg.__newobj_ex__");
    ASSERT_EQ(call->object->args->items.size(), 3u);
    EXPECT_EQ(call->object->args->items[0]->GlobalPath(), "mod.Cls");
    EXPECT_EQ(call->object->args->items[2]->Get("k")->integer, 2);
    EXPECT_EQ(GlobalName(m.graph.root->items[1]), "mod.A.B");
    EXPECT_EQ(m.graph.root->items[1]->GlobalPath(), protocol == 2 ? "__builtin__.getattr" : "builtins.getattr");
  }
}

TEST(WriterRoundTrip, SharingAndCyclesSurvive) {
  G b;
  Value* list = b.List();
  Value* tuple = b.Tuple({list, b.Str("x")});
  list->items = {tuple, list};
  Value* obj = b.Obj(ObjectForm::kNewObj, b.Global("m", "C"), b.Tuple());
  obj->object->state = b.Dict({{b.Str("t"), tuple}, {b.Str("self"), obj}});
  const Value* root = b.List({obj, tuple, list, obj});
  for (int protocol = 2; protocol <= 5; ++protocol) {
    ModelFile m = ReadBack(WritePickle(b.g, root, Opts(protocol, Format::kPickle)));
    ASSERT_EQ(Diff(root, m.graph.root, false), "");
    const Value* r = m.graph.root;
    EXPECT_EQ(r->items[0], r->items[3]);
    EXPECT_EQ(r->items[0]->State()->Get("self"), r->items[0]);
    EXPECT_EQ(r->items[2]->items[1], r->items[2]);
    EXPECT_EQ(r->items[1]->items[0], r->items[2]);
  }
}

TEST(WriterErrors, CycleWithoutMutableContainerIsUnsupported) {
  G b;
  Value* t = b.Tuple({b.Int(1)});
  t->items.push_back(t);  // a tuple containing itself: impossible in Python
  Error e = ExpectError([&] { WritePickle(b.g, t, {}); });
  EXPECT_EQ(e.code(), ErrorCode::kUnsupported) << e.Describe();
  Value* o = b.Obj(ObjectForm::kReduce, b.Global("m", "f"), nullptr);
  const_cast<ObjectData*>(o->object)->args = b.Tuple({o});  // an object among its own arguments
  e = ExpectError([&] { WritePickle(b.g, o, {}); });
  EXPECT_EQ(e.code(), ErrorCode::kUnsupported) << e.Describe();
}

TEST(WriterErrors, DepthLimitAndBadInput) {
  G b;
  Value* deep = b.List();
  Value* cur = deep;
  for (int i = 0; i < 5000; ++i) {
    Value* next = b.List();
    cur->items.push_back(next);
    cur = next;
  }
  Error e = ExpectError([&] { WritePickle(b.g, deep, {}); });
  EXPECT_EQ(e.code(), ErrorCode::kLimit) << e.Describe();
  WriteOptions o;
  o.max_depth = 6000;
  ModelFile m = ReadBack(WritePickle(b.g, deep, o));  // no C++ recursion: deep graphs are only a policy limit
  EXPECT_EQ(Diff(deep, m.graph.root, false), "");

  for (int bad : {0, 1, 6}) EXPECT_EQ(ExpectError([&] { WritePickle(b.g, deep, Opts(bad, Format::kPickle)); }).code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(ExpectError([&] { WritePickle(b.g, nullptr, {}); }).code(), ErrorCode::kInvalidInput);
  Value* buffer = b.g.New(Kind::kPickleBuffer);
  EXPECT_EQ(ExpectError([&] { WritePickle(b.g, b.List({buffer}), {}); }).code(), ErrorCode::kUnsupported);
  Value* odd = b.Dict({}, "WeakValueDictionary");
  EXPECT_EQ(ExpectError([&] { WritePickle(b.g, odd, {}); }).code(), ErrorCode::kUnsupported);
}

TEST(WriterRoundTrip, LargeContainersAreBatched) {
  G b;
  std::vector<const Value*> items;
  std::vector<std::pair<const Value*, const Value*>> entries;
  for (int i = 0; i < 2500; ++i) {
    items.push_back(b.Int(i));
    entries.emplace_back(b.Int(i), b.Str(std::to_string(i)));
  }
  const Value* root = b.Tuple({b.List(items), b.Dict(entries), b.Seq(Kind::kSet, items), b.Seq(Kind::kFrozenSet, items), b.Tuple(items)});
  for (int protocol = 2; protocol <= 5; ++protocol) {
    ModelFile m = ReadBack(WritePickle(b.g, root, Opts(protocol, Format::kPickle)));
    EXPECT_EQ(Diff(root, m.graph.root, false), "") << protocol;
  }
}

// A protocol-1 pickle whose object was made by copyreg._reconstructor(cls, object, None): the reader
// folds it into a call of cls with no arguments, which must come back as NEWOBJ (object.__new__),
// never as a REDUCE that would run cls.__init__.
TEST(WriterRoundTrip, FoldedReconstructorBecomesNewObj) {
  PickleBuilder p;
  p.global("copy_reg", "_reconstructor").mark().global("sklearn.svm._classes", "SVC").global("__builtin__", "object").none()
      .tuple().reduce().empty_dict().mark().str("C").binint1(3).op(pickle::Op::kSetItems).build().stop();
  ModelFile src = testing::Read(p);
  ASSERT_EQ(src.graph.root->kind, Kind::kObject);
  for (int protocol = 2; protocol <= 5; ++protocol) {
    ModelFile m = ReadBack(WritePickle(src.graph, src.graph.root, Opts(protocol, Format::kPickle)));
    EXPECT_EQ(m.graph.root->object->form, ObjectForm::kNewObj);
    EXPECT_EQ(m.graph.root->GlobalPath(), "sklearn.svm._classes.SVC");
    EXPECT_EQ(Diff(src.graph.root, m.graph.root, false), "");
  }
}

// joblib's array bytes start on a 16-byte boundary of the stream (joblib >= 1.2), so the reader maps
// them in place; with alignment 0 there is neither the state key nor a padding byte (joblib < 1.2).
TEST(WriterJoblib, AlignmentAndLegacyLayout) {
  G b;
  std::vector<const Value*> arrays;
  for (int n = 1; n <= 9; ++n) arrays.push_back(b.Array(Dt("<f8"), {n}, std::string(8 * n, static_cast<char>(n))));
  arrays.push_back(b.Str("tail"));
  const Value* root = b.List(arrays);
  for (int protocol = 2; protocol <= 5; ++protocol) {
    auto owner = std::make_shared<std::string>(WritePickle(b.g, root, Opts(protocol, Format::kJoblib)));
    EXPECT_NE(owner->find("numpy_array_alignment_bytes"), std::string::npos);
    ModelFile m = ReadPickleBytes(AsBytes(*owner), NoHash(), owner);
    EXPECT_EQ(Diff(root, m.graph.root, true), "");
    for (std::size_t i = 0; i + 1 < m.graph.root->items.size(); ++i) {
      const NdArray& a = *m.graph.root->items[i]->array;
      EXPECT_EQ((reinterpret_cast<const char*>(a.data) - owner->data()) % 16, 0) << i;
    }
    WriteOptions legacy = Opts(protocol, Format::kJoblib);
    legacy.joblib_alignment = 0;
    std::string bytes = WritePickle(b.g, root, legacy);
    EXPECT_EQ(bytes.find("numpy_array_alignment_bytes"), std::string::npos);
    ModelFile l = ReadBack(bytes);
    EXPECT_EQ(Diff(root, l.graph.root, true), "");
  }
}

TEST(WriterJoblib, CompressedAsJoblibDoes) {
  G b;
  const Value* root = EveryKind(b);
  struct Case {
    Compressor c;
    std::string magic;
  };
  const Case cases[] = {{Compressor::kZlib, "\x78\x5e"},
                        {Compressor::kGzip, std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10)},
                        {Compressor::kBz2, "BZh3"},
                        {Compressor::kLzma, std::string("\x5d\x00\x00\x40\x00\xff\xff\xff\xff\xff\xff\xff\xff", 13)},
                        {Compressor::kXz, std::string("\xfd" "7zXZ\x00\x00\x04", 8)},
                        {Compressor::kLz4, "\x04\x22\x4d\x18"}};
  for (const Case& c : cases) {
    for (Format format : {Format::kPickle, Format::kJoblib}) {
      SCOPED_TRACE(CompressorName(c.c));
      std::string bytes = WritePickle(b.g, root, Opts(4, format, c.c));
      EXPECT_EQ(bytes.substr(0, c.magic.size()), c.magic);  // the headers joblib's level-3 files have
      ModelFile m = ReadBack(bytes);
      EXPECT_EQ(m.compressor, c.c);
      EXPECT_EQ(Diff(root, m.graph.root, format == Format::kJoblib), "");
    }
  }
}

TEST(WriterFile, WritesAndReplaces) {
  G b;
  const Value* root = EveryKind(b);
  auto path = std::filesystem::temp_directory_path() / ("skbridge_writer_file_" + std::to_string(::getpid()) + ".joblib");
  WriteModelFile(path.string(), b.g, b.Str("old"), {});
  WriteModelFile(path.string(), b.g, root, Opts(5, Format::kJoblib, Compressor::kZlib));
  ModelFile m = ReadModelFile(path.string(), NoHash());
  EXPECT_EQ(Diff(root, m.graph.root, true), "");
  std::filesystem::remove(path);
  Error e = ExpectError([&] { WriteModelFile("/nonexistent-dir/x.pkl", b.g, root, {}); });
  EXPECT_EQ(e.code(), ErrorCode::kIo);
}

// ---- the fixture corpus ------------------------------------------------------------------------

// Every file scikit-learn wrote (pickle protocols 2 and 5, uncompressed joblib) in all four
// versions: read, write with every protocol in both formats, read back, compare.
TEST(WriterFixtures, EveryFixtureEveryProtocolBothFormats) {
  auto root = SourceDir() / "tests" / "fixtures";
  ASSERT_TRUE(std::filesystem::is_directory(root)) << root;
  std::size_t files = 0, writes = 0;
  auto start = std::chrono::steady_clock::now();
  for (const auto& version : std::filesystem::directory_iterator(root)) {
    if (!version.is_directory()) continue;
    std::vector<std::filesystem::path> paths;
    for (const auto& f : std::filesystem::directory_iterator(version.path())) {
      std::string name = f.path().filename().string();
      if (name.ends_with(".joblib") || name.ends_with(".p2.pkl") || name.ends_with(".p5.pkl")) paths.push_back(f.path());
    }
    std::sort(paths.begin(), paths.end());
    for (const auto& path : paths) {
      ModelFile src = ReadModelFile(path.string(), NoHash());
      ++files;
      for (int protocol = 2; protocol <= 5; ++protocol) {
        for (Format format : {Format::kPickle, Format::kJoblib}) {
          WriteOptions o = Opts(protocol, format);
          std::string bytes = WritePickle(src.graph, src.graph.root, o);
          ModelFile back = ReadBack(std::move(bytes));
          ++writes;
          std::string d = Diff(src.graph.root, back.graph.root, format == Format::kJoblib);
          if (!d.empty()) {
            ADD_FAILURE() << path.string() << " protocol " << protocol << (format == Format::kJoblib ? " joblib" : " pickle") << ": " << d;
            return;
          }
        }
      }
    }
  }
  EXPECT_GT(files, 3000u);
  std::printf("[ fixtures ] %zu files, %zu round trips in %.1f s\n", files, writes,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

// The other readable test data: protocol 0/1 pickles (INST/OBJ, copyreg._reconstructor, Python 2
// strings), numpy's big-endian, Fortran, object and protocol-5 (_frombuffer) arrays from three numpy
// versions, joblib bundles and the compose models.
TEST(WriterFixtures, OtherTestData) {
  std::size_t files = 0;
  for (const char* dir : {"plain", "numpy", "compose"}) {
    for (const auto& f : std::filesystem::recursive_directory_iterator(SourceDir() / "tests" / "data" / dir)) {
      std::string name = f.path().filename().string();
      if (!f.is_regular_file() || !(name.ends_with(".pkl") || name.ends_with(".joblib"))) continue;
      ModelFile src;
      try {
        src = ReadModelFile(f.path().string(), NoHash());
      } catch (const Error&) {
        continue;  // files made to be refused
      }
      ++files;
      for (int protocol = 2; protocol <= 5; ++protocol) {
        for (Format format : {Format::kPickle, Format::kJoblib}) {
          ModelFile back = ReadBack(WritePickle(src.graph, src.graph.root, Opts(protocol, format)));
          EXPECT_EQ(Diff(src.graph.root, back.graph.root, format == Format::kJoblib), "")
              << f.path().string() << " protocol " << protocol << (format == Format::kJoblib ? " joblib" : " pickle");
        }
      }
    }
  }
  EXPECT_GT(files, 100u);
}

}  // namespace
}  // namespace skbridge
