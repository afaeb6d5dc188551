// skbridge/value.h — the inert Python-value graph a pickle decodes to.
//
// The pickle reader never calls anything. Where Python would call a function (REDUCE, NEWOBJ, BUILD
// ...), skbridge records an Object node: the callable (usually a Global reference), its arguments,
// the state BUILD would have set, and the items APPENDS/SETITEMS would have added. numpy arrays are
// recognised and replaced by Array nodes holding typed buffers (see ndarray.h).
//
// All nodes live in a Graph arena and refer to each other by pointer; a value the pickle memoised
// and used twice is one node, and cycles are allowed. A Graph is immutable once loaded and may be
// read from any number of threads.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "skbridge/ndarray.h"

namespace skbridge {

enum class Kind : std::uint8_t {
  kNone,
  kBool,
  kInt,       ///< `integer`, or `big_int` when it does not fit 64 bits
  kFloat,
  kComplex,   ///< builtins.complex(re, im) with numeric arguments
  kStr,       ///< UTF-8 in `text`
  kBytes,     ///< raw bytes in `text`
  kByteArray, ///< raw bytes in `text`
  kList,
  kTuple,
  kDict,
  kSet,
  kFrozenSet,
  kGlobal,    ///< a reference to module.qualname; never resolved to code
  kObject,    ///< a recorded call: callable(args...), then state / items
  kArray,     ///< a numpy ndarray or numpy scalar
  kPickleBuffer,  ///< an out-of-band buffer (protocol 5 NEXT_BUFFER), bytes unavailable
};

const char* KindName(Kind kind);

/// How an Object node was created.
enum class ObjectForm : std::uint8_t { kReduce, kNewObj, kNewObjEx, kInst };

/// The fields a recorded call carries (kObject only).
struct ObjectData {
  ObjectForm form = ObjectForm::kReduce;
  const Value* callable = nullptr;  ///< usually a Global (the class or factory)
  const Value* args = nullptr;      ///< a Tuple (may be empty)
  const Value* kwargs = nullptr;    ///< NEWOBJ_EX only
  const Value* state = nullptr;     ///< the last BUILD argument, or nullptr
  std::vector<const Value*> list_items;  ///< APPEND(S) applied to the object
  std::vector<std::pair<const Value*, const Value*>> dict_items;  ///< SETITEM(S) applied to the object
};

struct Value {
  Kind kind = Kind::kNone;
  bool boolean = false;
  std::uint64_t offset = 0;  ///< byte offset (in the pickle stream) of the opcode that made this node
  std::int64_t integer = 0;
  double real = 0, imag = 0;
  /// str (UTF-8) / bytes / bytearray payload; kGlobal: the module; kInt beyond 64 bits: the
  /// little-endian two's-complement bytes. Points into the input or into the Graph's string store.
  std::string_view text;
  std::string_view name;  ///< kGlobal: the qualified name
  std::vector<const Value*> items;  ///< list, tuple, set, frozenset
  std::vector<std::pair<const Value*, const Value*>> entries;  ///< dict, in insertion order
  ObjectData* object = nullptr;          ///< kObject
  std::shared_ptr<const NdArray> array;  ///< kArray

  bool is_none() const { return kind == Kind::kNone; }
  bool is(Kind k) const { return kind == k; }
  bool is_big_int() const { return kind == Kind::kInt && !text.empty(); }
  /// str or bytes payload (bytes from Python 2 pickles may stand where str is expected).
  bool is_text() const { return kind == Kind::kStr || kind == Kind::kBytes; }
  /// kGlobal: "module.name"; kObject / kArray whose callable is a Global: the callable's path.
  std::string GlobalPath() const;
  /// kObject: the callable when it is a Global, else nullptr.
  const Value* Class() const;
  /// kObject: the state, or nullptr.
  const Value* State() const { return object ? object->state : nullptr; }

  /// Dict lookup by string key (kDict); nullptr when absent.
  const Value* Get(std::string_view key) const;
  /// Python-like short rendering for messages: 'abc', 3, 1.5, <ndarray float64 (3, 4)>, <Pipeline>.
  std::string Repr(std::size_t max_len = 80) const;
  /// Decimal text of an int of any size.
  std::string IntDecimal() const;
};

/// Owns every node of one decoded pickle. Node addresses are stable for the Graph's lifetime.
class Graph {
 public:
  Graph() = default;
  Graph(Graph&&) = default;
  Graph& operator=(Graph&&) = default;
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  Value* New(Kind kind, std::uint64_t offset = 0) {
    Value& v = nodes_.emplace_back();
    v.kind = kind;
    v.offset = offset;
    if (kind == Kind::kObject) v.object = &objects_.emplace_back();
    return &v;
  }
  /// Stores bytes the graph must own (decoded text, big ints) and returns a stable view of them.
  std::string_view Store(std::string bytes) { return strings_.emplace_back(std::move(bytes)); }
  std::size_t node_count() const { return nodes_.size(); }
  /// Node by creation order, for passes over the whole graph. REQUIRES: i < node_count().
  Value* node(std::size_t i) { return &nodes_[i]; }
  const Value* node(std::size_t i) const { return &nodes_[i]; }

  const Value* root = nullptr;
  /// Keeps external memory alive (the mapped file, decompressed buffers) for arrays that point into it.
  std::vector<std::shared_ptr<const void>> keep_alive;

 private:
  std::deque<Value> nodes_;
  std::deque<ObjectData> objects_;
  std::deque<std::string> strings_;
};

/// "module.name"
std::string JoinGlobal(std::string_view module, std::string_view name);

}  // namespace skbridge
