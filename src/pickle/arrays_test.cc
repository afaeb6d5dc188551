// numpy arrays and joblib's inline arrays: hand-built streams for each form numpy and joblib write,
// then real files written by numpy/joblib in three Debian environments (tests/data/numpy/<suite>,
// made by tests/data/make_numpy_pickles.py), each value compared exactly with expected.json.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <functional>

#include "pickle/test_util.h"
#include "skbridge/reader.h"

namespace skbridge {
namespace {

using testing::PickleBuilder;
using testing::Read;
using Op = pickle::Op;
using json = nlohmann::json;

// numpy.dtype(type, False, True) followed by BUILD of its 8-tuple state, as numpy pickles it.
void Dtype(PickleBuilder& p, std::string_view type, std::string_view endian, int elsize = -1, int align = -1,
           int flags = 0) {
  p.global("numpy", "dtype").str(type).newfalse().newtrue().tuple3().reduce();
  p.mark().binint1(3).str(endian).none().none().none().binint(elsize).binint(align).binint(flags).tuple().build();
}

// _reconstruct(ndarray, (0,), b'b') + BUILD (1, shape, dtype, fortran, data).
void Array(PickleBuilder& p, std::string_view module, const std::vector<int>& shape,
           const std::function<void(PickleBuilder&)>& dtype, bool fortran, const std::function<void(PickleBuilder&)>& data) {
  p.global(module, "_reconstruct").global("numpy", "ndarray").binint1(0).tuple1().bytes("b").tuple3().reduce();
  p.mark().binint1(1).mark();
  for (int d : shape) p.binint(d);
  p.tuple();
  dtype(p);
  fortran ? p.newtrue() : p.newfalse();
  data(p);
  p.tuple().build();
}

template <class T>
std::string Raw(std::initializer_list<T> values, bool big_endian = false) {
  std::string out;
  for (T v : values) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    if (big_endian) std::reverse(b, b + sizeof(T));
    out.append(b, sizeof(T));
  }
  return out;
}

const NdArray& ArrayOf(const Value* v) {
  EXPECT_EQ(v->kind, Kind::kArray) << v->Repr();
  static const NdArray kEmpty;
  return v->kind == Kind::kArray ? *v->array : kEmpty;
}

TEST(Arrays, Float64BothModulePaths) {
  for (const char* module : {"numpy.core.multiarray", "numpy._core.multiarray"}) {
    PickleBuilder p;
    p.proto(2);
    Array(p, module, {2, 3}, [](PickleBuilder& q) { Dtype(q, "f8", "<"); }, false,
          [](PickleBuilder& q) { q.bytes(Raw<double>({0, 0.25, 0.5, 0.75, 1, 1.25})); });
    p.stop();
    auto f = Read(p);
    const NdArray& a = ArrayOf(f.graph.root);
    EXPECT_EQ(a.dtype.Str(), "<f8");
    EXPECT_EQ(a.dtype.Name(), "float64");
    EXPECT_EQ(a.ShapeString(), "(2, 3)");
    EXPECT_EQ(a.size(), 6);
    EXPECT_FALSE(a.fortran_order);
    EXPECT_FALSE(a.is_scalar);
    auto v = a.view<double>();
    ASSERT_EQ(v.size(), 6u);
    EXPECT_EQ(v[1], 0.25);
    EXPECT_EQ(v[5], 1.25);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a.data) % 8, 0u);
    EXPECT_EQ(f.graph.root->Repr(), "<ndarray float64 (2, 3)>");
  }
}

TEST(Arrays, BigEndianIsSwapped) {
  PickleBuilder p;
  p.proto(2);
  Array(p, "numpy.core.multiarray", {3}, [](PickleBuilder& q) { Dtype(q, "f8", ">"); }, false,
        [](PickleBuilder& q) { q.bytes(Raw<double>({1.5, -2.0, 1e300}, true)); });
  p.stop();
  auto f = Read(p);
  const NdArray& a = ArrayOf(f.graph.root);
  EXPECT_EQ(a.stored_byteorder, '>');
  EXPECT_EQ(a.dtype.byteorder, '<');
  EXPECT_EQ(a.dtype.Str(), "<f8");
  auto v = a.view<double>();
  EXPECT_EQ(v[0], 1.5);
  EXPECT_EQ(v[1], -2.0);
  EXPECT_EQ(v[2], 1e300);
}

TEST(Arrays, BigEndianInt32) {
  PickleBuilder p;
  p.proto(2);
  Array(p, "numpy.core.multiarray", {2}, [](PickleBuilder& q) { Dtype(q, "i4", ">"); }, false,
        [](PickleBuilder& q) { q.bytes(Raw<std::int32_t>({-2, 65536}, true)); });
  p.stop();
  auto f = Read(p);
  auto v = ArrayOf(f.graph.root).view<std::int32_t>();
  EXPECT_EQ(v[0], -2);
  EXPECT_EQ(v[1], 65536);
}

TEST(Arrays, FortranOrder) {
  PickleBuilder p;
  p.proto(2);
  // [[0, 1, 2], [3, 4, 5]] stored column-major: 0 3 1 4 2 5
  Array(p, "numpy.core.multiarray", {2, 3}, [](PickleBuilder& q) { Dtype(q, "i8", "<"); }, true,
        [](PickleBuilder& q) { q.bytes(Raw<std::int64_t>({0, 3, 1, 4, 2, 5})); });
  p.stop();
  auto f = Read(p);
  const NdArray& a = ArrayOf(f.graph.root);
  EXPECT_TRUE(a.fortran_order);
  auto v = a.view<std::int64_t>();
  EXPECT_EQ(v[1], 3);
  EXPECT_EQ(v[2], 1);
}

// The structured dtype of scikit-learn's tree nodes (NODE_DTYPE): 7 fields before 1.3, 8 after.
void NodeDtype(PickleBuilder& p, bool with_missing) {
  const std::vector<std::pair<const char*, const char*>> fields = {
      {"left_child", "i8"}, {"right_child", "i8"}, {"feature", "i8"}, {"threshold", "f8"},
      {"impurity", "f8"},   {"n_node_samples", "i8"}, {"weighted_n_node_samples", "f8"}, {"missing_go_to_left", "u1"}};
  std::size_t n = with_missing ? 8 : 7;
  p.global("numpy", "dtype").str(with_missing ? "V64" : "V56").newfalse().newtrue().tuple3().reduce();
  p.mark().binint1(3).str("|").none();
  p.mark();
  for (std::size_t i = 0; i < n; ++i) p.str(fields[i].first);
  p.tuple();
  p.empty_dict().mark();
  for (std::size_t i = 0; i < n; ++i) {
    p.str(fields[i].first);
    Dtype(p, fields[i].second, std::string_view(fields[i].second) == "u1" ? "|" : "<");
    p.binint1(static_cast<std::uint8_t>(8 * i)).tuple2();
  }
  p.op(Op::kSetItems);
  p.binint1(with_missing ? 64 : 56).binint1(with_missing ? 8 : 1).binint1(16).tuple().build();
}

struct Node {
  std::int64_t left, right, feature;
  double threshold, impurity;
  std::int64_t n;
  double weighted;
  std::uint8_t missing;
  char pad[7];
};

TEST(Arrays, StructuredTreeNodes) {
  for (bool with_missing : {false, true}) {
    std::string raw;
    for (Node node : {Node{1, 2, 0, 1.5, 0.5, 4, 4.0, 1, {}}, Node{-1, -1, -2, -2.0, 0.0, 2, 2.0, 0, {}}}) {
      raw.append(reinterpret_cast<const char*>(&node), with_missing ? 64 : 56);
    }
    PickleBuilder p;
    p.proto(2);
    Array(p, "numpy.core.multiarray", {2}, [&](PickleBuilder& q) { NodeDtype(q, with_missing); }, false,
          [&](PickleBuilder& q) { q.bytes(raw); });
    p.stop();
    auto f = Read(p);
    const NdArray& a = ArrayOf(f.graph.root);
    ASSERT_TRUE(a.dtype.IsStructured());
    EXPECT_EQ(a.dtype.fields.size(), with_missing ? 8u : 7u);
    EXPECT_EQ(a.dtype.itemsize, with_missing ? 64 : 56);
    ASSERT_NE(a.dtype.Field("threshold"), nullptr);
    EXPECT_EQ(a.dtype.Field("threshold")->offset, 24);
    EXPECT_EQ(a.dtype.Field("threshold")->type.Str(), "<f8");
    EXPECT_EQ(a.dtype.Field("missing_go_to_left") != nullptr, with_missing);
    EXPECT_EQ(a.dtype.Field("nope"), nullptr);
    ASSERT_EQ(a.nbytes, raw.size());
    Node second{};
    std::memcpy(&second, a.data + a.dtype.itemsize, static_cast<std::size_t>(a.dtype.itemsize));
    EXPECT_EQ(second.left, -1);
    EXPECT_EQ(second.feature, -2);
    EXPECT_EQ(second.threshold, -2.0);
    EXPECT_EQ(second.weighted, 2.0);
    Node first{};
    std::memcpy(&first, a.data, static_cast<std::size_t>(a.dtype.itemsize));
    EXPECT_EQ(first.threshold, 1.5);
    EXPECT_EQ(first.n, 4);
    if (with_missing) {
      EXPECT_EQ(first.missing, 1);
    }
  }
}

TEST(Arrays, StructuredFieldOverrunIsFormatError) {
  // A one-field record dtype whose float64 field at offset 4 overruns the 8-byte record; the array
  // fetches it from the memo.
  PickleBuilder q;
  q.proto(2);
  q.global("numpy", "dtype").str("V8").newfalse().newtrue().tuple3().reduce();
  q.mark().binint1(3).str("|").none().str("a").tuple1().empty_dict().str("a");
  Dtype(q, "f8", "<");
  q.binint1(4).tuple2().op(Op::kSetItem).binint1(8).binint1(1).binint1(16).tuple().build().binput(0).op(Op::kPop);
  Array(q, "numpy.core.multiarray", {0}, [](PickleBuilder& r) { r.binget(0); }, false, [](PickleBuilder& r) { r.bytes(""); });
  q.stop();
  Error e = testing::ExpectError([&] { Read(q); });
  EXPECT_EQ(e.code(), ErrorCode::kFormat);
  EXPECT_NE(e.message().find("field 'a' at offset 4 overruns the record of 8 bytes"), std::string::npos) << e.Describe();
  EXPECT_TRUE(e.offset().has_value());
}

TEST(Arrays, ObjectArray) {
  PickleBuilder p;
  p.proto(2);
  Array(p, "numpy.core.multiarray", {3}, [](PickleBuilder& q) { Dtype(q, "O8", "|", -1, -1, 63); }, false,
        [](PickleBuilder& q) { q.mark().str("a").binint1(1).none().op(Op::kList); });
  p.stop();
  auto f = Read(p);
  const NdArray& a = ArrayOf(f.graph.root);
  EXPECT_EQ(a.dtype.kind, DTypeKind::kObject);
  ASSERT_EQ(a.objects.size(), 3u);
  EXPECT_EQ(a.objects[0]->text, "a");
  EXPECT_EQ(a.objects[1]->integer, 1);
  EXPECT_TRUE(a.objects[2]->is_none());
}

TEST(Arrays, ObjectArrayCountMismatch) {
  PickleBuilder p;
  p.proto(2);
  Array(p, "numpy.core.multiarray", {4}, [](PickleBuilder& q) { Dtype(q, "O8", "|", -1, -1, 63); }, false,
        [](PickleBuilder& q) { q.mark().str("a").op(Op::kList); });
  p.stop();
  Error e = testing::ExpectError([&] { Read(p); });
  EXPECT_EQ(e.code(), ErrorCode::kFormat);
  EXPECT_NE(e.message().find("object array of shape (4,) needs 4 elements, the list has 1"), std::string::npos) << e.Describe();
}

TEST(Arrays, UnicodeArray) {
  std::u32string text(U"ab\0xyz", 6);
  std::string raw(reinterpret_cast<const char*>(text.data()), text.size() * 4);
  PickleBuilder p;
  p.proto(2);
  Array(p, "numpy.core.multiarray", {2}, [](PickleBuilder& q) { Dtype(q, "U3", "<", 12, 4, 8); }, false,
        [&](PickleBuilder& q) { q.bytes(raw); });
  p.stop();
  auto f = Read(p);
  const NdArray& a = ArrayOf(f.graph.root);
  EXPECT_EQ(a.dtype.kind, DTypeKind::kUnicode);
  EXPECT_EQ(a.dtype.itemsize, 12);
  EXPECT_EQ(a.dtype.Str(), "<U3");
  auto v = a.view<char32_t>();
  ASSERT_EQ(v.size(), 6u);
  EXPECT_EQ(v[1], U'b');
  EXPECT_EQ(v[5], U'z');
}

TEST(Arrays, DataSizeMismatch) {
  PickleBuilder p;
  p.proto(2);
  Array(p, "numpy.core.multiarray", {2, 3}, [](PickleBuilder& q) { Dtype(q, "f8", "<"); }, false,
        [](PickleBuilder& q) { q.bytes(std::string(40, '\0')); });
  p.stop();
  Error e = testing::ExpectError([&] { Read(p); });
  EXPECT_EQ(e.code(), ErrorCode::kFormat);
  EXPECT_NE(e.message().find("array data has 40 bytes but shape (2, 3) of dtype <f8 needs 48"), std::string::npos)
      << e.Describe();
}

TEST(Arrays, NumpyScalar) {
  PickleBuilder p;
  p.proto(2).global("numpy.core.multiarray", "scalar");
  Dtype(p, "f8", "<");
  p.bytes(Raw<double>({2.5})).tuple2().reduce();
  p.global("numpy._core.multiarray", "scalar");
  Dtype(p, "i8", "<");
  p.bytes(Raw<std::int64_t>({-3})).tuple2().reduce().tuple2().stop();
  auto f = Read(p);
  const NdArray& d = ArrayOf(f.graph.root->items[0]);
  EXPECT_TRUE(d.is_scalar);
  EXPECT_EQ(d.size(), 1);
  EXPECT_EQ(d.view<double>()[0], 2.5);
  EXPECT_EQ(f.graph.root->items[0]->Repr(), "2.5");
  EXPECT_EQ(ArrayOf(f.graph.root->items[1]).view<std::int64_t>()[0], -3);
}

TEST(Arrays, Protocol5FromBufferInBand) {
  std::string raw = Raw<float>({1.0f, -0.5f, 3.0f, 4.0f});
  PickleBuilder q;  // _frombuffer(bytearray, dtype, shape, order)
  q.proto(5).stack_global("numpy.core.numeric", "_frombuffer").mark().op(Op::kByteArray8).le(raw.size(), 8).raw(raw);
  Dtype(q, "f4", "<");
  q.binint1(2).binint1(2).tuple2().str("F").tuple().reduce().stop();
  auto f = Read(q);
  const NdArray& a = ArrayOf(f.graph.root);
  EXPECT_EQ(a.dtype.Str(), "<f4");
  EXPECT_TRUE(a.fortran_order);
  EXPECT_EQ(a.ShapeString(), "(2, 2)");
  EXPECT_EQ(a.view<float>()[1], -0.5f);
  EXPECT_EQ(f.protocol, 5);
}

TEST(Arrays, Protocol5OutOfBandIsUnsupported) {
  PickleBuilder p;
  p.proto(5).stack_global("numpy._core.numeric", "_frombuffer").mark().op(Op::kNextBuffer).op(Op::kReadOnlyBuffer);
  std::size_t buffer_offset = p.size() - 2;
  Dtype(p, "f8", "<");
  p.binint1(3).tuple1().str("C").tuple().reduce().stop();
  Error e = testing::ExpectError([&] { Read(p); });
  EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
  EXPECT_EQ(e.offset(), buffer_offset);
  EXPECT_NE(e.message().find("out-of-band buffer 0"), std::string::npos) << e.Describe();
}

TEST(Arrays, InBandNumpyReconstructWithBytes) {
  // In-band data as protocol-3 bytes (already covered) or protocol-2 _codecs.encode text (numpy
  // under Python 3 with protocol 2): both give the same array.
  PickleBuilder p;
  p.proto(2);
  Array(p, "numpy.core.multiarray", {2}, [](PickleBuilder& q) { Dtype(q, "u1", "|"); }, false, [](PickleBuilder& q) {
    q.global("_codecs", "encode").binunicode("\xc3\xbf\x01").binunicode("latin1").tuple2().reduce();
  });
  p.stop();
  auto f = Read(p);
  auto v = ArrayOf(f.graph.root).view<std::uint8_t>();
  EXPECT_EQ(v[0], 0xff);
  EXPECT_EQ(v[1], 1);
}

TEST(Arrays, PointsIntoOwnedInputWhenAligned) {
  // With an owner and aligned data, the array is a view into the input (no copy).
  PickleBuilder p;
  p.proto(4);
  Array(p, "numpy.core.multiarray", {2}, [](PickleBuilder& q) { Dtype(q, "u1", "|"); }, false,
        [](PickleBuilder& q) { q.bytes("\x07\x08"); });
  p.stop();
  auto holder = std::make_shared<std::string>(p.str_bytes());
  auto f = ReadPickleBytes(testing::AsBytes(*holder), testing::NoHash(), holder);
  const NdArray& a = ArrayOf(f.graph.root);
  EXPECT_GE(a.data, reinterpret_cast<const std::byte*>(holder->data()));
  EXPECT_LT(a.data, reinterpret_cast<const std::byte*>(holder->data() + holder->size()));
  EXPECT_FALSE(a.memory_mapped);
}

// dill's array constructor around anything but numpy's _reconstruct is not an array: it stays a
// call of a code-running name, reported dangerous (dill._dill._create_array(os.system, ('ls',), ...)).
TEST(Arrays, DillConstructorAroundOtherCallablesStaysDangerous) {
  PickleBuilder p;
  p.proto(2).global("dill._dill", "_create_array").mark().global("os", "system").mark().binunicode("ls").tuple().none().none().tuple().reduce().stop();
  auto f = ReadPickleBytes(testing::AsBytes(p.str_bytes()), testing::NoHash());
  EXPECT_EQ(f.graph.root->kind, Kind::kObject);
  bool dill = false;
  for (const auto& g : f.globals) {
    if (g.Path() != "dill._dill._create_array") continue;
    dill = true;
    EXPECT_EQ(g.safety, GlobalSafety::kDangerous);
  }
  EXPECT_TRUE(dill);
}

// ---------------------------------------------------------------------------------------------
// joblib's NumpyArrayWrapper: the array bytes follow the wrapper's BUILD in the stream.

// NumpyArrayWrapper() + BUILD {subclass, shape, order, dtype, allow_mmap[, numpy_array_alignment_bytes]}.
void Wrapper(PickleBuilder& p, const std::vector<int>& shape, const std::function<void(PickleBuilder&)>& dtype,
             bool alignment, std::string_view order = "C") {
  p.stack_global("joblib.numpy_pickle", "NumpyArrayWrapper").empty_tuple().op(Op::kNewObj);
  p.empty_dict().mark();
  p.str("subclass").stack_global("numpy", "ndarray");
  p.str("shape").mark();
  for (int d : shape) p.binint(d);
  p.tuple();
  p.str("order").str(order);
  p.str("dtype");
  dtype(p);
  p.str("allow_mmap").newtrue();
  if (alignment) p.str("numpy_array_alignment_bytes").binint1(16);
  p.op(Op::kSetItems).build();
}

// joblib >= 1.2 pads so that the data starts at a multiple of 16 in the stream.
void Padding(PickleBuilder& p) {
  std::size_t pad = 16 - ((p.size() + 1) % 16);
  p.byte(static_cast<std::uint8_t>(pad)).raw(std::string(pad, '\xff'));
}

TEST(Joblib, InlineArrayWithPadding) {
  PickleBuilder p;
  p.proto(4);
  Wrapper(p, {3}, [](PickleBuilder& q) { Dtype(q, "f8", "<"); }, true);
  Padding(p);
  std::size_t data_at = p.size();
  EXPECT_EQ(data_at % 16, 0u);
  p.raw(Raw<double>({1, 2, 3})).stop();
  // 8-byte aligned storage so that "aligned in the stream" is aligned in memory.
  auto storage = std::make_shared<std::vector<std::uint64_t>>((p.size() + 7) / 8);
  std::memcpy(storage->data(), p.str_bytes().data(), p.size());
  std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(storage->data()), p.size());
  auto f = ReadPickleBytes(bytes, testing::NoHash(), storage);
  EXPECT_EQ(f.container, Container::kJoblib);
  const NdArray& a = ArrayOf(f.graph.root);
  auto v = a.view<double>();
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[2], 3.0);
  EXPECT_EQ(a.data, bytes.data() + data_at);  // no copy
}

TEST(Joblib, InlineArrayWithoutPadding) {
  PickleBuilder p;
  p.proto(3);
  Wrapper(p, {2, 2}, [](PickleBuilder& q) { Dtype(q, "i4", "<"); }, false, "F");
  p.raw(Raw<std::int32_t>({1, 3, 2, 4})).stop();
  auto f = Read(p);
  EXPECT_EQ(f.container, Container::kJoblib);
  const NdArray& a = ArrayOf(f.graph.root);
  EXPECT_TRUE(a.fortran_order);
  EXPECT_EQ(a.view<std::int32_t>()[1], 3);
}

TEST(Joblib, SeveralWrappersInADict) {
  PickleBuilder p;
  p.proto(4).empty_dict().mark().str("a");
  Wrapper(p, {2}, [](PickleBuilder& q) { Dtype(q, "f8", "<"); }, true);
  Padding(p);
  p.raw(Raw<double>({1, 2}));
  p.str("b");
  Wrapper(p, {1}, [](PickleBuilder& q) { Dtype(q, "i8", ">"); }, true);
  Padding(p);
  p.raw(Raw<std::int64_t>({-7}, true));
  p.op(Op::kSetItems).stop();
  auto f = Read(p);
  EXPECT_EQ(ArrayOf(f.graph.root->Get("a")).view<double>()[1], 2.0);
  const NdArray& b = ArrayOf(f.graph.root->Get("b"));
  EXPECT_EQ(b.view<std::int64_t>()[0], -7);
  EXPECT_EQ(b.stored_byteorder, '>');
}

TEST(Joblib, ObjectArrayIsANestedPickle) {
  PickleBuilder p;
  p.proto(4);
  Wrapper(p, {2}, [](PickleBuilder& q) { Dtype(q, "O8", "|", -1, -1, 63); }, true);
  // The nested pickle, protocol 2, as numpy's pickle.dump(array) writes it.
  p.proto(2);
  Array(p, "numpy.core.multiarray", {2}, [](PickleBuilder& q) { Dtype(q, "O8", "|", -1, -1, 63); }, false,
        [](PickleBuilder& q) { q.mark().str("x").binint1(5).op(Op::kList); });
  p.stop();
  p.stop();  // the outer stream's STOP
  auto f = Read(p);
  const NdArray& a = ArrayOf(f.graph.root);
  EXPECT_EQ(a.dtype.kind, DTypeKind::kObject);
  ASSERT_EQ(a.objects.size(), 2u);
  EXPECT_EQ(a.objects[0]->text, "x");
  EXPECT_EQ(a.objects[1]->integer, 5);
}

TEST(Joblib, TruncatedArrayData) {
  PickleBuilder p;
  p.proto(4);
  Wrapper(p, {3}, [](PickleBuilder& q) { Dtype(q, "f8", "<"); }, false);
  std::size_t at = p.size();
  p.raw("12345");
  Error e = testing::ExpectError([&] { Read(p); });
  EXPECT_EQ(e.code(), ErrorCode::kFormat);
  EXPECT_EQ(e.offset(), at);
  EXPECT_NE(e.message().find("truncated: array of shape (3,) (<f8) needs 24 bytes, only 5 remain"), std::string::npos)
      << e.Describe();
}

TEST(Joblib, HugeShapeClaim) {
  PickleBuilder p;
  p.proto(4);
  Wrapper(p, {1000000, 1000000}, [](PickleBuilder& q) { Dtype(q, "f8", "<"); }, false);
  p.raw("0123456789").stop();
  Error e = testing::ExpectError([&] { Read(p); });
  EXPECT_EQ(e.code(), ErrorCode::kFormat);
  EXPECT_NE(e.message().find("needs 8000000000000 bytes"), std::string::npos) << e.Describe();
}

// ---------------------------------------------------------------------------------------------
// Real files written by numpy and joblib (tests/data/numpy/<suite>/expected.json).

std::string Utf32ToUtf8(std::u32string_view s) {
  std::string out;
  for (char32_t c : s) {
    if (c == 0) break;
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

// Element `i` (in memory order) of a simple dtype, as JSON (ints, floats, bools, strings).
json Element(const DType& d, const std::byte* p) {
  auto load = [p](auto x) {
    std::memcpy(&x, p, sizeof(x));
    return x;
  };
  switch (d.kind) {
    case DTypeKind::kBool: return load(std::uint8_t{}) != 0;
    case DTypeKind::kInt:
      if (d.itemsize == 8) return load(std::int64_t{});
      if (d.itemsize == 4) return load(std::int32_t{});
      if (d.itemsize == 2) return load(std::int16_t{});
      return load(std::int8_t{});
    case DTypeKind::kUInt:
      if (d.itemsize == 8) return load(std::uint64_t{});
      if (d.itemsize == 4) return load(std::uint32_t{});
      if (d.itemsize == 2) return load(std::uint16_t{});
      return load(std::uint8_t{});
    case DTypeKind::kFloat: return d.itemsize == 8 ? load(double{}) : static_cast<double>(load(float{}));
    case DTypeKind::kUnicode: {
      std::u32string s(static_cast<std::size_t>(d.itemsize / 4), U'\0');
      std::memcpy(s.data(), p, static_cast<std::size_t>(d.itemsize));
      return Utf32ToUtf8(s);
    }
    case DTypeKind::kBytes: {
      std::string s(reinterpret_cast<const char*>(p), static_cast<std::size_t>(d.itemsize));
      s.erase(s.find_last_not_of('\0') + 1);
      std::string utf8;  // expected.json holds latin-1 decoded text
      for (unsigned char c : s) utf8 += Utf32ToUtf8(std::u32string(1, c));
      return utf8;
    }
    default: ADD_FAILURE() << "unexpected dtype " << d.Str(); return nullptr;
  }
}

json ObjectElement(const Value* v) {
  switch (v->kind) {
    case Kind::kNone: return nullptr;
    case Kind::kInt: return v->integer;
    case Kind::kFloat: return v->real;
    case Kind::kStr: return std::string(v->text);
    default: return v->Repr();
  }
}

// Index in memory order of the element at C-order position `c`.
std::int64_t MemoryIndex(const NdArray& a, std::int64_t c) {
  if (!a.fortran_order || a.ndim() < 2) return c;
  std::vector<std::int64_t> idx(a.ndim());
  for (std::size_t k = a.ndim(); k-- > 0;) {
    idx[k] = c % a.shape[k];
    c /= a.shape[k];
  }
  std::int64_t m = 0;
  for (std::size_t k = a.ndim(); k-- > 0;) m = m * a.shape[k] + idx[k];
  return m;
}

std::string Normalized(std::string dtype_str) {
  if (!dtype_str.empty() && dtype_str[0] == '>') dtype_str[0] = '<';
  return dtype_str;
}

void CheckArray(const Value* v, const json& e, const std::string& where) {
  SCOPED_TRACE(where);
  ASSERT_EQ(v->kind, Kind::kArray) << v->Repr();
  const NdArray& a = *v->array;
  std::vector<std::int64_t> shape = e["shape"];
  EXPECT_EQ(a.shape, shape);
  std::int64_t n = a.size();
  if (e.contains("fields")) {
    ASSERT_TRUE(a.dtype.IsStructured());
    EXPECT_EQ(a.dtype.itemsize, e["itemsize"].get<std::int64_t>());
    ASSERT_EQ(a.dtype.fields.size(), e["fields"].size());
    for (std::size_t k = 0; k < a.dtype.fields.size(); ++k) {
      const DTypeField& field = a.dtype.fields[k];
      EXPECT_EQ(field.name, e["fields"][k][0].get<std::string>());
      EXPECT_EQ(field.type.Str(), Normalized(e["fields"][k][1].get<std::string>()));
      EXPECT_EQ(field.offset, e["fields"][k][2].get<std::int64_t>());
      const json& values = e["values"][field.name];
      ASSERT_EQ(static_cast<std::int64_t>(values.size()), n);
      for (std::int64_t i = 0; i < n; ++i) {
        EXPECT_EQ(Element(field.type, a.data + i * a.dtype.itemsize + field.offset), values[i]) << field.name << "[" << i << "]";
      }
    }
    return;
  }
  EXPECT_EQ(a.dtype.Str(), Normalized(e["dtype"].get<std::string>()));
  const json& values = e["values"];
  ASSERT_EQ(static_cast<std::int64_t>(values.size()), n);
  if (a.dtype.kind == DTypeKind::kObject) {
    ASSERT_EQ(static_cast<std::int64_t>(a.objects.size()), n);
    for (std::int64_t i = 0; i < n; ++i) EXPECT_EQ(ObjectElement(a.objects[i]), values[i]) << i;
    return;
  }
  ASSERT_EQ(a.nbytes, static_cast<std::size_t>(n * a.dtype.itemsize));
  std::int64_t alignment = a.dtype.kind == DTypeKind::kBytes ? 1 : a.dtype.kind == DTypeKind::kUnicode ? 4 : std::min<std::int64_t>(a.dtype.itemsize, 8);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a.data) % static_cast<std::uintptr_t>(alignment), 0u) << "array data is not aligned";
  for (std::int64_t i = 0; i < n; ++i) {
    EXPECT_EQ(Element(a.dtype, a.data + MemoryIndex(a, i) * a.dtype.itemsize), values[i]) << "[" << i << "]";
  }
}

class RealNumpyFiles : public ::testing::TestWithParam<std::string> {};

TEST_P(RealNumpyFiles, EveryValueMatches) {
  auto dir = testing::SourceDir() / "tests/data/numpy" / GetParam();
  json expected = json::parse(testing::ReadFileBytes(dir / "expected.json"));
  ASSERT_FALSE(expected["files"].empty());
  bool numpy2 = expected["numpy"].get<std::string>().starts_with("2.");
  for (const auto& [name, e] : expected["files"].items()) {
    std::string path = (dir / name).string();
    ModelFile f = ReadModelFile(path);
    if (e.contains("scalars")) {
      ASSERT_EQ(f.graph.root->kind, Kind::kTuple);
      ASSERT_EQ(f.graph.root->items.size(), e["scalars"].size());
      for (std::size_t i = 0; i < e["scalars"].size(); ++i) {
        const Value* s = f.graph.root->items[i];
        ASSERT_EQ(s->kind, Kind::kArray) << name << " " << i;
        EXPECT_TRUE(s->array->is_scalar);
        EXPECT_EQ(s->array->dtype.Str(), e["scalars"][i][0].get<std::string>());
        EXPECT_EQ(Element(s->array->dtype, s->array->data), e["scalars"][i][1]) << name << " " << i;
      }
    } else if (e.contains("dict")) {
      EXPECT_EQ(f.container, Container::kJoblib) << name;
      ASSERT_EQ(f.graph.root->kind, Kind::kDict);
      for (const auto& [key, ea] : e["dict"].items()) {
        const Value* v = f.graph.root->Get(key);
        ASSERT_NE(v, nullptr) << key;
        CheckArray(v, ea, name + ":" + key);
        // joblib >= 1.2 aligns array data in the file, so native arrays are not copied.
        bool padded = expected["joblib"].get<std::string>() >= "1.2";
        if (padded && v->array->dtype.kind != DTypeKind::kObject && v->array->stored_byteorder != '>') {
          EXPECT_TRUE(v->array->memory_mapped) << name << ":" << key;
        }
      }
    } else {
      CheckArray(f.graph.root, e, name);
    }
    // numpy 2 writes numpy._core.*, numpy 1 numpy.core.*; both must be recognised.
    for (const auto& g : f.globals) {
      if (g.module.starts_with("numpy.core") || g.module.starts_with("numpy._core")) {
        EXPECT_EQ(g.module.starts_with("numpy._core"), numpy2) << name << " " << g.Path();
      }
      EXPECT_EQ(g.safety, GlobalSafety::kData) << name << " " << g.Path();
    }
    std::string proto = name.substr(name.size() - 6, 2);
    if (proto == "p2" || proto == "p4" || proto == "p5") {
      EXPECT_EQ(f.protocol, proto[1] - '0') << name;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Suites, RealNumpyFiles, ::testing::Values("bullseye", "bookworm", "trixie"));

}  // namespace
}  // namespace skbridge

namespace skbridge {
namespace {

// Every model scikit-learn wrote into tests/fixtures (0.23 to 1.9, pickle protocols 2 and 5,
// joblib, compressed joblib): it reads, references no code-running global, records the protocol its
// name says, and its tree nodes are the structured NODE_DTYPE of its version (7 fields before
// scikit-learn 1.3, 8 after).
TEST(Fixtures, EveryModelReads) {
  auto root = testing::SourceDir() / "tests/fixtures";
  if (!std::filesystem::exists(root)) GTEST_SKIP() << "no fixture corpus at " << root;
  std::size_t files = 0, trees = 0;
  for (const auto& version_dir : std::filesystem::directory_iterator(root)) {
    if (!version_dir.is_directory()) continue;
    const std::string version = version_dir.path().filename().string();
    const std::size_t node_fields = version < "1.3" ? 7 : 8;  // "0.23.2" < "1.2.1" < "1.3" < "1.4.2"
    for (const auto& entry : std::filesystem::directory_iterator(version_dir)) {
      const std::string name = entry.path().filename().string();
      if (name.ends_with(".npy") || name.ends_with(".json") || entry.is_directory()) continue;
      SCOPED_TRACE(entry.path().string());
      ModelFile f = ReadModelFile(entry.path().string(), testing::NoHash());
      ++files;
      // The fixtures' FunctionTransformer(functools.partial(check_array, ...)) is the only
      // dangerous-class global they may hold (partial can call anything, so it is reported).
      for (const auto& g : f.globals) {
        if (g.safety == GlobalSafety::kDangerous) {
          EXPECT_EQ(g.Path(), "functools.partial");
        }
      }
      if (name.ends_with(".p2.pkl") || name.ends_with(".p5.pkl")) {
        EXPECT_EQ(f.protocol, name.ends_with(".p2.pkl") ? 2 : 5);
      }
      for (std::size_t i = 0; i < f.graph.node_count(); ++i) {
        const Value* v = f.graph.node(i);
        // DecisionTree / forest nodes (HistGradientBoosting's predictor records are another dtype).
        if (v->kind != Kind::kArray || !v->array->dtype.Field("left_child")) continue;
        const NdArray& a = *v->array;
        ++trees;
        ASSERT_EQ(a.dtype.fields.size(), node_fields);
        EXPECT_EQ(a.dtype.itemsize, node_fields == 7 ? 56 : 64);
        EXPECT_EQ(a.dtype.Field("left_child")->offset, 0);
        EXPECT_EQ(a.dtype.Field("threshold")->offset, 24);
        EXPECT_EQ(a.dtype.Field("weighted_n_node_samples")->offset, 48);
        EXPECT_EQ(a.nbytes, static_cast<std::size_t>(a.size() * a.dtype.itemsize));
        // Children index inside the array (or are -1 for leaves).
        for (std::int64_t n = 0; n < a.size(); ++n) {
          std::int64_t left;
          std::memcpy(&left, a.data + n * a.dtype.itemsize, 8);
          ASSERT_TRUE(left == -1 || (left > n && left < a.size())) << "node " << n << " left " << left;
        }
      }
    }
  }
  EXPECT_GT(files, 100u);
  EXPECT_GT(trees, 10u);
}

}  // namespace
}  // namespace skbridge
