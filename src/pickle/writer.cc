// The pickle / joblib writer: value graph -> the bytes CPython's pickler (and numpy, and joblib)
// would have written for the same objects. See include/skbridge/writer.h.
//
// Shape of the code: an Emitter walks the graph with an explicit task stack. Values that have no
// Python-level children (None, bools, numbers, str, bytes) are written on the spot; containers and
// recorded calls push tasks (visit this child, write that opcode, finish this tuple ...) that run in
// LIFO order, so the byte order is exactly CPython's recursive order without C++ recursion.
//
// Things the graph does not hold as they will be written (numpy arrays, sets before protocol 4,
// OrderedDict, bytes before protocol 3, complex ...) are first turned into "synthesized" nodes in a
// scratch Graph — the calls Python would record for them — and those are written like any other
// node. A synthesized node is memoized under the graph node it stands for (its alias), so sharing and
// cycles through it survive.
#include "skbridge/writer.h"

#include <bzlib.h>
#include <fmt/format.h>
#include <lz4frame.h>
#include <lzma.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <stdexcept>
#include <unordered_map>

#include "numpy/numpy.h"
#include "pickle/opcodes.h"
#include "skbridge/error.h"

namespace skbridge {
namespace {

using pickle::Op;

constexpr std::size_t kBatchSize = 1000;  // CPython's _BATCHSIZE for APPENDS / SETITEMS / ADDITEMS

std::uint8_t B(Op op) { return static_cast<std::uint8_t>(op); }

bool IsJoblibModule(std::string_view m) {
  return m == "joblib.numpy_pickle" || m == "joblib.numpy_pickle_compat" || m == "sklearn.externals.joblib.numpy_pickle" ||
         m == "sklearn.externals.joblib.numpy_pickle_compat";
}

// numpy's descr->flags bits that a structured dtype inherits from its fields (NPY_FROM_FIELDS).
constexpr int kFromFields = 1 | 2 | 8 | 16;
constexpr int kNeedsPyApi = 16;
constexpr int kAlignedStruct = 128;

class Emitter {
 public:
  Emitter(const WriteOptions& options, int protocol, bool joblib, std::string* out)
      : o_(options), proto_(protocol), joblib_(joblib), out_(*out) {
    np_core_ = options.numpy2_paths ? "numpy._core" : "numpy.core";
  }

  void Dump(const Value* root) {
    Byte(B(Op::kProto));
    Byte(static_cast<std::uint8_t>(proto_));
    Visit(root);
    Run();
    Byte(B(Op::kStop));
  }

 private:
  enum class T : std::uint8_t {
    kVisit,        // v
    kOp,           // write opcode `op`
    kFinishTuple,  // v: the tuple whose items were just written
    kFinishFrozenSet,
    kCreated,      // v: the object whose constructor arguments were just written; op = REDUCE/NEWOBJ/...
    kBuild,        // v: write BUILD (and, for a joblib wrapper, the array bytes after it)
    kListBatch,    // seq: items to APPEND(S), from index
    kDictBatch,    // seq: pairs to SETITEM(S), from index
    kSetBatch,     // seq: items to ADDITEMS, from index
    kLeave,        // closes one level of nesting
  };
  struct Task {
    T type;
    std::uint8_t op = 0;
    const Value* v = nullptr;
    const void* seq = nullptr;
    std::size_t index = 0;
  };
  using Items = std::vector<const Value*>;
  using Pairs = std::vector<std::pair<const Value*, const Value*>>;

  // ---- output ----------------------------------------------------------------------------------
  void Byte(std::uint8_t b) { out_.push_back(static_cast<char>(b)); }
  void Raw(std::string_view s) { out_.append(s); }
  void Le(std::uint64_t v, int width) {
    for (int i = 0; i < width; ++i) Byte(static_cast<std::uint8_t>(v >> (8 * i)));
  }

  void WriteInt(std::int64_t x) {
    if (x >= 0 && x < 256) {
      Byte(B(Op::kBinInt1));
      Byte(static_cast<std::uint8_t>(x));
    } else if (x >= 0 && x < 65536) {
      Byte(B(Op::kBinInt2));
      Le(static_cast<std::uint64_t>(x), 2);
    } else if (x >= INT32_MIN && x <= INT32_MAX) {
      Byte(B(Op::kBinInt));
      Le(static_cast<std::uint32_t>(static_cast<std::int32_t>(x)), 4);
    } else {
      // LONG1 with the shortest little-endian two's complement (CPython's encode_long).
      std::uint8_t b[8];
      for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(x) >> (8 * i));
      int n = 8;
      while (n > 1 && ((b[n - 1] == 0x00 && !(b[n - 2] & 0x80)) || (b[n - 1] == 0xff && (b[n - 2] & 0x80)))) --n;
      Byte(B(Op::kLong1));
      Byte(static_cast<std::uint8_t>(n));
      for (int i = 0; i < n; ++i) Byte(b[i]);
    }
  }

  void WriteBigInt(std::string_view le) {
    if (le.size() < 256) {
      Byte(B(Op::kLong1));
      Byte(static_cast<std::uint8_t>(le.size()));
    } else {
      if (le.size() > 0x7fffffffu) throw Error::Unsupported("integer too large for LONG4");
      Byte(B(Op::kLong4));
      Le(le.size(), 4);
    }
    Raw(le);
  }

  void WriteFloat(double d) {
    std::uint64_t bits;
    std::memcpy(&bits, &d, 8);
    Byte(B(Op::kBinFloat));
    for (int i = 7; i >= 0; --i) Byte(static_cast<std::uint8_t>(bits >> (8 * i)));  // big-endian
  }

  void WriteStrOpcode(std::size_t size) {
    if (proto_ >= 4 && size < 256) {
      Byte(B(Op::kShortBinUnicode));
      Byte(static_cast<std::uint8_t>(size));
    } else if (size <= 0xffffffffu) {
      Byte(B(Op::kBinUnicode));
      Le(size, 4);
    } else if (proto_ >= 4) {
      Byte(B(Op::kBinUnicode8));
      Le(size, 8);
    } else {
      throw Error::Unsupported(fmt::format("a str of {} bytes needs pickle protocol 4", size));
    }
  }

  void WriteBytesOpcode(std::size_t size) {
    if (size < 256) {
      Byte(B(Op::kShortBinBytes));
      Byte(static_cast<std::uint8_t>(size));
    } else if (size <= 0xffffffffu) {
      Byte(B(Op::kBinBytes));
      Le(size, 4);
    } else if (proto_ >= 4) {
      Byte(B(Op::kBinBytes8));
      Le(size, 8);
    } else {
      throw Error::Unsupported(fmt::format("bytes of {} bytes need pickle protocol 4", size));
    }
  }

  // ---- memo ------------------------------------------------------------------------------------
  // The memo key of a node: the graph node a synthesized node stands for; for globals, the first
  // node with that module.name (a class is one object in Python, however often the graph names it).
  // CPython also keeps one object for the empty and each one-character latin-1 str, and for b'' and
  // each one-byte bytes, so those share a memo entry by content.
  const Value* Key(const Value* v) {
    if (auto it = alias_.find(v); it != alias_.end()) return it->second;
    if (v->kind == Kind::kGlobal) {
      auto [it, inserted] = global_key_.try_emplace(JoinGlobal(v->text, v->name), v);
      return it->second;
    }
    if ((v->kind == Kind::kStr && IsSingletonStr(v->text)) || (v->kind == Kind::kBytes && v->text.size() <= 1)) {
      auto [it, inserted] = singleton_key_.try_emplace(std::string(v->kind == Kind::kStr ? "s" : "b").append(v->text), v);
      return it->second;
    }
    return v;
  }
  static bool IsSingletonStr(std::string_view s) {
    if (s.size() <= 1) return true;
    return s.size() == 2 && (static_cast<unsigned char>(s[0]) == 0xc2 || static_cast<unsigned char>(s[0]) == 0xc3);
  }

  bool EmitGetIfMemoized(const Value* key) {
    auto it = memo_.find(key);
    if (it == memo_.end()) return false;
    std::uint32_t idx = it->second;
    if (idx < 256) {
      Byte(B(Op::kBinGet));
      Byte(static_cast<std::uint8_t>(idx));
    } else {
      Byte(B(Op::kLongBinGet));
      Le(idx, 4);
    }
    return true;
  }

  void Memoize(const Value* key) {
    std::uint64_t idx = memo_.size();
    if (idx > 0xffffffffu) throw Error::Limit("more than 2^32 memoized values");
    if (proto_ >= 4) {
      Byte(B(Op::kMemoize));
    } else if (idx < 256) {
      Byte(B(Op::kBinPut));
      Byte(static_cast<std::uint8_t>(idx));
    } else {
      Byte(B(Op::kLongBinPut));
      Le(idx, 4);
    }
    memo_.emplace(key, static_cast<std::uint32_t>(idx));
  }

  // Values built after their children (tuples, frozensets, calls) can be reached again while their
  // children are written, through a cycle. CPython then writes them a second time; the inner copy
  // is memoized and the outer one discarded (POP + GET). A third visit means the cycle has no
  // mutable container to break it, which pickle cannot express.
  void BeginConstruct(const Value* key) {
    int& n = active_[key];
    if (n >= 2) {
      throw Error::Unsupported(fmt::format("{} is reachable from its own constructor arguments (or tuple items) with no "
                                           "list, dict or object in between; pickle cannot express that cycle",
                                           key->Repr(60)));
    }
    ++n;
  }
  void EndConstruct(const Value* key) {
    auto it = active_.find(key);
    if (it != active_.end() && --it->second == 0) active_.erase(it);
  }

  void Enter() {
    if (++depth_ > o_.max_depth) {
      throw Error::Limit(fmt::format("values nested deeper than {} levels", o_.max_depth));
    }
  }
  void Leave() { --depth_; }

  // ---- tasks -----------------------------------------------------------------------------------
  void Push(T type, const Value* v = nullptr, std::uint8_t op = 0, const void* seq = nullptr, std::size_t index = 0) {
    tasks_.push_back(Task{type, op, v, seq, index});
  }
  void PushOp(Op op) { Push(T::kOp, nullptr, B(op)); }

  void Run() {
    while (!tasks_.empty()) {
      Task t = tasks_.back();
      tasks_.pop_back();
      switch (t.type) {
        case T::kVisit: Visit(t.v); break;
        case T::kOp: Byte(t.op); break;
        case T::kFinishTuple: FinishTuple(t.v); break;
        case T::kFinishFrozenSet: FinishFrozenSet(t.v); break;
        case T::kCreated: Created(t.v, t.op); break;
        case T::kBuild: Build(t.v); break;
        case T::kListBatch: ListBatch(static_cast<const Items*>(t.seq), t.index); break;
        case T::kDictBatch: DictBatch(static_cast<const Pairs*>(t.seq), t.index); break;
        case T::kSetBatch: SetBatch(static_cast<const Items*>(t.seq), t.index); break;
        case T::kLeave: Leave(); break;
      }
    }
  }

  // ---- synthesized nodes -----------------------------------------------------------------------
  Value* New(Kind k) { return scratch_.New(k); }
  const Value* SStr(std::string_view s) {
    auto it = str_cache_.find(std::string(s));
    if (it != str_cache_.end()) return it->second;
    Value* v = New(Kind::kStr);
    v->text = scratch_.Store(std::string(s));
    str_cache_.emplace(std::string(s), v);
    return v;
  }
  const Value* SGlobal(std::string_view module, std::string_view name) {
    std::string path = JoinGlobal(module, name);
    auto it = global_cache_.find(path);
    if (it != global_cache_.end()) return it->second;
    Value* v = New(Kind::kGlobal);
    v->text = scratch_.Store(std::string(module));
    v->name = scratch_.Store(std::string(name));
    global_cache_.emplace(path, v);
    return v;
  }
  const Value* SInt(std::int64_t i) {
    Value* v = New(Kind::kInt);
    v->integer = i;
    return v;
  }
  const Value* SBool(bool b) {
    Value* v = New(Kind::kBool);
    v->boolean = b;
    return v;
  }
  const Value* SNone() {
    if (!none_) none_ = New(Kind::kNone);
    return none_;
  }
  const Value* SFloat(double d) {
    Value* v = New(Kind::kFloat);
    v->real = d;
    return v;
  }
  const Value* STuple(std::vector<const Value*> items) {
    if (items.empty() && empty_tuple_) return empty_tuple_;
    Value* v = New(Kind::kTuple);
    v->items = std::move(items);
    if (v->items.empty()) empty_tuple_ = v;
    return v;
  }
  const Value* SList(std::vector<const Value*> items) {
    Value* v = New(Kind::kList);
    v->items = std::move(items);
    return v;
  }
  const Value* SBytes(std::string_view view) {  // `view` must outlive the emitter
    Value* v = New(Kind::kBytes);
    v->text = view;
    return v;
  }
  Value* SCall(ObjectForm form, const Value* callable, const Value* args) {
    Value* v = New(Kind::kObject);
    v->object->form = form;
    v->object->callable = callable;
    v->object->args = args;
    return v;
  }
  // A node standing for `original`: memoized under it.
  Value* Alias(Value* synth, const Value* original) {
    alias_[synth] = Key(original);
    return synth;
  }

  std::string_view BuiltinsModule() const { return proto_ < 3 ? "__builtin__" : "builtins"; }
  std::string_view CopyregModule() const { return proto_ < 3 ? "copy_reg" : "copyreg"; }

  // ---- visiting --------------------------------------------------------------------------------
  void Visit(const Value* v) {
    if (!v) throw Error::InvalidInput("the graph has a null value where a value is required");
    switch (v->kind) {
      case Kind::kNone: Byte(B(Op::kNone)); return;
      case Kind::kBool: Byte(B(v->boolean ? Op::kNewTrue : Op::kNewFalse)); return;
      case Kind::kInt:
        if (v->is_big_int()) {
          WriteBigInt(v->text);
        } else {
          WriteInt(v->integer);
        }
        return;
      case Kind::kFloat: WriteFloat(v->real); return;
      case Kind::kPickleBuffer:
        throw Error::Unsupported(fmt::format("out-of-band buffer {} (protocol 5 NEXT_BUFFER) was not in the file; its bytes "
                                             "cannot be written",
                                             v->integer));
      case Kind::kTuple:
        if (v->items.empty()) {  // CPython never memoizes the empty tuple
          Byte(B(Op::kEmptyTuple));
          return;
        }
        break;
      default: break;
    }
    const Value* key = Key(v);
    if (EmitGetIfMemoized(key)) return;
    switch (v->kind) {
      case Kind::kStr:
        WriteStrOpcode(v->text.size());
        Raw(v->text);
        Memoize(key);
        return;
      case Kind::kBytes: VisitBytes(v, key); return;
      case Kind::kByteArray:
        if (proto_ >= 5) {
          Byte(B(Op::kByteArray8));
          Le(v->text.size(), 8);
          Raw(v->text);
          Memoize(key);
        } else {
          const Value* args = v->text.empty() ? STuple({}) : STuple({SBytes(v->text)});
          VisitObject(Alias(SCall(ObjectForm::kReduce, SGlobal(BuiltinsModule(), "bytearray"), args), v));
        }
        return;
      case Kind::kComplex:
        VisitObject(Alias(SCall(ObjectForm::kReduce, SGlobal(BuiltinsModule(), "complex"),
                                STuple({SFloat(v->real), SFloat(v->imag)})),
                          v));
        return;
      case Kind::kList:
        Byte(B(Op::kEmptyList));
        Memoize(key);
        Enter();
        Push(T::kLeave);
        Push(T::kListBatch, nullptr, 0, &v->items, 0);
        return;
      case Kind::kDict: VisitDict(v, key); return;
      case Kind::kSet:
        if (proto_ >= 4) {
          Byte(B(Op::kEmptySet));
          Memoize(key);
          Enter();
          Push(T::kLeave);
          Push(T::kSetBatch, nullptr, 0, &v->items, 0);
        } else {
          VisitObject(Alias(SCall(ObjectForm::kReduce, SGlobal(BuiltinsModule(), "set"), STuple({SList(v->items)})), v));
        }
        return;
      case Kind::kFrozenSet:
        if (proto_ >= 4) {
          BeginConstruct(key);
          Enter();
          Byte(B(Op::kMark));
          Push(T::kFinishFrozenSet, v);
          for (auto it = v->items.rbegin(); it != v->items.rend(); ++it) Push(T::kVisit, *it);
        } else {
          VisitObject(Alias(SCall(ObjectForm::kReduce, SGlobal(BuiltinsModule(), "frozenset"), STuple({SList(v->items)})), v));
        }
        return;
      case Kind::kTuple: {
        BeginConstruct(key);
        Enter();
        if (v->items.size() > 3) Byte(B(Op::kMark));
        Push(T::kFinishTuple, v);
        for (auto it = v->items.rbegin(); it != v->items.rend(); ++it) Push(T::kVisit, *it);
        return;
      }
      case Kind::kGlobal: VisitGlobal(v, key); return;
      case Kind::kObject: VisitObject(v); return;
      case Kind::kArray: VisitArray(v); return;
      default: break;
    }
    throw Error::InvalidInput(fmt::format("cannot write a value of kind {}", KindName(v->kind)));
  }

  void VisitBytes(const Value* v, const Value* key) {
    if (proto_ >= 3) {
      WriteBytesOpcode(v->text.size());
      Raw(v->text);
      Memoize(key);
      return;
    }
    // Protocol 2 has no bytes opcodes. Python 3 writes bytes() for b'' and otherwise
    // _codecs.encode(<the bytes decoded as latin-1>, 'latin1').
    if (v->text.empty()) {
      VisitObject(Alias(SCall(ObjectForm::kReduce, SGlobal(BuiltinsModule(), "bytes"), STuple({})), v));
      return;
    }
    // Written inline (no tasks: the global and the strings are leaves) to avoid a copy of the text.
    VisitLeaf(SGlobal("_codecs", "encode"));
    if (v->text.size() == 1) {  // a one-character str: CPython's singleton, maybe already memoized
      std::string one;
      auto c = static_cast<unsigned char>(v->text[0]);
      if (c < 0x80) {
        one.push_back(static_cast<char>(c));
      } else {
        one.push_back(static_cast<char>(0xc0 | (c >> 6)));
        one.push_back(static_cast<char>(0x80 | (c & 0x3f)));
      }
      VisitLeaf(SStr(one));
      VisitLeaf(SStr("latin1"));
      Byte(B(Op::kTuple2));
      Memoize(New(Kind::kNone));
      Byte(B(Op::kReduce));
      Memoize(key);
      return;
    }
    std::size_t utf8_size = v->text.size();
    for (char c : v->text) utf8_size += static_cast<unsigned char>(c) >= 0x80;
    WriteStrOpcode(utf8_size);
    out_.reserve(out_.size() + utf8_size);
    for (char c : v->text) {
      auto b = static_cast<unsigned char>(c);
      if (b < 0x80) {
        Byte(b);
      } else {
        Byte(static_cast<std::uint8_t>(0xc0 | (b >> 6)));
        Byte(static_cast<std::uint8_t>(0x80 | (b & 0x3f)));
      }
    }
    Memoize(New(Kind::kNone));  // CPython memoizes the temporary str and tuple too: same memo numbering
    VisitLeaf(SStr("latin1"));
    Byte(B(Op::kTuple2));
    Memoize(New(Kind::kNone));
    Byte(B(Op::kReduce));
    Memoize(key);
  }

  // Writes a str or a global in place, for callers that write opcodes right after it: such values
  // must push no task (a global with a dotted name before protocol 4 would).
  void VisitLeaf(const Value* v) {
    std::size_t pending = tasks_.size();
    Visit(v);
    if (tasks_.size() != pending) throw std::logic_error("writer: a leaf value pushed tasks");
  }

  void VisitDict(const Value* v, const Value* key) {
    if (v->name.empty() || v->name == "dict") {
      Byte(B(Op::kEmptyDict));
      Memoize(key);
      Enter();
      Push(T::kLeave);
      Push(T::kDictBatch, nullptr, 0, &v->entries, 0);
      return;
    }
    // A mapping subclass the reader folded into a dict (OrderedDict, defaultdict ...): Python writes
    // cls() REDUCE, then the items with SETITEMS (OrderedDict.__reduce__ / defaultdict.__reduce__).
    if (v->name != "OrderedDict" && v->name != "defaultdict" && v->name != "Counter") {
      throw Error::Unsupported(fmt::format("dict of mapping type '{}' (only collections.OrderedDict, defaultdict and Counter "
                                           "can be written)",
                                           v->name));
    }
    Value* obj = SCall(ObjectForm::kReduce, SGlobal("collections", v->name), STuple({}));
    obj->object->dict_items = v->entries;
    VisitObject(Alias(obj, v));
  }

  void VisitGlobal(const Value* v, const Value* key) {
    std::string_view module = v->text;
    if (proto_ < 3) {
      if (module == "builtins") module = "__builtin__";
      if (module == "copyreg") module = "copy_reg";
    } else {
      if (module == "__builtin__" || module == "exceptions") module = "builtins";
      if (module == "copy_reg") module = "copyreg";
    }
    if (proto_ >= 4) {
      // Module names are shared (modules have one __name__ object); each class has its own
      // __qualname__ object, written once since the class itself is memoized.
      VisitLeaf(SStr(module));
      Value* name = New(Kind::kStr);
      name->text = v->name;
      VisitLeaf(name);
      Byte(B(Op::kStackGlobal));
      Memoize(key);
      return;
    }
    if (auto dot = v->name.rfind('.'); dot != std::string_view::npos) {
      // Before protocol 4, GLOBAL cannot name a nested attribute: Python writes getattr(parent, name).
      const Value* parent = SGlobal(v->text, v->name.substr(0, dot));
      VisitObject(Alias(SCall(ObjectForm::kReduce, SGlobal(BuiltinsModule(), "getattr"),
                              STuple({parent, SStr(v->name.substr(dot + 1))})),
                        v));
      return;
    }
    if (module.find('\n') != std::string_view::npos || v->name.find('\n') != std::string_view::npos) {
      throw Error::InvalidInput(fmt::format("global name '{}' contains a newline", JoinGlobal(module, v->name)));
    }
    Byte(B(Op::kGlobal));
    Raw(module);
    Byte('\n');
    Raw(v->name);
    Byte('\n');
    Memoize(key);
  }

  // True for the node the reader made of copyreg._reconstructor(cls, object, None): an Object with
  // callable cls and an empty argument tuple the reader created at the REDUCE itself (same offset).
  static bool IsFoldedReconstructor(const Value* obj) {
    const ObjectData& o = *obj->object;
    return o.form == ObjectForm::kReduce && o.args && o.args->kind == Kind::kTuple && o.args->items.empty() &&
           obj->offset != 0 && o.args->offset == obj->offset && o.callable && o.callable->kind == Kind::kGlobal;
  }

  void VisitObject(const Value* obj) {
    const Value* key = Key(obj);
    const ObjectData& o = *obj->object;
    if (!o.callable) throw Error::InvalidInput(fmt::format("object node {} has no callable", obj->Repr(60)));
    const Value* args = o.args ? o.args : STuple({});
    if (args->kind != Kind::kTuple) {
      throw Error::InvalidInput(fmt::format("arguments of {} are a {}, not a tuple", obj->Repr(60), KindName(args->kind)));
    }
    BeginConstruct(key);
    Enter();
    switch (o.form) {
      case ObjectForm::kNewObj:
        Push(T::kCreated, obj, B(Op::kNewObj));
        Push(T::kVisit, args);
        Push(T::kVisit, o.callable);
        return;
      case ObjectForm::kNewObjEx: {
        const Value* kwargs = o.kwargs;
        if (kwargs && kwargs->kind != Kind::kDict) {
          throw Error::InvalidInput(fmt::format("keyword arguments of {} are not a dict", obj->Repr(60)));
        }
        bool no_kwargs = !kwargs || kwargs->entries.empty();
        if (proto_ >= 4) {
          if (!kwargs) kwargs = New(Kind::kDict);
          Push(T::kCreated, obj, B(Op::kNewObjEx));
          Push(T::kVisit, kwargs);
          Push(T::kVisit, args);
          Push(T::kVisit, o.callable);
        } else if (no_kwargs) {
          Push(T::kCreated, obj, B(Op::kNewObj));  // cls.__new__(cls, *args): what NEWOBJ does
          Push(T::kVisit, args);
          Push(T::kVisit, o.callable);
        } else {
          // copyreg.__newobj_ex__(cls, args, kwargs) == cls.__new__(cls, *args, **kwargs).
          Push(T::kCreated, obj, B(Op::kReduce));
          PushOp(Op::kTuple3);
          Push(T::kVisit, kwargs);
          Push(T::kVisit, args);
          Push(T::kVisit, o.callable);
          Push(T::kVisit, SGlobal(CopyregModule(), "__newobj_ex__"));
        }
        return;
      }
      case ObjectForm::kInst:
        // INST/OBJ: cls(*args), or cls.__new__(cls) when there are no arguments (pickle's _instantiate).
        Push(T::kCreated, obj, B(args->items.empty() ? Op::kNewObj : Op::kReduce));
        Push(T::kVisit, args);
        Push(T::kVisit, o.callable);
        return;
      case ObjectForm::kReduce:
        if (IsFoldedReconstructor(obj)) {  // object.__new__(cls): NEWOBJ with no arguments
          Push(T::kCreated, obj, B(Op::kNewObj));
        } else {
          Push(T::kCreated, obj, B(Op::kReduce));
        }
        Push(T::kVisit, args);
        Push(T::kVisit, o.callable);
        return;
    }
  }

  void Created(const Value* obj, std::uint8_t op) {
    const Value* key = Key(obj);
    Byte(op);
    EndConstruct(key);
    if (memo_.count(key)) {  // made a second time through a cycle: keep the first one
      Byte(B(Op::kPop));
      EmitGetIfMemoized(key);
      Leave();
      return;
    }
    Memoize(key);
    const ObjectData& o = *obj->object;
    // save_reduce's order: APPENDS, SETITEMS, then BUILD.
    Push(T::kLeave);
    if (o.state) {
      Push(T::kBuild, obj);
      Push(T::kVisit, o.state);
    }
    if (!o.dict_items.empty()) Push(T::kDictBatch, nullptr, 0, &o.dict_items, 0);
    if (!o.list_items.empty()) Push(T::kListBatch, nullptr, 0, &o.list_items, 0);
  }

  void Build(const Value* obj) {
    Byte(B(Op::kBuild));
    if (auto it = trailer_.find(obj); it != trailer_.end()) WriteArrayTrailer(it->second);
  }

  void FinishTuple(const Value* v) {
    const Value* key = Key(v);
    std::size_t n = v->items.size();
    EndConstruct(key);
    Leave();
    if (memo_.count(key)) {  // the tuple was written (and memoized) inside itself, through a cycle
      if (n <= 3) {
        for (std::size_t i = 0; i < n; ++i) Byte(B(Op::kPop));
      } else {
        Byte(B(Op::kPopMark));
      }
      EmitGetIfMemoized(key);
      return;
    }
    static constexpr Op kSmall[] = {Op::kEmptyTuple, Op::kTuple1, Op::kTuple2, Op::kTuple3};
    Byte(B(n <= 3 ? kSmall[n] : Op::kTuple));
    Memoize(key);
  }

  void FinishFrozenSet(const Value* v) {
    const Value* key = Key(v);
    EndConstruct(key);
    Leave();
    if (memo_.count(key)) {
      Byte(B(Op::kPopMark));
      EmitGetIfMemoized(key);
      return;
    }
    Byte(B(Op::kFrozenSet));
    Memoize(key);
  }

  void ListBatch(const Items* items, std::size_t start) {
    std::size_t n = std::min(kBatchSize, items->size() - start);
    if (n == 0) return;
    Push(T::kListBatch, nullptr, 0, items, start + n);
    if (n > 1) {
      Byte(B(Op::kMark));
      PushOp(Op::kAppends);
    } else {
      PushOp(Op::kAppend);
    }
    for (std::size_t i = start + n; i-- > start;) Push(T::kVisit, (*items)[i]);
  }

  void DictBatch(const Pairs* pairs, std::size_t start) {
    std::size_t n = std::min(kBatchSize, pairs->size() - start);
    if (n == 0) return;
    Push(T::kDictBatch, nullptr, 0, pairs, start + n);
    if (n > 1) {
      Byte(B(Op::kMark));
      PushOp(Op::kSetItems);
    } else {
      PushOp(Op::kSetItem);
    }
    for (std::size_t i = start + n; i-- > start;) {
      Push(T::kVisit, (*pairs)[i].second);
      Push(T::kVisit, (*pairs)[i].first);
    }
  }

  void SetBatch(const Items* items, std::size_t start) {
    std::size_t n = std::min(kBatchSize, items->size() - start);
    if (n == 0) return;
    Push(T::kSetBatch, nullptr, 0, items, start + n);
    Byte(B(Op::kMark));
    PushOp(Op::kAddItems);
    for (std::size_t i = start + n; i-- > start;) Push(T::kVisit, (*items)[i]);
  }

  // ---- numpy -----------------------------------------------------------------------------------
  // What the reader kept of how an array was written (the array node keeps its original call).
  static const Value* ProvenanceDType(const Value* node) {
    const ObjectData* o = node->object;
    if (!o || !o->callable || o->callable->kind != Kind::kGlobal) return nullptr;
    std::string_view name = o->callable->name;
    if (name == "_reconstruct" && o->state && o->state->kind == Kind::kTuple) {
      const auto& s = o->state->items;
      if (s.size() == 5) return s[2];
      if (s.size() == 4) return s[1];
    } else if (name == "NumpyArrayWrapper" && o->state) {
      return o->state->Get("dtype");
    } else if (name == "scalar" && o->args && !o->args->items.empty()) {
      return o->args->items[0];
    } else if (name == "_frombuffer" && o->args && o->args->items.size() >= 2) {
      return o->args->items[1];
    }
    return nullptr;
  }

  static const Value* ProvenanceSubclass(const Value* node) {
    const ObjectData* o = node->object;
    if (!o || !o->callable || o->callable->kind != Kind::kGlobal) return nullptr;
    const Value* sub = nullptr;
    if (o->callable->name == "_reconstruct" && o->args && !o->args->items.empty()) {
      sub = o->args->items[0];
    } else if (o->callable->name == "NumpyArrayWrapper" && IsJoblibModule(o->callable->text) && o->state) {
      sub = o->state->Get("subclass");
    }
    if (!sub || sub->kind != Kind::kGlobal || sub->name == "memmap") return nullptr;
    return sub;
  }

  // The state tuple of a numpy.dtype object node, when it has the usual 8 or 9 fields.
  static const std::vector<const Value*>* DTypeState(const Value* dtype_value) {
    if (!dtype_value || dtype_value->kind != Kind::kObject || !dtype_value->object->state) return nullptr;
    const Value* s = dtype_value->object->state;
    if (s->kind != Kind::kTuple || s->items.size() < 8) return nullptr;
    return &s->items;
  }

  static bool SameLayout(const DType& a, const DType& b) {
    if (a.itemsize != b.itemsize || a.fields.size() != b.fields.size()) return false;
    for (std::size_t i = 0; i < a.fields.size(); ++i) {
      if (a.fields[i].name != b.fields[i].name || a.fields[i].offset != b.fields[i].offset) return false;
    }
    return true;
  }

  // Whether a structured dtype was an aligned struct (align=True): the original dtype's flags say
  // so; without one, numpy's default (packed), which is also what scikit-learn's tree nodes use.
  static bool AlignedStruct(const DType& d, const Value* provenance) {
    const auto* s = DTypeState(provenance);
    if (!s || (*s)[7]->kind != Kind::kInt) return false;
    try {
      if (!SameLayout(numpy::DTypeFromValue(*provenance), d)) return false;
    } catch (const Error&) {
      return false;
    }
    return ((*s)[7]->integer & kAlignedStruct) != 0;
  }

  static std::int64_t DTypeAlignment(const DType& d) {
    if (d.IsStructured()) {
      std::int64_t a = 1;
      for (const auto& f : d.fields) a = std::max(a, DTypeAlignment(f.type));
      return a;
    }
    switch (d.kind) {
      case DTypeKind::kBytes:
      case DTypeKind::kVoid:
      case DTypeKind::kBool: return 1;
      case DTypeKind::kUnicode: return 4;
      case DTypeKind::kComplex: return std::min<std::int64_t>(d.itemsize / 2, 8);
      default: return std::min<std::int64_t>(std::max<std::int64_t>(d.itemsize, 1), 8);
    }
  }

  static int DTypeFlags(const DType& d, bool aligned) {
    if (d.IsStructured()) {
      int f = kNeedsPyApi;
      for (const auto& field : d.fields) f |= DTypeFlags(field.type, false) & kFromFields;
      return aligned ? f | kAlignedStruct : f;
    }
    if (d.kind == DTypeKind::kObject) return 63;
    if (d.kind == DTypeKind::kUnicode) return 8;
    return 0;
  }

  // numpy's datetime unit and multiplier: 'ns' -> (ns, 1), '10s' -> (s, 10), '' -> generic.
  static std::pair<std::string, std::int64_t> DateTimeUnit(const DType& d, const Value* provenance) {
    std::string unit = d.unit;
    std::int64_t num = 1;
    std::size_t digits = 0;
    while (digits < unit.size() && unit[digits] >= '0' && unit[digits] <= '9') ++digits;
    if (digits > 0 && digits < unit.size()) {
      num = std::stoll(unit.substr(0, digits));
      unit = unit.substr(digits);
    }
    // The original metadata (unit, num, 1, 1) has the multiplier, and the unit itself when the
    // DType lacks it (the reader does not take it from numpy's 9th state field).
    if (const auto* s = DTypeState(provenance); s && s->size() >= 9 && (*s)[8]->kind == Kind::kTuple &&
                                                  (*s)[8]->items.size() >= 2) {
      const Value* meta = (*s)[8]->items[1];
      if (meta->kind == Kind::kTuple && meta->items.size() >= 2 && meta->items[0]->is_text() &&
          (unit.empty() || meta->items[0]->text == unit) && meta->items[1]->kind == Kind::kInt && !meta->items[1]->is_big_int()) {
        unit = std::string(meta->items[0]->text);
        num = meta->items[1]->integer;
      }
    }
    if (unit.empty()) unit = "generic";
    return {unit, num};
  }

  // numpy.dtype(typestr, False, True) + BUILD (version, endian, None, names, fields, elsize,
  // alignment, flags[, metadata]) exactly as numpy's arraydescr_reduce writes it.
  const Value* DTypeValue(const DType& d, const Value* provenance) {
    bool aligned = d.IsStructured() && AlignedStruct(d, provenance);
    std::string typestr;
    char endian = '<';
    std::int64_t elsize = -1, alignment = -1;
    switch (d.kind) {
      case DTypeKind::kBool: typestr = "b1"; break;
      case DTypeKind::kInt: typestr = fmt::format("i{}", d.itemsize); break;
      case DTypeKind::kUInt: typestr = fmt::format("u{}", d.itemsize); break;
      case DTypeKind::kFloat: typestr = fmt::format("f{}", d.itemsize); break;
      case DTypeKind::kComplex: typestr = fmt::format("c{}", d.itemsize); break;
      case DTypeKind::kBytes: typestr = fmt::format("S{}", d.itemsize); elsize = d.itemsize; alignment = 1; break;
      case DTypeKind::kUnicode: typestr = fmt::format("U{}", d.itemsize / 4); elsize = d.itemsize; alignment = 4; break;
      case DTypeKind::kVoid:
        typestr = fmt::format("V{}", d.itemsize);
        elsize = d.itemsize;
        alignment = aligned ? DTypeAlignment(d) : 1;
        break;
      case DTypeKind::kObject: typestr = "O8"; break;
      case DTypeKind::kDateTime: typestr = "M8"; break;
      case DTypeKind::kTimeDelta: typestr = "m8"; break;
    }
    if (d.kind == DTypeKind::kBool || d.kind == DTypeKind::kBytes || d.kind == DTypeKind::kVoid || d.kind == DTypeKind::kObject ||
        (d.itemsize == 1 && d.kind != DTypeKind::kUnicode)) {
      endian = '|';
    }
    int flags = DTypeFlags(d, aligned);
    std::int64_t flags_value = o_.numpy2_paths ? flags : static_cast<std::int8_t>(flags);  // numpy 1 stores a C char
    std::pair<std::string, std::int64_t> unit;
    bool datetime = d.kind == DTypeKind::kDateTime || d.kind == DTypeKind::kTimeDelta;
    if (datetime) unit = DateTimeUnit(d, provenance);

    // Identity: numpy makes a new dtype object for every dtype it unpickles, so arrays share a dtype
    // exactly when they shared the dtype node they were read with (the provenance); dtypes without
    // one (new arrays, fields) are shared by content, as numpy's builtin dtypes are.
    const Value* same_as = nullptr;
    if (provenance && provenance->kind == Kind::kObject) {
      try {
        if (numpy::DTypeFromValue(*provenance) == d) same_as = provenance;
      } catch (const Error&) {
      }
    }
    std::string cache_key;
    if (same_as) {
      if (auto it = dtype_by_node_.find(same_as); it != dtype_by_node_.end()) return it->second;
    } else {
      cache_key = fmt::format("{}|{}|{}|{}|{}|{}", typestr, d.itemsize, aligned, unit.first, unit.second, flags);
      for (const auto& f : d.fields) cache_key += fmt::format("|{}@{}:{}", f.name, f.offset, f.type.Str());
      if (auto it = dtype_cache_.find(cache_key); it != dtype_cache_.end()) return it->second;
    }

    Value* type = New(Kind::kStr);  // a new str object for every dtype numpy reduces
    type->text = scratch_.Store(typestr);
    Value* v = SCall(ObjectForm::kReduce, SGlobal("numpy", "dtype"), STuple({type, SBool(false), SBool(true)}));
    const Value* names = SNone();
    const Value* fields = SNone();
    if (d.IsStructured()) {
      std::vector<const Value*> name_items;
      Value* field_dict = New(Kind::kDict);
      // The original's fields dict says which dtype objects the fields were (shared with arrays).
      const auto* orig = same_as ? DTypeState(same_as) : nullptr;
      const Value* orig_fields = orig && (*orig)[4]->kind == Kind::kDict ? (*orig)[4] : nullptr;
      for (const auto& f : d.fields) {
        const Value* spec = orig_fields ? orig_fields->Get(f.name) : nullptr;
        const Value* field_provenance = spec && spec->kind == Kind::kTuple && !spec->items.empty() ? spec->items[0] : nullptr;
        name_items.push_back(SStr(f.name));
        field_dict->entries.emplace_back(SStr(f.name), STuple({DTypeValue(f.type, field_provenance), SInt(f.offset)}));
      }
      names = STuple(std::move(name_items));
      fields = field_dict;
    }
    std::vector<const Value*> state = {SInt(datetime ? 4 : 3), SStr(std::string(1, endian)), SNone(), names, fields,
                                       SInt(elsize), SInt(alignment), SInt(flags_value)};
    if (datetime) {
      const Value* metadata = o_.numpy2_paths ? SNone() : New(Kind::kDict);
      const Value* unit_bytes = SBytes(scratch_.Store(unit.first));
      state.push_back(STuple({metadata, STuple({unit_bytes, SInt(unit.second), SInt(1), SInt(1)})}));
    }
    v->object->state = STuple(std::move(state));
    if (same_as) {
      Alias(v, same_as);
      dtype_by_node_.emplace(same_as, v);
    } else {
      dtype_cache_.emplace(std::move(cache_key), v);
    }
    return v;
  }

  static std::string_view DataView(const NdArray& a) {
    return {reinterpret_cast<const char*>(a.data), a.data ? a.nbytes : 0};
  }

  // numpy's is_fortran / joblib's order 'F': Fortran-contiguous and not also C-contiguous.
  static bool FortranOnly(const NdArray& a) {
    if (!a.fortran_order) return false;
    int big_dims = 0;
    for (auto n : a.shape) big_dims += n > 1;
    return big_dims > 1;
  }

  void CheckArray(const Value* v) {
    if (!v->array) throw Error::InvalidInput("array node without its array");
    const NdArray& a = *v->array;
    if (a.dtype.kind == DTypeKind::kObject) {
      if (static_cast<std::int64_t>(a.objects.size()) != a.size()) {
        throw Error::InvalidInput(fmt::format("object array of shape {} holds {} elements", a.ShapeString(), a.objects.size()));
      }
    } else if (a.nbytes != static_cast<std::uint64_t>(a.size() * a.dtype.itemsize) || (a.nbytes && !a.data)) {
      throw Error::InvalidInput(fmt::format("array of shape {} and dtype {} holds {} bytes", a.ShapeString(), a.dtype.Str(), a.nbytes));
    }
  }

  const Value* ShapeTuple(const NdArray& a) {
    std::vector<const Value*> dims;
    for (auto n : a.shape) dims.push_back(SInt(n));
    return STuple(std::move(dims));
  }

  void VisitArray(const Value* v) {
    CheckArray(v);
    const NdArray& a = *v->array;
    const Value* dtype = DTypeValue(a.dtype, ProvenanceDType(v));
    bool object = a.dtype.kind == DTypeKind::kObject;
    if (a.is_scalar) {  // numpy.core.multiarray.scalar(dtype, bytes) / (dtype('O'), obj)
      const Value* payload = object ? a.objects.at(0) : SBytes(DataView(a));
      VisitObject(Alias(SCall(ObjectForm::kReduce, SGlobal(np_core_ + ".multiarray", "scalar"), STuple({dtype, payload})), v));
      return;
    }
    const Value* subclass = ProvenanceSubclass(v);
    if (!subclass) subclass = SGlobal("numpy", "ndarray");
    if (joblib_) {
      // joblib's NumpyPickler writes a NumpyArrayWrapper (NEWOBJ + BUILD of its __dict__) and the
      // array right after the BUILD. It never memoizes the array: a shared array is written twice.
      Value* state = New(Kind::kDict);
      state->entries = {
          {SStr("subclass"), subclass},
          {SStr("shape"), ShapeTuple(a)},
          {SStr("order"), SStr(FortranOnly(a) ? "F" : "C")},
          {SStr("dtype"), dtype},
          // joblib wraps its compressors in an io.BufferedWriter, so its `buffered` test is false and
          // allow_mmap is True in compressed files too: only object arrays say False.
          {SStr("allow_mmap"), SBool(!object)},
      };
      if (o_.joblib_alignment > 0) state->entries.emplace_back(SStr("numpy_array_alignment_bytes"), SInt(o_.joblib_alignment));
      Value* wrapper = SCall(ObjectForm::kNewObj, SGlobal("joblib.numpy_pickle", "NumpyArrayWrapper"), STuple({}));
      wrapper->object->state = state;
      trailer_[wrapper] = v;
      VisitObject(wrapper);
      return;
    }
    // numpy.core.multiarray._reconstruct(subclass, (0,), b'b') + BUILD (1, shape, dtype, is_fortran, data)
    if (!b_bytes_) b_bytes_ = SBytes("b");
    const Value* data = object ? SList(a.objects) : SBytes(DataView(a));
    Value* obj = SCall(ObjectForm::kReduce, SGlobal(np_core_ + ".multiarray", "_reconstruct"),
                       STuple({subclass, STuple({SInt(0)}), b_bytes_}));
    obj->object->state = STuple({SInt(1), ShapeTuple(a), dtype, SBool(FortranOnly(a)), data});
    VisitObject(Alias(obj, v));
  }

  // After a NumpyArrayWrapper's BUILD: object arrays as a nested protocol-2 pickle (joblib's
  // pickle.dump(array, protocol=2)); others as a padding-length byte, 0xff padding up to the
  // alignment, and the raw bytes in the array's order.
  void WriteArrayTrailer(const Value* array_node) {
    const NdArray& a = *array_node->array;
    if (a.dtype.kind == DTypeKind::kObject) {
      WriteOptions nested = o_;
      nested.format = WriteOptions::Format::kPickle;
      Emitter inner(nested, 2, false, &out_);
      inner.depth_ = depth_;
      inner.Dump(array_node);
      return;
    }
    if (o_.joblib_alignment > 0) {
      std::uint64_t align = static_cast<std::uint64_t>(o_.joblib_alignment);
      std::uint64_t padding = align - ((out_.size() + 1) % align);
      Byte(static_cast<std::uint8_t>(padding));
      out_.append(padding, '\xff');
    }
    Raw(DataView(a));
  }

  const WriteOptions& o_;
  int proto_;
  bool joblib_;
  std::string& out_;
  std::string np_core_;
  std::size_t depth_ = 0;
  std::vector<Task> tasks_;
  std::unordered_map<const Value*, std::uint32_t> memo_;
  std::unordered_map<const Value*, int> active_;
  std::unordered_map<const Value*, const Value*> alias_;
  std::unordered_map<std::string, const Value*> global_key_;
  std::unordered_map<std::string, const Value*> singleton_key_;
  std::unordered_map<const Value*, const Value*> trailer_;  // joblib wrapper -> the array it stands for
  Graph scratch_;
  std::unordered_map<std::string, const Value*> str_cache_;
  std::unordered_map<std::string, const Value*> global_cache_;
  std::map<std::string, const Value*> dtype_cache_;
  std::unordered_map<const Value*, const Value*> dtype_by_node_;
  const Value* none_ = nullptr;
  const Value* empty_tuple_ = nullptr;
  const Value* b_bytes_ = nullptr;
};

// ---- compression (the formats and headers joblib writes) -----------------------------------------

std::string CompressZlib(const std::string& in, int level, bool gzip) {
  z_stream zs{};
  // joblib: zlib.compressobj(level, DEFLATED, 15 or 31 for gzip, DEF_MEM_LEVEL, 0)
  if (deflateInit2(&zs, level, Z_DEFLATED, gzip ? 31 : 15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw Error::InvalidInput(fmt::format("zlib: cannot start a compressor at level {}", level));
  }
  std::string out;
  out.resize(deflateBound(&zs, static_cast<uLong>(std::min<std::size_t>(in.size(), 1u << 30))) + 64);
  std::size_t in_pos = 0, out_pos = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (out_pos == out.size()) out.resize(out.size() * 2);
    std::size_t in_chunk = std::min<std::size_t>(in.size() - in_pos, 1u << 30);
    std::size_t out_chunk = std::min<std::size_t>(out.size() - out_pos, 1u << 30);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + in_pos));
    zs.avail_in = static_cast<uInt>(in_chunk);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + out_pos);
    zs.avail_out = static_cast<uInt>(out_chunk);
    bool last = in_pos + in_chunk == in.size();
    rc = deflate(&zs, last ? Z_FINISH : Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      deflateEnd(&zs);
      throw Error::InvalidInput(fmt::format("zlib compression failed ({})", rc));
    }
    in_pos += in_chunk - zs.avail_in;
    out_pos += out_chunk - zs.avail_out;
  }
  deflateEnd(&zs);
  out.resize(out_pos);
  return out;
}

std::string CompressBz2(const std::string& in, int level) {
  bz_stream bs{};
  if (BZ2_bzCompressInit(&bs, level, 0, 0) != BZ_OK) throw Error::InvalidInput(fmt::format("bz2: cannot start a compressor at level {}", level));
  std::string out(in.size() / 2 + 1024, '\0');
  std::size_t in_pos = 0, out_pos = 0;
  int rc = BZ_RUN_OK;
  while (rc != BZ_STREAM_END) {
    if (out_pos == out.size()) out.resize(out.size() * 2);
    std::size_t in_chunk = std::min<std::size_t>(in.size() - in_pos, 1u << 30);
    std::size_t out_chunk = std::min<std::size_t>(out.size() - out_pos, 1u << 30);
    bs.next_in = const_cast<char*>(in.data() + in_pos);
    bs.avail_in = static_cast<unsigned>(in_chunk);
    bs.next_out = out.data() + out_pos;
    bs.avail_out = static_cast<unsigned>(out_chunk);
    bool last = in_pos + in_chunk == in.size();
    rc = BZ2_bzCompress(&bs, last ? BZ_FINISH : BZ_RUN);
    if (rc < 0) {
      BZ2_bzCompressEnd(&bs);
      throw Error::InvalidInput(fmt::format("bz2 compression failed ({})", rc));
    }
    in_pos += in_chunk - bs.avail_in;
    out_pos += out_chunk - bs.avail_out;
  }
  BZ2_bzCompressEnd(&bs);
  out.resize(out_pos);
  return out;
}

std::string CompressLzma(const std::string& in, int level, bool xz) {
  lzma_stream strm = LZMA_STREAM_INIT;
  lzma_ret rc;
  if (xz) {
    rc = lzma_easy_encoder(&strm, static_cast<std::uint32_t>(level), LZMA_CHECK_CRC64);  // Python's FORMAT_XZ default
  } else {
    lzma_options_lzma options;
    if (lzma_lzma_preset(&options, static_cast<std::uint32_t>(level))) throw Error::InvalidInput(fmt::format("lzma: bad preset {}", level));
    rc = lzma_alone_encoder(&strm, &options);  // FORMAT_ALONE (.lzma), as joblib's 'lzma'
  }
  if (rc != LZMA_OK) throw Error::InvalidInput(fmt::format("lzma: cannot start a compressor at level {}", level));
  std::string out(in.size() / 2 + 1024, '\0');
  strm.next_in = reinterpret_cast<const std::uint8_t*>(in.data());
  strm.avail_in = in.size();
  std::size_t out_pos = 0;
  while (true) {
    if (out_pos == out.size()) out.resize(out.size() * 2);
    strm.next_out = reinterpret_cast<std::uint8_t*>(out.data() + out_pos);
    strm.avail_out = out.size() - out_pos;
    std::size_t before = strm.avail_out;
    rc = lzma_code(&strm, LZMA_FINISH);
    out_pos += before - strm.avail_out;
    if (rc == LZMA_STREAM_END) break;
    if (rc != LZMA_OK) {
      lzma_end(&strm);
      throw Error::InvalidInput(fmt::format("lzma compression failed ({})", static_cast<int>(rc)));
    }
  }
  lzma_end(&strm);
  out.resize(out_pos);
  return out;
}

std::string CompressLz4(const std::string& in, int level) {
  LZ4F_preferences_t prefs{};
  prefs.compressionLevel = level;
  std::size_t bound = LZ4F_compressFrameBound(in.size(), &prefs);
  std::string out(bound, '\0');
  std::size_t n = LZ4F_compressFrame(out.data(), out.size(), in.data(), in.size(), &prefs);
  if (LZ4F_isError(n)) throw Error::InvalidInput(fmt::format("lz4 compression failed: {}", LZ4F_getErrorName(n)));
  out.resize(n);
  return out;
}

std::string Compress(const std::string& in, Compressor c, int level) {
  switch (c) {
    case Compressor::kNone: return in;
    case Compressor::kZlib: return CompressZlib(in, level, false);
    case Compressor::kGzip: return CompressZlib(in, level, true);
    case Compressor::kBz2: return CompressBz2(in, level);
    case Compressor::kLzma: return CompressLzma(in, level, false);
    case Compressor::kXz: return CompressLzma(in, level, true);
    case Compressor::kLz4: return CompressLz4(in, level);
  }
  throw Error::InvalidInput("unknown compressor");
}

void CheckOptions(const WriteOptions& o) {
  if (o.protocol < 2 || o.protocol > 5) throw Error::InvalidInput(fmt::format("pickle protocol {} is not supported (2 to 5)", o.protocol));
  if (o.joblib_alignment < 0 || o.joblib_alignment > 255) {
    throw Error::InvalidInput(fmt::format("joblib alignment {} is out of range (0 to 255)", o.joblib_alignment));
  }
  if (o.compressor != Compressor::kNone && o.compressor != Compressor::kLz4 && (o.compress_level < 1 || o.compress_level > 9)) {
    throw Error::InvalidInput(fmt::format("compression level {} is out of range (1 to 9)", o.compress_level));
  }
}

}  // namespace

std::string WritePickle(const Graph& graph, const Value* root, const WriteOptions& options) {
  (void)graph;  // the nodes are reached from root; the graph only owns them
  CheckOptions(options);
  if (!root) throw Error::InvalidInput("nothing to write: the graph has no root");
  std::string out;
  Emitter emitter(options, options.protocol, options.format == WriteOptions::Format::kJoblib, &out);
  emitter.Dump(root);
  if (options.compressor == Compressor::kNone) return out;
  return Compress(out, options.compressor, options.compress_level);
}

void WriteModelFile(const std::string& path, const Graph& graph, const Value* root, const WriteOptions& options) {
  std::string bytes = WritePickle(graph, root, options);
  std::string tmp = fmt::format("{}.tmp-{}", path, static_cast<long>(getpid()));
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw Error::Io(fmt::format("cannot create {}: {}", tmp, std::strerror(errno))).InFile(path);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    f.close();
    if (!f) {
      std::remove(tmp.c_str());
      throw Error::Io(fmt::format("cannot write {}", tmp)).InFile(path);
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    std::remove(tmp.c_str());
    throw Error::Io(fmt::format("cannot rename {} to {}: {}", tmp, path, std::strerror(err))).InFile(path);
  }
}

}  // namespace skbridge
